"""The SMS rating link: ``TR1.<jti>.<expiry, unix seconds>.<signature>``, HMAC-SHA256 under the
platform's secret key over the purpose ``rating-link`` and the first three parts, truncated to
128 bits.  The token names only a stored link (``jti``), which is bound to one case; it cannot
be forged, altered, or used for anything else (the citizen code signs another purpose).
Expiry and single use are checked against the clock and the stored link by the caller."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from tongban.domain.evaluation.errors import RatingLinkInvalid

PREFIX = "TR1"
PURPOSE = "rating-link"
MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class LinkClaims:
    jti: str
    expires_at: datetime


def _signature(key: str, body: str) -> str:
    digest = hmac.new(key.encode(), f"{PURPOSE}:{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _same(expected: str, given: str) -> bool:
    """Constant-time comparison that any text may be given to (non-ASCII included)."""
    return hmac.compare_digest(expected.encode(), given.encode())


def new_jti() -> str:
    return secrets.token_hex(12)


def sign(key: str, jti: str, expires_at: datetime) -> str:
    body = f"{PREFIX}.{jti}.{int(expires_at.timestamp())}"
    return f"{body}.{_signature(key, body)}"


def verify(key: str, token: str) -> LinkClaims:
    """The claims of a genuine link; ``RatingLinkInvalid`` for anything else."""
    text = (token or "").strip()
    parts = text.split(".")
    if len(text) > MAX_TOKEN_LENGTH or len(parts) != 4 or parts[0] != PREFIX:
        raise RatingLinkInvalid()
    body = ".".join(parts[:3])
    if (
        not _same(_signature(key, body), parts[3])
        or not parts[2].isascii()
        or not parts[2].isdigit()
    ):
        raise RatingLinkInvalid()
    return LinkClaims(parts[1], datetime.fromtimestamp(int(parts[2]), tz=UTC))


PAD_PURPOSE = "rating-pad"


def pad_token(key: str, ticket_id: int) -> str:
    """What the pad's buttons carry: the ticket it was shown for, signed for the pad alone, so
    that the form cannot be turned on another ticket."""
    digest = hmac.new(key.encode(), f"{PAD_PURPOSE}:{ticket_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:16]).rstrip(b"=").decode()


def check_pad_token(key: str, ticket_id: int, token: str) -> None:
    if not _same(pad_token(key, ticket_id), (token or "").strip()):
        raise RatingLinkInvalid()
