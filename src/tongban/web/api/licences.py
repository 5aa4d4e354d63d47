"""E-licences API (电子证照): read, download, present, revoke, verify; the licence types.

Reading a licence is for its holder, the issuing department's reviewers and section chiefs,
and auditors (others: 403); revoking is for a section chief of the issuing department and
needs an ``Idempotency-Key``.  Verifying is public and needs no account.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from tongban.bootstrap import Container
from tongban.domain.errors import FileTooLarge, PermissionDenied, ValidationFailed
from tongban.domain.licences.errors import LicenceIssuedElsewhere, NotALicence
from tongban.domain.licences.model import Licence
from tongban.domain.licences.types import LICENCE_TYPES
from tongban.domain.people.model import Principal
from tongban.domain.shared.clock import china_date
from tongban.services.federation import partner_licences
from tongban.services.licences import access as policy
from tongban.services.licences import library as svc
from tongban.services.licences import renditions
from tongban.services.licences.pdf import verify_path
from tongban.services.licences.verify import claimed_issuer
from tongban.services.platform import jurisdiction
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(tags=["licences"])

Reader = Annotated[Principal, Depends(allow(policy.LICENCE_READERS))]
Revoker = Annotated[Principal, Depends(allow(policy.LICENCE_REVOKERS))]
Anyone = Annotated[Principal | None, Depends(allow(policy.LICENCE_VERIFIERS))]
LicenceId = Annotated[
    str, Path(max_length=60, description="证照编号，如 DZZZ-id_card-20261127-7K3QX9MA")
]


class LicenceOut(BaseModel):
    """One licence with every field; the credential is the SD-JWT VC as issued."""

    id: str
    type_code: str
    type_name: str
    holder_id: str
    holder_name: str
    fields: dict[str, Any]
    valid_from: date
    valid_until: date | None
    status: str
    status_label: str
    trust_level: str
    issued_at: datetime
    issuer_department: str
    case_number: str | None
    key_id: str
    revoked_at: datetime | None
    revoke_reason: str
    credential: str
    verify_url: str
    issuer_region: str | None = Field(
        None, description="跨城通办：签发该证照的伙伴节点的行政区划代码（本节点签发的为空）"
    )
    issuer_name: str = Field("", description="签发该证照的伙伴节点名称")

    @classmethod
    def of(cls, licence: Licence, today: date) -> LicenceOut:
        status = licence.status_on(today)
        return out(
            cls,
            licence,
            status=status,
            status_label=status.label,
            verify_url=verify_path(licence.id),
        )


class RevokeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="注销原因")


class PresentIn(BaseModel):
    disclose: list[Annotated[str, Field(max_length=60)]] = Field(
        max_length=40, description="要出示的字段名（如 birth_date）；未列出的字段不会透露"
    )


class VerifyIn(BaseModel):
    credential: str = Field(min_length=1, max_length=100_000, description="SD-JWT VC 凭证文本")


class VerificationOut(BaseModel):
    ok: bool
    code: str = Field(
        description="valid、bad_signature、revoked、expired、not_yet_valid、unknown_key、"
        "unknown_licence 或 not_a_licence"
    )
    message: str
    licence_id: str | None
    type_code: str | None
    type_name: str | None
    issuer_department: str | None
    valid_until: date | None
    key_id: str | None
    status_checked: bool
    claims: dict[str, Any] = Field(description="仅含出示方披露的字段")
    issuer: str | None = Field(None, description="签发者（iss），如 urn:tongban:440605")
    issuer_name: str | None = Field(
        None, description="跨城通办：签发该证照的伙伴节点名称（本节点签发的为空）"
    )


class LicenceTypeOut(BaseModel):
    code: str
    name: str
    holder_kind: str
    department_code: str
    validity_days: int | None
    fields: list[dict[str, Any]]


@router.get("/licence-types", response_model=list[LicenceTypeOut], summary="电子证照类型")
def list_types(
    request: Request, response: Response, _anyone: Anyone, page: paging.PageParams
) -> list[LicenceTypeOut]:
    """By code, a page at a time."""
    listed = [
        LicenceTypeOut(
            code=t.code,
            name=t.name,
            holder_kind=t.holder_kind.value,
            department_code=t.department_code,
            validity_days=t.validity_days,
            fields=[
                {"name": f.name, "label": f.label, "kind": f.kind.value, "required": f.required}
                for f in t.fields
            ],
        )
        for t in LICENCE_TYPES
    ]
    return paging.cut(request, response, listed, lambda t: (t.code,), page)


@router.get("/licences/{licence_id}", response_model=LicenceOut, summary="查阅一份电子证照")
def read(
    request: Request, licence_id: LicenceId, container: ContainerDep, _reader: Reader
) -> LicenceOut:
    with container.uow() as uow:
        licence = policy.read_licence(uow, actor_for(request), licence_id, "查阅电子证照")
    return LicenceOut.of(licence, today_of(request))


def licence_pdf_response(request: Request, container: Container, licence_id: str) -> Response:
    """Send the signed PDF (shared with the page route): rendered and signed on the first
    download of this rendition, then served from the store; 304 to a client that has it."""
    with container.uow() as uow:
        licence = policy.read_licence(uow, actor_for(request), licence_id, "下载电子证照 PDF")
        if licence.issued_elsewhere:  # its PDF is the issuer's to sign
            raise LicenceIssuedElsewhere(licence_id=licence.id, issuer=licence.issuer_name)
        issuer = svc.department_name(uow.conn, licence.issuer_department)
        where = jurisdiction.current(uow.conn).full_name
    url = f"{str(request.base_url).rstrip('/')}{verify_path(licence.id)}"
    keys, files = container.keys, container.files
    assert files is not None
    key = renditions.rendition_key(
        licence, keys, verify_url=url, issuer_name=issuer, location=where
    )
    headers = {
        "Content-Disposition": f'inline; filename="{licence.id}.pdf"',
        "Cache-Control": "private, no-store",
        "ETag": f'"{key}"',
    }
    if renditions.matches(request.headers.get("if-none-match"), key):
        return Response(status_code=304, headers=headers)
    with container.read() as uow:
        found = renditions.stored(uow.conn, files, key)
    if found is None:
        found, row = renditions.render(
            licence, keys, files, key=key, verify_url=url, issuer_name=issuer, location=where
        )
        with container.uow() as uow:
            renditions.record(uow, row, container.clock.now())
    return Response(found.pdf, media_type="application/pdf", headers=headers)


@router.get(
    "/licences/{licence_id}/pdf",
    response_class=Response,
    summary="下载电子证照 PDF（带二维码与电子签名）",
)
def download_pdf(
    request: Request, licence_id: LicenceId, container: ContainerDep, _reader: Reader
) -> Response:
    return licence_pdf_response(request, container, licence_id)


@router.post(
    "/licences/{licence_id}/presentation",
    summary="生成只披露所选字段的凭证（选择性披露）",
)
def presentation(
    request: Request,
    licence_id: LicenceId,
    body: PresentIn,
    container: ContainerDep,
    principal: Reader,
) -> dict[str, str]:
    """Only the holder builds presentations of their own licence."""
    with container.uow() as uow:
        licence = policy.read_licence(uow, actor_for(request), licence_id, "出示电子证照")
    if not policy.is_holder(principal, licence):
        raise PermissionDenied()
    unknown = [n for n in body.disclose if n not in licence.fields and n not in _HOLDER_CLAIMS]
    if unknown:
        raise ValidationFailed(fields={"disclose": "该证照没有这些字段：" + "、".join(unknown)})
    return {"presentation": svc.present(licence, list(body.disclose))}


_HOLDER_CLAIMS = ("holder_id", "holder_name")


@router.post(
    "/licences/{licence_id}/revoke",
    response_model=LicenceOut,
    summary="注销电子证照（发证部门科长）",
)
def revoke(
    request: Request,
    licence_id: LicenceId,
    body: RevokeIn,
    _chief: Revoker,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    def action(uow: UnitOfWork, actor: Actor) -> LicenceOut:
        return LicenceOut.of(
            policy.revoke_licence(uow, actor, licence_id, body.reason), china_date(actor.at)
        )

    return run_once(request, container, key, action)


async def read_submission(request: Request, max_bytes: int) -> tuple[str | None, bytes | None]:
    """(credential text, PDF bytes) from a JSON body, a raw PDF body or a form upload."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = VerifyIn.model_validate(await request.json())
        except ValueError:
            raise ValidationFailed(fields={"credential": "请提供凭证文本"}) from None
        return body.credential, None
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        text = form.get("credential")
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str):
            data = await upload.read(max_bytes + 1)
            if data:
                if len(data) > max_bytes:
                    raise FileTooLarge(limit_mb=max_bytes // (1024 * 1024))
                return None, data
        if isinstance(text, str) and text.strip():
            return text, None
        raise ValidationFailed(fields={"credential": "请粘贴凭证文本或上传电子证照 PDF"})
    data = await request.body()
    if len(data) > max_bytes:
        raise FileTooLarge(limit_mb=max_bytes // (1024 * 1024))
    if not data.strip():
        raise ValidationFailed(fields={"credential": "请粘贴凭证文本或上传电子证照 PDF"})
    if data.lstrip()[:5] == b"%PDF-":
        return None, data
    try:
        return data.decode(), None
    except UnicodeDecodeError:
        raise NotALicence() from None


def verify_submission(
    container: Container, text: str | None, data: bytes | None
) -> svc.Verification:
    """Verify with the published keys and the library's revocation status, as of today.  A
    credential a trusted partner node issued (its ``iss``) is checked with that node's licence
    keys; its status is the copy's held here (kept current by each sync of the partner's
    revocation list), else the partner's list as last checked."""
    keys, today = container.keys, container.clock.today()
    with container.read() as uow:
        status = svc.status_of(uow.conn)
        if data is not None:
            return svc.verify_pdf(data, keys.ca_certificate_pem, status, today=today)
        issuer = claimed_issuer(text or "")  # a partner's is never this node's own
        partner = partner_licences.issuer_of(uow.conn, issuer) if issuer else None
        if partner is None:
            return svc.verify_credential(text or "", keys, status, today=today)
        node, jwks = partner
        known = partner_licences.known_revocations(uow.conn, node.region_code)
        found = svc.verify_credential(text or "", jwks, None, today=today, revocations=known)
        if found.licence_id and status(found.licence_id) is not None:
            found = svc.verify_credential(text or "", jwks, status, today=today)
        return dataclasses.replace(found, issuer_name=node.name)


@router.post(
    "/licences/verify",
    response_model=VerificationOut,
    summary="核验电子证照（凭证文本或 PDF）",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": VerifyIn.model_json_schema()},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
async def verify(request: Request, container: ContainerDep, _anyone: Anyone) -> VerificationOut:
    """JSON ``{"credential": "…"}``, or the PDF itself as the body (``application/pdf``).

    The answer is 200 with ``ok`` false and a ``code`` for a licence that fails; input that is
    not a licence at all is 422 ``not_a_licence``.
    """
    text, data = await read_submission(request, container.settings.upload_max_bytes)
    # pyHanko runs its own event loop: checking happens in a worker thread, not in this one.
    result = await run_in_threadpool(verify_submission, container, text, data)
    if result.code == "not_a_licence":
        raise NotALicence()
    return VerificationOut(**result.as_dict())
