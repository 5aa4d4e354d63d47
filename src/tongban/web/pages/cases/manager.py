"""The centre manager's overview (中心概况): the open cases of their centre by status, and the
yellow and red clock alerts that need chasing."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from tongban.domain.cases.status import CaseStatus
from tongban.domain.people.model import Principal
from tongban.services.cases import queries
from tongban.services.platform import access
from tongban.web.deps import ContainerDep, allow, today_of
from tongban.web.pages.cases.citizen import clock_colours
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Manager = Annotated[Principal, Depends(allow(access.CENTRE_MANAGERS))]


@router.get("/centre")
def centre_overview(request: Request, container: ContainerDep, principal: Manager) -> Response:
    """Counts by status and the cases whose clock is yellow (near) or red (past the deadline)."""
    with container.read() as uow:
        rows = queries.centre_queue(uow.conn, principal)
        colours = clock_colours(
            uow.conn, today_of(request), rows, container.settings.case_yellow_days
        )
    by_status = Counter(r.status for r in rows)
    alerts = [r for r in rows if colours[r.number] in ("yellow", "red")]
    alerts.sort(key=lambda r: (colours[r.number] != "red", r.deadline))
    context = {
        "rows": rows,
        "colours": colours,
        "by_status": [(s, by_status[s]) for s in CaseStatus if by_status[s]],
        "alerts": alerts,
        "red": sum(1 for c in colours.values() if c == "red"),
        "yellow": sum(1 for c in colours.values() if c == "yellow"),
    }
    return render(request, "cases/centre.html", context)
