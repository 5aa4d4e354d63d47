"""What the federation services need from outside: the node's signing keys."""

from __future__ import annotations

from typing import Any, Protocol


class NodeSigner(Protocol):
    """Signs with the node's current Ed25519 key and lists every key it has published."""

    @property
    def kid(self) -> str: ...

    def sign(self, data: bytes) -> bytes:
        """The Ed25519 signature (64 bytes) of ``data``."""
        ...

    def public_jwks(self) -> list[dict[str, Any]]:
        """Every node key's public half as an RFC 8037 JWK."""
        ...


class DocumentFetcher(Protocol):
    """Reads a JSON document a partner publishes (its item versions)."""

    def get_json(self, url: str) -> tuple[int, Any]:
        """The HTTP status and the decoded JSON (None when not JSON); ``OSError`` when the
        partner cannot be reached."""
        ...
