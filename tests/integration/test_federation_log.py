"""跨城通办, the exchange log: every message sent, applied or refused is chained to the one
before; ``tongban node log verify`` passes on an untouched log and names the first entry that
was edited, deleted or reordered."""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from tests.clock import SYSTEM, TEST_START
from tests.integration.federation_fixtures import PANYU, FakePartner, signed_message
from tongban.adapters import node_keys
from tongban.adapters.db.tables_federation import federation_log
from tongban.bootstrap import Container
from tongban.cli.app import app
from tongban.domain.federation.envelope import TYPES
from tongban.domain.federation.errors import MessageRefused
from tongban.services.federation import messages, node


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(autouse=True)
def no_effects(monkeypatch: pytest.MonkeyPatch) -> None:
    """The log is under test, not the hand-over's effects: every type applies with none."""
    for type in TYPES:
        monkeypatch.setitem(messages.HANDLERS, type, lambda uow, envelope, actor, files: None)


@pytest.fixture
def exchanged(container: Container, tmp_path: Path) -> Container:
    """Five entries: two messages sent, two received and applied, one refused (a replay)."""
    partner = FakePartner.make(items=("PY-001",))
    ring, _ = node_keys.initialise(tmp_path, TEST_START)
    with container.uow() as uow:
        node.init_node(uow, SYSTEM, "https://nanhai.example", ["NH-001"])
        node.trust(uow, SYSTEM, partner.document())
        for _ in range(2):
            messages.send(
                uow, SYSTEM, ring, receiver=PANYU, case_ref="440605-1",
                type="case.handover", item="PY-001", body={"materials": []},
            )  # fmt: skip
    first = signed_message(partner, seq=1)
    for document in (first, signed_message(partner, seq=2), first):
        with container.uow() as uow, contextlib.suppress(MessageRefused):
            messages.receive(uow, SYSTEM, document)
    return container


def verify(container: Container) -> Any:
    env = {
        "TONGBAN_DATABASE_URL": container.engine.url.render_as_string(hide_password=False),
        "TONGBAN_DATA_DIR": str(container.settings.data_dir),
        "TONGBAN_SECRET_KEY": "cli-test-secret-" + "x" * 32,
        "COLUMNS": "200",
    }
    return CliRunner().invoke(app, ["node", "log", "verify"], env=env)


def test_every_message_sent_applied_or_refused_is_logged_in_a_whole_chain(
    exchanged: Container,
) -> None:
    with exchanged.read() as uow:
        rows = list(uow.conn.execute(select(federation_log).order_by(federation_log.c.seq)))
    assert [(r.seq, r.direction, r.outcome) for r in rows] == [
        (1, "out", "sent"),
        (2, "out", "sent"),
        (3, "in", "applied"),
        (4, "in", "applied"),
        (5, "in", "refused:federation_replayed"),
    ]
    assert all(r.prev_hash == p.hash for p, r in itertools.pairwise(rows))
    result = verify(exchanged)
    assert result.exit_code == 0, result.output
    assert "OK：交换日志 5 条记录的哈希链完整" in result.output


def tamper(container: Container, statement: Any) -> None:
    with container.uow() as uow:
        uow.conn.execute(statement)
        uow.commit()


@pytest.mark.parametrize(
    ("change", "broken", "problem"),
    [
        (update(federation_log).where(federation_log.c.seq == 3).values(outcome="refused:x"),
         3, "记录内容已被改动"),
        (update(federation_log).where(federation_log.c.seq == 2).values(
            envelope={"forged": True}), 2, "消息内容已被改动"),
        (delete(federation_log).where(federation_log.c.seq == 2), 2, "缺少第 2 条记录"),
        (delete(federation_log).where(federation_log.c.seq == 5), 5, "记录被删除"),
        (update(federation_log).where(federation_log.c.seq == 4).values(peer="440106"),
         4, "记录内容已被改动"),
    ],
)  # fmt: skip
def test_a_tampered_entry_breaks_the_chain_there(
    exchanged: Container, change: Any, broken: int, problem: str
) -> None:
    tamper(exchanged, change)
    result = verify(exchanged)
    assert result.exit_code == 1
    assert f"损坏：交换日志第 {broken} 条" in result.output
    assert problem in result.output


def test_an_empty_log_verifies(container: Container) -> None:
    result = verify(container)
    assert result.exit_code == 0
    assert "0 条记录" in result.output
