"""The centre manager's overview (中心概况): the open cases of their centre by status, and the
yellow and red clock alerts that need chasing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from tongban.domain.cases.clock import last_yellow_day
from tongban.domain.cases.status import CaseStatus
from tongban.domain.people.model import Principal
from tongban.services.cases import queries
from tongban.services.platform import access
from tongban.services.platform.calendar import load_calendar
from tongban.web import paging
from tongban.web.deps import ContainerDep, allow, today_of
from tongban.web.pages.cases.citizen import clock_colours
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Manager = Annotated[Principal, Depends(allow(access.CENTRE_MANAGERS))]


ALERTS_AFTER = "alerts_after"
"""The alert list's own cursor: the page lists the alerts and all open cases separately."""


@router.get("/centre")
def centre_overview(request: Request, container: ContainerDep, principal: Manager) -> Response:
    """Counts by status and of the cases whose clock is yellow (near) or red (past the
    deadline), counted over every open case; the alerts and the open cases a page at a time."""
    today = today_of(request)
    with container.read() as uow:
        calendar = load_calendar(uow.conn)
        last_yellow = last_yellow_day(today, calendar, container.settings.case_yellow_days)
        counts = queries.centre_counts(uow.conn, principal, today, last_yellow)
        alerts = queries.centre_alerts_page(
            uow.conn,
            principal,
            today,
            last_yellow,
            paging.page_from(request.query_params.get(ALERTS_AFTER)),
        )
        found = queries.case_list(
            uow.conn,
            principal,
            "centre",
            paging.page_from(request.query_params.get("after")),
            today=today,
        )
        colours = clock_colours(
            uow.conn, today, [*alerts.rows, *found.rows], container.settings.case_yellow_days
        )
    context = {
        "rows": found.rows,
        "open_count": counts.open,
        "colours": colours,
        "by_status": [(s, counts.by_status[s]) for s in CaseStatus if counts.by_status.get(s)],
        "alerts": alerts.rows,
        "alert_pages": paging.more_links(request, alerts.next, ALERTS_AFTER),
        "red": counts.red,
        "yellow": counts.yellow,
        **paging.more_links(request, found.next),
    }
    return render(request, "cases/centre.html", context)
