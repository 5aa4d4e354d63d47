"""The hand-over of a case between nodes: what its messages carry and what they mean.

Materials travel inline: each is ``{name, sha256, size, content}`` with the bytes in unpadded
base64url, so the signature covers the bytes and their hash; the receiver checks every hash
against the bytes before it keeps anything.  The result a deciding node sends back is itself a
signed document (an e-licence of the case's result) that the accepting node checks with the
partner's published keys, and can check again later, apart from the message that carried it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tongban.domain.federation.canonical import b64url, from_b64url
from tongban.domain.federation.envelope import check_signed, instant
from tongban.domain.federation.errors import BadSignature, MalformedMessage, MaterialMismatch

MAX_MATERIAL_BYTES = 5 * 1024 * 1024
"""One material's bytes at most; a larger scan is sent at lower resolution."""

RESULT_VERSION = 1


@dataclass(frozen=True)
class MaterialFile:
    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def entry(self) -> dict[str, Any]:
        """The material as a message carries it (name, hash, size and the bytes)."""
        return {
            "name": self.name,
            "sha256": self.sha256,
            "size": len(self.content),
            "content": b64url(self.content),
        }


def received_materials(body: dict[str, Any]) -> list[MaterialFile]:
    """The materials of a received body, each checked against its hash and size;
    ``MaterialMismatch`` (a tampered or damaged material) names the first that is not."""
    files: list[MaterialFile] = []
    for entry in body.get("materials", []):
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise MalformedMessage(reason="每份材料须有名称")
        try:
            content = from_b64url(entry.get("content"))
        except (ValueError, TypeError):
            raise MalformedMessage(reason=f"材料“{name}”的内容不是 base64url") from None
        file = MaterialFile(name.strip(), content)
        if file.sha256 != entry["sha256"] or entry.get("size") != len(content):
            raise MaterialMismatch(name=name)
        if len(content) > MAX_MATERIAL_BYTES:
            raise MalformedMessage(reason=f"材料“{name}”超过 5 MB")
        files.append(file)
    return files


def listing(files: list[MaterialFile]) -> list[dict[str, Any]]:
    """What a case keeps of its materials: names, hashes and sizes (the bytes are stored apart)."""
    return [{"name": f.name, "sha256": f.sha256, "size": len(f.content)} for f in files]


# The events of a received case that its partner is told of, as (message type, status sent).
EVENT_MESSAGES: dict[str, tuple[str, str]] = {
    "CaseAccepted": ("case.accepted", "accepted"),
    "CaseAcceptedWithMissingMaterials": ("case.accepted", "accepted"),
    "CaseDeemedAccepted": ("case.accepted", "accepted"),
    "CaseCorrectionRequested": ("case.correction_requested", "correction_requested"),
    "CaseNotAccepted": ("case.decided", "not_accepted"),
    "CaseApproved": ("case.decided", "approved"),
    "CaseRejected": ("case.decided", "rejected"),
    "CaseTerminated": ("case.decided", "terminated"),
    "CaseWithdrawn": ("case.decided", "withdrawn"),
    "CaseResultIssued": ("case.result", "result_issued"),
}


def unsigned_result(
    *,
    issuer: str,
    case_ref: str,
    item: str,
    item_name: str,
    decision: str,
    holder_name: str,
    reference: str,
    issued_at: datetime,
    kid: str,
) -> dict[str, Any]:
    """The result (办理结果) as an e-licence the deciding node signs with its node key."""
    return {
        "tongban_result": RESULT_VERSION,
        "issuer": issuer,
        "case_ref": case_ref,
        "item": item,
        "item_name": item_name,
        "decision": decision,
        "holder_name": holder_name,
        "reference": reference,
        "issued_at": instant(issued_at),
        "signature": {"alg": "EdDSA", "kid": kid},
    }


def result_is_genuine(result: Any, key_for: Any, issuer: str, case_ref: str) -> bool:
    """True when ``result`` is a result document of this case by ``issuer``, signed with the
    key ``key_for(kid)`` returns (the issuer's published key)."""
    if not isinstance(result, dict) or result.get("tongban_result") != RESULT_VERSION:
        return False
    if (result.get("issuer"), result.get("case_ref")) != (issuer, case_ref):
        return False
    signature = result.get("signature")
    if not isinstance(signature, dict) or signature.get("alg") != "EdDSA":
        return False
    try:
        value = from_b64url(str(signature.get("value")))
        check_signed(result, value, key_for(str(signature.get("kid"))))
    except (BadSignature, ValueError, TypeError):
        return False
    return True
