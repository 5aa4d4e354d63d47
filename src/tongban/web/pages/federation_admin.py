"""跨城通办节点管理: this node (its identity, base URL, items and keys; set up, key rotation)
and the partner nodes it trusts (trust a node document after checking its key fingerprints,
stop trusting one with a reason).  For the catalogue admin, the district's administrator of
what the platform offers; the same service calls as ``tongban node``, each audited in its
transaction.  Forms carry the session's CSRF token; a refused form changes nothing.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from tongban.bootstrap import Container
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.federation.errors import PartnerNotFound
from tongban.domain.federation.node import MAX_DOCUMENT_BYTES, load_node_document
from tongban.domain.people.model import Principal
from tongban.services.federation import items
from tongban.services.federation import node as nodes
from tongban.web.deps import ContainerDep, actor_for, allow
from tongban.web.errors import translated
from tongban.web.templating import render

router = APIRouter(prefix="/admin/federation", tags=["pages"], include_in_schema=False)
RegionCode = Annotated[str, Path(pattern=r"^\d{6}$")]
PAGE = "federation/admin.html"
NodeAdmin = Annotated[Principal, Depends(allow(nodes.ADMINS))]


def _context(container: Container, **extra: Any) -> dict[str, Any]:
    with container.read() as uow:
        node = nodes.view(uow.conn, container.node_keys_if_made())
        partners = nodes.partners(uow.conn)
    context: dict[str, Any] = {
        "node": node,
        "partners": partners,
        "default_url": container.settings.public_url,
        "error": None,
        "form": {},
    }
    return {**context, **extra}


def _refused(request: Request, container: Container, error: DomainError, **extra: Any) -> Response:
    context = _context(container, error=translated(error), fields=error.fields, **extra)
    return render(request, PAGE, context, status_code=error.status)


@router.get("")
def node_page(request: Request, container: ContainerDep, _admin: NodeAdmin) -> Response:
    """This node and its partners, with the forms to set it up and to trust a partner."""
    return render(request, PAGE, _context(container))


@router.post("/init")
def initialise(
    request: Request,
    container: ContainerDep,
    _admin: NodeAdmin,
    base_url: Annotated[str, Form(max_length=300)] = "",
    items: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Set the base URL and items and make the first key (``tongban node init``)."""
    codes = items.replace(",", " ").replace("，", " ").split()
    try:
        with container.uow() as uow:
            nodes.initialise(uow, actor_for(request), container.node_key_store, base_url, codes)
    except DomainError as error:
        return _refused(request, container, error, form={"base_url": base_url, "items": items})
    container.forget_node_keys()
    return RedirectResponse("/admin/federation", status_code=303)


@router.get("/rotate-key")
def rotate_key_confirm(request: Request, container: ContainerDep, _admin: NodeAdmin) -> Response:
    """What rotating the key does, and the button that does it."""
    return render(request, "federation/admin_rotate.html", _context(container))


@router.post("/rotate-key")
def rotate_key(
    request: Request,
    container: ContainerDep,
    _admin: NodeAdmin,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """A new current key (``tongban node rotate-key``); this process signs with it at once."""
    if confirm != "yes":
        error = ValidationFailed(fields={"confirm": "请确认更换节点签名密钥"})
        context = _context(container, error=translated(error), fields=error.fields)
        return render(request, "federation/admin_rotate.html", context, status_code=422)
    try:
        with container.uow() as uow:
            nodes.rotate_key(uow, actor_for(request), container.node_key_store)
    except DomainError as error:
        return _refused(request, container, error)
    container.forget_node_keys()
    return RedirectResponse("/admin/federation?rotated=1", status_code=303)


async def _submitted(request: Request) -> bytes | str:
    """The document as pasted (field ``document``) or uploaded (field ``file``)."""
    form = await request.form()
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        return await upload.read(MAX_DOCUMENT_BYTES + 1)
    return str(form.get("document") or "")


def _shown(data: bytes | str) -> str:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text[:MAX_DOCUMENT_BYTES]


@router.post("/trust/preview")
async def trust_preview(request: Request, container: ContainerDep, _admin: NodeAdmin) -> Response:
    """The partner a document names, its URL and key fingerprints, before it is trusted;
    refused as ``tongban node trust`` refuses it."""
    data = await _submitted(request)
    try:
        document = load_node_document(data)
        with container.read() as uow:
            preview = nodes.preview_trust(uow.conn, document)
    except DomainError as error:
        return _refused(request, container, error, form={"document": _shown(data)})
    text = json.dumps(document, ensure_ascii=False)
    return render(request, "federation/admin_trust.html", {"preview": preview, "document": text})


@router.post("/trust")
async def trust(request: Request, container: ContainerDep, _admin: NodeAdmin) -> Response:
    """Trust the document confirmed on the preview (checked again, as ``node trust`` does)."""
    data = await _submitted(request)
    try:
        document = load_node_document(data)
        with container.uow() as uow:
            nodes.trust(uow, actor_for(request), document)
    except DomainError as error:
        return _refused(request, container, error, form={"document": _shown(data)})
    return RedirectResponse("/admin/federation", status_code=303)


def _untrust_page(
    request: Request, container: Container, code: str, status: int = 200, **extra: Any
) -> Response:
    with container.read() as uow:
        partner = nodes.partner(uow.conn, code)
    if partner is None:
        raise PartnerNotFound(code=code)
    context = {"partner": partner, "error": None, "fields": {}, "reason": "", **extra}
    return render(request, "federation/admin_untrust.html", context, status_code=status)


@router.get("/partners/{code}/untrust")
def untrust_confirm(
    request: Request, container: ContainerDep, _admin: NodeAdmin, code: RegionCode
) -> Response:
    """Who is about to be untrusted, and the reason to give."""
    return _untrust_page(request, container, code)


@router.post("/partners/{code}/untrust")
def untrust(
    request: Request,
    container: ContainerDep,
    _admin: NodeAdmin,
    code: RegionCode,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Stop trusting the partner (``tongban node untrust CODE --reason``)."""
    try:
        with container.uow() as uow:
            nodes.untrust(uow, actor_for(request), code, reason)
    except ValidationFailed as error:
        return _untrust_page(
            request, container, code, error.status,
            error=translated(error), fields=error.fields, reason=reason,
        )  # fmt: skip
    return RedirectResponse("/admin/federation", status_code=303)


@router.post("/partners/{code}/sync")
def sync_partner(
    request: Request, container: ContainerDep, _admin: NodeAdmin, code: RegionCode
) -> Response:
    """Fetch the partner's signed item versions, licence keys and revocation list now
    (``tongban node items sync CODE``; the worker does it hourly)."""
    fetcher: Any = container.federation_transport  # the HTTP transport also fetches documents
    try:
        with container.uow() as uow:
            kept = items.sync(uow, actor_for(request), fetcher, code)
    except DomainError as error:
        return _refused(request, container, error)
    except OSError:
        unreachable = ValidationFailed(message="无法连接伙伴节点，请稍后再试。")
        return _refused(request, container, unreachable)
    return RedirectResponse(f"/admin/federation?synced={code}&items={len(kept)}", status_code=303)
