"""The signed revocation list (注销证照清单): what an offline verifier needs to know which
licences the library has revoked, like a certificate revocation list.

The list is JSON — issuer, ``issued_at``, ``next_update`` and each revoked licence's id and
revocation time — signed as a flattened JWS (ES256) with the library's current licence-signing
key, the key whose public half is in ``/.well-known/jwks.json``.  A verifier checks the signature
against the published keys and refuses a list past its ``next_update``, so a stale list cannot
hide a later revocation for long.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jwcrypto import jws
from jwcrypto.common import JWException
from sqlalchemy import Connection, select

from tongban.adapters.db.tables_licences import licences
from tongban.adapters.signer import flattened_jws
from tongban.services.licences.verify import RevokedSet, key_lookup
from tongban.services.platform import jurisdiction

VALID_FOR = timedelta(hours=24)
"""How long a published list holds: verifiers fetch a new one at least daily."""
TYP = "tongban-revocation-list+json"
ISSUER_RE = re.compile(r"urn:tongban:[0-9]{6}")
"""``iss`` of a list: the district's licence library by its region code (the signature, checked
against the published keys, says which district's)."""


class BadRevocationList(ValueError):
    """The list's signature, key, shape or freshness does not check out; ``code`` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def revoked_licences(conn: Connection) -> list[dict[str, str]]:
    """The library's own revoked licences (a partner's, kept for their holder here, are on
    that partner's list)."""
    rows = conn.execute(
        select(licences.c.id, licences.c.revoked_at)
        .where(licences.c.status == "revoked", licences.c.issuer_region.is_(None))
        .order_by(licences.c.id)
    )
    return [
        {"id": r.id, "revoked_at": r.revoked_at.isoformat() if r.revoked_at else ""} for r in rows
    ]


def signed_list(conn: Connection, keys: Any, now: datetime) -> dict[str, Any]:
    """The current list signed with the current licence key (flattened JWS JSON)."""
    content = {
        "iss": jurisdiction.current(conn).credential_issuer,
        "issued_at": now.isoformat(),
        "next_update": (now + VALID_FOR).isoformat(),
        "revoked": revoked_licences(conn),
    }
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    header = {"alg": "ES256", "kid": keys.current.kid, "typ": TYP}
    return dict(flattened_jws(header, payload.encode(), keys.signer))


@dataclass(frozen=True)
class RevocationList:
    issued_at: datetime
    next_update: datetime
    revoked: frozenset[str]
    issuer: str = ""
    """``iss`` of the list: the library that signed it (``urn:tongban:{region}``)."""

    def for_verifier(self) -> RevokedSet:
        return RevokedSet(self.revoked, self.issued_at.isoformat())


def check_list(
    signed: Mapping[str, Any] | str | bytes, keys_or_jwks: Any, now: datetime
) -> RevocationList:
    """Verify a published list against the published keys and its freshness at ``now``."""
    try:
        data = json.loads(signed) if isinstance(signed, str | bytes) else dict(signed)
        header = json.loads(jws.base64url_decode(data["protected"]))
    except (ValueError, KeyError, TypeError):
        raise BadRevocationList("revocation_list_invalid") from None
    key = key_lookup(keys_or_jwks)(str(header.get("kid", "")))
    if key is None:
        raise BadRevocationList("unknown_key")
    token = jws.JWS()
    try:
        token.deserialize(json.dumps(data))
        token.verify(key, alg="ES256")
        content = json.loads(token.payload)
        issued = datetime.fromisoformat(content["issued_at"])
        next_update = datetime.fromisoformat(content["next_update"])
        revoked = frozenset(str(entry["id"]) for entry in content["revoked"])
    except JWException:
        raise BadRevocationList("bad_signature") from None
    except (ValueError, KeyError, TypeError):
        raise BadRevocationList("revocation_list_invalid") from None
    issuer = content.get("iss")
    if header.get("typ") != TYP or not isinstance(issuer, str) or not ISSUER_RE.fullmatch(issuer):
        raise BadRevocationList("revocation_list_invalid")
    if now > next_update:
        raise BadRevocationList("revocation_list_stale")
    return RevocationList(issued, next_update, revoked, issuer)
