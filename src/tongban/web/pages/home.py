"""The home page and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from tongban.services.catalogue.frequency import high_frequency_items
from tongban.services.catalogue.stats import catalogue_figures
from tongban.services.platform import health
from tongban.web.deps import ContainerDep, Today, Viewer, is_elderly, now_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"])


@router.get("/", include_in_schema=False)
def home(request: Request, container: ContainerDep, _viewer: Viewer) -> Response:
    """The home page; the elderly version (长辈版) leads with the high-frequency items."""
    with container.read() as uow:
        figures = catalogue_figures(uow.conn)
        frequent = high_frequency_items(uow.conn, now_of(request)) if is_elderly(request) else []
    context = {"figures": figures if figures.items else None, "frequent": frequent}
    return render(request, "home.html", context)


@router.get("/frequent", include_in_schema=False)
def frequent(request: Request, container: ContainerDep, _viewer: Viewer) -> Response:
    """常办事项: the items citizens apply for most (the elderly version's first stop)."""
    with container.read() as uow:
        listed = high_frequency_items(uow.conn, now_of(request))
    return render(request, "catalogue/frequent.html", {"frequent": listed})


@router.get("/healthz", tags=["system"], summary="健康检查（数据库与工作日历）")
def healthz(
    container: ContainerDep,
    _viewer: Viewer,
    today: Today,
) -> JSONResponse:
    """Status ``ok`` or ``warn``: ``calendar_short`` (the official calendar known less than the
    configured days ahead), ``calendar_example`` (an example year is loaded)."""
    with container.read() as uow:
        body = health.check(uow, today=today, warn_days=container.settings.calendar_warn_days)
    return JSONResponse(body)
