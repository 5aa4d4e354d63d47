"""The catalogue admin's pages: items with their drafts, the editor, publishing and history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse

from tongban.bootstrap import Container
from tongban.domain.catalogue.model import (
    Audience,
    Channel,
    FieldType,
    ItemKind,
    Level,
    ServiceScope,
)
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.network.model import Department
from tongban.services.catalogue import items as catalogue
from tongban.services.catalogue import queries
from tongban.services.network.queries import list_departments
from tongban.web.deps import CatalogueAdmin, CatalogueReader, ContainerDep, actor_for
from tongban.web.item_form import BLANK_ROWS, spec_from_form, values_from_form, values_from_spec
from tongban.web.templating import render

router = APIRouter(prefix="/admin/items", tags=["pages"], include_in_schema=False)
Code = Annotated[str, PathParam(max_length=40)]


def _choices() -> dict[str, Any]:
    return {
        "levels": list(Level),
        "kinds": list(ItemKind),
        "audiences": list(Audience),
        "channels": list(Channel),
        "scopes": list(ServiceScope),
        "field_types": list(FieldType),
        "blank_rows": BLANK_ROWS,
    }


@router.get("")
def admin_items(
    request: Request,
    container: ContainerDep,
    _reader: CatalogueReader,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(pattern="^(|draft|published|withdrawn|pending)$")] = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    """Every item with its status and whether a draft awaits publishing."""
    with container.read() as uow:
        found = queries.admin_items(uow.conn, q=q, status=status, page=page)
    context = {
        "rows": found.rows,
        "q": q,
        "status": status,
        "page": page,
        "pages": found.pages,
        "total": found.total,
    }
    return render(request, "admin/items.html", context, block="table")


def _department_options(container: Container) -> list[Department]:
    with container.read() as uow:
        return list_departments(uow.conn)


@router.get("/new")
def new_item(request: Request, container: ContainerDep, _admin: CatalogueAdmin) -> Response:
    context = {
        "item": None,
        "v": values_from_spec(None),
        "departments": _department_options(container),
        "errors": {},
        **_choices(),
    }
    return render(request, "admin/edit.html", context)


@router.post("/new")
async def create_item(
    request: Request, container: ContainerDep, _admin: CatalogueAdmin
) -> Response:
    form = await request.form()
    try:
        spec = spec_from_form(form)
        with container.uow() as uow:
            catalogue.create_item(uow, actor_for(request), spec)
    except DomainError as error:
        return _form_again(request, container, None, form, error)
    return RedirectResponse(f"/admin/items/{spec.code}/edit?saved=1", status_code=303)


@router.get("/{code}/edit")
def edit_item(
    request: Request, code: Code, container: ContainerDep, _admin: CatalogueAdmin
) -> Response:
    with container.read() as uow:
        view = catalogue.item_for_edit(uow.conn, code)
    context = {
        "item": view,
        "v": values_from_spec(view.spec),
        "departments": _department_options(container),
        "errors": {},
        "saved": request.query_params.get("saved"),
        "published": request.query_params.get("published"),
        **_choices(),
    }
    return render(request, "admin/edit.html", context)


@router.post("/{code}/edit")
async def save_item(
    request: Request,
    code: Code,
    container: ContainerDep,
    _admin: CatalogueAdmin,
) -> Response:
    """Save the form as the draft; with action=publish, publish it in the same request."""
    form = await request.form()
    try:
        lock = _lock_version(form.get("lock_version"))
        spec = spec_from_form(form)
        actor = actor_for(request)
        with container.uow() as uow:
            lock = catalogue.save_draft(uow, actor, code, spec, lock)
            if form.get("action") == "publish":
                version = catalogue.publish(uow, actor, code, lock, str(form.get("note", "")))
                return RedirectResponse(
                    f"/admin/items/{spec.code}/edit?published={version}", status_code=303
                )
    except DomainError as error:
        with container.uow() as uow:
            view = catalogue.item_for_edit(uow.conn, code)
        return _form_again(request, container, view, form, error)
    return RedirectResponse(f"/admin/items/{spec.code}/edit?saved=1", status_code=303)


def _lock_version(raw: Any) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise ValidationFailed(fields={"lock_version": "缺少版本号，请刷新页面"}) from None


def _form_again(
    request: Request, container: Container, view: Any, form: Any, error: DomainError
) -> Response:
    """Show the form again with what was typed and the errors beside their fields."""
    context = {
        "item": view,
        "v": values_from_form(form),
        "departments": _department_options(container),
        "errors": error.fields,
        "error": error,
        **_choices(),
    }
    return render(request, "admin/edit.html", context, status_code=error.status)


@router.post("/{code}/publish")
def publish_item(
    request: Request,
    code: Code,
    container: ContainerDep,
    _admin: CatalogueAdmin,
    lock_version: Annotated[int, Form(ge=1)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    with container.uow() as uow:
        version = catalogue.publish(uow, actor_for(request), code, lock_version, note)
    return RedirectResponse(f"/admin/items/{code}/edit?published={version}", status_code=303)


@router.post("/{code}/withdraw")
def withdraw_item(
    request: Request,
    code: Code,
    container: ContainerDep,
    _admin: CatalogueAdmin,
    lock_version: Annotated[int, Form(ge=1)],
    reason: Annotated[str, Form(min_length=1, max_length=500)],
) -> Response:
    with container.uow() as uow:
        catalogue.withdraw(uow, actor_for(request), code, lock_version, reason)
    return RedirectResponse(f"/admin/items?q={code}", status_code=303)


@router.get("/{code}/history")
def item_history(
    request: Request, code: Code, container: ContainerDep, _reader: CatalogueReader
) -> Response:
    with container.read() as uow:
        view = catalogue.item_for_edit(uow.conn, code)
        versions = catalogue.history(uow.conn, code)
    return render(request, "admin/history.html", {"item": view, "versions": versions})
