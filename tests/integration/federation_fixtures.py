"""Partner nodes for the 跨城通办 tests: a key pair and the document it publishes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongban.domain.federation.canonical import b64url

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

    @property
    def kid_(self) -> str:
        return self.kid

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data)

    def public_jwks(self) -> list[dict[str, Any]]:
        return [self.public_jwk()]
