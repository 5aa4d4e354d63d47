"""This node's identity and the partner nodes it trusts (跨城通办).

The node is the jurisdiction seen from outside: its region code and name come from
``tongban init``, its base URL from the settings (``TONGBAN_PUBLIC_URL``) or ``node init``, its
keys from the signer port.  A partner is trusted by storing the node document it publishes;
the messages it signs are then checked against the keys in that document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select, update

from tongban.adapters.db.tables_federation import federation_node, federation_partners
from tongban.domain.errors import ValidationFailed
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
    fingerprints,
    parse_node_document,
)
from tongban.services.federation.ports import NodeKeyStore, NodeSigner
from tongban.services.platform import access, audit
from tongban.services.platform.context import Actor
from tongban.services.platform.jurisdiction import current as current_jurisdiction
from tongban.services.platform.outbox import insert_or_ignore
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

ADMINS = access.CATALOGUE_ADMIN
"""Who sets up the node and chooses its partners (the admin page and API): the district's
catalogue admin, who already decides what the platform offers; the shell's operator too."""


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
    codes = _checked_items(items) if items is not None else None
    first = {"id": 1, "base_url": url, "item_codes": codes or []}
    made = insert_or_ignore(  # two first inits at once: one inserts, the other updates
        conn, federation_node, ["id"], {**first, "created_at": actor.at, "updated_at": actor.at}
    )
    if not made:
        values: dict[str, Any] = {"base_url": url, "updated_at": actor.at}
        if codes is not None:
            values["item_codes"] = codes
        conn.execute(update(federation_node).values(**values))
    audit.record(conn, actor, "federation.node_init", "federation_node", "1", {"base_url": url})
    stored = conn.execute(select(federation_node)).one()
    return {"base_url": stored.base_url, "items": list(stored.item_codes)}


@atomic
def initialise(
    uow: UnitOfWork,
    actor: Actor,
    keys: NodeKeyStore,
    base_url: str,
    items: Iterable[str] | None = None,
) -> tuple[str, bool]:
    """Set up this node (``tongban node init`` and the admin page): its base URL and items
    (``init_node``), and its first signing key unless it has one; a bad URL or item code
    changes nothing and makes no key.  Returns the current key's id and whether it was made."""
    init_node(uow, actor, base_url, items)
    ring, made = keys.initialise(actor.at)
    if made:
        audit.record(
            uow.conn, actor, "federation.key_created", "federation_node", "1", {"kid": ring.kid}
        )
    return ring.kid, made


@atomic
def rotate_key(uow: UnitOfWork, actor: Actor, keys: NodeKeyStore) -> str:
    """Add a node signing key and make it current (``tongban node rotate-key`` and the admin
    page); the old keys stay published, so what they signed still verifies.  Returns the new
    key's id.  The key file is written before the audit entry commits: a failed commit leaves
    an extra published key, never an unrecorded current one in use by this database."""
    own_region_code(uow.conn)
    before = keys.current()
    if before is None:
        raise NodeNotInitialised()
    ring = keys.rotate(actor.at)
    audit.record(
        uow.conn, actor, "federation.key_rotated", "federation_node", "1",
        {"kid": ring.kid, "previous": before.kid},
    )  # fmt: skip
    return ring.kid


@dataclass(frozen=True)
class NodeView:
    """This node as its operators see it: the jurisdiction, the base URL and items set by
    ``init`` (None before it), and each published key (id, RFC 7638 thumbprint), newest first."""

    region_code: str
    name: str
    base_url: str | None
    items: tuple[str, ...]
    keys: list[tuple[str, str]]
    current_kid: str | None

    @property
    def initialised(self) -> bool:
        return self.base_url is not None and self.current_kid is not None


def view(conn: Connection, signer: NodeSigner | None) -> NodeView:
    """This node for the admin page and API, whether or not it is set up yet."""
    place = current_jurisdiction(conn)
    row = conn.execute(select(federation_node)).first()
    keys = fingerprints(signer.public_jwks()) if signer is not None else []
    return NodeView(
        region_code=place.region_code,
        name=place.full_name,
        base_url=row.base_url if row is not None else None,
        items=tuple(row.item_codes) if row is not None else (),
        keys=keys,
        current_kid=signer.kid if signer is not None else None,
    )


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


def _checked_partner(conn: Connection, document: Any) -> NodeDocument:
    partner = parse_node_document(document)
    if partner.region_code == current_jurisdiction(conn).region_code:
        raise InvalidNodeDocument(reason="这是本节点自己的节点文件")
    return partner


@dataclass(frozen=True)
class TrustPreview:
    """What trusting a document would do: the partner it names, and the one it replaces."""

    partner: NodeDocument
    replaces: NodeDocument | None


def preview_trust(conn: Connection, document: Any) -> TrustPreview:
    """``trust``'s checks without its write, for the operator to compare the key fingerprints
    with the partner before confirming; the same ``InvalidNodeDocument`` refusals."""
    checked = _checked_partner(conn, document)
    return TrustPreview(checked, partner(conn, checked.region_code))


@atomic
def trust(uow: UnitOfWork, actor: Actor, document: Any) -> NodeDocument:
    """Trust the partner whose published ``document`` is given (or take its new keys, URL and
    items); ``InvalidNodeDocument`` and nothing changed when it is not a valid document, or is
    this node's own."""
    conn = uow.conn
    partner = _checked_partner(conn, document)
    values: dict[str, Any] = {
        "name": partner.name,
        "base_url": partner.base_url,
        "document": document,
        "updated_at": actor.at,
    }
    if partner.licence_keys:  # else the ones synced before, if any, stay
        values["licence_keys"] = list(partner.licence_keys)
    first = {"region_code": partner.region_code, "trusted_at": actor.at, **values}
    if not insert_or_ignore(conn, federation_partners, ["region_code"], first):
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
def untrust(uow: UnitOfWork, actor: Actor, code: str, reason: str) -> None:
    """Stop trusting a partner, for the reason given (required): its messages are refused from
    now on."""
    text = reason.strip()[:500]
    if not text:
        raise ValidationFailed(fields={"reason": "请说明不再信任该节点的原因"})
    removed = uow.conn.execute(
        delete(federation_partners)
        .where(federation_partners.c.region_code == code)
        .returning(federation_partners.c.name, federation_partners.c.base_url)
    ).first()
    if removed is None:
        raise PartnerNotFound(code=code)
    detail = {"reason": text, "name": removed.name, "base_url": removed.base_url}
    audit.record(uow.conn, actor, "federation.untrust", "federation_partner", code, detail)


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
