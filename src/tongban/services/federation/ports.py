"""What the federation services need from outside: the node's signing keys, where they are
kept, and the partners' published documents."""

from __future__ import annotations

from datetime import datetime
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


class NodeKeyStore(Protocol):
    """Where the node's signing keys are kept: made once, rotated, every one kept published."""

    def current(self) -> NodeSigner | None:
        """The keys as they are now; None before the first key is made."""
        ...

    def initialise(self, now: datetime) -> tuple[NodeSigner, bool]:
        """Make the first key unless one exists; the keys and whether a key was made."""
        ...

    def rotate(self, now: datetime) -> NodeSigner:
        """Add a key and make it current (the store has a key already)."""
        ...
