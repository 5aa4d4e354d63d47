"""What operators see: JSON log lines with the request context, the same request id on the
worker's delivery of what the request queued, Prometheus metrics at /metrics, and /readyz that
goes red when the worker stops or the outbox backs up."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import select

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import TEST_START
from tests.factories import make_citizen, resident_id
from tongban.adapters.db.tables import outbox, worker_heartbeats
from tongban.bootstrap import Container
from tongban.domain.shared.clock import PinnedClock
from tongban.services.platform import outbox as outbox_service
from tongban.services.platform import telemetry
from tongban.worker import Worker


class Lines:
    """Every log line as the server writes it: formatted when it is emitted, in its context."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(telemetry.JsonFormatter())

    def parsed(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def lines() -> Iterator[Lines]:
    found = Lines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(found.handler)
    root.setLevel(logging.INFO)
    try:
        yield found
    finally:
        root.removeHandler(found.handler)
        root.setLevel(level)


def sample(body: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition (0 when absent)."""
    for family in text_string_to_metric_families(body):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return 0.0


def test_metrics_count_each_request_by_route_template_and_status(client: Any) -> None:
    before = client.get("/metrics").text
    for _ in range(2):
        assert client.get("/items").status_code == 200
    assert client.get("/items/NO-SUCH-ITEM").status_code == 404
    after = client.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    labels = {"method": "GET", "route": "/items"}
    counted = "tongban_http_requests_total"
    assert sample(after.text, counted, status="200", **labels) - sample(
        before, counted, status="200", **labels
    ) == pytest.approx(2)
    missing = {"method": "GET", "route": "/items/{code}", "status": "404"}
    assert sample(after.text, counted, **missing) - sample(before, counted, **missing) == 1
    durations = "tongban_http_request_duration_seconds_count"
    assert sample(after.text, durations, **labels) - sample(before, durations, **labels) == 2
    # The raw path never becomes a label: one series per route, whatever the item code.
    assert "NO-SUCH-ITEM" not in after.text
    for gauge in ("tongban_outbox_oldest_waiting_seconds", "tongban_workers_alive"):
        assert f"# TYPE {gauge} gauge" in after.text


def test_metrics_behind_a_token_refuse_anyone_without_it(container: Container, client: Any) -> None:
    container.settings.metrics_token = SecretStr("scrape-me")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    allowed = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert allowed.status_code == 200 and "tongban_http_requests_total" in allowed.text


def test_readyz_is_red_without_a_worker_green_while_one_beats_and_red_when_it_stops(
    container: Container, client: Any
) -> None:
    seed_test_calendar(container)
    clock = container.clock
    assert isinstance(clock, PinnedClock)
    first = client.get("/readyz")
    assert first.status_code == 503
    assert first.json()["checks"]["worker"] == {
        "status": "fail",
        "alive": 0,
        "last_beat_seconds_ago": None,
        "stale_after_seconds": container.settings.worker_stale_seconds,
    }
    worker = Worker(container, worker_id="host:4242:abc", sweeps={})
    worker.run_once()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["checks"]["worker"]["alive"] == 1
    assert ready.json()["checks"]["database"]["status"] == "ok"

    # The worker dies without a word: its heartbeat goes stale and /readyz turns red.
    clock.advance(timedelta(seconds=container.settings.worker_stale_seconds + 1))
    stale = client.get("/readyz")
    assert stale.status_code == 503 and stale.json()["checks"]["worker"]["alive"] == 0

    # A worker that stops on purpose removes its row at once.
    worker.run_once()
    assert client.get("/readyz").status_code == 200
    worker.stop()
    worker.run_forever()  # returns at once: stopped before its first pass
    with container.read() as uow:
        assert uow.conn.execute(select(worker_heartbeats)).all() == []
    assert client.get("/readyz").json()["checks"]["worker"]["status"] == "fail"


def test_readyz_warns_then_fails_as_the_oldest_outbox_message_ages(
    container: Container, client: Any
) -> None:
    seed_test_calendar(container)
    clock = container.clock
    assert isinstance(clock, PinnedClock)
    Worker(container, worker_id="host:1:abc", sweeps={}).beat()
    citizen = make_citizen(container)
    with container.uow() as uow:
        outbox_service.enqueue_sms(uow.conn, "13800138000", "测试", now=clock.now())
        uow.commit()
    limit = container.settings.outbox_max_age_seconds
    assert client.get("/readyz").json()["checks"]["outbox"]["status"] == "ok"
    clock.advance(timedelta(seconds=limit // 2 + 1))
    Worker(container, worker_id="host:1:abc", sweeps={}).beat()  # a fresh worker, same host
    warned = client.get("/readyz").json()["checks"]["outbox"]
    assert warned["status"] == "warn" and warned["waiting"] == 1
    clock.advance(timedelta(seconds=limit // 2))
    Worker(container, worker_id="host:2:def", sweeps={}).beat()
    failed = client.get("/readyz")
    assert failed.status_code == 503 and failed.json()["checks"]["outbox"]["status"] == "fail"
    assert citizen.user_id  # the citizen only gives the SMS a real recipient


def test_a_request_logs_one_json_line_and_its_worker_job_carries_the_same_id(
    container: Container, client: Any, lines: Lines
) -> None:
    citizen = make_citizen(container, password=None, phone="13712345678")
    response = client.post(
        "/api/v1/auth/sms-code",
        json={"id_number": citizen.login},
        headers={"X-Request-ID": "req-observed-1"},
    )
    assert response.status_code == 202 and response.headers["X-Request-ID"] == "req-observed-1"
    with container.read() as uow:
        queued = uow.conn.execute(select(outbox.c.kind, outbox.c.request_id)).all()
    assert [tuple(r) for r in queued] == [("sms", "req-observed-1")]

    logged = lines.parsed()
    access = [line for line in logged if line["logger"] == "tongban.access"]
    assert len(access) == 1
    assert access[0]["request_id"] == "req-observed-1"
    assert access[0]["route"] == "/api/v1/auth/sms-code"
    assert access[0]["status"] == 202 and access[0]["duration_ms"] >= 0
    assert access[0]["level"] == "INFO" and access[0]["time"].endswith("Z")
    # The SMS is sent after the commit, under the request's id; the phone number never shows.
    delivered = [line for line in logged if "delivered" in line["message"]]
    assert delivered and delivered[0]["request_id"] == "req-observed-1"
    assert "13712345678" not in lines.stream.getvalue()


def test_a_signed_in_users_request_line_names_the_user_by_id_only(
    container: Container, client: Any, lines: Lines
) -> None:
    number = resident_id(1234)
    citizen = make_citizen(container, id_number=number, name="李小红")
    login = client.post(
        "/api/v1/auth/login", json={"login": citizen.login, "password": citizen.password}
    )
    assert login.status_code == 200
    client.get("/api/v1/me", headers={"X-Request-ID": "req-me"})
    line = next(r for r in lines.parsed() if r.get("request_id") == "req-me")
    assert line["user_id"] == citizen.user_id and line["route"] == "/api/v1/me"
    text = lines.stream.getvalue()
    assert number not in text and "李小红" not in text


def test_the_worker_counts_its_sweeps_and_deliveries(container: Container, client: Any) -> None:
    def fine(_container: Container, _now: object) -> None:
        return None

    def broken(_container: Container, _now: object) -> None:
        raise RuntimeError("boom")

    from tongban.worker import Sweep

    sweeps = {
        name: Sweep(name, run, timedelta(minutes=1), timedelta(minutes=5))
        for name, run in (("obs_fine", fine), ("obs_broken", broken))
    }
    before = client.get("/metrics").text
    with container.uow() as uow:
        outbox_service.enqueue_sms(uow.conn, "13800138000", "测试", now=TEST_START)
        uow.commit()
    Worker(container, worker_id="host:3:abc", sweeps=sweeps).run_once()
    after = client.get("/metrics").text
    runs = "tongban_sweep_runs_total"
    for name, outcome in (("obs_fine", "ok"), ("obs_broken", "failed")):
        labels = {"sweep": name, "outcome": outcome}
        assert sample(after, runs, **labels) - sample(before, runs, **labels) == 1
    sent = "tongban_outbox_deliveries_total"
    assert sample(after, sent, outcome="sent") - sample(before, sent, outcome="sent") == 1
    assert sample(after, "tongban_workers_alive") == 1


def test_the_grafana_dashboard_plots_only_metrics_the_platform_exposes(
    container: Container, client: Any
) -> None:
    seed_test_calendar(container)
    Worker(container, worker_id="host:5:abc", sweeps={}).beat()
    client.get("/items")
    exposed = {
        family.name for family in text_string_to_metric_families(client.get("/metrics").text)
    }
    dashboard = json.loads(
        (Path(__file__).parents[2] / "docs" / "grafana" / "tongban.json").read_text("utf-8")
    )
    queries = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {
        re.sub(r"_(bucket|total|count|sum)$", "", name)
        for query in queries
        for name in re.findall(r"\btongban_[a-z_]+", query)
    }
    assert used and used <= exposed, used - exposed
