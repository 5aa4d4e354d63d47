"""Verifying e-licences with nothing but the published keys (the JWKS and the CA certificate).

The same functions serve the offline command line (no database: signature and expiry only)
and the web verifier, which passes ``status_of`` so a revoked licence fails at once.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwcrypto.jwk import JWK

from tongban.adapters import licence_pdf, sdjwt
from tongban.domain.licences.types import type_name

VCT_PREFIX = "urn:tongban:licence:"

MESSAGES: dict[str, str] = {
    "valid": "核验通过：电子证照真实有效。",
    "valid_offline": "签名与有效期核验通过；离线核验无法确认证照是否已被注销，请联网核验状态。",
    "bad_signature": "核验失败：签名无效，证照内容可能已被篡改。",
    "unknown_key": "核验失败：签发密钥不在公布的密钥之列，无法确认签发机关。",
    "valid_offline_list": (
        "签名、有效期核验通过，且不在所给的注销证照清单中（清单签发于 {issued}）。"
    ),
    "revoked": "核验失败：该电子证照已被注销。",
    "expired": "核验失败：该电子证照已超过有效期。",
    "not_yet_valid": "核验失败：该电子证照尚未生效。",
    "unknown_licence": "核验失败：电子证照库中没有这份证照。",
    "not_a_licence": "所提交的内容不是电子证照：请提交电子证照凭证文本或电子证照 PDF 文件。",
}


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a credential or a PDF; ``claims`` holds only what was disclosed."""

    ok: bool
    code: str
    message: str
    licence_id: str | None = None
    type_code: str | None = None
    type_name: str | None = None
    issuer_department: str | None = None
    valid_until: date | None = None
    key_id: str | None = None
    status_checked: bool = False
    claims: dict[str, Any] = field(default_factory=dict)
    issuer: str | None = None
    """``iss``: the library that signed it (``urn:tongban:{region}``)."""
    issuer_name: str | None = None
    """A partner node's name when the licence is that node's (跨城通办)."""
    valid_from: date | None = None
    issued_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "code": self.code,
            "message": self.message,
            "licence_id": self.licence_id,
            "type_code": self.type_code,
            "type_name": self.type_name,
            "issuer_department": self.issuer_department,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "key_id": self.key_id,
            "status_checked": self.status_checked,
            "claims": self.claims,
            "issuer": self.issuer,
            "issuer_name": self.issuer_name,
        }


def _failed(code: str, **known: Any) -> Verification:
    return Verification(False, code, MESSAGES[code], **known)


def key_lookup(keys_or_jwks: Any) -> Callable[[str], JWK | None]:
    """Keys by kid from a ``KeyRing``, a JWKS dict or its JSON text."""
    jwks = keys_or_jwks
    if hasattr(keys_or_jwks, "jwks"):
        jwks = keys_or_jwks.jwks()
    if isinstance(jwks, str | bytes):
        jwks = json.loads(jwks)
    found: dict[str, JWK] = {}
    for entry in (jwks or {}).get("keys", []):
        if isinstance(entry, Mapping) and entry.get("kid"):
            found[str(entry["kid"])] = JWK(**{k: v for k, v in entry.items()})
    return found.get


def claimed_issuer(text: str) -> str | None:
    """The ``iss`` a credential claims, read without checking anything (to choose the keys
    to check it with); None when it is not readable as one."""
    try:
        jwt, _disclosures, _kb = sdjwt.split(text)
        payload = json.loads(base64.urlsafe_b64decode(jwt.split(".")[1] + "==="))
    except (ValueError, IndexError):  # NotSdJwt, BadSignature and binascii.Error among them
        return None
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    return issuer if isinstance(issuer, str) else None


def verify_credential(
    text: str,
    keys_or_jwks: Any,
    status_of: Callable[[str], str | None] | None,
    *,
    today: date,
    revocations: RevokedSet | None = None,
) -> Verification:
    """Check an SD-JWT VC (or a presentation of one): signature, every disclosure, validity
    dates, and — when ``status_of`` is given — that the library has not revoked it; offline,
    ``revocations`` (a checked revocation list) stands in for the library."""
    try:
        found = sdjwt.verify(text, key_lookup(keys_or_jwks))
    except sdjwt.NotSdJwt:
        return _failed("not_a_licence")
    except sdjwt.UnknownKey:
        return _failed("unknown_key")
    except sdjwt.BadSignature:
        return _failed("bad_signature")
    return _judge(found, status_of, today, revocations)


@dataclass(frozen=True)
class RevokedSet:
    """The ids a verified revocation list names, and when the list was issued."""

    ids: frozenset[str]
    issued: str


def _judge(
    found: sdjwt.VerifiedCredential,
    status_of: Callable[[str], str | None] | None,
    today: date,
    revocations: RevokedSet | None = None,
) -> Verification:
    payload = found.payload
    vct = str(payload.get("vct", ""))
    if not vct.startswith(VCT_PREFIX) or not payload.get("jti"):
        return _failed("not_a_licence")
    type_code = vct.removeprefix(VCT_PREFIX)
    until = date.fromisoformat(payload["exp_date"]) if payload.get("exp_date") else None
    starts = payload.get("nbf_date")
    iat = payload.get("iat")
    known: dict[str, Any] = {
        "licence_id": str(payload["jti"]),
        "type_code": type_code,
        "type_name": type_name(type_code),
        "issuer_department": payload.get("issuer_department"),
        "valid_until": until,
        "key_id": found.header.get("kid"),
        "claims": found.disclosed,
        "issuer": str(payload.get("iss") or "") or None,
        "valid_from": date.fromisoformat(starts) if starts else None,
        "issued_at": datetime.fromtimestamp(iat, UTC) if isinstance(iat, int) else None,
    }
    if until is not None and today > until:
        return _failed("expired", **known)
    if starts and today < date.fromisoformat(starts):
        return _failed("not_yet_valid", **known)
    if status_of is None and revocations is not None:
        if known["licence_id"] in revocations.ids:
            return _failed("revoked", **known)
        message = MESSAGES["valid_offline_list"].format(issued=revocations.issued)
        return Verification(True, "valid", message, **known)
    if status_of is None:
        return Verification(True, "valid", MESSAGES["valid_offline"], **known)
    status = status_of(known["licence_id"])
    if status is None:
        return _failed("unknown_licence", status_checked=True, **known)
    if status == "revoked":
        return _failed("revoked", status_checked=True, **known)
    return Verification(True, "valid", MESSAGES["valid"], status_checked=True, **known)


def _certified_key(cert_pem: bytes, ca_pem: bytes) -> JWK | None:
    """The public key of a certificate the CA issued (the key that signed the credential)."""
    try:
        certificate = x509.load_pem_x509_certificate(cert_pem)
        certificate.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_pem))
    except (ValueError, TypeError, InvalidSignature):
        return None
    return JWK.from_pyca(certificate.public_key())


def verify_pdf(
    data: bytes,
    ca_pem: bytes,
    status_of: Callable[[str], str | None] | None = None,
    *,
    today: date,
    revocations: RevokedSet | None = None,
) -> Verification:
    """Check a licence PDF: the PAdES signature against the CA, then the credential it carries
    (signed by the same certificate's key), its dates and, online, its status."""
    checked = licence_pdf.check(data, ca_pem)
    if checked.code != "valid" or checked.credential is None:
        return _failed(checked.code if checked.code in MESSAGES else "bad_signature")
    assert checked.signer_public_key_pem is not None
    signer = JWK.from_pyca(load_pem_public_key(checked.signer_public_key_pem))
    if checked.credential_certificate_pem:
        issued_by_ca = _certified_key(checked.credential_certificate_pem, ca_pem)
        if issued_by_ca is None:
            return _failed("bad_signature")
        signer = issued_by_ca
    try:
        found = sdjwt.verify(checked.credential, lambda _kid: signer)
    except sdjwt.NotSdJwt:
        return _failed("not_a_licence")
    except (sdjwt.UnknownKey, sdjwt.BadSignature):
        return _failed("bad_signature")
    return _judge(found, status_of, today, revocations)
