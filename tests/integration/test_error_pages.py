"""The error page of an unexpected failure renders when the database is what failed: a visitor
gets the page with its request number, never a connection closed without an answer."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from tests.factories import make_citizen, sign_in
from tongban.bootstrap import Container
from tongban.services.people import sessions


def _down(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("SELECT", {}, Exception("the database system is starting up"))


async def _down_async(*_args: Any, **_kwargs: Any) -> Any:
    _down()


def test_a_signed_in_visitors_page_while_the_database_restarts_is_the_error_page(
    app: Any, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = make_citizen(container)
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(container, client, person)
        assert client.get("/").status_code == 200
        # the session lookup is the first read of every page and fails while the server starts
        monkeypatch.setattr(sessions, "read_session", _down)
        monkeypatch.setattr(sessions, "read_session_async", _down_async)
        answer = client.get("/")
    assert answer.status_code == 500
    assert "text/html" in answer.headers["content-type"]
    assert "系统错误" in answer.text and "请求编号" in answer.text


def test_an_unexpected_error_is_logged_once_with_its_request_number(
    app: Any,
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = make_citizen(container)
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(container, client, person)
        monkeypatch.setattr(sessions, "read_session", _down)
        monkeypatch.setattr(sessions, "read_session_async", _down_async)
        with caplog.at_level(logging.ERROR):
            answer = client.get("/")
    assert answer.status_code == 500
    # the number the visitor is asked to quote is the one in the log
    quoted = re.search(r"请求编号\s*([0-9a-f]{32})", answer.text)
    assert quoted is not None
    request_id = quoted.group(1)
    logged = [r for r in caplog.records if r.name == "tongban.web"]
    assert len(logged) == 1
    assert logged[0].getMessage() == f"unhandled error in request {request_id}"
    assert logged[0].exc_info is not None
    # the server logs what the application re-raises: the same error is not logged again,
    # another one (the handler's own failure, say) is
    server = logging.getLogger("uvicorn.error")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        server.error("Exception in ASGI application\n", exc_info=logged[0].exc_info)
        server.error("Exception in ASGI application\n", exc_info=(ValueError, ValueError(), None))
    assert [r.exc_info[1].__class__ for r in caplog.records if r.exc_info] == [ValueError]
