"""Bundles (一件事一次办): applying once for several items and following the sub-cases.

``/bundles`` lists the bundles (and the signed-in applicant's own applications); a bundle's page
carries its one shared form; an application's page shows every sub-case with its department and
status, refreshed in place (htmx) while they progress in parallel.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from tongban.domain.cases.status import DeliveryMethod
from tongban.domain.catalogue.model import FieldType
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.people.model import Principal, UserKind
from tongban.services.bundles import applications as svc
from tongban.services.bundles import queries
from tongban.services.platform import access, audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.deps import ContainerDep, actor_for, allow
from tongban.web.idempotency import form_key, new_form_key, run_form_once
from tongban.web.pages.cases.citizen import account_context, centre_options, texts
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Anyone = Annotated[Principal | None, Depends(allow(access.PUBLIC))]
Applicant = Annotated[Principal, Depends(allow(access.APPLICANT))]
Reader = Annotated[Principal, Depends(allow(queries.BUNDLE_APPLICATION_READERS))]
Code = Annotated[str, PathParam(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
Number = Annotated[str, PathParam(max_length=32, pattern=r"^[A-Za-z0-9-]+$")]

POLL_SECONDS = 5
"""How often an open application's page refreshes its sub-cases."""


def _is_applicant(principal: Principal | None) -> bool:
    return principal is not None and principal.kind in (UserKind.CITIZEN, UserKind.ENTERPRISE)


@router.get("/bundles")
def bundle_list(
    request: Request,
    container: ContainerDep,
    principal: Anyone,
    after: paging.AfterParam = None,
) -> Response:
    """一件事一次办: every bundle with its items and departments; the applicant's own ones, a
    page at a time."""
    context: dict[str, Any] = {"mine": [], "next_page": None, "first_page": None}
    with container.read() as uow:
        context["views"] = queries.definitions(uow.conn)
        if _is_applicant(principal):
            found = queries.my_applications(uow.conn, principal, paging.page_from(after))
            context.update(mine=found.rows, **paging.more_links(request, found.next))
    return render(request, "bundles/list.html", context)


def _form_values(view: queries.DefinitionView, form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in view.definition.form:
        raw = form.get(f"form.{spec.name}")
        if spec.type is FieldType.BOOLEAN:
            values[spec.name] = "true" if raw else "false"
        else:
            values[spec.name] = str(raw or "")
    return values


def _application(view: queries.DefinitionView, form: FormData) -> svc.BundleApplicationIn:
    method = str(form.get("delivery_method") or DeliveryMethod.PICKUP.value)
    if method not in {m.value for m in DeliveryMethod}:
        raise ValidationFailed(fields={"delivery_method": "请选择结果领取方式"})
    return svc.BundleApplicationIn(
        form=_form_values(view, form),
        materials=texts(form, "materials"),
        delivery_method=DeliveryMethod(method),
        pickup_centre_code=str(form.get("pickup_centre_code") or "") or None,
        recipient=str(form.get("recipient") or ""),
        phone=str(form.get("phone") or ""),
        address=str(form.get("address") or ""),
    )


def _bundle_page(
    request: Request,
    view: queries.DefinitionView,
    centres: Any,
    principal: Principal | None,
    account: dict[str, Any],
) -> dict[str, Any]:
    return {
        **account,
        "view": view,
        "d": view.definition,
        "centres": centres,
        "can_apply": _is_applicant(principal),
        "errors": {},
        "v": {},
        "idem": new_form_key(),
    }


@router.get("/bundles/{code}")
def bundle_page(
    request: Request, code: Code, container: ContainerDep, principal: Anyone
) -> Response:
    """One bundle: its items and departments, and the one shared form for applicants."""
    with container.read() as uow:
        view = queries.definition(uow.conn, code)
        centres = centre_options(uow.conn)
        mine = principal.user_id if _is_applicant(principal) and principal else None
        account = account_context(uow.conn, mine, view.definition.form)
    context = _bundle_page(request, view, centres, principal, account)
    return render(request, "bundles/bundle.html", context)


@router.post("/bundles/{code}")
async def apply(
    request: Request, code: Code, container: ContainerDep, principal: Applicant
) -> Response:
    """Submit once: every sub-case is created, or none is and the errors show by their fields.
    The page's hidden key makes a second click (or a resend) show the first application."""
    form = await request.form()
    with container.read() as uow:
        view = queries.definition(uow.conn, code)
        centres = centre_options(uow.conn)
        account = account_context(uow.conn, principal.user_id, view.definition.form)

    def file(uow: UnitOfWork, actor: Actor) -> dict[str, str]:
        ref = svc.apply(uow, actor, view.definition.code, _application(view, form))
        return {"number": ref.number}

    try:
        outcome = await run_form_once(request, container, file)
    except DomainError as error:
        context = _bundle_page(request, view, centres, principal, account)
        values = {k: form.getlist(k) if k == "materials" else form.get(k) for k in form}
        context.update(errors=error.fields, error=error, v=values, idem=form_key(form))
        return render(request, "bundles/bundle.html", context, status_code=error.status)
    number = outcome.body["number"]
    return RedirectResponse(f"/bundles/applications/{number}?done=1", status_code=303)


@router.get("/bundles/applications/{number}")
def application_page(
    request: Request, number: Number, container: ContainerDep, principal: Reader
) -> Response:
    """The application: the combined status and every sub-case progressing in parallel."""
    # A read-only unit of work: the page polls, and must not queue behind writers.
    with container.read() as uow:
        view = queries.access_application(uow.conn, principal, number)
    if principal.user_id != view.applicant_id:
        with container.uow() as uow:
            what = f"bundle:{view.number}"
            audit.log_data_access(uow, actor_for(request), view.applicant_id, what, "一件事联办")
    context = {
        "a": view,
        "d": view.definition,
        "p": view.progress,
        "is_applicant": principal.user_id == view.applicant_id,
        "poll": POLL_SECONDS,
    }
    return render(request, "bundles/application.html", context)
