"""跨城通办 over HTTP: the node document partners read to trust this node, and the address they
deliver their signed messages to."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from tongban.adapters.node_keys import NodeKeysMissing
from tongban.domain.federation.errors import NodeNotInitialised
from tongban.domain.people.model import Principal
from tongban.services.cases import federated  # noqa: F401  (registers the hand-over's effects)
from tongban.services.federation import (
    handover,  # noqa: F401  (registers the answers' effects)
    items,
    messages,
)
from tongban.services.federation import node as svc
from tongban.services.platform import access
from tongban.web.deps import ContainerDep, actor_for, allow

router = APIRouter(tags=["pages"], include_in_schema=False)

Anyone = Annotated[Principal | None, Depends(allow(access.PUBLIC))]


@router.get("/.well-known/tongban-node.json")
def node_document(container: ContainerDep, _anyone: Anyone) -> JSONResponse:
    """This node's region code, name, base URL, items, every public key and its licence
    issuer's public keys (docs/federation.md);
    409 ``federation_node_not_initialised`` before ``tongban node init``."""
    try:
        keys = container.node_keys
    except NodeKeysMissing:
        raise NodeNotInitialised() from None
    with container.read() as uow:
        document = svc.node_document(uow.conn, keys, container.keys.jwks())
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})


@router.post("/federation/v1/messages")
async def receive_message(
    request: Request, container: ContainerDep, _anyone: Anyone
) -> JSONResponse:
    """A partner node delivers a signed message (docs/federation.md): answered 200 with a signed
    acknowledgement, or with the refusal's status and a signed refusal naming its code.  The
    signature, not a session, says who sent it."""
    try:
        document = await request.json()
    except ValueError:
        document = None
    try:
        keys = container.node_keys
    except NodeKeysMissing:
        raise NodeNotInitialised() from None

    def answer() -> tuple[int, dict[str, Any]]:
        with container.uow() as uow:
            return messages.answer(uow, actor_for(request), keys, document, container.files)

    status, receipt = await run_in_threadpool(answer)
    return JSONResponse(receipt, status_code=status)


@router.get("/federation/v1/items")
def published_items(container: ContainerDep, _anyone: Anyone) -> JSONResponse:
    """The item versions partners' windows accept for this node, signed with the node key
    (docs/federation.md, 'Item versions'); what ``tongban node items sync`` reads."""
    try:
        keys = container.node_keys
    except NodeKeysMissing:
        raise NodeNotInitialised() from None
    with container.read() as uow:
        document = items.published(uow.conn, keys, container.clock.now(), container.keys.jwks())
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})
