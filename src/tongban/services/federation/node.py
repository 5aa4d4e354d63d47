"""This node's identity and the partner nodes it trusts (跨城通办).

The node is the jurisdiction seen from outside: its region code and name come from
``tongban init``, its base URL from the settings (``TONGBAN_PUBLIC_URL``) or ``node init``, its
keys from the signer port.  A partner is trusted by storing the node document it publishes;
the messages it signs are then checked against the keys in that document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tongban.adapters.db.tables_federation import federation_node, federation_partners
from tongban.domain.federation.errors import (
    InvalidNodeDocument,
    NodeNotInitialised,
    PartnerNotFound,
)
from tongban.domain.federation.node import (
    DOCUMENT_VERSION,
    ITEM_CODE,
    URL,
    NodeDocument,
    parse_node_document,
)
from tongban.services.federation.ports import NodeSigner
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.jurisdiction import current as current_jurisdiction
from tongban.services.platform.unit_of_work import UnitOfWork, atomic


def _checked_items(items: Iterable[str]) -> list[str]:
    codes = list(dict.fromkeys(item.strip() for item in items))
    for code in codes:
        if not ITEM_CODE.match(code):
            raise InvalidNodeDocument(reason=f"事项编码无效：{code}")
    return codes


@atomic
def init_node(
    uow: UnitOfWork, actor: Actor, base_url: str, items: Iterable[str] | None = None
) -> dict[str, Any]:
    """Make (or update) this node: its base URL and the items partners may accept for it.
    ``items=None`` keeps the items already set.  Returns the published document."""
    url = base_url.strip().rstrip("/")
    if not URL.match(url):
        raise InvalidNodeDocument(reason="base_url 须是 http(s) 地址，如 https://nanhai.example")
    conn = uow.conn
    current_jurisdiction(conn)  # the node is the jurisdiction: it must be set first
    row = conn.execute(select(federation_node)).first()
    codes = _checked_items(items) if items is not None else None
    if row is None:
        conn.execute(
            insert(federation_node).values(
                id=1, base_url=url, item_codes=codes or [], created_at=actor.at, updated_at=actor.at
            )
        )
    else:
        values: dict[str, Any] = {"base_url": url, "updated_at": actor.at}
        if codes is not None:
            values["item_codes"] = codes
        conn.execute(update(federation_node).values(**values))
    audit.record(conn, actor, "federation.node_init", "federation_node", "1", {"base_url": url})
    stored = conn.execute(select(federation_node)).one()
    return {"base_url": stored.base_url, "items": list(stored.item_codes)}


def node_document(
    conn: Connection, signer: NodeSigner, licence_keys: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What ``/.well-known/tongban-node.json`` publishes; ``NodeNotInitialised`` before init.
    ``licence_keys``: the e-licence issuer's JWKS (``/.well-known/jwks.json``), published with
    the node so partners can check the licences this node issues for their applicants."""
    row = conn.execute(select(federation_node)).first()
    if row is None:
        raise NodeNotInitialised()
    place = current_jurisdiction(conn)
    return {
        "tongban_node": DOCUMENT_VERSION,
        "region_code": place.region_code,
        "name": place.full_name,
        "base_url": row.base_url,
        "items": list(row.item_codes),
        "keys": signer.public_jwks(),
        **({"licence_keys": list(licence_keys["keys"])} if licence_keys is not None else {}),
    }


def own_items(conn: Connection) -> tuple[str, ...]:
    """The items this node decides and lets partners accept for it (empty before init)."""
    row = conn.execute(select(federation_node.c.item_codes)).first()
    return tuple(row.item_codes) if row is not None else ()


def own_region_code(conn: Connection) -> str:
    if conn.execute(select(federation_node.c.id)).first() is None:
        raise NodeNotInitialised()
    return current_jurisdiction(conn).region_code


@atomic
def trust(uow: UnitOfWork, actor: Actor, document: Any) -> NodeDocument:
    """Trust the partner whose published ``document`` is given (or take its new keys, URL and
    items); ``InvalidNodeDocument`` and nothing changed when it is not a valid document, or is
    this node's own."""
    partner = parse_node_document(document)
    conn = uow.conn
    if partner.region_code == current_jurisdiction(conn).region_code:
        raise InvalidNodeDocument(reason="这是本节点自己的节点文件")
    exists = conn.execute(
        select(federation_partners.c.region_code).where(
            federation_partners.c.region_code == partner.region_code
        )
    ).first()
    values: dict[str, Any] = {
        "name": partner.name,
        "base_url": partner.base_url,
        "document": document,
        "updated_at": actor.at,
    }
    if partner.licence_keys:  # else the ones synced before, if any, stay
        values["licence_keys"] = list(partner.licence_keys)
    if exists is None:
        conn.execute(
            insert(federation_partners).values(
                region_code=partner.region_code, trusted_at=actor.at, **values
            )
        )
    else:
        conn.execute(
            update(federation_partners)
            .where(federation_partners.c.region_code == partner.region_code)
            .values(**values)
        )
    audit.record(
        conn,
        actor,
        "federation.trust",
        "federation_partner",
        partner.region_code,
        {
            "name": partner.name,
            "keys": sorted(partner.keys),
            "items": list(partner.items),
            "licence_keys": sorted(k["kid"] for k in partner.licence_keys),
        },
    )
    return partner


@atomic
def untrust(uow: UnitOfWork, actor: Actor, code: str) -> None:
    """Stop trusting a partner: its messages are refused from now on."""
    removed = uow.conn.execute(
        delete(federation_partners).where(federation_partners.c.region_code == code)
    ).rowcount
    if not removed:
        raise PartnerNotFound(code=code)
    audit.record(uow.conn, actor, "federation.untrust", "federation_partner", code, {})


def partner(conn: Connection, code: str) -> NodeDocument | None:
    """A trusted partner as its document says, or None when it is not trusted."""
    row = conn.execute(
        select(federation_partners.c.document).where(federation_partners.c.region_code == code)
    ).first()
    return parse_node_document(row.document) if row is not None else None


def partners(conn: Connection) -> list[NodeDocument]:
    rows = conn.execute(
        select(federation_partners.c.document).order_by(federation_partners.c.region_code)
    )
    return [parse_node_document(row.document) for row in rows]
