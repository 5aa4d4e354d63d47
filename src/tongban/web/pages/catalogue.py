"""Public catalogue pages: search, service guides (办事指南) and the catalogue figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam

from tongban.services.catalogue import items as catalogue
from tongban.services.catalogue import search
from tongban.services.catalogue import stats as catalogue_stats
from tongban.services.service_desk import consultation_queries
from tongban.services.smart import rules as rule_sets
from tongban.web.deps import ContainerDep, Viewer, today_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
PAGE_SIZE = 20


@router.get("/items")
def items_page(
    request: Request,
    container: ContainerDep,
    _viewer: Viewer,
    q: Annotated[str, Query(max_length=100)] = "",
    department: Annotated[str, Query(max_length=40)] = "",
    audience: Annotated[str, Query(pattern="^(|citizen|enterprise|both)$")] = "",
    online: bool = False,
    page: Annotated[int, Query(ge=1, le=500)] = 1,
) -> Response:
    """Search box, filters and results; htmx swaps only the results block."""
    with container.read() as uow:
        result = search.search_items(
            uow.conn,
            q,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            department_code=department or None,
            audience=audience or None,
            online_only=online,
        )
        departments = catalogue_stats.department_counts(uow.conn)
    context = {
        "q": q,
        "department": department,
        "audience": audience,
        "online": online,
        "page": page,
        "pages": max(1, -(-result.total // PAGE_SIZE)),
        "result": result,
        "departments": departments,
    }
    return render(request, "catalogue/search.html", context, block="results")


@router.get("/items/{code}")
def guide_page(
    request: Request,
    code: Annotated[str, PathParam(max_length=40)],
    container: ContainerDep,
    _viewer: Viewer,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The service guide of an item's current (or an older) published version."""
    with container.read() as uow:
        view = catalogue.published_item(uow.conn, code, version)
        versions = catalogue.history(uow.conn, code, item_id=view.id)
        faqs = consultation_queries.faqs_for_item(uow.conn, view.code)
    context = {"item": view, "spec": view.spec, "versions": versions, "faqs": faqs}
    return render(request, "catalogue/guide.html", context)


@router.get("/stats")
def stats_page(request: Request, container: ContainerDep, _viewer: Viewer) -> Response:
    """The seed's figures, computed from the catalogue, by department and by level; beside the
    秒批 items, how many of them have a rule set in force today."""
    with container.read() as uow:
        figures = catalogue_stats.catalogue_figures(uow.conn)
        by_department = catalogue_stats.figures_by_department(uow.conn)
        by_level = catalogue_stats.figures_by_level(uow.conn)
        smart_in_force = rule_sets.smart_items_in_force(uow.conn, today_of(request))
    return render(
        request,
        "catalogue/stats.html",
        {
            "figures": figures,
            "smart_in_force": smart_in_force,
            "by_department": by_department,
            "by_level": by_level,
        },
    )
