"""跨城通办 over HTTP: the node document partners read to trust this node."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from tongban.adapters.node_keys import NodeKeysMissing
from tongban.domain.federation.errors import NodeNotInitialised
from tongban.domain.people.model import Principal
from tongban.services.federation import node as svc
from tongban.services.platform import access
from tongban.web.deps import ContainerDep, allow

router = APIRouter(tags=["pages"], include_in_schema=False)

Anyone = Annotated[Principal | None, Depends(allow(access.PUBLIC))]


@router.get("/.well-known/tongban-node.json")
def node_document(container: ContainerDep, _anyone: Anyone) -> JSONResponse:
    """This node's region code, name, base URL, items and every public key (docs/federation.md);
    409 ``federation_node_not_initialised`` before ``tongban node init``."""
    try:
        keys = container.node_keys
    except NodeKeysMissing:
        raise NodeNotInitialised() from None
    with container.read() as uow:
        document = svc.node_document(uow.conn, keys)
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})
