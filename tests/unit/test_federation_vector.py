"""The test vector of docs/federation.md: another implementation must produce the same
signing input and signature from the same envelope and key (RFC 8032's first test key)."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongban.domain.federation.canonical import b64url
from tongban.domain.federation.envelope import check_signature, parse_envelope, signing_input
from tongban.domain.federation.node import fingerprints, parse_node_document, thumbprint

SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
PUBLIC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
SIGNING_INPUT = (
    '{"body":{"form":{"申请人":"李**"},"materials":[{"name":"户口簿","sha256":"'
    + "a" * 64
    + '","size":48213}]},"case_ref":"4406052026111600000001","expires_at":"2026-11-23T01:30:00Z",'
    '"id":"6f1c2d7e-5a43-4d5e-9b1f-0c2a8e3b7d64","issued_at":"2026-11-16T01:30:00Z",'
    '"item":"PY-001","receiver":"440113","sender":"440605","seq":1,'
    '"signature":{"alg":"EdDSA","kid":"rfc8032-test-1"},"tongban_message":1,'
    '"type":"case.handover"}'
)
SIGNATURE = "OBnOsW6cicDAFtwBH7IgoRgTXoWjHLyMbQeFLb0UNFoQ7aXHj0f_NLxNkJotWkkcYDjSuYV8Lv_UXrD9xvJCBg"


def envelope() -> dict[str, Any]:
    return {
        "tongban_message": 1,
        "id": "6f1c2d7e-5a43-4d5e-9b1f-0c2a8e3b7d64",
        "sender": "440605",
        "receiver": "440113",
        "case_ref": "4406052026111600000001",
        "seq": 1,
        "type": "case.handover",
        "item": "PY-001",
        "issued_at": "2026-11-16T01:30:00Z",
        "expires_at": "2026-11-23T01:30:00Z",
        "body": {
            "form": {"申请人": "李**"},
            "materials": [{"name": "户口簿", "sha256": "a" * 64, "size": 48213}],
        },
        "signature": {"alg": "EdDSA", "kid": "rfc8032-test-1"},
    }


def test_the_documented_envelope_signs_to_the_documented_bytes_and_signature() -> None:
    document = envelope()
    assert signing_input(document) == SIGNING_INPUT.encode("utf-8")
    key = Ed25519PrivateKey.from_private_bytes(SECRET)
    assert b64url(key.sign(signing_input(document))) == SIGNATURE


def test_the_documented_signature_verifies_with_the_published_key() -> None:
    document = envelope()
    document["signature"]["value"] = SIGNATURE
    node = parse_node_document(
        {
            "tongban_node": 1,
            "region_code": "440605",
            "name": "佛山市南海区",
            "base_url": "https://nanhai.example",
            "keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "rfc8032-test-1", "x": PUBLIC_X}],
        }
    )
    parsed = parse_envelope(document)
    check_signature(parsed, node.public_key(parsed.kid))  # raises BadSignature if not


def test_a_keys_fingerprint_is_its_rfc_7638_thumbprint_as_rfc_8037_gives_it() -> None:
    """RFC 8037 appendix A.3: the thumbprint of the RFC 8032 test key, which the admin page
    and ``GET /api/v1/admin/federation/partners`` show for the operators to compare."""
    expected = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    raw = Ed25519PrivateKey.from_private_bytes(SECRET).public_key().public_bytes_raw()
    assert b64url(raw) == PUBLIC_X
    assert thumbprint(raw) == expected
    jwk = {"kty": "OKP", "crv": "Ed25519", "kid": "rfc8032-test-1", "x": PUBLIC_X}
    assert fingerprints([jwk]) == [("rfc8032-test-1", expected)]
