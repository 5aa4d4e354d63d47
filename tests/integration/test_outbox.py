"""The outbox and the worker's sweeps: messages leave only after commit, once, with retries."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from tests.factories import make_citizen
from tongban.adapters.db.tables import idempotency_keys, inbox_messages, job_runs, outbox
from tongban.adapters.sms import LogSms
from tongban.bootstrap import Container
from tongban.domain.shared.clock import FixedClock
from tongban.services.platform import outbox as outbox_service
from tongban.services.platform.outbox import MAX_ATTEMPTS, Message, OutboxPorts, deliver
from tongban.worker import SWEEPS, Sweep, Worker, take_lease

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class RecordingSms:
    """Records every send, with its message id; never de-duplicates (unlike LogSms)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str | None]] = []

    def send(self, phone: str, text: str, *, message_id: str | None = None) -> None:
        self.sent.append((phone, text, message_id))


@pytest.fixture
def sms(container: Container) -> RecordingSms:
    fake = RecordingSms()
    container.sms = fake
    return fake


@pytest.fixture
def citizen_id(container: Container) -> int:
    return make_citizen(container).user_id


def rows(container: Container, table: Any = outbox) -> list[Any]:
    with container.read() as uow:
        return list(uow.conn.execute(select(table).order_by(*table.primary_key.columns)).all())


def count(container: Container, table: Any) -> int:
    with container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def enqueue_inbox(
    container: Container, user_id: int, n: int = 1, *, at: datetime = NOW, **kw: Any
) -> list[int]:
    with container.uow() as uow:
        ids = [
            outbox_service.enqueue_inbox(
                uow.conn, user_id, "办件已受理", f"第 {i} 条", now=at, **kw
            )
            for i in range(n)
        ]
        uow.commit()
    return ids


# --- enqueueing ---------------------------------------------------------------------------------


def test_a_message_enqueued_in_a_rolled_back_transaction_never_exists(
    container: Container,
) -> None:
    with pytest.raises(RuntimeError), container.uow() as uow:
        outbox_service.enqueue_sms(uow.conn, "13800138000", "您的办件已受理。", now=NOW)
        raise RuntimeError("the change failed")
    with container.uow() as uow:
        outbox_service.enqueue_sms(uow.conn, "13800138000", "您的办件已受理。", now=NOW)
        uow.rollback()
    assert rows(container) == []
    with container.uow() as uow:
        outbox_service.enqueue_sms(uow.conn, "13800138000", "您的办件已受理。", now=NOW)
        uow.commit()
    assert [(row.kind, row.status, row.attempts) for row in rows(container)] == [
        ("sms", "pending", 0)
    ]


def test_the_same_dedup_key_is_stored_once(container: Container, citizen_id: int) -> None:
    first = enqueue_inbox(container, citizen_id, dedup_key="case-1:accepted")
    again = enqueue_inbox(container, citizen_id, dedup_key="case-1:accepted")
    other = enqueue_inbox(container, citizen_id, dedup_key="case-1:decided")
    assert first == again != other
    assert count(container, outbox) == 2


def test_an_unknown_kind_is_refused(container: Container) -> None:
    with pytest.raises(ValueError, match="unknown outbox kind"), container.uow() as uow:
        outbox_service.enqueue(uow.conn, "fax", {"to": "0757-86280000"}, now=NOW)


# --- delivering ---------------------------------------------------------------------------------


def test_the_worker_sends_the_sms_and_fills_the_inbox(
    container: Container, sms: RecordingSms, citizen_id: int
) -> None:
    with container.uow() as uow:
        sms_id = outbox_service.enqueue_sms(uow.conn, "13800138000", "请补正材料。", now=NOW)
        inbox_id = outbox_service.enqueue_inbox(
            uow.conn, citizen_id, "补正通知", "请补正材料。", link="/cases/1", now=NOW
        )
        uow.commit()
    batch = deliver(container, "w1", NOW)
    assert (batch.claimed, batch.sent) == (2, 2)
    assert sms.sent == [("13800138000", "请补正材料。", f"outbox-{sms_id}")]
    [message] = rows(container, inbox_messages)
    assert (message.user_id, message.title, message.link) == (citizen_id, "补正通知", "/cases/1")
    assert (message.outbox_id, message.created_at, message.read_at) == (inbox_id, NOW, None)
    assert {(row.status, row.sent_at) for row in rows(container)} == {("sent", NOW)}
    assert deliver(container, "w1", NOW + timedelta(hours=1)).claimed == 0


def test_a_message_is_not_delivered_before_it_is_available(
    container: Container, sms: RecordingSms
) -> None:
    with container.uow() as uow:
        later = NOW + timedelta(minutes=10)
        outbox_service.enqueue(
            uow.conn, "sms", {"phone": "13800138000", "text": "提醒"}, available_at=later, now=NOW
        )
        uow.commit()
    assert deliver(container, "w1", NOW).claimed == 0
    assert deliver(container, "w1", NOW + timedelta(minutes=10)).sent == 1


def test_two_workers_at_once_deliver_each_message_exactly_once(
    container: Container, sms: RecordingSms, citizen_id: int
) -> None:
    with container.uow() as uow:
        for i in range(30):
            outbox_service.enqueue_sms(uow.conn, "13800138000", f"第 {i} 条", now=NOW)
            outbox_service.enqueue_inbox(uow.conn, citizen_id, "通知", f"第 {i} 条", now=NOW)
        uow.commit()
    workers = 4
    start = threading.Barrier(workers)
    claimed: Counter[str] = Counter()

    def work(name: str) -> None:
        start.wait()
        while (batch := deliver(container, name, NOW, limit=5)).claimed:
            claimed[name] += batch.claimed

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(claimed.values()) == 60
    tokens = [message_id for _phone, _text, message_id in sms.sent]
    assert len(tokens) == len(set(tokens)) == 30
    assert count(container, inbox_messages) == 30
    assert {row.status for row in rows(container)} == {"sent"}


def _flaky(failures: int) -> tuple[list[int], Any]:
    calls: list[int] = []

    def handler(message: Message, conn: Connection, ports: OutboxPorts) -> None:
        calls.append(message.attempts)
        # Written, then rolled back with the failure: a failed delivery leaves nothing behind.
        conn.execute(
            insert(inbox_messages).values(
                user_id=message.payload["user_id"],
                title="t",
                body="b",
                created_at=NOW,
                outbox_id=message.id,
            )
        )
        if len(calls) <= failures:
            raise RuntimeError("短信网关超时：13812345678")

    return calls, handler


def test_a_failing_delivery_is_retried_with_back_off_then_marked_failed(
    container: Container, citizen_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls, handler = _flaky(failures=MAX_ATTEMPTS)
    monkeypatch.setitem(outbox_service.HANDLERS, "flaky", handler)
    with container.uow() as uow:
        outbox_service.enqueue(uow.conn, "flaky", {"user_id": citizen_id}, now=NOW)
        uow.commit()
    at, delays = NOW, []
    for attempt in range(1, MAX_ATTEMPTS):
        assert deliver(container, "w1", at).retried == 1
        [row] = rows(container)
        assert (row.status, row.attempts, row.claimed_by) == ("pending", attempt, None)
        assert deliver(container, "w1", row.available_at - timedelta(seconds=1)).claimed == 0
        delays.append(int((row.available_at - at).total_seconds()))
        at = row.available_at
    assert delays == [30, 60, 120, 240, 480, 960, 1920]
    assert deliver(container, "w1", at).failed == 1
    [row] = rows(container)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    # The error is kept for an operator, with the phone number masked.
    assert row.last_error == "RuntimeError: 短信网关超时：138****5678"
    assert deliver(container, "w1", at + timedelta(days=1)).claimed == 0
    assert calls == list(range(1, MAX_ATTEMPTS + 1))
    assert count(container, inbox_messages) == 0


def test_a_delivery_that_fails_once_succeeds_on_the_retry(
    container: Container, citizen_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _calls, handler = _flaky(failures=1)
    monkeypatch.setitem(outbox_service.HANDLERS, "flaky", handler)
    with container.uow() as uow:
        outbox_service.enqueue(uow.conn, "flaky", {"user_id": citizen_id}, now=NOW)
        uow.commit()
    assert deliver(container, "w1", NOW).retried == 1
    assert deliver(container, "w2", NOW + timedelta(seconds=30)).sent == 1
    assert [(row.status, row.attempts) for row in rows(container)] == [("sent", 2)]
    assert count(container, inbox_messages) == 1


def test_an_expired_lease_is_reclaimed_and_the_dead_claim_delivers_nothing(
    container: Container, citizen_id: int
) -> None:
    enqueue_inbox(container, citizen_id)
    with container.uow() as uow:
        stale = outbox_service.claim(uow, "dead", 10, NOW, timedelta(minutes=5))
    assert len(stale) == 1
    assert deliver(container, "alive", NOW + timedelta(minutes=4)).claimed == 0
    assert deliver(container, "alive", NOW + timedelta(minutes=5)).sent == 1
    # The first worker wakes up and tries to deliver its old claim: nothing happens.
    late = outbox_service.deliver_claimed(container, "dead", stale, NOW + timedelta(minutes=6))
    assert (late.sent, late.lost) == (0, 1)
    assert count(container, inbox_messages) == 1
    [row] = rows(container)
    assert (row.status, row.attempts, row.claimed_by) == ("sent", 2, "alive")


def test_a_message_whose_worker_keeps_dying_is_eventually_marked_failed(
    container: Container, citizen_id: int
) -> None:
    enqueue_inbox(container, citizen_id)
    at = NOW
    for _ in range(MAX_ATTEMPTS):
        with container.uow() as uow:
            assert len(outbox_service.claim(uow, "dies", 10, at, timedelta(minutes=5))) == 1
        at += timedelta(minutes=5)
    with container.uow() as uow:
        assert outbox_service.claim(uow, "next", 10, at, timedelta(minutes=5)) == []
    [row] = rows(container)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert count(container, inbox_messages) == 0


def test_the_inbox_never_gets_two_messages_for_one_outbox_row(
    container: Container, citizen_id: int
) -> None:
    [message_id] = enqueue_inbox(container, citizen_id)
    message = Message(
        message_id, "inbox", {"user_id": citizen_id, "title": "t", "body": "b"}, 1, NOW
    )
    handler = outbox_service.HANDLERS["inbox"]
    for _ in range(2):
        with container.uow() as uow:
            handler(message, uow.conn, container)
            uow.commit()
    assert count(container, inbox_messages) == 1
    with pytest.raises(IntegrityError), container.uow() as uow:
        values = {"user_id": citizen_id, "title": "t", "body": "b", "created_at": NOW}
        uow.conn.execute(insert(inbox_messages).values(outbox_id=message_id, **values))


def test_the_demo_sms_adapter_sends_a_message_id_once() -> None:
    adapter = LogSms()
    adapter.send("13800138000", "您的办件已办结。", message_id="outbox-7")
    adapter.send("13800138000", "您的办件已办结。", message_id="outbox-7")
    adapter.send("13800138000", "您的办件已办结。", message_id="outbox-8")
    adapter.send("13800138000", "验证码 123456")
    adapter.send("13800138000", "验证码 123456")
    assert len(adapter.sent) == 4


def test_sent_messages_are_purged_after_30_days_and_failed_ones_kept(
    container: Container, citizen_id: int
) -> None:
    enqueue_inbox(container, citizen_id, n=2)
    deliver(container, "w1", NOW)
    enqueue_inbox(container, citizen_id)
    deliver(container, "w1", NOW + timedelta(days=2))
    with container.uow() as uow:
        purged = outbox_service.purge_sent(uow.conn, NOW + timedelta(days=1))
        uow.commit()
    assert purged == 2
    assert [row.sent_at for row in rows(container)] == [NOW + timedelta(days=2)]
    assert count(container, inbox_messages) == 3


# --- periodic sweeps ----------------------------------------------------------------------------


def test_only_one_of_many_workers_takes_a_sweep_s_lease(container: Container) -> None:
    sweep = Sweep("alerts", lambda c, now: None, timedelta(minutes=10), timedelta(minutes=5))
    start = threading.Barrier(8)
    won: list[str] = []
    lost: list[str] = []
    crashed: list[BaseException] = []

    def race(name: str) -> None:
        try:
            start.wait()
            (won if take_lease(container.engine, sweep, name, NOW) else lost).append(name)
        except BaseException as error:  # a loser that crashed must fail the test, not vanish
            crashed.append(error)

    threads = [threading.Thread(target=race, args=(f"w{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert crashed == []
    assert len(won) == 1 and len(lost) == 7


def test_a_sweep_runs_on_one_worker_at_a_time_and_once_per_interval(
    container: Container,
) -> None:
    runs: list[datetime] = []
    running, finish = threading.Event(), threading.Event()

    def slow(c: Container, now: datetime) -> None:
        runs.append(now)
        running.set()
        assert finish.wait(30)

    sweep = Sweep("slow", slow, timedelta(hours=1), timedelta(minutes=15))
    sweeps = {"slow": sweep}
    container.clock = FixedClock(NOW)
    first = Worker(container, worker_id="a", sweeps=sweeps)
    second = Worker(container, worker_id="b", sweeps=sweeps)
    thread = threading.Thread(target=first.run_sweep, args=(sweep,), name="a")
    thread.start()
    assert running.wait(30)
    assert second.run_sweep(sweep) is False  # leased by the first worker
    finish.set()
    thread.join(timeout=30)
    assert second.run_sweep(sweep) is False  # not due until an hour after the last start
    container.clock.set(NOW + timedelta(hours=1))
    later = Worker(container, worker_id="b", sweeps=sweeps)
    assert later.run_sweep(sweep) is True
    assert runs == [NOW, NOW + timedelta(hours=1)]
    with container.read() as uow:
        job = uow.conn.execute(select(job_runs)).one()
    assert (job.name, job.locked_by, job.locked_until) == ("slow", None, None)
    assert job.last_started_at == job.last_finished_at == NOW + timedelta(hours=1)


def test_a_failing_sweep_gives_its_lease_back(container: Container) -> None:
    def broken(c: Container, now: datetime) -> None:
        raise RuntimeError("boom")

    sweep = Sweep("broken", broken, timedelta(minutes=1), timedelta(minutes=15))
    container.clock = FixedClock(NOW)
    worker = Worker(container, worker_id="a", sweeps={"broken": sweep})
    assert worker.run_once().sweeps == []
    with container.read() as uow:
        job = uow.conn.execute(select(job_runs)).one()
    assert (job.locked_by, job.last_started_at, job.last_finished_at) == (None, NOW, None)
    container.clock.set(NOW + timedelta(minutes=1))
    retry = Worker(container, sweeps={"broken": sweep})
    assert take_lease(container.engine, sweep, retry.worker_id, NOW + timedelta(minutes=1))


def test_the_purge_sweep_removes_expired_keys_and_old_sent_messages(
    container: Container, citizen_id: int
) -> None:
    for age in (31, 29):
        enqueue_inbox(container, citizen_id, at=NOW - timedelta(days=age))
        assert deliver(container, "w1", NOW - timedelta(days=age)).sent == 1
    with container.uow() as uow:
        for key, expires in (
            ("old", NOW - timedelta(seconds=1)),
            ("new", NOW + timedelta(hours=1)),
        ):
            uow.conn.execute(
                insert(idempotency_keys).values(
                    scope="anon",
                    key=key,
                    request_hash="h",
                    status="done",
                    owner="o",
                    created_at=expires - timedelta(hours=24),
                    expires_at=expires,
                )
            )
        uow.commit()
    sweeps = {"purge_old_rows": SWEEPS["purge_old_rows"]}
    container.clock = FixedClock(NOW)
    report = Worker(container, sweeps=sweeps).run_once()
    assert report.sweeps == ["purge_old_rows"]
    assert [row.key for row in rows(container, idempotency_keys)] == ["new"]
    assert [row.sent_at for row in rows(container)] == [NOW - timedelta(days=29)]
    assert count(container, inbox_messages) == 2
