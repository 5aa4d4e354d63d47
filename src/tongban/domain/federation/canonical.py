"""Canonical JSON (RFC 8785 for the values the protocol uses) and the hashes built on it.

The protocol signs and hashes bytes, never parsed objects: the canonical form of a JSON value
is its UTF-8 serialisation with object members sorted by the UTF-16 code units of their names,
no insignificant whitespace, strings escaped as ECMAScript's ``JSON.stringify`` does (``\\"``,
``\\\\``, ``\\b \\f \\n \\r \\t`` and ``\\u00xx`` for other control characters, everything else
literal).  Numbers are restricted to integers of at most 2**53 - 1 in magnitude, so their
RFC 8785 form is their decimal digits; floats are refused rather than canonicalised.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1


class NotCanonical(ValueError):
    """A value the canonical form cannot carry (a float, a huge integer, a non-string key)."""


def _check(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonical(f"integer out of range: {value}")
        return value
    if isinstance(value, list | tuple):
        return [_check(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise NotCanonical("object keys must be strings")
        ordered = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return {key: _check(value[key]) for key in ordered}
    raise NotCanonical(f"not a canonical JSON value: {type(value).__name__}")


def canonical(value: Any) -> bytes:
    """The canonical UTF-8 bytes of ``value``; ``NotCanonical`` for what it cannot carry."""
    return json.dumps(
        _check(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 4648 §5), as JOSE writes keys and signatures."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def from_b64url(text: str) -> bytes:
    """The bytes of unpadded base64url ``text``; ``ValueError`` when it is not that."""
    if not isinstance(text, str) or any(c in text for c in "=+/ \n"):
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
