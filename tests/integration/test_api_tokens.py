"""Service accounts call the API with scoped bearer tokens: no CSRF, no pages, refused once
revoked or expired, never beyond their scopes; issuing and revoking are audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import SYSTEM
from tests.factories import make_service_token, make_staff
from tongban.adapters.db.tables import audit_log
from tongban.bootstrap import Container
from tongban.domain.errors import ValidationFailed
from tongban.domain.people.model import Role, RoleAssignment
from tongban.domain.shared.clock import PinnedClock
from tongban.services.people import tokens

DRAFT = "/api/v1/items/SCJGJ-0001/draft"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_reads_what_its_role_may_and_a_revoked_one_is_refused_next_time(
    container: Container, client: Any
) -> None:
    _user, token = make_service_token(container, Role.AUDITOR)
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["kind"] == "service"
    assert [r["role"] for r in me.json()["roles"]] == ["auditor"]
    token_id = token.split("_")[1]
    with container.uow() as uow:
        tokens.revoke_token(uow, SYSTEM, token_id)
    refused = client.get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 401 and refused.json()["code"] == "token_invalid"
    with container.read() as uow:
        actions = [
            r.action
            for r in uow.conn.execute(
                select(audit_log.c.action).where(audit_log.c.object_key == token_id)
            )
        ]
    assert actions == ["token.issued", "token.revoked"]


def test_an_expired_or_forged_token_is_refused_not_treated_as_anonymous(
    container: Container, client: Any
) -> None:
    _user, token = make_service_token(container, Role.AUDITOR, days=1)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in (forged, "tbk_nonsense", "x" * 20):
        answer = client.get("/api/v1/items", headers=bearer(bad))
        assert answer.status_code == 401 and answer.json()["code"] == "token_invalid", bad
    clock = container.clock
    assert isinstance(clock, PinnedClock)
    clock.advance(timedelta(days=1, seconds=1))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_token_writes_without_csrf_but_only_within_its_scopes(
    container: Container, client: Any
) -> None:
    seed_test_calendar(container)
    make_staff(container, Role.CATALOGUE_ADMIN)  # the departments and centres
    both = [RoleAssignment(Role.CATALOGUE_ADMIN), RoleAssignment(Role.AUDITOR)]
    with container.uow() as uow:
        tokens.create_service_account(uow, SYSTEM, "svc-calendar", "日历同步系统", both)
    with container.uow() as uow:
        reader, _info = tokens.issue_token(uow, SYSTEM, "svc-calendar", "只读", scopes=["auditor"])
    with container.uow() as uow:
        writer, _info = tokens.issue_token(uow, SYSTEM, "svc-calendar", "维护")
    body = {"kind": "holiday", "name": "台风停工"}
    day = "/api/v1/calendar/days/2026-11-18"
    refused = client.put(day, json=body, headers=bearer(reader))
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert client.get("/api/v1/calendar/2026").json()["days"]  # reads still answer
    working = client.get("/api/v1/calendar/deadline", params={"start": "2026-11-17", "n": 1})
    assert working.json()["deadline"] == "2026-11-18"
    done = client.put(day, json=body, headers=bearer(writer))  # no CSRF token, no cookie
    assert done.status_code == 200, done.text
    assert done.json()["working"] is False
    after = client.get("/api/v1/calendar/deadline", params={"start": "2026-11-17", "n": 1})
    assert after.json()["deadline"] == "2026-11-19"


def test_scopes_beyond_the_accounts_roles_and_bad_input_change_nothing(
    container: Container,
) -> None:
    _user, _token = make_service_token(container, Role.AUDITOR)
    with container.read() as uow:
        before = len(tokens.list_tokens(uow.conn))
        account = tokens.list_tokens(uow.conn)[0].account
    for kwargs in ({"scopes": ["catalogue_admin"]}, {"days": 0}, {"days": 400}):
        with pytest.raises(ValidationFailed), container.uow() as uow:
            tokens.issue_token(uow, SYSTEM, account, "越权", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed), container.uow() as uow:
        tokens.issue_token(uow, SYSTEM, "no-such-account", "测试")
    with pytest.raises(ValidationFailed), container.uow() as uow:
        tokens.create_service_account(
            uow, SYSTEM, "svc-citizen", "错误", [RoleAssignment(Role.CITIZEN)]
        )
    with container.read() as uow:
        assert len(tokens.list_tokens(uow.conn)) == before


def test_a_token_is_for_the_api_only_and_never_opens_a_page(
    container: Container, client: Any
) -> None:
    _user, token = make_service_token(container, Role.CATALOGUE_ADMIN)
    page = client.get("/admin/items", headers=bearer(token), follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert client.get(DRAFT, headers=bearer(token)).status_code in (200, 404)
