"""The working-day calendar pages: the admin's year view, single-day edits and notice import,
and the public deadline calculator.

'Today' comes from the ``Today`` dependency (China's date), which tests override.
"""

from __future__ import annotations

import calendar as stdcal
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection

from tongban.domain.errors import DomainError, ImportRejected, ValidationFailed
from tongban.domain.shared.calendar import NAME_MAX_LENGTH, CalendarDay, DayKind
from tongban.services.platform import calendar as calendar_service
from tongban.services.platform import calendar_import as notices
from tongban.web.deps import CatalogueAdmin, ContainerDep, Today, Viewer, actor_for
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
YearQuery = Annotated[int | None, Query(ge=1900, le=2200)]
_MONTH_WEEKS = stdcal.Calendar(firstweekday=0)


@dataclass(frozen=True)
class Month:
    """One month of the grid: weeks Monday to Sunday, None outside the month."""

    number: int
    weeks: list[list[CalendarDay | None]]


def _months(days: list[CalendarDay]) -> list[Month]:
    by_day = {d.day: d for d in days}
    year = days[0].day.year
    return [
        Month(
            month,
            [
                [by_day[d] if d.month == month else None for d in week]
                for week in _MONTH_WEEKS.monthdatescalendar(year, month)
            ],
        )
        for month in range(1, 13)
    ]


def _year_context(
    conn: Connection, today: date, warn_days: int, year: int | None
) -> dict[str, Any]:
    """Everything the admin page shows for ``year`` (default: this year, else the last known)."""
    status = calendar_service.calendar_status(conn, today, warn_days)
    if year is None:
        year = today.year if today.year in status.years or not status.years else status.years[-1]
    days = calendar_service.year_days(conn, year) if year in status.years else []
    return {
        "status": status,
        "warn_days": warn_days,
        "today": today,
        "year": year,
        "months": _months(days) if days else [],
        "exceptions": [d for d in days if d.kind in (DayKind.HOLIDAY, DayKind.MAKEUP_WORKDAY)],
        "working_days": sum(1 for d in days if d.kind.is_working),
        "kinds": list(DayKind),
        "name_max": NAME_MAX_LENGTH,
        "edit": {"day": "", "kind": "", "name": ""},
        "edit_errors": {},
        "edited": None,
    }


@router.get("/admin/calendar")
def calendar_admin(
    request: Request,
    container: ContainerDep,
    _admin: CatalogueAdmin,
    today: Today,
    year: YearQuery = None,
    imported: YearQuery = None,
) -> Response:
    """How far ahead the calendar is known, a year's month grid, and the edit and import forms."""
    with container.read() as uow:
        context = _year_context(uow.conn, today, container.settings.calendar_warn_days, year)
    context["imported"] = imported
    return render(request, "calendar/admin.html", context)


@router.post("/admin/calendar/day")
def calendar_set_day(
    request: Request,
    container: ContainerDep,
    _admin: CatalogueAdmin,
    today: Today,
    day: Annotated[str, Form(max_length=20)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    year: Annotated[int | None, Form(ge=1900, le=2200)] = None,
) -> Response:
    """Change one day; answers htmx with the refreshed year view, errors beside the fields."""
    warn_days = container.settings.calendar_warn_days
    edit = {"day": day, "kind": kind, "name": name}
    parsed: date | None = None
    try:
        parsed = _form_date(day, "day")
        with container.uow() as uow:
            entry = calendar_service.set_day(uow, actor_for(request), parsed, kind, name)
            context = _year_context(uow.conn, today, warn_days, parsed.year)
        context["edited"] = entry
    except DomainError as error:
        with container.uow() as uow:
            context = _year_context(
                uow.conn, today, warn_days, year or (parsed.year if parsed else None)
            )
        context["edit"] = edit
        context["edit_errors"] = error.fields or {"day": error.message}
        # htmx swaps only 2xx answers; a browser without JavaScript gets the honest status.
        status = 200 if request.headers.get("HX-Request") == "true" else error.status
        return render(
            request, "calendar/admin.html", context, block="year_view", status_code=status
        )
    return render(request, "calendar/admin.html", context, block="year_view")


def _form_date(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        message = (
            "请填写日期，格式为 YYYY-MM-DD。" if not raw.strip() else "日期格式应为 YYYY-MM-DD。"
        )
        raise ValidationFailed(fields={field: message}) from None


@router.post("/admin/calendar/import")
async def calendar_import(
    request: Request,
    container: ContainerDep,
    _admin: CatalogueAdmin,
    today: Today,
    file: UploadFile | None = None,
) -> Response:
    """Import one year's notice; on any error show every bad row and change nothing."""
    try:
        if file is None or not file.filename:
            raise ImportRejected(errors=[_no_file()])
        text = notices.decode_notice(await file.read(notices.MAX_NOTICE_BYTES + 1))
        with container.uow() as uow:
            summary = notices.import_notice(uow, actor_for(request), text, file.filename)
    except ImportRejected as rejected:
        with container.uow() as uow:
            context = _year_context(uow.conn, today, container.settings.calendar_warn_days, None)
        context["import_error"] = rejected
        return render(request, "calendar/admin.html", context, status_code=rejected.status)
    return RedirectResponse(
        f"/admin/calendar?year={summary.year}&imported={summary.year}", status_code=303
    )


def _no_file() -> dict[str, Any]:
    message = "请选择要导入的放假安排文件（CSV 或 JSON）。"
    return {"row": 0, "column": "date", "code": "file_missing", "message": message}


@router.get("/calendar/deadline")
def deadline_calculator(
    request: Request,
    container: ContainerDep,
    _viewer: Viewer,
    today: Today,
    start: Annotated[str, Query(max_length=20)] = "",
    n: Annotated[str, Query(max_length=10)] = "",
    stops: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """Anyone may compute a deadline: the n-th working day after the start day."""
    context: dict[str, Any] = {
        "form": {"start": start or today.isoformat(), "n": n, "stops": stops},
        "errors": {},
        "result": None,
        "asked": bool(start or n),
    }
    if context["asked"]:
        try:
            start_day = _form_date(start, "start")
            days = _form_days(n)
            stop_list = calendar_service.parse_stops([stops])
            with container.read() as uow:
                context["result"] = calendar_service.deadline(uow.conn, start_day, days, stop_list)
            context["start_day"], context["days"] = start_day, days
        except DomainError as error:
            context["errors"] = error.fields or {"start": error.message}
    status = 422 if context["errors"] and request.headers.get("HX-Request") != "true" else 200
    return render(
        request, "calendar/deadline.html", context, block="deadline_result", status_code=status
    )


def _form_days(raw: str) -> int:
    try:
        days = int(raw.strip())
    except ValueError:
        raise ValidationFailed(fields={"n": "请填写不小于 0 的整数（工作日天数）。"}) from None
    if days < 0:
        raise ValidationFailed(fields={"n": "期限天数不能为负数。"})
    return days
