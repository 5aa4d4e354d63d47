"""Public pages of the three lists (三单管理): what each list means, and each list filtered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from tongban.domain.catalogue.model import ListKind
from tongban.services.catalogue import lists
from tongban.web.deps import ContainerDep, Viewer
from tongban.web.templating import render

router = APIRouter(tags=["pages"])


@router.get("/lists", include_in_schema=False)
def lists_page(request: Request, container: ContainerDep, _viewer: Viewer) -> Response:
    with container.read() as uow:
        counts = lists.list_counts(uow.conn)
    return render(request, "lists/index.html", {"counts": list(counts.items())})


@router.get("/lists/{kind}", include_in_schema=False)
def list_page(
    request: Request,
    container: ContainerDep,
    _viewer: Viewer,
    kind: ListKind,
    department: Annotated[str, Query(max_length=40)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """One list as a table; the htmx filter gets only the table back."""
    with container.read() as uow:
        entries = lists.list_entries(uow.conn, kind, department_code=department or None, q=q)
        departments = lists.list_departments_of(uow.conn, kind)
    context = {
        "kind": kind.value,
        "entries": entries,
        "departments": departments,
        "department": department,
        "q": q,
    }
    return render(request, "lists/list.html", context, block="table")
