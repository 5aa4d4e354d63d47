"""SD-JWT VC (IETF selective disclosure) behind a small interface of ours; ``sd_jwt`` inside.

The issuer signs a JWT (ES256) whose personal claims are replaced by digests; each claim travels
as a separate disclosure after a ``~``.  A holder presents the JWT with only the disclosures a
verifier needs.  Verification here is stricter than the library's: every part must be canonical
base64url, every disclosure presented must be one the issuer signed, and there must be no
key-binding part, so a credential changed by even one character fails.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from tongban.adapters.signer import LicenceSigner, compact_jws

TYP = "dc+sd-jwt"
ALG = "ES256"
_SEPARATOR = "~"


class NotSdJwt(ValueError):
    """The text is not shaped like an SD-JWT of ours at all."""


class UnknownKey(ValueError):
    """The credential names a key the verifier does not know."""


class BadSignature(ValueError):
    """The signature, a disclosure or the encoding does not check out."""


@dataclass(frozen=True)
class VerifiedCredential:
    header: dict[str, Any]
    payload: dict[str, Any]
    """The signed claims that are always visible (iss, vct, jti, iat, exp ...)."""
    disclosed: dict[str, Any]
    """Only the selectively disclosable claims this presentation reveals."""


def _b64decode(part: str) -> bytes:
    """Strict base64url: the text must be exactly what encoding the bytes gives back."""
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise BadSignature("not base64url") from None
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != part:
        raise BadSignature("not canonical base64url")
    return raw


def _digest(disclosure: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(disclosure.encode()).digest()).decode().rstrip("=")
    )


class _Issuer(SDJWTIssuer):  # type: ignore[misc]
    """The library's issuer, whose JWT is signed by our ``LicenceSigner`` (a key file or a
    PKCS#11 token) instead of a private key handed to jwcrypto."""

    def __init__(self, claims: dict[Any, Any], signer: LicenceSigner, **options: Any) -> None:
        self._licence_signer = signer
        super().__init__(claims, None, **options)

    def _create_signed_jws(self) -> None:
        header = {"alg": self._sign_alg, "typ": self.SD_JWT_HEADER}
        header.update(self._extra_header_parameters)
        payload = json.dumps(self.sd_jwt_payload).encode()
        self.serialized_sd_jwt = compact_jws(header, payload, self._licence_signer)


def issue(
    public_claims: Mapping[str, Any],
    disclosable: Mapping[str, Any],
    signer: LicenceSigner,
) -> str:
    """An SD-JWT (compact, ending in ``~``) with every ``disclosable`` claim selectively
    disclosable, signed by ``signer`` under its kid."""
    claims: dict[Any, Any] = dict(public_claims)
    for name, value in disclosable.items():
        claims[SDObj(name)] = value
    issuer = _Issuer(
        claims,
        signer,
        sign_alg=ALG,
        add_decoy_claims=True,
        extra_header_parameters={"typ": TYP, "kid": signer.kid},
    )
    issued: str = issuer.sd_jwt_issuance
    return issued


def split(text: str) -> tuple[str, list[str], str]:
    """(issuer JWT, disclosures, key-binding JWT) of a compact SD-JWT; ``NotSdJwt`` otherwise."""
    text = text.strip()
    if _SEPARATOR not in text:
        raise NotSdJwt("no SD-JWT separators")
    jwt, *disclosures, kb = text.split(_SEPARATOR)
    if jwt.count(".") != 2:
        if jwt.startswith("eyJ"):  # ours once, a separator since damaged
            raise BadSignature("the first part is no longer a JWT")
        raise NotSdJwt("the first part is not a JWT")
    return jwt, disclosures, kb


def unverified_header(text: str) -> dict[str, Any]:
    """The JOSE header, read without checking anything.

    ``NotSdJwt`` when the text is not shaped like an SD-JWT; ``BadSignature`` when it is, but
    its header cannot be read or is not ours (a damaged or altered credential).
    """
    jwt, _disclosures, _kb = split(text)
    try:
        header = json.loads(base64.urlsafe_b64decode(jwt.split(".")[0] + "==="))
    except (ValueError, binascii.Error):
        raise BadSignature("unreadable header") from None
    if not isinstance(header, dict) or header.get("typ") != TYP:
        raise BadSignature("not an SD-JWT VC header")
    return header


def present(credential: str, disclose: list[str]) -> str:
    """A presentation of ``credential`` revealing only the claims named in ``disclose``."""
    split(credential)
    holder = SDJWTHolder(credential.strip())
    holder.create_presentation({name: True for name in disclose})
    presentation: str = holder.sd_jwt_presentation
    return presentation


def verify(text: str, key_for: Callable[[str], JWK | None]) -> VerifiedCredential:
    """Check the signature with the key ``key_for(kid)`` returns and every disclosure.

    Raises ``NotSdJwt``, ``UnknownKey`` or ``BadSignature``; expiry is the caller's business.
    """
    header = unverified_header(text)
    jwt, disclosures, kb = split(text)
    if kb:
        raise BadSignature("key binding is not used by these credentials")
    for part in [*jwt.split("."), *disclosures]:
        _b64decode(part)
    if header.get("alg") != ALG:
        raise BadSignature("unexpected algorithm")
    key = key_for(str(header.get("kid", "")))
    if key is None:
        raise UnknownKey(str(header.get("kid", "")))
    try:
        verifier = SDJWTVerifier(text.strip(), lambda _iss, _header: key)
        payload = json.loads(_b64decode(jwt.split(".")[1]))
        signed_digests = set(_all_digests(payload))
        if any(_digest(d) not in signed_digests for d in disclosures):
            raise BadSignature("a disclosure was not signed by the issuer")
        claims = verifier.get_verified_payload()
    except (UnknownKey, BadSignature):
        raise
    except Exception as error:  # jwcrypto and sd_jwt raise many kinds
        raise BadSignature(str(error)) from None
    public = {k: v for k, v in payload.items() if k not in ("_sd", "_sd_alg")}
    disclosed = {k: v for k, v in claims.items() if k not in public}
    return VerifiedCredential(header, public, disclosed)


def _all_digests(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [d for d in node.get("_sd", []) if isinstance(d, str)]
        for key, value in node.items():
            if key != "_sd":
                found += _all_digests(value)
        return found
    if isinstance(node, list):
        return [d for item in node for d in _all_digests(item)]
    return []
