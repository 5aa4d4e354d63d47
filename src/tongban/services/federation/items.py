"""The item versions a node publishes for its partners' windows, and ``node items sync``.

A node publishes, signed with its node key, the current version of every item it lets
partners accept for it: the materials, the form and the fees.  A partner's window checks a
hand-over against the version it synced, and the hand-over names that version.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from tongban.adapters.db.tables_federation import federation_partner_items
from tongban.domain.errors import DomainError
from tongban.domain.federation.canonical import from_b64url
from tongban.domain.federation.envelope import check_signed, instant
from tongban.domain.federation.errors import InvalidNodeDocument, PartnerNotFound
from tongban.services.catalogue.items import published_item
from tongban.services.federation import messages, node, partner_licences
from tongban.services.federation.ports import DocumentFetcher, NodeSigner
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, UnitsOfWork, atomic

PATH = "/federation/v1/items"
VERSION = 1


def _item(conn: Connection, code: str) -> dict[str, Any] | None:
    try:
        item = published_item(conn, code)
    except DomainError:
        return None  # listed for partners but not published (yet): nothing to offer
    spec = item.spec
    return {
        "code": item.code,
        "version": item.version,
        "name": spec.name,
        "materials": [{"name": m.name, "key": m.key} for m in spec.materials],
        "form": [
            {
                "name": f.name,
                "label": f.label,
                "type": f.type.value,
                "required": f.required,
                "options": list(f.options),
            }
            for f in spec.form
        ],
        "fees": [
            {"name": f.name, "amount_yuan": str(f.amount_yuan), "basis": f.basis} for f in spec.fees
        ],
        "promised_days": spec.promised_limit_days,
    }


def published(
    conn: Connection, signer: NodeSigner, at: Any, licence_keys: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What ``GET /federation/v1/items`` answers: this node's offered items, signed, with its
    licence issuer's public keys (``licence_keys``, a JWKS) so a sync refreshes them."""
    items = [found for code in node.own_items(conn) if (found := _item(conn, code))]
    document = {
        "tongban_items": VERSION,
        "region_code": node.own_region_code(conn),
        "issued_at": instant(at),
        "items": items,
        **({"licence_keys": list(licence_keys["keys"])} if licence_keys is not None else {}),
        "signature": {"alg": "EdDSA", "kid": signer.kid},
    }
    return messages.sign(signer, document)


@atomic
def sync(
    uow: UnitOfWork, actor: Actor, fetcher: DocumentFetcher, code: str
) -> list[dict[str, Any]]:
    """Fetch a trusted partner's published item versions, check its signature, and keep those
    of the items it lets this node accept; with them, the partner's licence keys and its
    revocation list (``partner_licences.refresh``).  Returns the items kept."""
    conn = uow.conn
    partner = node.partner(conn, code)
    if partner is None:
        raise PartnerNotFound(code=code)
    status, document = fetcher.get_json(partner.base_url + PATH)
    if status != 200 or not isinstance(document, dict):
        raise InvalidNodeDocument(
            reason=f"{partner.base_url}{PATH} 没有给出事项版本（HTTP {status}）"
        )
    signature = document.get("signature")
    try:
        assert isinstance(signature, dict)
        check_signed(document, from_b64url(str(signature.get("value"))), partner.public_key(
            str(signature.get("kid"))))  # fmt: skip
    except (AssertionError, ValueError, DomainError):
        raise InvalidNodeDocument(reason="事项版本的签名无效") from None
    if document.get("region_code") != partner.region_code:
        raise InvalidNodeDocument(reason="事项版本不是该节点发布的")
    kept = [i for i in document.get("items", []) if isinstance(i, dict) and i.get("code") in
            partner.items]  # fmt: skip
    conn.execute(delete(federation_partner_items).where(federation_partner_items.c.partner == code))
    for item in kept:
        conn.execute(
            insert(federation_partner_items).values(
                partner=code,
                item_code=str(item["code"]),
                version=int(item.get("version") or 0),
                name=str(item.get("name") or item["code"])[:200],
                document=item,
                synced_at=actor.at,
            )
        )
    licences = partner_licences.refresh(
        conn, fetcher, partner, document.get("licence_keys"), actor.at
    )
    audit.record(
        conn, actor, "federation.items_sync", "federation_partner", code,
        {"items": {str(i["code"]): i.get("version") for i in kept}, "licences": licences},
    )  # fmt: skip
    return kept


def synced(conn: Connection, code: str | None = None) -> list[Any]:
    """The partners' item versions as last synced."""
    query = select(federation_partner_items).order_by(
        federation_partner_items.c.partner, federation_partner_items.c.item_code
    )
    if code is not None:
        query = query.where(federation_partner_items.c.partner == code)
    return list(conn.execute(query))


log = logging.getLogger("tongban.federation")


def sync_partners(ports: UnitsOfWork, fetcher: DocumentFetcher, now: datetime) -> int:
    """The worker's ``federation_sync``: every trusted partner's item versions, licence keys
    and revocation list fetched again (``sync``), each partner in its own transaction, so a
    partner's revocation reaches the copies of its licences held here without anyone pressing
    a button.  A partner that cannot be reached or answers badly is logged and changes nothing;
    the others go on and the next run tries it again.  Returns how many partners were synced."""
    with ports.read() as uow:
        codes = [partner.region_code for partner in node.partners(uow.conn)]
    actor = Actor(request_id="sweep:federation_sync", at=now)
    done = 0
    for code in codes:
        try:
            with ports.uow() as uow:
                sync(uow, actor, fetcher, code)
        except (DomainError, OSError) as problem:
            log.warning("federation_sync: partner %s not synced: %s", code, problem)
            continue
        done += 1
    return done
