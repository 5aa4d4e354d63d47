"""跨城通办 hand-over throughput beside the single-node window submission, in one run.

Two nodes in one process, each its own app and SQLite database (南海 accepts, 番禺 decides),
the network between them in process: what is measured is the work of the exchange itself (the
window's checks, signing, the outbox, the partner's verification, its new case, the signed
receipt and its check here), not a network or a worker's polling interval, which a deployment
adds on top (``tongban worker --interval``, 2 s by default).

    PYTHONPATH=src python bench/federation_bench.py [--cases 200]

Prints: window submissions per second on one node; hand-overs per second end to end (accepted
here, applied there, acknowledged here); and the delay from acceptance here to the case being
there and acknowledged, p50 and p99.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
from common import BENCH_START, SYSTEM

from tongban.adapters.db import migrate
from tongban.adapters.db.tables_federation import federation_received, federation_sent
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.demo import federation as demo
from tongban.demo.jurisdictions import NANHAI
from tongban.domain.catalogue.model import Level
from tongban.domain.federation.handover import MaterialFile
from tongban.domain.network.model import Centre
from tongban.domain.people.model import Role, RoleAssignment
from tongban.domain.shared.identity import IdType
from tongban.services.cases import lifecycle
from tongban.services.catalogue import items as catalogue
from tongban.services.federation import handover, items, node
from tongban.services.network import structure
from tongban.services.people import accounts as people
from tongban.services.people.sessions import load_principal
from tongban.services.platform import calendar, jurisdiction, outbox
from tongban.services.platform.context import Actor
from tongban.web.app import build_app

APPLICANT = "11010519491231002X"
FORM = {"shop_name": "番禺小食", "owner_id": APPLICANT}
MATERIALS = [
    MaterialFile("经营者身份证明", b"x" * 20_000),
    MaterialFile("经营场所使用证明", b"y" * 20_000),
]


class InProcess:
    def __init__(self) -> None:
        self.clients: dict[str, TestClient] = {}

    def _client(self, url: str) -> tuple[TestClient, str]:
        parts = urlsplit(url)
        return self.clients[f"{parts.scheme}://{parts.netloc}"], parts.path

    def post_json(self, url: str, document: dict[str, Any]) -> tuple[int, Any]:
        client, path = self._client(url)
        answer = client.post(path, json=document)
        return answer.status_code, answer.json()

    def get_json(self, url: str) -> tuple[int, Any]:
        client, path = self._client(url)
        answer = client.get(path)
        return answer.status_code, answer.json()


def _node(data_dir: Path, links: InProcess) -> Container:
    settings = Settings(data_dir=data_dir, log_level="WARNING", clock_start=BENCH_START)
    container = build_container(settings)
    migrate.upgrade(container.engine)
    return dataclasses.replace(container, federation_transport=links)


def build(tmp: Path, links: InProcess) -> tuple[Container, Container, int]:
    nanhai, panyu = _node(tmp / "nanhai", links), _node(tmp / "panyu", links)
    demo.load_panyu(panyu, SYSTEM)
    with nanhai.uow() as uow:
        jurisdiction.configure(uow, SYSTEM, NANHAI)
        structure.upsert_departments(uow, SYSTEM, demo.PANYU_DEPARTMENTS)
        structure.upsert_centres(uow, SYSTEM, [Centre(
            code="C-GC", name="桂城街道行政服务中心", level=Level.TOWN, town="桂城街道",
            latitude=23.04, longitude=113.15)])  # fmt: skip
        calendar.seed_official(uow, SYSTEM, source=nanhai.official_schedules)
        from tongban.demo.loader import demo_calendar

        demo_calendar(uow, SYSTEM, nanhai.settings.calendar_warn_days)
        local = demo.PANYU_ITEMS[0].model_copy(update={"code": "NH-BENCH"})
        catalogue.publish_spec(uow, SYSTEM, local)
        clerk = people.create_staff(
            uow, SYSTEM, "clerk.bench", "林小燕", "Bench@2026x", [RoleAssignment(Role.CLERK,
            centre_code="C-GC")])  # fmt: skip
    documents = {}
    for side, url, offers in ((nanhai, "http://nanhai.bench", []),
                              (panyu, "http://panyu.bench", list(demo.PANYU_OFFERS))):  # fmt: skip
        demo.make_node(side, SYSTEM, url, offers)
        with side.read() as uow:
            documents[url] = node.node_document(uow.conn, side.node_keys)
    with nanhai.uow() as uow:
        node.trust(uow, SYSTEM, documents["http://panyu.bench"])
    with panyu.uow() as uow:
        node.trust(uow, SYSTEM, documents["http://nanhai.bench"])
    return nanhai, panyu, clerk


def clerk_actor(container: Container, user_id: int) -> Actor:
    with container.read() as uow:
        return Actor(principal=load_principal(uow.conn, user_id), request_id="bench",
                     at=BENCH_START)  # fmt: skip


def count(container: Container, table: Any) -> int:
    with container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(cases: int) -> None:
    links = InProcess()
    with tempfile.TemporaryDirectory() as tmp:
        nanhai, panyu, clerk = build(Path(tmp), links)
        with TestClient(build_app(nanhai)) as a, TestClient(build_app(panyu)) as b:
            links.clients = {"http://nanhai.bench": a, "http://panyu.bench": b}
            with nanhai.uow() as uow:
                items.sync(uow, SYSTEM, links, "440113")
            actor = clerk_actor(nanhai, clerk)
            application = lifecycle.Application(
                item_code="NH-BENCH", form=FORM, materials=[m.name for m in MATERIALS]
            )
            with nanhai.uow() as uow:
                applicant = people.create_citizen(
                    uow, SYSTEM, IdType.RESIDENT_ID, APPLICANT, "李四", "13800138000"
                )
            started = time.perf_counter()
            for _ in range(cases):
                with nanhai.uow() as uow:
                    lifecycle.submit_at_window(uow, actor, applicant, application)
            local = cases / (time.perf_counter() - started)

            request = handover.HandOver(
                partner="440113", item_code="PY-001", applicant_name="李四",
                id_number=APPLICANT, form=FORM, materials=MATERIALS, consent=True,
            )  # fmt: skip
            while outbox.deliver(nanhai, "bench", BENCH_START).claimed:
                pass  # the applicant's SMS of the submissions above: not part of what follows
            delays: list[float] = []
            started = time.perf_counter()
            for _ in range(cases):
                t0 = time.perf_counter()
                with nanhai.uow() as uow:
                    handover.hand_over(uow, actor, nanhai.node_keys, request)
                batch = outbox.deliver(nanhai, "bench", BENCH_START)
                assert batch.sent == 1, batch
                delays.append(time.perf_counter() - t0)
            federated = cases / (time.perf_counter() - started)
            assert count(panyu, federation_received) == cases
            with nanhai.read() as uow:
                acked = uow.conn.execute(
                    select(func.count()).where(federation_sent.c.status == "acknowledged")
                ).scalar_one()
            assert acked == cases
    print(f"cases per run: {cases} (SQLite, two nodes in one process, 2 materials of 20 kB)")
    print(f"window submission, one node:             {local:8.1f} cases/s")
    print(f"hand-over to partner's acknowledgement:  {federated:8.1f} cases/s "
          f"({federated / local:.2f} × the single-node submission)")  # fmt: skip
    p50, p99 = statistics.median(delays) * 1000, percentile(delays, 99) * 1000
    print(f"delay acceptance here → applied there and acknowledged: "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (plus the worker's polling interval)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    run(parser.parse_args().cases)


if __name__ == "__main__":
    main()
