"""The calendar over HTTP: the admin's page and its forms, the JSON API and the health check.

'Today' is set on the container's clock, so the warning about a short calendar does not depend
on the date the suite runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import tongban
from tests.calendar_fixtures import notice_2027
from tests.clock import SYSTEM
from tests.factories import make_staff, sign_in
from tongban.bootstrap import Container
from tongban.domain.people.model import Role
from tongban.domain.shared.clock import CHINA_TZ, FixedClock
from tongban.services.platform import calendar as cal

EXAMPLE_2027 = Path(tongban.__file__).parent / "demo" / "data" / "calendar-2027-example.csv"
BAD_2027 = "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-04,makeup_workday,元旦\n"


@pytest.fixture
def today(container: Container) -> Iterator[FixedClock]:
    """The container's clock, standing at 10:00 on 2026-03-02; ``on(day)`` moves it."""
    container.clock = FixedClock(on(date(2026, 3, 2)))
    yield container.clock


def on(day: date) -> datetime:
    """10:00 in China on ``day``."""
    return datetime.combine(day, time(10), tzinfo=CHINA_TZ)


@pytest.fixture
def seeded(container: Container) -> None:
    with container.uow() as uow:
        cal.seed_official(uow, SYSTEM, 2025, 2026, source=container.official_schedules)


def as_role(container: Container, client: TestClient, role: Role) -> dict[str, str]:
    """Sign ``client`` in as a new user holding ``role``; returns the CSRF header to send."""
    return {"X-CSRF-Token": sign_in(container, client, make_staff(container, role))}


def htmx(csrf: dict[str, str]) -> dict[str, str]:
    return {**csrf, "HX-Request": "true"}


def api_deadline(client: TestClient, start: str, n: int, **params: Any) -> Any:
    response = client.get("/api/v1/calendar/deadline", params={"start": start, "n": n, **params})
    assert response.status_code == 200, response.text
    return response.json()["deadline"]


# --- the admin page ----------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_the_admin_page_shows_the_known_range_and_the_month_grid(
    container: Container, client: TestClient, today: FixedClock
) -> None:
    as_role(container, client, Role.CATALOGUE_ADMIN)
    page = client.get("/admin/calendar?year=2026")
    assert page.status_code == 200
    assert "2025-01-01 至 2026-12-31" in page.text
    assert "2026 年 2 月</caption>" in page.text
    assert "春节" in page.text and "调休上班" in page.text
    assert 'id="calendar-warning"' not in page.text


@pytest.mark.usefixtures("seeded")
def test_the_admin_page_warns_when_the_calendar_is_about_to_run_out(
    container: Container, client: TestClient, today: FixedClock
) -> None:
    today.set(on(date(2026, 12, 1)))  # before signing in: the session counts from then
    as_role(container, client, Role.CATALOGUE_ADMIN)
    page = client.get("/admin/calendar")
    assert 'id="calendar-warning"' in page.text
    assert "今后只有 30 天可计算办理期限（少于 60 天）" in page.text


@pytest.mark.usefixtures("seeded", "today")
@pytest.mark.parametrize("role", [Role.CLERK, Role.AUDITOR])
def test_only_the_catalogue_admin_sees_the_calendar_page(
    container: Container, client: TestClient, role: Role
) -> None:
    assert client.get("/admin/calendar", follow_redirects=False).status_code == 303
    as_role(container, client, role)
    assert client.get("/admin/calendar").status_code == 403


@pytest.mark.usefixtures("seeded", "today")
def test_changing_one_day_answers_htmx_with_the_updated_year(
    container: Container, client: TestClient
) -> None:
    csrf = as_role(container, client, Role.CATALOGUE_ADMIN)
    form = {"day": "2026-03-03", "kind": "holiday", "name": "台风停工", "year": "2026"}
    partial = client.post("/admin/calendar/day", data=form, headers=htmx(csrf))
    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<section id="year-view"')
    assert "已将 2026-03-03 设为法定节假日" in partial.text
    assert api_deadline(client, "2026-03-02", 1) == "2026-03-04"


@pytest.mark.usefixtures("seeded", "today")
def test_a_day_edit_against_the_weekday_shows_the_error_beside_the_field(
    container: Container, client: TestClient
) -> None:
    csrf = as_role(container, client, Role.CATALOGUE_ADMIN)
    form = {"day": "2026-03-04", "kind": "makeup_workday", "name": "", "year": "2026"}
    partial = client.post("/admin/calendar/day", data=form, headers=htmx(csrf))
    assert partial.status_code == 200
    assert 'id="edit-kind-error"' in partial.text
    assert "调休上班日只能是星期六或星期日" in partial.text
    no_js = client.post("/admin/calendar/day", data={**form, "csrf_token": csrf["X-CSRF-Token"]})
    assert no_js.status_code == 422
    assert api_deadline(client, "2026-03-02", 5) == "2026-03-09"


@pytest.mark.usefixtures("seeded", "today")
def test_importing_next_years_notice_from_the_page(
    container: Container, client: TestClient
) -> None:
    csrf = as_role(container, client, Role.CATALOGUE_ADMIN)
    upload = {"file": ("2027.csv", notice_2027().encode(), "text/csv")}
    done = client.post(
        "/admin/calendar/import", files=upload, data={"csrf_token": csrf["X-CSRF-Token"]}
    )
    assert done.status_code == 200
    assert done.url.path == "/admin/calendar" and done.url.params["imported"] == "2027"
    assert "已导入 2027 年放假安排" in done.text
    assert "2025-01-01 至 2027-12-31" in done.text


@pytest.mark.usefixtures("seeded", "today")
def test_a_bad_notice_on_the_page_lists_each_row_in_chinese_and_imports_nothing(
    container: Container, client: TestClient
) -> None:
    csrf = as_role(container, client, Role.CATALOGUE_ADMIN)
    upload = {"file": ("2027.csv", BAD_2027.encode(), "text/csv")}
    page = client.post(
        "/admin/calendar/import", files=upload, data={"csrf_token": csrf["X-CSRF-Token"]}
    )
    assert page.status_code == 422
    assert 'id="import-errors"' in page.text
    assert "2027-01-04 是星期一，调休上班日只能是星期六或星期日。" in page.text
    assert client.get("/api/v1/calendar/2027").status_code == 404


@pytest.mark.usefixtures("seeded", "today")
def test_anyone_can_use_the_deadline_calculator(client: TestClient) -> None:
    page = client.get("/calendar/deadline", params={"start": "2026-02-13", "n": "5"})
    assert page.status_code == 200
    assert '<strong id="deadline-date">2026-02-27</strong>' in page.text
    partial = client.get(
        "/calendar/deadline",
        params={"start": "2031-01-05", "n": "5"},
        headers={"HX-Request": "true"},
    )
    assert partial.text.lstrip().startswith('<div id="deadline-result"')
    assert "工作日历尚未包含" in partial.text


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded", "today")
def test_the_api_computes_deadlines_with_clock_stops(client: TestClient) -> None:
    assert api_deadline(client, "2026-02-13", 5) == "2026-02-27"
    assert api_deadline(client, "2026-03-02", 5, stops="2026-03-03:2026-03-05") == "2026-03-11"
    assert api_deadline(client, "2026-03-02", 5, stops="2026-03-03:") is None
    unknown = client.get("/api/v1/calendar/deadline", params={"start": "2026-12-28", "n": 10})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "calendar_unknown")
    negative = client.get("/api/v1/calendar/deadline", params={"start": "2026-03-02", "n": -1})
    assert (negative.status_code, negative.json()["code"]) == (422, "validation_failed")


@pytest.mark.usefixtures("seeded", "today")
def test_the_api_lists_a_year_and_reports_the_status(client: TestClient) -> None:
    year = client.get("/api/v1/calendar/2026").json()
    assert len(year["days"]) == 365
    assert {"day": "2026-02-14", "kind": "makeup_workday", "kind_label": "调休上班"}.items() <= (
        next(d for d in year["days"] if d["day"] == "2026-02-14").items()
    )
    missing = client.get("/api/v1/calendar/2031")
    assert (missing.status_code, missing.json()["code"]) == (404, "calendar_year_unknown")
    status = client.get("/api/v1/calendar/status").json()
    assert status["known_until"] == "2026-12-31" and status["warn"] is False


@pytest.mark.usefixtures("seeded", "today")
def test_only_the_catalogue_admin_may_change_a_day_through_the_api(
    container: Container, client: TestClient
) -> None:
    body = {"kind": "holiday", "name": "台风停工"}
    assert client.put("/api/v1/calendar/days/2026-03-03", json=body).status_code == 401
    clerk = as_role(container, client, Role.CLERK)
    refused = client.put("/api/v1/calendar/days/2026-03-03", json=body, headers=clerk)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert api_deadline(client, "2026-03-02", 1) == "2026-03-03"

    admin = as_role(container, client, Role.CATALOGUE_ADMIN)
    no_token = client.put("/api/v1/calendar/days/2026-03-03", json=body)
    assert (no_token.status_code, no_token.json()["code"]) == (403, "csrf_failed")
    done = client.put("/api/v1/calendar/days/2026-03-03", json=body, headers=admin)
    assert done.status_code == 200, done.text
    assert done.json()["working"] is False
    assert api_deadline(client, "2026-03-02", 1) == "2026-03-04"


@pytest.mark.usefixtures("seeded", "today")
def test_a_bad_import_through_the_api_returns_each_row_and_changes_nothing(
    container: Container, client: TestClient
) -> None:
    csrf = as_role(container, client, Role.CATALOGUE_ADMIN)
    upload = {"file": ("2027.csv", BAD_2027.encode(), "text/csv")}
    rejected = client.post("/api/v1/calendar/import", files=upload, headers=csrf)
    assert rejected.status_code == 422
    assert rejected.json()["code"] == "import_rejected"
    assert [(e["row"], e["column"]) for e in rejected.json()["errors"]] == [(3, "date")]
    assert client.get("/api/v1/calendar/2027").status_code == 404


@pytest.mark.usefixtures("seeded", "today")
def test_a_notice_can_be_imported_as_a_json_body(container: Container, client: TestClient) -> None:
    csrf = as_role(container, client, Role.CATALOGUE_ADMIN)
    rows = [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2027-02-20", "kind": "makeup_workday", "name": "春节"},
    ]
    done = client.post("/api/v1/calendar/import", json=rows, headers=csrf)
    assert done.status_code == 200, done.text
    assert done.json() == {"year": 2027, "holidays": 1, "makeup_workdays": 1, "replaced": False}
    assert client.get("/api/v1/calendar/status").json()["known_until"] == "2027-12-31"


def test_the_openapi_schema_documents_the_calendar(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert {"/api/v1/calendar/status", "/api/v1/calendar/deadline", "/api/v1/calendar/{year}"} <= (
        set(paths)
    )
    assert "DeadlineOut" in schema["components"]["schemas"]
    assert (
        "multipart/form-data" in paths["/api/v1/calendar/import"]["post"]["requestBody"]["content"]
    )


@pytest.mark.usefixtures("seeded")
def test_the_health_check_reports_how_far_the_calendar_reaches(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["calendar_known_until"] == "2026-12-31"


@pytest.mark.parametrize(("day", "warned"), [(date(2026, 11, 27), True), (date(2026, 3, 1), False)])
def test_every_page_warns_the_catalogue_admin_when_the_calendar_runs_out_soon(
    container: Container,
    client: TestClient,
    seeded: None,
    app: FastAPI,
    day: date,
    warned: bool,
) -> None:
    """Known to 2026-12-31: 34 days ahead on 27 Nov is under the 60-day threshold."""
    container.clock = FixedClock(on(day))
    assert "calendar-warning" not in client.get("/items").text
    as_role(container, client, Role.CATALOGUE_ADMIN)
    page = client.get("/items")
    assert page.status_code == 200
    assert ("工作日历只知道到 2026-12-31（还有 34 天）" in page.text) is warned
    assert ("calendar-warning" in page.text) is warned
