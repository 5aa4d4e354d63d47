"""Partner nodes for the 跨城通办 tests: a key pair and the document it publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.clock import TEST_START
from tongban.domain.federation.canonical import b64url
from tongban.domain.federation.envelope import signing_input, unsigned_envelope

PANYU = "440113"


@dataclass
class FakePartner:
    """A partner node held in memory: what it publishes and what it signs with."""

    region_code: str
    name: str
    kid: str
    key: Ed25519PrivateKey
    items: tuple[str, ...] = ()

    @classmethod
    def make(cls, region_code: str = PANYU, name: str = "广州市番禺区", **kw: Any) -> FakePartner:
        return cls(region_code, name, f"{region_code}-k1", Ed25519PrivateKey.generate(), **kw)

    def public_jwk(self) -> dict[str, str]:
        raw = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return {"kty": "OKP", "crv": "Ed25519", "kid": self.kid, "x": b64url(raw)}

    def document(self) -> dict[str, Any]:
        return {
            "tongban_node": 1,
            "region_code": self.region_code,
            "name": self.name,
            "base_url": f"http://127.0.0.1:8002/{self.region_code}",
            "items": list(self.items),
            "keys": [self.public_jwk()],
        }

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data)

    def public_jwks(self) -> list[dict[str, Any]]:
        return [self.public_jwk()]


def signed_message(
    partner: FakePartner,
    *,
    receiver: str = "440605",
    case_ref: str = "440113-2026-0000001",
    seq: int = 1,
    type: str = "case.handover",
    item: str = "NH-001",
    issued_at: datetime = TEST_START,
    life: timedelta = timedelta(days=7),
    body: dict[str, Any] | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """An envelope from ``partner`` as its node would sign it."""
    document = unsigned_envelope(
        message_id=message_id or str(uuid.uuid4()),
        sender=partner.region_code,
        receiver=receiver,
        case_ref=case_ref,
        seq=seq,
        type=type,
        item=item,
        issued_at=issued_at,
        expires_at=issued_at + life,
        body=body if body is not None else {"form": {"申请人": "李**"}, "materials": []},
        kid=partner.kid,
    )
    document["signature"]["value"] = b64url(partner.sign(signing_input(document)))
    return document
