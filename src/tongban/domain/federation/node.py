"""A node's published document (``/.well-known/tongban-node.json``) and its checks.

The document says who a node is and how to check what it signs::

    {"tongban_node": 1, "region_code": "440605", "name": "佛山市南海区",
     "base_url": "https://nanhai.example", "items": ["11440605..."],
     "keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "n-20261116-ab12", "x": "<32 bytes>"}]}

``items`` are the codes of the items this node decides and lets its partners' windows accept
on its behalf.  ``keys`` are every Ed25519 public key (RFC 8037 JWK) the node signs with,
current and past, so a message signed before a rotation still verifies.  ``licence_keys``
(optional) are the public keys of the node's e-licence issuer (P-256 JWKs, what its
``/.well-known/jwks.json`` serves): a partner checks the licences this node issues with them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tongban.domain.federation.canonical import b64url, canonical, from_b64url
from tongban.domain.federation.errors import InvalidNodeDocument

DOCUMENT_VERSION = 1
REGION_CODE = re.compile(r"^[1-8]\d{5}$")
URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
KID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
ITEM_CODE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_DOCUMENT_BYTES = 64 * 1024
"""A node document lists a few keys and items: a larger file is not one."""


@dataclass(frozen=True)
class NodeDocument:
    """One node as it publishes itself; ``keys`` maps kid to its raw 32-byte public key."""

    region_code: str
    name: str
    base_url: str
    keys: Mapping[str, bytes]
    items: tuple[str, ...]
    licence_keys: tuple[Mapping[str, str], ...] = ()
    """The node's licence-signing public keys as P-256 JWKs (empty: not published)."""

    @property
    def licence_issuer(self) -> str:
        """``iss`` of the licences this node issues."""
        return licence_issuer(self.region_code)

    def public_key(self, kid: str) -> Ed25519PublicKey | None:
        raw = self.keys.get(kid)
        return Ed25519PublicKey.from_public_bytes(raw) if raw is not None else None

    def fingerprints(self) -> list[tuple[str, str]]:
        """Each key's id and RFC 7638 thumbprint, newest id first."""
        return [(kid, thumbprint(raw)) for kid, raw in sorted(self.keys.items(), reverse=True)]


def thumbprint(raw: bytes) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url) of an Ed25519 public key: what two
    operators read to each other to check a node document before it is trusted."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    return b64url(hashlib.sha256(canonical(members)).digest())


def _key(entry: Any) -> tuple[str, bytes]:
    if not isinstance(entry, dict):
        raise InvalidNodeDocument(reason="keys 的每一项须是 JSON 对象")
    if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
        raise InvalidNodeDocument(reason="公钥须为 Ed25519（kty=OKP，crv=Ed25519）")
    kid = entry.get("kid")
    if not isinstance(kid, str) or not KID.match(kid):
        raise InvalidNodeDocument(reason="公钥缺少有效的 kid")
    try:
        raw = from_b64url(entry.get("x", ""))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise InvalidNodeDocument(reason=f"公钥 {kid} 的 x 不是 32 字节的 base64url")
    return kid, raw


def licence_issuer(region_code: str) -> str:
    """``iss`` of a node's e-licences and revocation lists: ``urn:tongban:{region_code}``."""
    return f"urn:tongban:{region_code}"


_COORDINATE = re.compile(r"^[A-Za-z0-9_-]{43}$")
"""A P-256 coordinate: 32 bytes in unpadded base64url."""


def parse_licence_keys(entries: Any) -> tuple[dict[str, str], ...]:
    """Check a list of licence-signing public keys (JWKs of P-256, ES256); only the public
    members are kept.  ``InvalidNodeDocument`` names the first problem."""
    if not isinstance(entries, list):
        raise InvalidNodeDocument(reason="licence_keys 须是公钥列表")
    keys: dict[str, dict[str, str]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "EC" or entry.get("crv") != "P-256":
            raise InvalidNodeDocument(reason="证照公钥须为 P-256（kty=EC，crv=P-256）")
        kid = entry.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) <= 80 or not kid.isprintable():
            raise InvalidNodeDocument(reason="证照公钥缺少有效的 kid")
        x, y = entry.get("x"), entry.get("y")
        if not all(isinstance(c, str) and _COORDINATE.match(c) for c in (x, y)):
            raise InvalidNodeDocument(reason=f"证照公钥 {kid} 的坐标无效")
        if "d" in entry:
            raise InvalidNodeDocument(reason=f"证照公钥 {kid} 含有私钥")
        if kid in keys:
            raise InvalidNodeDocument(reason="licence_keys 中有重复的 kid")
        keys[kid] = {"kty": "EC", "crv": "P-256", "kid": kid, "x": str(x), "y": str(y)}
    return tuple(keys.values())


def load_node_document(data: bytes | str) -> Any:
    """The JSON value of a saved node document (a file or pasted text), not yet checked;
    ``InvalidNodeDocument`` when it is too large or not JSON."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidNodeDocument(reason="文件超过 64 KB，不是节点文件")
    try:
        return json.loads(data)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        raise InvalidNodeDocument(reason="不是 JSON 文件") from None


def fingerprints(entries: list[Any]) -> list[tuple[str, str]]:
    """The id and RFC 7638 thumbprint of each JWK in ``entries`` (checked as a document's
    ``keys`` are), newest id first."""
    keys = dict(_key(entry) for entry in entries)
    return [(kid, thumbprint(raw)) for kid, raw in sorted(keys.items(), reverse=True)]


def parse_node_document(document: Any) -> NodeDocument:
    """Check a published node document; ``InvalidNodeDocument`` names the first problem."""
    if not isinstance(document, dict):
        raise InvalidNodeDocument(reason="须是 JSON 对象")
    if document.get("tongban_node") != DOCUMENT_VERSION:
        raise InvalidNodeDocument(reason="不是通办节点文件（tongban_node 须为 1）")
    code = document.get("region_code")
    if not isinstance(code, str) or not REGION_CODE.match(code):
        raise InvalidNodeDocument(reason="region_code 须是 6 位行政区划代码")
    name = document.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise InvalidNodeDocument(reason="name 不能为空")
    url = document.get("base_url")
    if not isinstance(url, str) or not URL.match(url):
        raise InvalidNodeDocument(reason="base_url 须是 http(s) 地址")
    entries = document.get("keys")
    if not isinstance(entries, list) or not entries:
        raise InvalidNodeDocument(reason="keys 须列出至少一个公钥")
    keys = dict(_key(entry) for entry in entries)
    if len(keys) != len(entries):
        raise InvalidNodeDocument(reason="keys 中有重复的 kid")
    items = document.get("items", [])
    if not isinstance(items, list) or not all(
        isinstance(item, str) and ITEM_CODE.match(item) for item in items
    ):
        raise InvalidNodeDocument(reason="items 须是事项编码的列表")
    licence_keys = parse_licence_keys(document.get("licence_keys", []))
    return NodeDocument(
        code, name.strip(), url.rstrip("/"), keys, tuple(dict.fromkeys(items)), licence_keys
    )
