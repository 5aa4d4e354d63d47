"""The signed answer to a delivered message: an acknowledgement or a refusal with its code.

::

    {"tongban_receipt": 1, "message_id": "<the answered message's id>",
     "sender": "440113", "receiver": "440605", "outcome": "applied" | "refused",
     "code": null | "federation_...", "reason": "<Chinese text>" | null,
     "at": "2026-11-16T01:30:05Z",
     "signature": {"alg": "EdDSA", "kid": "...", "value": "..."}}

Signed exactly as an envelope is (``envelope.signing_input``).  A refusal coded
``federation_replayed`` means the message was applied before: the sender counts it delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tongban.domain.federation.canonical import NotCanonical, from_b64url
from tongban.domain.federation.envelope import ALGORITHM, instant, signing_input
from tongban.domain.federation.errors import MalformedMessage

RECEIPT_VERSION = 1
APPLIED = "applied"
REFUSED = "refused"
ALREADY_APPLIED = "federation_replayed"
FIELDS = {"tongban_receipt", "message_id", "sender", "receiver", "outcome", "code", "reason"}
FIELDS |= {"at", "signature"}


@dataclass(frozen=True)
class Receipt:
    document: dict[str, Any]
    message_id: str
    sender: str
    receiver: str
    outcome: str
    code: str | None
    kid: str
    signature: bytes

    @property
    def delivered(self) -> bool:
        """Whether the message is applied at the partner (now or before)."""
        return self.outcome == APPLIED or self.code == ALREADY_APPLIED


def unsigned_receipt(
    *,
    message_id: str,
    sender: str,
    receiver: str,
    at: datetime,
    kid: str,
    code: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "tongban_receipt": RECEIPT_VERSION,
        "message_id": message_id,
        "sender": sender,
        "receiver": receiver,
        "outcome": APPLIED if code is None else REFUSED,
        "code": code,
        "reason": reason,
        "at": instant(at),
        "signature": {"alg": ALGORITHM, "kid": kid},
    }


def parse_receipt(document: Any) -> Receipt:
    """Check a receipt's shape (not its signature); ``MalformedMessage`` when it is wrong."""
    if not isinstance(document, dict) or set(document) != FIELDS:
        raise MalformedMessage(reason="回执字段不全或有多余字段")
    signature = document["signature"]
    if (
        document["tongban_receipt"] != RECEIPT_VERSION
        or document["outcome"] not in (APPLIED, REFUSED)
        or (document["outcome"] == REFUSED) != isinstance(document["code"], str)
        or not isinstance(signature, dict)
        or set(signature) != {"alg", "kid", "value"}
        or signature["alg"] != ALGORITHM
    ):
        raise MalformedMessage(reason="回执格式不正确")
    try:
        value = from_b64url(signature["value"])
        signing_input(document)
    except (ValueError, NotCanonical):
        raise MalformedMessage(reason="回执签名无法读取") from None
    return Receipt(
        document, str(document["message_id"]), str(document["sender"]),
        str(document["receiver"]), document["outcome"], document["code"],
        str(signature["kid"]), value,
    )  # fmt: skip
