"""跨城通办 between two nodes, each its own app on its own database: a message leaves through
the outbox only with the change that made it, is delivered to the partner's
``POST /federation/v1/messages``, applied there once and answered with a signed receipt;
replays and forgeries get signed refusals; both exchange logs stay whole."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.clock import SYSTEM
from tests.integration.federation_fixtures import PANYU, FakePartner, signed_message
from tests.integration.federation_pair import Pair
from tongban.adapters.db.tables import outbox
from tongban.adapters.db.tables_federation import federation_received, federation_sent
from tongban.bootstrap import Container
from tongban.domain.federation.envelope import check_signed
from tongban.domain.federation.receipt import parse_receipt

# Imported first so the real handlers are registered before the fixture stubs one and puts it back.
from tongban.services.cases import federated  # noqa: F401
from tongban.services.federation import exchange_log, messages, node
from tongban.services.platform import outbox as outbox_svc

pytestmark = pytest.mark.usefixtures("keep_logging")

SHA = "a" * 64


@pytest.fixture(autouse=True)
def no_effects(monkeypatch: pytest.MonkeyPatch) -> None:
    """The exchange itself: the messages these tests send (``case.withdrawn``) have no effect
    here (the withdrawal's effect has tests of its own)."""
    monkeypatch.setitem(messages.HANDLERS, "case.withdrawn", lambda uow, env, actor, files: None)


def hand_over(side: Container, case_ref: str = "440605-1") -> dict[str, Any]:
    with side.uow() as uow:
        return messages.send(
            uow, SYSTEM, side.node_keys, receiver=PANYU, case_ref=case_ref,
            type="case.withdrawn", item="PY-001",
            body={"form": {"事项": "PY-001"}, "materials": [{"name": "户口簿", "sha256": SHA}]},
        )  # fmt: skip


def count(side: Container, table: Any) -> int:
    with side.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def sent_status(side: Container, message_id: str) -> str:
    with side.read() as uow:
        return str(
            uow.conn.execute(
                select(federation_sent.c.status).where(federation_sent.c.message_id == message_id)
            ).scalar_one()
        )


def deliver(side: Container) -> outbox_svc.Batch:
    return outbox_svc.deliver(side, "test-worker", side.clock.now())


def test_a_message_leaves_only_with_the_change_that_made_it(pair: Pair) -> None:
    with pytest.raises(RuntimeError), pair.nanhai.uow() as uow, uow.atomic():
        messages.send(
            uow, SYSTEM, pair.nanhai.node_keys, receiver=PANYU, case_ref="440605-9",
            type="case.handover", item="PY-001", body={},
        )  # fmt: skip
        raise RuntimeError("the change fails")
    assert count(pair.nanhai, federation_sent) == 0
    assert count(pair.nanhai, outbox) == 0
    hand_over(pair.nanhai)
    assert count(pair.nanhai, federation_sent) == 1
    assert count(pair.nanhai, outbox) == 1


def test_a_handed_over_message_is_applied_there_once_and_acknowledged_here(pair: Pair) -> None:
    sent = hand_over(pair.nanhai)
    pair.network.down.add("http://panyu.test")
    batch = deliver(pair.nanhai)
    assert (batch.sent, batch.retried) == (0, 1)  # the partner is down: tried again later
    assert sent_status(pair.nanhai, sent["id"]) == "pending"
    assert count(pair.panyu, federation_received) == 0

    pair.network.down.clear()
    pair.nanhai.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    assert deliver(pair.nanhai).sent == 1
    assert sent_status(pair.nanhai, sent["id"]) == "acknowledged"
    assert count(pair.panyu, federation_received) == 1

    # The same message delivered again (a retry after a lost answer) is applied once: the
    # signed refusal says it was applied before.
    status, answer = pair.network.post_json("http://panyu.test/federation/v1/messages", sent)
    assert status == 409
    receipt = parse_receipt(answer)
    assert (receipt.code, receipt.delivered) == ("federation_replayed", True)
    assert count(pair.panyu, federation_received) == 1

    for side in (pair.nanhai, pair.panyu):
        with side.read() as uow:
            assert exchange_log.verify(uow.conn).ok


def test_a_forged_or_unagreed_message_gets_a_signed_refusal_and_changes_nothing(
    pair: Pair,
) -> None:
    forger = FakePartner.make("440605", "佛山市南海区", items=("NH-001",))
    forged = signed_message(forger, receiver=PANYU, item="PY-001")
    status, answer = pair.network.post_json("http://panyu.test/federation/v1/messages", forged)
    assert status == 403
    receipt = parse_receipt(answer)
    assert (receipt.outcome, receipt.code) == ("refused", "federation_bad_signature")
    assert receipt.document["reason"] == "消息签名无效。"
    with pair.nanhai.read() as uow:
        panyu_document = node.partner(uow.conn, PANYU)
    assert panyu_document is not None
    check_signed(receipt.document, receipt.signature, panyu_document.public_key(receipt.kid))

    sent = hand_over(pair.nanhai)
    with pair.panyu.uow() as uow:  # 番禺 withdraws PY-001 from what 南海 may accept for it
        node.init_node(uow, SYSTEM, "http://panyu.test", [])
    assert deliver(pair.nanhai).sent == 1
    assert sent_status(pair.nanhai, sent["id"]) == "refused"
    with pair.nanhai.read() as uow:
        stored = uow.conn.execute(
            select(federation_sent.c.answer).where(federation_sent.c.message_id == sent["id"])
        ).scalar_one()
    assert stored["code"] == "federation_item_not_accepted"
    assert count(pair.panyu, federation_received) == 0


def test_a_refused_message_is_listed_here_with_its_code_and_reason(pair: Pair) -> None:
    from typer.testing import CliRunner

    from tongban.cli.app import app

    sent = hand_over(pair.nanhai)
    with pair.panyu.uow() as uow:
        node.init_node(uow, SYSTEM, "http://panyu.test", [])
    deliver(pair.nanhai)
    env = {
        "TONGBAN_DATABASE_URL": pair.nanhai.engine.url.render_as_string(hide_password=False),
        "TONGBAN_DATA_DIR": str(pair.nanhai.settings.data_dir),
        "TONGBAN_SECRET_KEY": "cli-test-secret-" + "x" * 32,
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(app, ["node", "sent", "--status", "refused"], env=env)
    assert result.exit_code == 0, result.output
    assert sent["id"] in result.output
    assert "被拒收 federation_item_not_accepted：事项 PY-001 不在与 440605 约定的" in result.output
    pending = CliRunner().invoke(app, ["node", "sent", "--status", "pending"], env=env)
    assert "没有已发送的消息" in pending.output
    bad = CliRunner().invoke(app, ["node", "sent", "--status", "lost"], env=env)
    assert bad.exit_code == 2
