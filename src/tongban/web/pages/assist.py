"""网办辅导: the assisted online filing desk.  A clerk scans the citizen code on the applicant's
phone (their consent, there and then) — or reads their ID card, and the applicant signs on the
desk's tablet when filing — finds the online item with them, and files the applicant's own
online application together; the case records that the clerk helped and how they consented."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection
from starlette.datastructures import FormData

from tongban.bootstrap import Container
from tongban.domain.errors import DomainError
from tongban.domain.people.model import Principal
from tongban.services.cases import attachments
from tongban.services.cases import lifecycle as svc
from tongban.services.catalogue import items as catalogue
from tongban.services.catalogue import search
from tongban.services.catalogue.items import ItemView
from tongban.services.identity import check as identity_check
from tongban.services.people import queries as people
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.self_service import assisted, signature
from tongban.services.self_service.access import ASSISTING_CLERKS
from tongban.web.api.attachments import store_of
from tongban.web.deps import ContainerDep, actor_for, allow
from tongban.web.idempotency import form_key, new_form_key, run_form_once
from tongban.web.pages.cases.citizen import (
    account_context,
    application_from,
    centre_options,
    uploads_from,
)
from tongban.web.templating import render

router = APIRouter(prefix="/assist", tags=["pages"], include_in_schema=False)
Clerk = Annotated[Principal, Depends(allow(ASSISTING_CLERKS))]
ApplicantId = Annotated[int | None, Query(ge=1)]


def _desk(
    request: Request,
    container: Container,
    applicant: int | None = None,
    q: str = "",
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    actor = actor_for(request)
    card = until = signing_until = result = None
    with container.read() as uow:
        if applicant is not None:
            card = people.applicant(uow.conn, applicant)
            until = assisted.consent_until(uow.conn, actor, applicant) if card else None
            if card is not None and until is None:
                signing_until = assisted.identified_until(uow.conn, actor, applicant)
        if card is not None and (until or signing_until) and q:
            result = search.search_items(uow.conn, q, limit=10, online_only=True)
    context.setdefault("error", None)
    context.setdefault("v", {})
    context.update(applicant=card, until=until, signing_until=signing_until, q=q, result=result)
    return render(request, "assist/desk.html", context, status_code=status)


@router.get("")
def desk(
    request: Request,
    container: ContainerDep,
    _clerk: Clerk,
    applicant: ApplicantId = None,
    q: Annotated[str, Query(max_length=100)] = "",
    done: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """网办辅导台: scan the applicant's citizen code, then find the item to apply for online."""
    return _desk(request, container, applicant, q, done=done)


@router.post("/identify")
async def identify(request: Request, container: ContainerDep, _clerk: Clerk) -> Response:
    """扫市民码: the applicant shows their own code; scanning it is their consent to be helped."""
    form = await request.form()
    try:
        with container.uow() as uow:
            person = identity_check.redeem_citizen_code(
                uow, actor_for(request), str(form.get("token") or ""), key=container.secret_key
            )
    except DomainError as error:
        return _desk(request, container, status=error.status, error=error)
    return RedirectResponse(f"/assist?applicant={person.user_id}", status_code=303)


@router.post("/identify-card")
async def identify_by_card(request: Request, container: ContainerDep, _clerk: Clerk) -> Response:
    """读取身份证: proves who stands at the desk; the applicant then consents by signing on the
    tablet when the application is filed (an ID card alone is no consent)."""
    form = await request.form()
    payload = {k: str(form.get(k) or "").strip() for k in ("id_number", "name")}
    try:
        with container.uow() as uow:
            person = identity_check.read_id_card(
                uow, actor_for(request), payload, reader=container.id_card_reader
            )
    except DomainError as error:
        values = {"card_id_number": payload["id_number"], "card_name": payload["name"]}
        return _desk(request, container, status=error.status, error=error, v=values)
    return RedirectResponse(f"/assist?applicant={person.user_id}", status_code=303)


def _apply_context(
    conn: Connection, item: ItemView, card: people.Applicant, upload_max_bytes: int
) -> dict[str, Any]:
    return {
        "item": item,
        "spec": item.spec,
        "applicant": card,
        "centres": centre_options(conn),
        "errors": {},
        "v": {},
        "idem": new_form_key(),
        **account_context(conn, card.id, item.spec.form),
        "upload_mb": max(1, upload_max_bytes // (1024 * 1024)),
    }


@router.get("/apply")
def apply_page(
    request: Request,
    container: ContainerDep,
    _clerk: Clerk,
    applicant: Annotated[int, Query(ge=1)],
    item: Annotated[str, Query(max_length=40)],
) -> Response:
    """The applicant's online application, filled in together at the desk."""
    with container.read() as uow:
        card = people.applicant(uow.conn, applicant)
        if card is None:
            return RedirectResponse("/assist", status_code=303)
        found = catalogue.published_item(uow.conn, item)
        context = _apply_context(uow.conn, found, card, container.settings.upload_max_bytes)
        _consent_context(uow.conn, actor_for(request), applicant, context)
    return render(request, "assist/apply.html", context)


def _consent_context(
    conn: Connection, actor: Actor, applicant: int, context: dict[str, Any]
) -> None:
    """How the applicant consents on this page: their citizen code scanned just now, or else
    (identified at the desk just now) their signature on the tablet."""
    context["until"] = assisted.consent_until(conn, actor, applicant)
    context["signing_until"] = (
        None if context["until"] else assisted.identified_until(conn, actor, applicant)
    )


@router.post("/apply")
async def apply(request: Request, container: ContainerDep, _clerk: Clerk) -> Response:
    """协助提交: files it as the applicant's online application, recording the clerk's help;
    without a citizen code scanned in the last 15 minutes nothing is filed."""
    form = await request.form()
    try:
        applicant = int(str(form.get("applicant")))
    except ValueError:
        return RedirectResponse("/assist", status_code=303)
    with container.read() as uow:
        card = people.applicant(uow.conn, applicant)
        view = catalogue.published_item(uow.conn, str(form.get("item") or ""))
    if card is None:
        return RedirectResponse("/assist", status_code=303)

    application = application_from(view, form)
    settings = container.settings
    drawn = str(form.get("signature") or "")

    def with_files(uow: UnitOfWork, as_applicant: Actor) -> svc.CaseRef:
        return attachments.apply_online(
            uow,
            as_applicant,
            store_of(container),
            application,
            uploads_from(form),
            submit=True,
            max_bytes=settings.upload_max_bytes,
            allowed=settings.upload_allowed_types,
        )

    def file(uow: UnitOfWork, actor: Actor) -> dict[str, str]:
        # A signature is asked for only when the citizen code was not scanned just now.
        signed = None
        if form.get("consent") == "signature":
            signed = signature.decode_data(drawn)
        ref = assisted.file_assisted(
            uow,
            actor,
            applicant,
            application,
            upload=with_files,
            signature=signed,
            files=store_of(container),
        )
        return {"number": ref.number}

    try:
        outcome = await run_form_once(request, container, file)
    except DomainError as error:
        return _again(request, container, view, card, form, error)
    number = quote(str(outcome.body["number"]))
    return RedirectResponse(f"/assist?applicant={applicant}&done={number}", status_code=303)


def _again(
    request: Request,
    container: Container,
    view: ItemView,
    card: people.Applicant,
    form: FormData,
    error: DomainError,
) -> Response:
    with container.read() as uow:
        context = _apply_context(uow.conn, view, card, container.settings.upload_max_bytes)
        _consent_context(uow.conn, actor_for(request), card.id, context)
    context.update(
        errors=error.fields,
        error=error,
        # The drawn signature is not sent back: the applicant signs again.
        v={k: form.get(k) for k in form if not k.startswith("file.") and k != "signature"},
        idem=form_key(form),
    )
    return render(request, "assist/apply.html", context, status_code=error.status)
