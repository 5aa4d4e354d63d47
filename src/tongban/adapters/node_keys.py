"""The node's Ed25519 signing keys (跨城通办), beside the e-licence keys.

Layout under ``{keys_dir}/node/`` (private keys written 0600)::

    <kid>.key.pem     Ed25519 private key (PKCS#8 PEM)
    current           the kid messages are signed with

Rotation adds a key and points ``current`` at it; older keys stay and stay published in the
node document, so partners can still check what they signed.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongban.domain.federation.canonical import b64url


class NodeKeysMissing(RuntimeError):
    """The directory holds no current node key (``tongban node init`` makes one)."""


@dataclass(frozen=True)
class NodeKeyRing:
    """The node's keys: the current one signs, all are published."""

    directory: Path
    kid: str
    private_key: Ed25519PrivateKey
    public_keys: dict[str, bytes]

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)

    def public_jwks(self) -> list[dict[str, Any]]:
        """Every key as an RFC 8037 JWK, newest first."""
        return [
            {"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64url(raw), "use": "sig"}
            for kid, raw in sorted(self.public_keys.items(), reverse=True)
        ]


def _node_dir(keys_dir: Path) -> Path:
    return keys_dir / "node"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _add_key(directory: Path, now: datetime) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    kid = f"node-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(directory / f"{kid}.key.pem", pem)
    tmp = directory / "current.tmp"
    tmp.write_text(kid + "\n")
    tmp.replace(directory / "current")
    return kid


def initialise(keys_dir: Path, now: datetime) -> tuple[NodeKeyRing, bool]:
    """Make the first node key unless one exists; the ring and whether a key was made."""
    directory = _node_dir(keys_dir)
    if (directory / "current").exists():
        return load(keys_dir), False
    _add_key(directory, now)
    return load(keys_dir), True


def rotate(keys_dir: Path, now: datetime) -> NodeKeyRing:
    """Add a new key and make it current; the old ones stay published."""
    directory = _node_dir(keys_dir)
    if not (directory / "current").exists():
        raise NodeKeysMissing(str(directory))
    _add_key(directory, now)
    return load(keys_dir)


def load(keys_dir: Path) -> NodeKeyRing:
    directory = _node_dir(keys_dir)
    try:
        kid = (directory / "current").read_text().strip()
    except FileNotFoundError:
        raise NodeKeysMissing(str(directory)) from None
    public: dict[str, bytes] = {}
    current: Ed25519PrivateKey | None = None
    for path in sorted(directory.glob("*.key.pem")):
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            continue
        name = path.name.removesuffix(".key.pem")
        public[name] = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        if name == kid:
            current = key
    if current is None:
        raise NodeKeysMissing(f"{directory}: no key {kid}")
    return NodeKeyRing(directory, kid, current, public)


@dataclass(frozen=True)
class NodeKeyFiles:
    """The node key store (``services.federation.ports.NodeKeyStore``) on the key files above."""

    keys_dir: Path

    def current(self) -> NodeKeyRing | None:
        try:
            return load(self.keys_dir)
        except NodeKeysMissing:
            return None

    def initialise(self, now: datetime) -> tuple[NodeKeyRing, bool]:
        return initialise(self.keys_dir, now)

    def rotate(self, now: datetime) -> NodeKeyRing:
        return rotate(self.keys_dir, now)
