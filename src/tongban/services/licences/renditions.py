"""A licence's signed PDF, rendered and signed once per rendition and served from the store.

A signed PDF never changes: rendering it again only makes a new signing time.  So the PDF is
rendered and PAdES-signed on the first download, stored content-addressed in the file store
(``FileStore``, under its SHA-256), and found again by its rendition key: the SHA-256 of
everything the document shows or is signed with (the licence and its credential, its status and
revocation, the current signing key and certificate, the issuer's and the district's names, the
verification address).  A key rotation or a revocation makes a new key, hence a new rendition;
nothing else does.  The key is the download's ETag, so a client that kept its copy asks with
``If-None-Match`` and gets 304 without anything being rendered or read from the store.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, bindparam, select, update

from tongban.adapters.db.tables_licences import licence_renditions
from tongban.domain.licences.model import Licence
from tongban.services.licences.library import render_pdf
from tongban.services.platform.outbox import insert_or_ignore
from tongban.services.platform.ports import FileStore
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

if TYPE_CHECKING:
    from tongban.adapters.keys import KeyRing

LAYOUT = 1
"""Raise when the PDF's layout changes: every licence is rendered anew on its next download."""

_STORED = select(licence_renditions.c.sha256).where(
    licence_renditions.c.rendition_key == bindparam("key")
)


@dataclass(frozen=True)
class Rendition:
    """What a download sends: the PDF and its ETag (the rendition key)."""

    key: str
    pdf: bytes

    @property
    def etag(self) -> str:
        return f'"{self.key}"'


def rendition_key(
    licence: Licence, keys: KeyRing, *, verify_url: str, issuer_name: str, location: str
) -> str:
    """The SHA-256 of everything the signed PDF of ``licence`` depends on."""
    current = keys.current
    parts = {
        "layout": LAYOUT,
        "id": licence.id,
        "credential": licence.credential,
        "key_id": licence.key_id,
        "revoked_at": None if licence.revoked_at is None else licence.revoked_at.isoformat(),
        "revoke_reason": licence.revoke_reason,
        "signing_kid": current.kid,
        "signing_certificate": hashlib.sha256(current.certificate_pem).hexdigest(),
        "ca": hashlib.sha256(keys.ca_certificate_pem).hexdigest(),
        "issuer_name": issuer_name,
        "location": location,
        "verify_url": verify_url,
    }
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def matches(if_none_match: str | None, key: str) -> bool:
    """Whether an ``If-None-Match`` header names this rendition (or ``*``)."""
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or f'"{key}"' in tags


def stored(conn: Connection, files: FileStore, key: str) -> Rendition | None:
    """The stored rendition ``key``, None when there is none yet (or the store lost it)."""
    sha = conn.execute(_STORED, {"key": key}).scalar()
    if sha is None:
        return None
    try:
        with files.open(sha) as found:
            return Rendition(key, found.read())
    except FileNotFoundError:
        return None


def render(
    licence: Licence,
    keys: KeyRing,
    files: FileStore,
    *,
    key: str,
    verify_url: str,
    issuer_name: str,
    location: str,
) -> tuple[Rendition, dict[str, object]]:
    """Render, sign and put the PDF in the file store (no database: the caller records the
    returned row with ``record``, in a short transaction of its own)."""
    pdf = render_pdf(
        licence, keys, verify_url=verify_url, issuer_name=issuer_name, location=location
    )
    sha, size = files.put([pdf])
    row: dict[str, object] = {
        "rendition_key": key,
        "licence_id": licence.id,
        "sha256": sha,
        "size": size,
    }
    return Rendition(key, pdf), row


_REPOINT = (
    update(licence_renditions)
    .where(licence_renditions.c.rendition_key == bindparam("key"))
    .values(sha256=bindparam("sha"), size=bindparam("size"))
)


@atomic
def record(uow: UnitOfWork, row: dict[str, object], now: datetime) -> None:
    """Remember where a rendition is stored.  Two first downloads at once may both render: the
    last recorded is kept, and both answers are valid signed PDFs of the same content."""
    if not insert_or_ignore(
        uow.conn, licence_renditions, ["rendition_key"], {**row, "created_at": now}
    ):
        uow.conn.execute(
            _REPOINT, {"key": row["rendition_key"], "sha": row["sha256"], "size": row["size"]}
        )
