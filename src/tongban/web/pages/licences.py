"""E-licences: the public /verify page, licence downloads and the published keys (电子证照).

``/.well-known/jwks.json`` and ``/.well-known/ca.pem`` are all an offline verifier needs, and
``/.well-known/licence-revocations.json`` (signed) tells it which licences are revoked.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from tongban.domain.errors import DomainError
from tongban.domain.licences.errors import LicenceNotFound
from tongban.domain.licences.model import looks_like_licence_id
from tongban.domain.licences.types import HolderKind, find_type
from tongban.domain.people.model import Principal
from tongban.domain.shared.masking import mask_name
from tongban.services.licences import access as policy
from tongban.services.licences import library as svc
from tongban.services.licences import revocations
from tongban.web.api.licences import licence_pdf_response, read_submission, verify_submission
from tongban.web.deps import ContainerDep, allow, now_of, today_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

Anyone = Annotated[Principal | None, Depends(allow(policy.LICENCE_VERIFIERS))]
Reader = Annotated[Principal, Depends(allow(policy.LICENCE_READERS))]


def _status_card(container: ContainerDep, licence_id: str, today: date) -> dict[str, object] | None:
    """What anyone may learn from a licence id: type, status, issuer, masked holder."""
    if not looks_like_licence_id(licence_id):
        return None
    with container.read() as uow:
        try:
            licence = svc.get(uow.conn, licence_id)
        except LicenceNotFound:
            return None
        issuer = licence.issuer_name or svc.department_name(uow.conn, licence.issuer_department)
    enterprise = licence.holder_kind is HolderKind.ENTERPRISE
    return {
        "id": licence.id,
        "type_name": licence.type_name,
        "status": licence.status_on(today),
        "issuer": issuer,
        "holder": licence.holder_name if enterprise else mask_name(licence.holder_name),
        "holder_id": licence.holder_id_masked,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
    }


@router.get("/verify")
def verify_page(
    request: Request,
    container: ContainerDep,
    _anyone: Anyone,
    licence_id: Annotated[str | None, Query(alias="id", max_length=60)] = None,
) -> Response:
    context: dict[str, object] = {"licence_id": licence_id or ""}
    if licence_id:
        context["card"] = _status_card(container, licence_id.strip(), today_of(request))
        context["looked_up"] = True
    return render(request, "licences/verify.html", context)


@router.post("/verify")
async def verify_submit(request: Request, container: ContainerDep, _anyone: Anyone) -> Response:
    """Paste a credential or upload a PDF; the answer is the result block (htmx) or the page."""
    try:
        text, data = await read_submission(request, container.settings.upload_max_bytes)
        result = await run_in_threadpool(verify_submission, container, text, data)
    except DomainError as error:
        return render(
            request, "licences/verify.html", {"error": error}, block="result", status_code=422
        )
    context = {"result": result, "labels": _labels(result.type_code)}
    return render(request, "licences/verify.html", context, block="result")


def _labels(type_code: str | None) -> dict[str, str]:
    """Chinese labels of the disclosed claims."""
    kind = find_type(type_code or "")
    labels = {"holder_id": "证件号码", "holder_name": "持证主体"}
    if kind is not None:
        labels.update({f.name: f.label for f in kind.fields})
    return labels


@router.get("/licences/{licence_id}.pdf")
def licence_pdf(
    request: Request, licence_id: str, container: ContainerDep, _reader: Reader
) -> Response:
    return licence_pdf_response(request, container, licence_id[:60])


@router.get("/.well-known/jwks.json")
def jwks(container: ContainerDep, _anyone: Anyone) -> JSONResponse:
    """The public keys of every licence signing key, old ones included."""
    return JSONResponse(container.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


@router.get("/.well-known/licence-revocations.json")
def revocation_list(request: Request, container: ContainerDep, _anyone: Anyone) -> JSONResponse:
    """The signed list of revoked licences (issued now, next update in 24 hours): with the
    keys above, what an offline verifier needs to refuse a revoked licence."""
    with container.read() as uow:
        signed = revocations.signed_list(uow.conn, container.keys, now_of(request))
    return JSONResponse(signed, headers={"Cache-Control": "public, max-age=300"})


@router.get("/.well-known/ca.pem")
def ca_pem(container: ContainerDep, _anyone: Anyone) -> Response:
    return Response(
        container.keys.ca_certificate_pem,
        media_type="application/x-pem-file",
        headers={"Cache-Control": "public, max-age=3600"},
    )
