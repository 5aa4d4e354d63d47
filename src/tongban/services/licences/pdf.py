"""The licence PDF, rendered on download (never at issue time) and signed with the current key."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from tongban.adapters import licence_pdf
from tongban.domain.licences.model import Licence
from tongban.domain.licences.types import HolderKind, find_type

if TYPE_CHECKING:
    from tongban.adapters.keys import KeyRing


def verify_path(licence_id: str) -> str:
    """Where anyone checks a licence: ``/verify?id=…`` (the web layer makes it absolute)."""
    return f"/verify?id={quote(licence_id)}"


def page_of(
    licence: Licence, *, verify_url: str | None, issuer_name: str, certificate_pem: bytes = b""
) -> licence_pdf.LicencePage:
    kind = find_type(licence.type_code)
    rows: list[tuple[str, str]] = []
    if kind is not None:
        for spec in kind.fields:
            value = licence.fields.get(spec.name)
            if value is not None and value != "":
                rows.append((spec.label, str(value)))
    enterprise = kind is not None and kind.holder_kind is HolderKind.ENTERPRISE
    return licence_pdf.LicencePage(
        licence_id=licence.id,
        type_name=licence.type_name,
        holder_label="名称" if enterprise else "持证人",
        holder_name=licence.holder_name,
        holder_id_masked=licence.holder_id_masked,
        rows=rows,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        issuer_name=issuer_name or licence.issuer_department,
        issued_at=licence.issued_at,
        verify_url=verify_url or verify_path(licence.id),
        credential=licence.credential,
        trust_label=licence.trust_level.label,
        credential_certificate_pem=certificate_pem,
    )


def render(
    licence: Licence,
    keys: KeyRing,
    *,
    verify_url: str | None,
    issuer_name: str,
    location: str = "",
) -> bytes:
    """Render and PAdES-sign; the signing certificate is the current key's (CA-issued)."""
    signed_by = keys.keys.get(licence.key_id)
    page = page_of(
        licence,
        verify_url=verify_url,
        issuer_name=issuer_name,
        certificate_pem=signed_by.certificate_pem if signed_by else b"",
    )
    unsigned = licence_pdf.render_unsigned(page)
    return licence_pdf.sign(unsigned, keys.signer, keys.ca_certificate_pem, location)
