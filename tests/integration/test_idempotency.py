"""Idempotency keys: a retried request returns the first answer and never applies twice."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import func, select

from tests.clock import TEST_START
from tests.factories import make_citizen, sign_in
from tongban.adapters.db.tables import audit_log, idempotency_keys, outbox
from tongban.bootstrap import Container
from tongban.domain.errors import IdempotencyInProgress, IdempotencyKeyReused, ValidationFailed
from tongban.services.platform import audit, idempotency
from tongban.services.platform import outbox as outbox_service
from tongban.services.platform.context import Actor
from tongban.services.platform.idempotency import Stored, Ticket
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.web.deps import CSRF_HEADER, ContainerDep, Viewer, actor_for
from tongban.web.idempotency import IdempotencyKey, run_idempotent

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACTOR = Actor(request_id="test", at=NOW)


def count(container: Container, table: Any, *where: Any) -> int:
    with container.read() as uow:
        query = select(func.count()).select_from(table).where(*where)
        return int(uow.conn.execute(query).scalar_one())


def notes(container: Container, text: str) -> int:
    return count(container, audit_log, audit_log.c.object_key == text)


def begin(container: Container, key: str = "k1", request_hash: str = "h1", **kw: Any) -> Any:
    args: dict[str, Any] = {"scope": "anon", "request_hash": request_hash, "now": NOW, **kw}
    return idempotency.begin(container.engine, key=key, **args)


@atomic
def record_note(uow: UnitOfWork, text: str) -> tuple[int, Any]:
    """A use case that changes something: one audit row, in its own transaction or its caller's."""
    audit.record(uow.conn, ACTOR, "note.created", "note", text)
    return 201, {"text": text}


# --- the service -------------------------------------------------------------------------------


def test_the_first_caller_wins_the_key_and_a_repeat_gets_the_stored_answer(
    container: Container,
) -> None:
    ticket = begin(container)
    assert isinstance(ticket, Ticket)
    with pytest.raises(IdempotencyInProgress):
        begin(container)
    with container.uow() as uow, uow.atomic():
        record_note(uow, "first")
        idempotency.finish(uow.conn, ticket, status=201, body={"text": "first", "号": "一"})
    assert begin(container) == Stored(201, {"text": "first", "号": "一"})
    assert begin(container, now=NOW + timedelta(hours=23)) == Stored(
        201, {"text": "first", "号": "一"}
    )


def test_the_same_key_with_another_request_is_refused(container: Container) -> None:
    begin(container)
    with pytest.raises(IdempotencyKeyReused) as refused:
        begin(container, request_hash="h2")
    assert (refused.value.code, refused.value.status) == ("idempotency_key_reused", 422)


def test_keys_belong_to_one_principal(container: Container) -> None:
    assert isinstance(begin(container, scope="anon"), Ticket)
    assert isinstance(begin(container, scope="42"), Ticket)


def test_a_key_is_free_again_after_24_hours(container: Container) -> None:
    ticket = begin(container)
    with container.uow() as uow:
        idempotency.finish(uow.conn, ticket, status=200, body={})
        uow.commit()
    again = begin(container, request_hash="other", now=NOW + timedelta(hours=24))
    assert isinstance(again, Ticket)


def test_the_answer_is_only_recorded_with_its_change(container: Container) -> None:
    ticket = begin(container)
    with container.uow() as uow:
        audit.record(uow.conn, ACTOR, "note.created", "note", "lost")
        idempotency.finish(uow.conn, ticket, status=201, body={})
        uow.rollback()
    with pytest.raises(IdempotencyInProgress):
        begin(container)
    assert notes(container, "lost") == 0


def test_a_dead_attempt_is_taken_over_and_can_no_longer_commit(container: Container) -> None:
    dead = begin(container)
    assert isinstance(dead, Ticket)
    with pytest.raises(IdempotencyInProgress):
        begin(container, now=NOW + timedelta(minutes=1))
    retry = begin(container, now=NOW + idempotency.STALE_AFTER)
    assert isinstance(retry, Ticket) and retry.owner != dead.owner
    # The first attempt was only slow: it may not commit its change now.
    with pytest.raises(IdempotencyInProgress), container.uow() as uow:
        audit.record(uow.conn, ACTOR, "note.created", "note", "slow")
        idempotency.finish(uow.conn, dead, status=201, body={"by": "slow"})
        uow.commit()
    with container.uow() as uow:
        idempotency.finish(uow.conn, retry, status=201, body={"by": "retry"})
        uow.commit()
    assert notes(container, "slow") == 0
    assert begin(container, now=NOW + timedelta(minutes=3)) == Stored(201, {"by": "retry"})


def test_a_refusal_the_use_case_recorded_stands_but_leaves_no_key(container: Container) -> None:
    """E.g. a wrong pickup code is counted, then refused: the count must survive the error."""

    def refusing(uow: UnitOfWork) -> tuple[int, Any]:
        record_note(uow, "refusal")  # its block ends normally: the record stands
        raise ValidationFailed()

    args: dict[str, Any] = {"key": "k", "scope": "anon", "request_hash": "h", "now": TEST_START}
    with pytest.raises(ValidationFailed):
        idempotency.run(container.engine, handler=refusing, **args)
    assert count(container, idempotency_keys) == 0
    assert notes(container, "refusal") == 1


def test_a_refusal_from_inside_the_use_cases_transaction_leaves_nothing(
    container: Container,
) -> None:
    @atomic
    def half_done(uow: UnitOfWork) -> tuple[int, Any]:
        record_note(uow, "half")
        raise ValidationFailed()  # inside its block: what it wrote goes with it

    args: dict[str, Any] = {"key": "k", "scope": "anon", "request_hash": "h", "now": TEST_START}
    with pytest.raises(ValidationFailed):
        idempotency.run(container.engine, handler=half_done, **args)
    assert (count(container, idempotency_keys), notes(container, "half")) == (0, 0)


def test_run_applies_once_and_a_handler_that_raises_leaves_no_key(container: Container) -> None:
    def failing(uow: UnitOfWork) -> tuple[int, Any]:
        record_note(uow, "once")
        raise RuntimeError("the database went away")

    args: dict[str, Any] = {"key": "k", "scope": "anon", "request_hash": "h", "now": TEST_START}
    with pytest.raises(RuntimeError):
        idempotency.run(container.engine, handler=failing, **args)
    assert count(container, idempotency_keys) == 0
    assert notes(container, "once") == 0
    for replayed in (False, True):
        outcome = idempotency.run(
            container.engine, handler=lambda uow: record_note(uow, "once"), **args
        )
        assert (outcome.status, outcome.body, outcome.replayed) == (201, {"text": "once"}, replayed)
    assert notes(container, "once") == 1


# --- the web helper ----------------------------------------------------------------------------


class NoteIn(BaseModel):
    text: str


class Calls:
    def __init__(self) -> None:
        self.count = 0
        self.fail_next = False
        self.delay = 0.0
        self.lock = threading.Lock()


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def web(app: FastAPI, calls: Calls) -> Iterator[TestClient]:
    """The app with one test route that changes something, as a case route would."""
    router = APIRouter()

    @router.post("/api/v1/test-notes", status_code=201)
    def create_note(
        request: Request, body: NoteIn, key: IdempotencyKey, container: ContainerDep, _: Viewer
    ) -> Response:
        actor = actor_for(request)

        def handler(uow: UnitOfWork) -> tuple[int, Any]:
            with calls.lock:
                calls.count += 1
            if calls.fail_next:
                calls.fail_next = False
                raise ValidationFailed(fields={"text": "内容有误"})
            time.sleep(calls.delay)
            with uow.atomic():
                audit.record(uow.conn, actor, "note.created", "note", body.text)
                outbox_service.enqueue_sms(uow.conn, "13800138000", body.text, now=TEST_START)
            return 201, NoteIn(text=body.text)

        return run_idempotent(request, container, key, handler)

    app.include_router(router)
    with TestClient(app) as client:
        yield client


def post(client: TestClient, key: str | None, text: str = "你好", **headers: str) -> Any:
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/test-notes", json={"text": text}, headers=headers)


def test_a_missing_key_is_refused_with_428_in_chinese(
    web: TestClient, container: Container
) -> None:
    response = post(web, None)
    assert response.status_code == 428
    assert response.json()["code"] == "idempotency_key_required"
    assert "Idempotency-Key" in response.json()["message"]
    assert "幂等键" in response.json()["message"]
    assert post(web, "x" * 201).json()["code"] == "idempotency_key_invalid"
    assert post(web, "has space").json()["code"] == "idempotency_key_invalid"
    assert notes(container, "你好") == 0


def test_a_repeat_returns_the_first_answer_and_applies_once(
    web: TestClient, container: Container, calls: Calls
) -> None:
    key = str(uuid.uuid4())
    first, second = post(web, key), post(web, key)
    assert (first.status_code, first.json()) == (201, {"text": "你好"})
    assert (second.status_code, second.json()) == (201, {"text": "你好"})
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert (calls.count, notes(container, "你好")) == (1, 1)
    assert post(web, str(uuid.uuid4())).status_code == 201
    assert notes(container, "你好") == 2


def test_the_same_key_with_another_body_is_refused_with_422(
    web: TestClient, container: Container
) -> None:
    key = str(uuid.uuid4())
    assert post(web, key, "第一次").status_code == 201
    response = post(web, key, "第二次")
    assert (response.status_code, response.json()["code"]) == (422, "idempotency_key_reused")
    assert notes(container, "第二次") == 0


def test_a_request_that_fails_leaves_no_key_so_the_retry_runs(
    web: TestClient, container: Container, calls: Calls
) -> None:
    key = str(uuid.uuid4())
    calls.fail_next = True
    refused = post(web, key)
    assert (refused.status_code, refused.json()["code"]) == (422, "validation_failed")
    assert count(container, idempotency_keys) == 0
    retried = post(web, key)
    assert (retried.status_code, calls.count, notes(container, "你好")) == (201, 2, 1)


def test_keys_of_different_principals_do_not_collide(
    web: TestClient, container: Container, calls: Calls
) -> None:
    key = str(uuid.uuid4())
    assert post(web, key).status_code == 201
    citizen = make_citizen(container)
    csrf = sign_in(container, web, citizen)
    mine = post(web, key, **{CSRF_HEADER: csrf})
    assert (mine.status_code, "Idempotent-Replayed" in mine.headers) == (201, False)
    assert calls.count == 2


def test_the_same_key_sent_ten_times_at_once_applies_once(
    web: TestClient, container: Container, calls: Calls
) -> None:
    """Every answer is the first one's (201, stored) or 409 ``idempotency_in_progress`` while
    the first still runs; a client retrying after a 409 gets the stored answer."""
    key = str(uuid.uuid4())
    calls.delay = 0.3
    start = threading.Barrier(10)

    def send(_: int) -> Any:
        start.wait()
        return post(web, key, "并发")

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(send, range(10)))
    answers = {(r.status_code, r.json().get("code") or r.json()["text"]) for r in responses}
    assert answers <= {(201, "并发"), (409, "idempotency_in_progress")}
    assert (calls.count, notes(container, "并发")) == (1, 1)
    retry = post(web, key, "并发")
    assert (retry.status_code, retry.json(), retry.headers["Idempotent-Replayed"]) == (
        201,
        {"text": "并发"},
        "true",
    )
    assert count(container, outbox) == 1
