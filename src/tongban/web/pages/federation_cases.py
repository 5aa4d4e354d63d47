"""跨城通办 for staff: the window's hand-over of a case to a partner node, the cases handed over
and received with their remote status, the answer to a partner's 补正, the refused messages a
person resolves, and the partners with their synced item versions (docs/federation.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile

from tongban.domain.errors import DomainError
from tongban.domain.federation.handover import MAX_MATERIAL_BYTES, MaterialFile
from tongban.domain.people.model import Principal
from tongban.domain.shared.identity import IdType
from tongban.domain.shared.masking import mask_document
from tongban.services.federation import handover, items, partner_licences, refusals
from tongban.services.federation import node as nodes
from tongban.services.licences import library as licences
from tongban.services.platform import access
from tongban.web import paging
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.pages.register import nationality_options
from tongban.web.templating import render

router = APIRouter(prefix="/federation", tags=["pages"], include_in_schema=False)
Clerk = Annotated[Principal, Depends(allow(access.CASE_CLERKS))]
Reader = Annotated[Principal, Depends(allow(handover.READERS))]
CaseRef = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
MessageId = Annotated[str, Path(max_length=36)]


async def _files(form: FormData, prefix: str) -> list[MaterialFile]:
    """The uploaded materials: each field ``{prefix}{name}`` a file of the material ``name``."""
    files = []
    for key, value in form.multi_items():
        if key.startswith(prefix) and isinstance(value, UploadFile):
            content = await value.read(MAX_MATERIAL_BYTES + 1)
            if content:
                files.append(MaterialFile(key[len(prefix) :], content))
    return files


@router.get("/cases")
def cases_page(
    request: Request,
    container: ContainerDep,
    _reader: Reader,
    role: Annotated[str, Query(pattern="^(|in|out)$")] = "",
    after: paging.AfterParam = None,
) -> Response:
    """Newest first, a page at a time by keyset (下一页 carries where the page ended)."""
    with container.read() as uow:
        found = handover.federated_cases_page(uow.conn, role or None, paging.page_from(after))
    context = {"rows": found.rows, "role": role, **paging.more_links(request, found.next)}
    return render(request, "federation/cases.html", context)


@router.get("/cases/{case_ref}")
def case_page(
    request: Request, container: ContainerDep, _reader: Reader, case_ref: CaseRef
) -> Response:
    """One case of the exchange: this side's and the other side's status, every message."""
    with container.read() as uow:
        case = handover.federated_case(uow.conn, case_ref)
        number = None
        if case["case_id"] is not None:
            number = handover.case_number(uow.conn, case["case_id"])
        done = refusals.resolutions(uow.conn, case_ref)
        # What anyone may learn at /verify?id=…: type, issuer, validity, status; the fields
        # are the holder's, read in their data space.
        licence = licences.get(uow.conn, case["licence_id"]) if case["licence_id"] else None
    masked_id = mask_document(case["applicant_id_type"], case["applicant_id_number"])
    context = {"case": case, "number": number, "resolutions": done, "error": None,
               "masked_id": masked_id, "licence": licence, "today": today_of(request),
               "withdrawable_after": handover.DECIDED}  # fmt: skip
    return render(request, "federation/case.html", context)


@router.post("/cases/{case_ref}/correction")
async def answer_correction(
    request: Request, container: ContainerDep, _clerk: Clerk, case_ref: CaseRef
) -> Response:
    form = await request.form()
    files = await _files(form, "material:")
    with container.uow() as uow:
        handover.answer_correction(
            uow, actor_for(request), container.node_keys, case_ref, str(form.get("note", "")),
            files,
        )  # fmt: skip
    return RedirectResponse(f"/federation/cases/{case_ref}", status_code=303)


@router.post("/cases/{case_ref}/withdraw")
async def withdraw(
    request: Request, container: ContainerDep, _clerk: Clerk, case_ref: CaseRef
) -> Response:
    """The applicant withdraws at this window: ``case.withdrawn`` goes to the partner."""
    form = await request.form()
    with container.uow() as uow:
        handover.withdraw(
            uow, actor_for(request), container.node_keys, case_ref, str(form.get("reason", ""))
        )
    return RedirectResponse(f"/federation/cases/{case_ref}", status_code=303)


@router.post("/cases/{case_ref}/collected")
def collected(
    request: Request, container: ContainerDep, _clerk: Clerk, case_ref: CaseRef
) -> Response:
    with container.uow() as uow:
        handover.collect_result(uow, actor_for(request), case_ref)
    return RedirectResponse(f"/federation/cases/{case_ref}", status_code=303)


def _offer(container: ContainerDep, partner: str, item: str) -> dict[str, Any]:
    with container.read() as uow:
        offered = [
            (row.partner, row.item_code, row.name, row.version) for row in items.synced(uow.conn)
        ]
        chosen = handover.partner_item(uow.conn, partner, item) if partner and item else None
        names = {p.region_code: p.name for p in nodes.partners(uow.conn)}
    return {"offered": offered, "chosen": chosen, "partner": partner, "item": item,
            "names": names, "id_types": list(IdType),
            "nationalities": nationality_options()}  # fmt: skip


@router.get("/handover")
def handover_form(
    request: Request,
    container: ContainerDep,
    _clerk: Clerk,
    partner: Annotated[str, Query(max_length=6)] = "",
    item: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The window's form for a partner's item: the applicant, the partner's form and
    materials (as its synced version asks), the fees to explain and the consent."""
    context = _offer(container, partner, item)
    return render(request, "federation/handover.html", {**context, "error": None, "values": {}})


@router.post("/handover")
async def hand_over(request: Request, container: ContainerDep, _clerk: Clerk) -> Response:
    form = await request.form()
    partner, item = str(form.get("partner", "")), str(form.get("item", ""))
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    request_ = handover.HandOver(
        partner=partner,
        item_code=item,
        applicant_name=values.get("applicant_name", ""),
        id_number=values.get("id_number", ""),
        id_type=values.get("id_type", "resident_id") or "resident_id",
        form={k[5:]: v for k, v in values.items() if k.startswith("form:")},
        materials=await _files(form, "material:"),
        consent=values.get("consent") == "yes",
        fees_explained=values.get("fees_explained") == "yes",
        nationality=values.get("nationality", ""),
        mail_address=values.get("mail_address", ""),
    )
    try:
        with container.uow() as uow:
            case_ref = handover.hand_over(uow, actor_for(request), container.node_keys, request_)
    except DomainError as error:
        context = _offer(container, partner, item)
        return render(
            request, "federation/handover.html",
            {**context, "error": error.message, "fields": error.fields, "values": values},
            status_code=error.status,
        )  # fmt: skip
    return RedirectResponse(f"/federation/cases/{case_ref}", status_code=303)


@router.get("/refused")
def refused_page(request: Request, container: ContainerDep, _clerk: Clerk) -> Response:
    """Messages a partner refused that no one has resolved: resend once fixed, or cancel."""
    with container.read() as uow:
        rows = refusals.unresolved(uow.conn)
        done = refusals.resolutions(uow.conn)[-20:]
    return render(request, "federation/refused.html", {"rows": rows, "done": done})


@router.post("/refused/{message_id}")
async def resolve(
    request: Request, container: ContainerDep, _clerk: Clerk, message_id: MessageId
) -> Response:
    form = await request.form()
    with container.uow() as uow:
        refusals.resolve(
            uow, actor_for(request), container.node_keys, message_id,
            str(form.get("action", "")), str(form.get("note", "")),
        )  # fmt: skip
    return RedirectResponse("/federation/refused", status_code=303)


@router.get("/partners")
def partners_page(request: Request, container: ContainerDep, _clerk: Clerk) -> Response:
    """The partners this node trusts, the item versions last synced from each, and whether
    their licence keys and revocation list are known here."""
    with container.read() as uow:
        partners = nodes.partners(uow.conn)
        synced = items.synced(uow.conn)
        licensing = partner_licences.states(uow.conn)
    context = {"partners": partners, "synced": synced, "licensing": licensing}
    return render(request, "federation/partners.html", context)


@router.post("/partners/{code}/sync")
def sync_partner(
    request: Request,
    container: ContainerDep,
    _clerk: Clerk,
    code: Annotated[str, Path(pattern=r"^\d{6}$")],
) -> Response:
    fetcher: Any = container.federation_transport
    with container.uow() as uow:
        items.sync(uow, actor_for(request), fetcher, code)
    return RedirectResponse("/federation/partners", status_code=303)
