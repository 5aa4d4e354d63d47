"""跨城通办 messages: a partner's signed message is applied exactly once, and every message that
must not be applied is refused with its code, changing nothing."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.clock import SYSTEM, TEST_START
from tests.integration.federation_fixtures import PANYU, FakePartner, signed_message
from tongban.adapters import node_keys
from tongban.adapters.db.tables import audit_log
from tongban.adapters.db.tables_federation import federation_received, federation_sent
from tongban.bootstrap import Container
from tongban.domain.federation import envelope as rules
from tongban.domain.federation.errors import MessageRefused, PartnerNotFound
from tongban.domain.federation.node import parse_node_document
from tongban.services.federation import messages, node
from tongban.services.platform import audit


@pytest.fixture
def panyu(container: Container) -> FakePartner:
    """This node (南海, deciding NH-001) trusts 番禺 (deciding PY-001)."""
    partner = FakePartner.make(items=("PY-001",))
    with container.uow() as uow:
        node.init_node(uow, SYSTEM, "https://nanhai.example", ["NH-001"])
        node.trust(uow, SYSTEM, partner.document())
    return partner


@pytest.fixture(autouse=True)
def effects(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each applied message writes one audit entry instead of its real effect (the hand-over's
    effects have tests of their own): the effect the tests count."""

    def handover(uow: Any, envelope: rules.Envelope, actor: Any, _files: Any) -> None:
        audit.record(uow.conn, actor, "test.handover_applied", "case", envelope.case_ref, {})

    for type in rules.TYPES:
        monkeypatch.setitem(messages.HANDLERS, type, handover)


def receive(container: Container, document: Any, at: Any = TEST_START) -> rules.Envelope:
    with container.uow() as uow:
        return messages.receive(uow, replace(SYSTEM, at=at), document)


def counts(container: Container) -> tuple[int, int]:
    """Messages applied, and effects made."""
    with container.read() as uow:
        applied = uow.conn.execute(select(func.count()).select_from(federation_received))
        made = uow.conn.execute(
            select(func.count()).where(audit_log.c.action == "test.handover_applied")
        )
        return applied.scalar_one(), made.scalar_one()


def refused(container: Container, document: Any, at: Any = TEST_START) -> str:
    before = counts(container)
    with pytest.raises(MessageRefused) as caught:
        receive(container, document, at)
    assert counts(container) == before
    return caught.value.code


@pytest.mark.usefixtures("effects")
def test_a_message_is_applied_once_however_often_it_is_delivered(
    container: Container, panyu: FakePartner
) -> None:
    message = signed_message(panyu)
    applied = receive(container, message)
    assert (applied.sender, applied.seq, applied.type) == (PANYU, 1, "case.handover")
    assert counts(container) == (1, 1)
    assert refused(container, message) == "federation_replayed"
    assert counts(container) == (1, 1)


@pytest.mark.usefixtures("effects")
def test_messages_of_a_case_are_applied_in_sequence(
    container: Container, panyu: FakePartner
) -> None:
    second = signed_message(panyu, seq=2)
    assert refused(container, second) == "federation_out_of_sequence"
    receive(container, signed_message(panyu, seq=1))
    receive(container, second)
    other_case = signed_message(panyu, case_ref="440113-2026-0000002", seq=1)
    receive(container, other_case)  # every case has its own sequence
    assert counts(container) == (3, 3)


@pytest.mark.usefixtures("effects")
def test_a_tampered_message_is_refused(container: Container, panyu: FakePartner) -> None:
    message = signed_message(panyu)
    message["body"]["form"]["申请人"] = "王**"
    assert refused(container, message) == "federation_bad_signature"
    material = signed_message(panyu, body={"materials": [{"name": "a", "sha256": "a" * 64}]})
    material["body"]["materials"][0]["sha256"] = "b" * 64  # a swapped material
    assert refused(container, material) == "federation_bad_signature"


@pytest.mark.usefixtures("effects")
def test_a_message_signed_by_a_key_the_partner_never_published_is_refused(
    container: Container, panyu: FakePartner
) -> None:
    impostor = FakePartner.make()  # same region code and kid, another key
    assert refused(container, signed_message(impostor)) == "federation_bad_signature"
    unknown_kid = replace(panyu, kid="440113-k9")
    assert refused(container, signed_message(unknown_kid)) == "federation_bad_signature"


@pytest.mark.usefixtures("effects")
def test_a_message_from_a_node_not_trusted_is_refused(
    container: Container, panyu: FakePartner
) -> None:
    stranger = FakePartner.make("440106", "广州市天河区")
    assert refused(container, signed_message(stranger)) == "federation_untrusted_sender"
    with container.uow() as uow:
        node.untrust(uow, SYSTEM, PANYU, "合作结束")
    assert refused(container, signed_message(panyu)) == "federation_untrusted_sender"


@pytest.mark.usefixtures("effects")
def test_a_message_for_an_item_not_accepted_is_refused(
    container: Container, panyu: FakePartner
) -> None:
    assert refused(container, signed_message(panyu, item="XX-999")) == (
        "federation_item_not_accepted"
    )
    # 番禺 answers only about its own items: a decision on one of ours is not its to send.
    decided = signed_message(panyu, type="case.decided", item="NH-001")
    assert refused(container, decided) == "federation_item_not_accepted"
    receive(container, signed_message(panyu, type="case.decided", item="PY-001"))


@pytest.mark.usefixtures("effects")
def test_an_expired_or_misaddressed_or_malformed_message_is_refused(
    container: Container, panyu: FakePartner
) -> None:
    message = signed_message(panyu, life=timedelta(hours=1))
    assert refused(container, message, TEST_START + timedelta(hours=1)) == "federation_expired"
    future = signed_message(panyu, issued_at=TEST_START + timedelta(hours=1))
    assert refused(container, future) == "federation_expired"
    assert refused(container, signed_message(panyu, receiver="440106")) == (
        "federation_wrong_receiver"
    )
    broken = signed_message(panyu)
    del broken["item"]
    assert refused(container, broken) == "federation_malformed"
    assert refused(container, "not an envelope") == "federation_malformed"
    receive(container, message)  # in time, the same message is applied


def test_sent_messages_are_numbered_per_case_and_verify_with_the_published_keys(
    container: Container, panyu: FakePartner, tmp_path: Path
) -> None:
    ring, _ = node_keys.initialise(tmp_path, TEST_START)
    with container.uow() as uow:
        sent = [
            messages.send(
                uow,
                SYSTEM,
                ring,
                receiver=PANYU,
                case_ref=ref,
                type="case.handover",
                item="PY-001",
                body={"materials": []},
            )
            for ref in ("440605-1", "440605-1", "440605-2")
        ]
        published = parse_node_document(node.node_document(uow.conn, ring))
    assert [(m["case_ref"], m["seq"]) for m in sent] == [
        ("440605-1", 1),
        ("440605-1", 2),
        ("440605-2", 1),
    ]
    for document in sent:
        envelope = rules.parse_envelope(document)
        rules.check_signature(envelope, published.public_key(envelope.kid))
        assert envelope.sender == "440605" and envelope.receiver == PANYU
    with container.read() as uow:
        kept = uow.conn.execute(select(func.count()).select_from(federation_sent)).scalar_one()
    assert kept == 3


@pytest.mark.usefixtures("effects")
def test_two_deliveries_of_one_message_at_once_apply_it_once(
    container: Container, panyu: FakePartner
) -> None:
    message = signed_message(panyu)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def deliver() -> None:
        start.wait()
        try:
            receive(container, message)
            outcomes.append("applied")
        except MessageRefused as refusal:
            outcomes.append(refusal.code)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["applied", "federation_replayed"]
    assert counts(container) == (1, 1)


def test_sending_to_a_node_not_trusted_is_refused(container: Container, tmp_path: Path) -> None:
    ring, _ = node_keys.initialise(tmp_path, TEST_START)
    with container.uow() as uow:
        node.init_node(uow, SYSTEM, "https://nanhai.example", [])
    with pytest.raises(PartnerNotFound), container.uow() as uow:
        messages.send(
            uow, SYSTEM, ring, receiver=PANYU, case_ref="440605-1", type="case.handover",
            item="PY-001", body={},
        )  # fmt: skip
