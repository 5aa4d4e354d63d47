"""The signed message two nodes exchange, and the checks that need no database.

An envelope is a JSON object (docs/federation.md §Envelope)::

    {"tongban_message": 1, "id": "<UUID>", "sender": "440605", "receiver": "440113",
     "case_ref": "...", "seq": 1, "type": "case.handover", "item": "...",
     "issued_at": "2026-11-16T01:30:00Z", "expires_at": "2026-11-23T01:30:00Z",
     "body": {..., "materials": [{"name": "...", "sha256": "<hex>", "size": 123}]},
     "signature": {"alg": "EdDSA", "kid": "...", "value": "<base64url>"}}

The signature is Ed25519 over the canonical JSON (``canonical.py``) of the whole envelope with
``signature.value`` left out, so the key id and algorithm are signed too (JSF style).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tongban.domain.federation.canonical import NotCanonical, canonical, from_b64url
from tongban.domain.federation.errors import (
    BadSignature,
    MalformedMessage,
    MessageExpired,
    OutOfSequence,
)
from tongban.domain.federation.node import ITEM_CODE, REGION_CODE

ENVELOPE_VERSION = 1
ALGORITHM = "EdDSA"
CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of this node's clock a partner's ``issued_at`` may be."""
LONGEST_LIFE = timedelta(days=30)
CASE_REF = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
FIELDS = {
    "tongban_message",
    "id",
    "sender",
    "receiver",
    "case_ref",
    "seq",
    "type",
    "item",
    "issued_at",
    "expires_at",
    "body",
    "signature",
}


class ItemOwner(StrEnum):
    """Whose item a message type concerns: the receiver's (a case handed to the node that
    decides it) or the sender's (that node's answers flowing back)."""

    RECEIVER = "receiver"
    SENDER = "sender"


TYPES: dict[str, ItemOwner] = {
    "case.handover": ItemOwner.RECEIVER,
    "case.correction_answered": ItemOwner.RECEIVER,
    "case.withdrawn": ItemOwner.RECEIVER,
    "case.accepted": ItemOwner.SENDER,
    "case.correction_requested": ItemOwner.SENDER,
    "case.decided": ItemOwner.SENDER,
    "case.result": ItemOwner.SENDER,
}
"""The message types of this version and whose item each concerns."""


def instant(at: datetime) -> str:
    """RFC 3339 in UTC to the second, ``Z`` suffix: the only form the protocol writes."""
    return at.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(text: Any) -> datetime:
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text):
        raise ValueError("not an RFC 3339 UTC instant")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class Envelope:
    """A well-formed envelope (its signature not yet checked)."""

    document: dict[str, Any]
    id: str
    sender: str
    receiver: str
    case_ref: str
    seq: int
    type: str
    item: str
    issued_at: datetime
    expires_at: datetime
    kid: str
    signature: bytes

    @property
    def item_owner(self) -> ItemOwner:
        return TYPES[self.type]

    def signing_input(self) -> bytes:
        return signing_input(self.document)


def signing_input(document: dict[str, Any]) -> bytes:
    """The canonical bytes the signature covers: the envelope without ``signature.value``."""
    unsigned = dict(document)
    unsigned["signature"] = {k: v for k, v in document["signature"].items() if k != "value"}
    return canonical(unsigned)


def _materials(body: dict[str, Any]) -> None:
    materials = body.get("materials", [])
    if not isinstance(materials, list):
        raise MalformedMessage(reason="body.materials 须是列表")
    for material in materials:
        if not isinstance(material, dict) or not SHA256.match(str(material.get("sha256", ""))):
            raise MalformedMessage(reason="每份材料须带 64 位十六进制的 sha256")


def parse_envelope(document: Any) -> Envelope:
    """Check the shape of a received envelope; ``MalformedMessage`` names the first problem."""
    if not isinstance(document, dict) or set(document) != FIELDS:
        raise MalformedMessage(reason="字段不全或有多余字段")
    if document["tongban_message"] != ENVELOPE_VERSION:
        raise MalformedMessage(reason="tongban_message 须为 1")
    try:
        message_id = str(uuid.UUID(document["id"]))
    except (ValueError, TypeError, AttributeError):
        raise MalformedMessage(reason="id 须是 UUID") from None
    if message_id != document["id"]:
        raise MalformedMessage(reason="id 须是小写、带连字符的 UUID")
    for name in ("sender", "receiver"):
        if not isinstance(document[name], str) or not REGION_CODE.match(document[name]):
            raise MalformedMessage(reason=f"{name} 须是 6 位行政区划代码")
    if not isinstance(document["case_ref"], str) or not CASE_REF.match(document["case_ref"]):
        raise MalformedMessage(reason="case_ref 无效")
    seq = document["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise MalformedMessage(reason="seq 须是正整数")
    if document["type"] not in TYPES:
        raise MalformedMessage(reason=f"未知的消息类型 {document['type']}")
    if not isinstance(document["item"], str) or not ITEM_CODE.match(document["item"]):
        raise MalformedMessage(reason="item 须是事项编码")
    try:
        issued = parse_instant(document["issued_at"])
        expires = parse_instant(document["expires_at"])
    except ValueError:
        raise MalformedMessage(
            reason="issued_at 与 expires_at 须是 UTC 时间，如 2026-11-16T01:30:00Z"
        ) from None
    if not issued < expires <= issued + LONGEST_LIFE:
        raise MalformedMessage(reason="有效期须在签发后 30 天之内")
    body = document["body"]
    if not isinstance(body, dict):
        raise MalformedMessage(reason="body 须是 JSON 对象")
    _materials(body)
    signature = document["signature"]
    if not isinstance(signature, dict) or set(signature) != {"alg", "kid", "value"}:
        raise MalformedMessage(reason="signature 须含 alg、kid、value")
    if signature["alg"] != ALGORITHM or not isinstance(signature["kid"], str):
        raise MalformedMessage(reason="签名算法须为 EdDSA（Ed25519）")
    try:
        value = from_b64url(signature["value"])
        signing_input(document)
    except (ValueError, NotCanonical):
        raise MalformedMessage(reason="签名或内容无法规范化") from None
    return Envelope(
        document, message_id, document["sender"], document["receiver"], document["case_ref"],
        seq, document["type"], document["item"], issued, expires, signature["kid"], value,
    )  # fmt: skip


def check_signature(envelope: Envelope, key: Ed25519PublicKey | None) -> None:
    """``BadSignature`` unless ``key`` (the sender's key named by ``kid``) signed it."""
    check_signed(envelope.document, envelope.signature, key)


def check_signed(document: dict[str, Any], signature: bytes, key: Ed25519PublicKey | None) -> None:
    """``BadSignature`` unless ``key`` made ``signature`` over ``document``'s signing input."""
    if key is None:
        raise BadSignature()
    try:
        key.verify(signature, signing_input(document))
    except InvalidSignature:
        raise BadSignature() from None


def check_fresh(envelope: Envelope, now: datetime) -> None:
    if now >= envelope.expires_at or envelope.issued_at > now + CLOCK_SKEW:
        raise MessageExpired(expires_at=instant(envelope.expires_at))


def check_sequence(envelope: Envelope, last_applied: int) -> None:
    """Messages of one case are applied in order: the next one is ``last_applied + 1``."""
    if envelope.seq != last_applied + 1:
        raise OutOfSequence(case_ref=envelope.case_ref, expected=last_applied + 1, got=envelope.seq)


def unsigned_envelope(
    *,
    message_id: str,
    sender: str,
    receiver: str,
    case_ref: str,
    seq: int,
    type: str,
    item: str,
    issued_at: datetime,
    expires_at: datetime,
    body: dict[str, Any],
    kid: str,
) -> dict[str, Any]:
    """An envelope ready to sign (its ``signature.value`` still to add)."""
    if type not in TYPES:
        raise ValueError(f"unknown message type {type}")
    return {
        "tongban_message": ENVELOPE_VERSION,
        "id": message_id,
        "sender": sender,
        "receiver": receiver,
        "case_ref": case_ref,
        "seq": seq,
        "type": type,
        "item": item,
        "issued_at": instant(issued_at),
        "expires_at": instant(expires_at),
        "body": body,
        "signature": {"alg": ALGORITHM, "kid": kid},
    }
