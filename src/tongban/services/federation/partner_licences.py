"""A partner's e-licences here (跨城通办): its licence keys, its revocation list, and the licence
the result of a case handed over from a window here brings back.

The partner publishes its licence issuer's public keys in its node document (kept when it is
trusted) and in its signed item versions (refreshed by every ``items sync``, which also fetches
and checks its revocation list).  A result's credential is checked here with those keys —
signature and every disclosure, ``iss`` the partner's, the holder the case's applicant, the
licence the result's reference, not on the partner's last checked revocation list — and kept in
the ``licences`` of the holder's data space, marked as the partner's.  Anything that does not
check out refuses the whole message: nothing is kept.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from tongban.adapters.db.tables_federation import federation_partners
from tongban.adapters.db.tables_licences import licences
from tongban.domain.federation.errors import (
    InvalidNodeDocument,
    LicenceInvalid,
    LicenceRevoked,
    LicenceWrongHolder,
    LicenceWrongIssuer,
)
from tongban.domain.federation.node import NodeDocument, licence_issuer, parse_licence_keys
from tongban.domain.licences.model import Licence
from tongban.domain.shared.clock import china_date
from tongban.services.federation import node
from tongban.services.federation.ports import DocumentFetcher
from tongban.services.licences import library
from tongban.services.licences.revocations import BadRevocationList, check_list
from tongban.services.licences.verify import RevokedSet, Verification, verify_credential
from tongban.services.platform import audit
from tongban.services.platform.context import Actor

REVOCATIONS_PATH = "/.well-known/licence-revocations.json"
_HOLDER_CLAIMS = ("holder_id", "holder_name")
_UNVERIFIABLE = ("bad_signature", "unknown_key", "not_a_licence")


def licence_jwks(conn: Connection, region_code: str) -> dict[str, Any] | None:
    """The trusted partner's licence-signing public keys as a JWKS; None when unknown."""
    keys = conn.execute(
        select(federation_partners.c.licence_keys).where(
            federation_partners.c.region_code == region_code
        )
    ).scalar()
    return {"keys": list(keys)} if keys else None


def known_revocations(conn: Connection, region_code: str) -> RevokedSet | None:
    """The partner's revocation list as last checked here (None: never fetched)."""
    found = conn.execute(
        select(federation_partners.c.revocations).where(
            federation_partners.c.region_code == region_code
        )
    ).scalar()
    if not found:
        return None
    return RevokedSet(frozenset(found["revoked"]), str(found["issued_at"]))


def states(conn: Connection) -> dict[str, dict[str, Any]]:
    """Per trusted partner: how many licence keys are known here, and when its revocation list
    was last checked with how many licences on it (for the partners' page)."""
    rows = conn.execute(
        select(
            federation_partners.c.region_code,
            federation_partners.c.licence_keys,
            federation_partners.c.revocations,
            federation_partners.c.revocations_at,
        )
    )
    return {
        row.region_code: {
            "keys": len(row.licence_keys or []),
            "revocations_at": row.revocations_at,
            "listed": len((row.revocations or {}).get("revoked", [])),
        }
        for row in rows
    }


def issuer_of(conn: Connection, issuer: str) -> tuple[NodeDocument, dict[str, Any]] | None:
    """The trusted partner whose licences claim ``issuer`` (``urn:tongban:{region}``) and its
    licence keys; None when no trusted partner with known keys issues under that name."""
    region = issuer.removeprefix("urn:tongban:")
    if licence_issuer(region) != issuer:
        return None
    partner = node.partner(conn, region)
    keys = licence_jwks(conn, region) if partner is not None else None
    return (partner, keys) if partner is not None and keys is not None else None


def refresh(
    conn: Connection, fetcher: DocumentFetcher, partner: NodeDocument, published: Any, at: datetime
) -> dict[str, Any]:
    """Keep the licence keys a partner's signed item versions list, then fetch, check and keep
    its revocation list; a licence of the partner held here that the list names is marked
    revoked.  ``InvalidNodeDocument`` (nothing changed) when the keys or the list are not
    valid.  Returns what the sync's audit entry records."""
    where = federation_partners.c.region_code == partner.region_code
    values: dict[str, Any] = {}
    if published is not None:
        values["licence_keys"] = list(parse_licence_keys(published))
    jwks = {"keys": values["licence_keys"]} if values else licence_jwks(conn, partner.region_code)
    if not jwks or not jwks["keys"]:
        conn.execute(update(federation_partners).where(where).values(**values))
        return {"keys": 0}
    status, listing = fetcher.get_json(partner.base_url + REVOCATIONS_PATH)
    if status != 200 or not isinstance(listing, dict):
        raise InvalidNodeDocument(
            reason=f"{partner.base_url}{REVOCATIONS_PATH} 没有给出注销证照清单（HTTP {status}）"
        )
    try:
        checked = check_list(listing, jwks, at)
    except BadRevocationList as bad:
        raise InvalidNodeDocument(reason=f"注销证照清单无效（{bad.code}）") from None
    if checked.issuer != partner.licence_issuer:
        raise InvalidNodeDocument(reason="注销证照清单不是该节点签发的")
    values["revocations"] = {
        "issued_at": checked.issued_at.isoformat(),
        "next_update": checked.next_update.isoformat(),
        "revoked": sorted(checked.revoked),
    }
    values["revocations_at"] = at
    conn.execute(update(federation_partners).where(where).values(**values))
    held = conn.execute(
        select(licences.c.id).where(
            licences.c.issuer_region == partner.region_code, licences.c.status == "valid"
        )
    ).scalars()
    now_revoked = sorted(set(held) & checked.revoked)
    if now_revoked:
        conn.execute(
            update(licences)
            .where(licences.c.id.in_(now_revoked), licences.c.status == "valid")
            .values(status="revoked", revoked_at=at, revoke_reason=f"{partner.name}已注销")
        )
    return {"keys": len(jwks["keys"]), "listed": len(checked.revoked), "revoked": now_revoked}


def _checked(conn: Connection, partner: NodeDocument, text: str, today: date) -> Verification:
    jwks = licence_jwks(conn, partner.region_code)
    if jwks is None:
        raise LicenceInvalid(reason=f"本节点尚无{partner.name}的证照公钥，请先同步事项版本")
    found = verify_credential(
        text, jwks, None, today=today, revocations=known_revocations(conn, partner.region_code)
    )
    if found.code in _UNVERIFIABLE:
        raise LicenceInvalid(reason=found.message)
    if found.issuer != partner.licence_issuer:
        raise LicenceWrongIssuer(issuer=str(found.issuer or "—")[:60])
    return found


def receive_result_licence(
    conn: Connection, actor: Actor, partner: NodeDocument, link: Any, body: dict[str, Any]
) -> str | None:
    """The e-licence a ``case.result`` carries (``body.licence.credential``), verified with the
    partner's licence keys and kept for its holder, the case's applicant; returns its id (None
    when the result carries none)."""
    carried = body.get("licence")
    if carried is None:
        return None
    text = carried.get("credential") if isinstance(carried, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise LicenceInvalid(reason="licence 须含凭证文本 credential")
    found = _checked(conn, partner, text.strip(), china_date(actor.at))
    holder = str(found.claims.get("holder_id") or "").strip().upper()
    if holder != str(link.applicant_id_number).strip().upper():
        raise LicenceWrongHolder(case_ref=link.case_ref)
    if found.code == "revoked":
        raise LicenceRevoked(licence_id=found.licence_id)
    licence_id = str(found.licence_id)
    if len(licence_id) > 60 or len(str(found.type_code)) > 40:
        raise LicenceInvalid(reason="证照编号或类型过长")
    if licence_id != str(body.get("reference") or ""):
        raise LicenceInvalid(reason="证照编号与办理结果的编号不符")
    # Expired or not yet valid on arrival is kept all the same: the dates say its status.
    licence = _licence(found, text.strip(), partner, actor)
    held = conn.execute(
        select(licences.c.credential, licences.c.issuer_region).where(licences.c.id == licence_id)
    ).first()
    if held is not None:
        if (held.credential, held.issuer_region) == (licence.credential, partner.region_code):
            return licence_id
        raise LicenceInvalid(reason=f"本节点已有编号为 {licence_id} 的另一份证照")
    conn.execute(*library.insert_of(licence))
    audit.record(
        conn, actor, "licence.receive", "licence", licence_id,
        {"issuer": partner.region_code, "case_ref": link.case_ref, "kid": licence.key_id},
    )  # fmt: skip
    return licence_id


def _licence(found: Verification, text: str, partner: NodeDocument, actor: Actor) -> Licence:
    claims = found.claims
    fields = {k: v for k, v in claims.items() if k not in _HOLDER_CLAIMS}
    issued_at = found.issued_at or actor.at
    return Licence(
        id=str(found.licence_id),
        type_code=str(found.type_code),
        holder_id=str(claims["holder_id"]).strip().upper(),
        holder_name=str(claims.get("holder_name") or "")[:100],
        fields=fields,
        valid_from=found.valid_from or china_date(issued_at),
        valid_until=found.valid_until,
        issued_at=issued_at,
        issuer_department=str(found.issuer_department or "")[:40],
        credential=text,
        key_id=str(found.key_id or "")[:80],
        issuer_region=partner.region_code,
        issuer_name=partner.name,
    )
