"""跨城通办节点管理 over the API: this node (set up, key rotation) and the partners it trusts,
for the catalogue admin; the same service calls as ``tongban node`` and ``/admin/federation``,
each audited in its transaction.  Every write takes an ``Idempotency-Key`` (a retried rotation
rotates once).

Errors: 422 ``federation_invalid_node_document`` (a bad base URL or item code, a partner
document that is not valid or is this node's own), ``validation_failed`` (no reason to
untrust); 404 ``federation_partner_not_found``; 409 ``federation_node_not_initialised``
(rotating before set-up).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tongban.domain.federation.node import NodeDocument
from tongban.domain.people.model import Principal
from tongban.services.federation import node as nodes
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.deps import ContainerDep, allow
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(prefix="/admin/federation", tags=["federation"])
NodeAdmin = Annotated[Principal, Depends(allow(nodes.ADMINS))]
RegionCode = Annotated[str, Path(pattern=r"^\d{6}$", description="伙伴节点的行政区划代码")]
DOCUMENT_URL = "/.well-known/tongban-node.json"


class KeyOut(BaseModel):
    kid: str = Field(description="密钥编号")
    thumbprint: str = Field(description="RFC 7638 JWK 指纹（SHA-256，base64url），供双方核对")


class NodeKeyOut(KeyOut):
    current: bool = Field(description="是否当前签名密钥（其余为仍发布的旧公钥）")


class NodeOut(BaseModel):
    initialised: bool = Field(description="已设置访问地址并已生成签名密钥")
    region_code: str
    name: str
    base_url: str | None = Field(description="伙伴节点访问本节点的地址；初始化前为 null")
    items: list[str] = Field(description="允许伙伴节点代收的本节点事项编码")
    keys: list[NodeKeyOut] = Field(description="已发布的全部公钥，新的在前")
    document_url: str | None = Field(description="本节点文件的地址（初始化后）")

    @classmethod
    def of(cls, node: nodes.NodeView) -> NodeOut:
        return cls(
            initialised=node.initialised,
            region_code=node.region_code,
            name=node.name,
            base_url=node.base_url,
            items=list(node.items),
            keys=[
                NodeKeyOut(kid=kid, thumbprint=print_, current=kid == node.current_kid)
                for kid, print_ in node.keys
            ],
            document_url=DOCUMENT_URL if node.initialised else None,
        )


class NodeIn(BaseModel):
    base_url: str = Field(max_length=300, description="http(s) 地址，如 https://nanhai.example")
    items: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, max_length=500, description="允许伙伴节点代收的本节点事项编码；省略则保留"
    )


class PartnerOut(BaseModel):
    region_code: str
    name: str
    base_url: str
    items: list[str] = Field(description="本节点可为该伙伴代收的事项编码")
    keys: list[KeyOut]

    @classmethod
    def of(cls, partner: NodeDocument) -> PartnerOut:
        return cls(
            region_code=partner.region_code,
            name=partner.name,
            base_url=partner.base_url,
            items=list(partner.items),
            keys=[KeyOut(kid=kid, thumbprint=print_) for kid, print_ in partner.fingerprints()],
        )


class UntrustIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="不再信任的原因（记入审计日志）")


class UntrustedOut(BaseModel):
    region_code: str
    reason: str


@router.get("/node", summary="本节点", response_model=NodeOut)
def get_node(container: ContainerDep, _admin: NodeAdmin) -> NodeOut:
    """This node: region code, name, base URL, items, every published key with its
    fingerprint (the current one marked)."""
    with container.read() as uow:
        return NodeOut.of(nodes.view(uow.conn, container.node_keys_if_made()))


@router.post("/node", summary="初始化或修改本节点", response_model=NodeOut)
def set_up_node(
    body: NodeIn,
    request: Request,
    container: ContainerDep,
    _admin: NodeAdmin,
    key: IdempotencyKey,
) -> JSONResponse:
    """Set the base URL (and the items, when given) and make the first signing key unless
    there is one (``tongban node init``)."""
    store = container.node_key_store

    def run(uow: UnitOfWork, actor: Actor) -> NodeOut:
        nodes.initialise(uow, actor, store, body.base_url, body.items)
        return NodeOut.of(nodes.view(uow.conn, store.current()))

    answer = run_once(request, container, key, run)
    container.forget_node_keys()
    return answer


@router.post("/node/rotate-key", summary="更换节点签名密钥", response_model=NodeOut)
def rotate_node_key(
    request: Request, container: ContainerDep, _admin: NodeAdmin, key: IdempotencyKey
) -> JSONResponse:
    """A new current key; the old ones stay published (``tongban node rotate-key``).  Other
    processes sign with the key they loaded until they restart; partners take the new key by
    trusting this node's document again."""
    store = container.node_key_store

    def run(uow: UnitOfWork, actor: Actor) -> NodeOut:
        nodes.rotate_key(uow, actor, store)
        return NodeOut.of(nodes.view(uow.conn, store.current()))

    answer = run_once(request, container, key, run)
    container.forget_node_keys()
    return answer


@router.get("/partners", summary="信任的伙伴节点", response_model=list[PartnerOut])
def list_partners(
    request: Request,
    response: Response,
    container: ContainerDep,
    _admin: NodeAdmin,
    page: paging.PageParams,
) -> list[PartnerOut]:
    """The trusted partners with their keys' fingerprints, by region code, a page at a time
    (``limit``, ``cursor``; the next page in ``Link``)."""
    with container.read() as uow:
        found = [PartnerOut.of(p) for p in nodes.partners(uow.conn)]
    return paging.cut(request, response, found, lambda p: (p.region_code,), page)


@router.post("/partners", summary="信任伙伴节点", response_model=PartnerOut, status_code=201)
def trust_partner(
    request: Request,
    container: ContainerDep,
    _admin: NodeAdmin,
    key: IdempotencyKey,
    document: Annotated[
        dict[str, Any], Body(description="伙伴节点发布的节点文件（tongban-node.json）的内容")
    ],
) -> JSONResponse:
    """Trust the partner whose node document is the body, or take its new keys, URL and items
    (``tongban node trust FILE``); a document that is not valid, or is this node's own, is
    refused with ``federation_invalid_node_document`` and nothing changes."""

    def run(uow: UnitOfWork, actor: Actor) -> PartnerOut:
        return PartnerOut.of(nodes.trust(uow, actor, document))

    return run_once(request, container, key, run, status=201)


@router.post("/partners/{code}/untrust", summary="不再信任伙伴节点", response_model=UntrustedOut)
def untrust_partner(
    code: RegionCode,
    body: UntrustIn,
    request: Request,
    container: ContainerDep,
    _admin: NodeAdmin,
    key: IdempotencyKey,
) -> JSONResponse:
    """Its messages are refused from now on (``tongban node untrust CODE --reason``)."""

    def run(uow: UnitOfWork, actor: Actor) -> UntrustedOut:
        nodes.untrust(uow, actor, code, body.reason)
        return UntrustedOut(region_code=code, reason=body.reason.strip())

    return run_once(request, container, key, run)
