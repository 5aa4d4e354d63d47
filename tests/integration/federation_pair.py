"""Two nodes in one test: 南海 (the test's database) and 番禺 (a second SQLite database), each
its own app, the network between them in process (``InProcess``), each trusting the other (its
node document with its licence keys)."""

from __future__ import annotations

import dataclasses
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.clock import SYSTEM, TEST_START
from tongban.adapters import node_keys
from tongban.adapters.db.engine import build_engine
from tongban.adapters.db.tables import jurisdiction
from tongban.bootstrap import Container
from tongban.config import Settings
from tongban.demo.jurisdictions import PANYU as PANYU_PRESET
from tongban.domain.shared.clock import PinnedClock
from tongban.domain.shared.jurisdiction import check_jurisdiction
from tongban.services.federation import node
from tongban.web.app import build_app


@pytest.fixture
def keep_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


class InProcess:
    """The network between the two nodes: a POST to a node's base URL reaches its app."""

    def __init__(self) -> None:
        self.clients: dict[str, TestClient] = {}
        self.down: set[str] = set()

    def post_json(self, url: str, document: dict[str, Any]) -> tuple[int, Any]:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        if base in self.down:
            raise ConnectionRefusedError(base)
        answer = self.clients[base].post(parts.path, json=document)
        return answer.status_code, answer.json()

    def get_json(self, url: str) -> tuple[int, Any]:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        if base in self.down:
            raise ConnectionRefusedError(base)
        answer = self.clients[base].get(parts.path)
        return answer.status_code, answer.json()


@dataclasses.dataclass
class Pair:
    nanhai: Container
    panyu: Container
    network: InProcess


def _panyu_container(tmp_path: Path, template: Path, network: InProcess) -> Container:
    path = tmp_path / "panyu.db"
    shutil.copy(template, path)
    engine = build_engine(f"sqlite:///{path}")
    document = check_jurisdiction(PANYU_PRESET).as_document()
    with engine.begin() as conn:
        conn.execute(
            update(jurisdiction).values(region_code=document["region_code"], document=document)
        )
    settings = Settings(
        data_dir=tmp_path / "panyu",
        database_url=f"sqlite:///{path}",
        secret_key="test-secret-key-" + "y" * 32,  # type: ignore[arg-type]
        clock_start=TEST_START,
    )
    return Container(
        settings=settings,
        engine=engine,
        secret_key="test-secret-2",
        clock=PinnedClock(TEST_START),
        federation_transport=network,
    )


@pytest.fixture
def pair(container: Container, tmp_path: Path, migrated_sqlite: Path) -> Iterator[Pair]:
    """南海 (this test's database, deciding NH-001) and 番禺 (a second SQLite database,
    deciding PY-001), each trusting the other, each app reachable through ``network``."""
    network = InProcess()
    nanhai = dataclasses.replace(container, federation_transport=network)
    panyu = _panyu_container(tmp_path, migrated_sqlite, network)
    documents = {}
    for side, url, item in ((nanhai, "http://nanhai.test", "NH-001"),
                            (panyu, "http://panyu.test", "PY-001")):  # fmt: skip
        node_keys.initialise(side.settings.resolved_keys_dir(), TEST_START)
        with side.uow() as uow:
            node.init_node(uow, SYSTEM, url, [item])
            documents[url] = node.node_document(uow.conn, side.node_keys, side.keys.jwks())
    for side, other in ((nanhai, "http://panyu.test"), (panyu, "http://nanhai.test")):
        with side.uow() as uow:
            node.trust(uow, SYSTEM, documents[other])
    with TestClient(build_app(nanhai)) as a, TestClient(build_app(panyu)) as b:
        network.clients = {"http://nanhai.test": a, "http://panyu.test": b}
        yield Pair(nanhai, panyu, network)
    panyu.engine.dispose()
