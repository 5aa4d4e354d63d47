"""The citizen code (市民码, like 粤省事码): a short signed token a citizen's phone shows as a
QR code, valid 2 minutes and usable once, and the person a window identifies.

Token: ``TB1.<jti>.<user id>.<expiry, unix seconds>.<signature>``; the signature is
HMAC-SHA256 over the first four parts under the platform's secret key, truncated to 128 bits
(base64url).  Short enough for a small QR code, and no client can forge or alter one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tongban.domain.identity_check.errors import CitizenCodeInvalid
from tongban.domain.shared.masking import mask_id_number

PREFIX = "TB1"
CODE_LIFETIME = timedelta(minutes=2)
MAX_TOKEN_LENGTH = 120


class Method:
    CITIZEN_CODE = "citizen_code"
    ID_CARD = "id_card"
    FACE = "face"


@dataclass(frozen=True)
class CitizenCode:
    token: str
    jti: str
    user_id: int
    expires_at: datetime


@dataclass(frozen=True, repr=False)
class IdentifiedPerson:
    """Who stands at the window, and how that was established."""

    user_id: int
    name: str
    id_number: str
    """The full number, for the clerk; lists and logs show ``masked``."""
    kind: str
    method: str
    score: float | None = None

    @property
    def masked(self) -> str:
        return mask_id_number(self.id_number)

    def __repr__(self) -> str:
        return f"IdentifiedPerson(user_id={self.user_id}, id_number={self.masked!r})"


@dataclass(frozen=True)
class TokenClaims:
    jti: str
    user_id: int
    expires_at: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signature(key: str, body: str) -> str:
    digest = hmac.new(key.encode(), f"citizen-code:{body}".encode(), hashlib.sha256).digest()
    return _b64(digest[:16])


def new_jti() -> str:
    return secrets.token_hex(12)


def sign(key: str, jti: str, user_id: int, expires_at: datetime) -> str:
    body = f"{PREFIX}.{jti}.{user_id}.{int(expires_at.timestamp())}"
    return f"{body}.{_signature(key, body)}"


def verify(key: str, token: str) -> TokenClaims:
    """The claims of a genuine token; ``CitizenCodeInvalid`` for anything else.  Expiry and
    single use are checked by the caller against the clock and the stored code."""
    text = (token or "").strip()
    if not text or len(text) > MAX_TOKEN_LENGTH:
        raise CitizenCodeInvalid()
    parts = text.split(".")
    if len(parts) != 5 or parts[0] != PREFIX:
        raise CitizenCodeInvalid()
    body, signature = ".".join(parts[:4]), parts[4]
    if not hmac.compare_digest(_signature(key, body), signature):
        raise CitizenCodeInvalid()
    _prefix, jti, user, expiry = parts[:4]
    if not (user.isdigit() and expiry.isdigit()):
        raise CitizenCodeInvalid()
    return TokenClaims(jti, int(user), datetime.fromtimestamp(int(expiry), tz=UTC))


@dataclass(frozen=True, repr=False)
class CardData:
    """What the chip of a second-generation resident ID card holds (the parts used here)."""

    id_number: str
    name: str

    def __repr__(self) -> str:
        return "CardData(...)"
