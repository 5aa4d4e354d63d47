"""What a hand-over's messages carry: materials checked against their hashes, and a result
document whose signature holds only for the issuer's key and the case it names."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.clock import TEST_START
from tongban.domain.federation.canonical import b64url
from tongban.domain.federation.envelope import signing_input
from tongban.domain.federation.errors import MalformedMessage, MaterialMismatch
from tongban.domain.federation.handover import (
    MaterialFile,
    received_materials,
    result_is_genuine,
    unsigned_result,
)


def test_materials_travel_with_their_hash_and_come_back_whole() -> None:
    files = [MaterialFile("户口簿", b"scan"), MaterialFile("租赁合同", b"\x00\xff" * 100)]
    assert received_materials({"materials": [f.entry() for f in files]}) == files


def test_a_material_whose_bytes_do_not_match_its_hash_is_refused() -> None:
    entry = MaterialFile("户口簿", b"scan").entry()
    entry["content"] = b64url(b"scan!")
    with pytest.raises(MaterialMismatch):
        received_materials({"materials": [entry]})
    entry = MaterialFile("户口簿", b"scan").entry()
    entry["content"] = "not base64url!"
    with pytest.raises(MalformedMessage):
        received_materials({"materials": [entry]})


def test_a_result_verifies_only_with_the_issuers_key_and_for_its_own_case() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    result = unsigned_result(
        issuer="440113", case_ref="440605-1", item="PY-001", item_name="设立登记",
        decision="approved", holder_name="李四", reference="L-1", issued_at=TEST_START, kid="k1",
    )  # fmt: skip
    result["signature"]["value"] = b64url(key.sign(signing_input(result)))
    keys = {"k1": key.public_key()}.get
    assert result_is_genuine(result, keys, "440113", "440605-1")
    assert not result_is_genuine(result, {"k1": other.public_key()}.get, "440113", "440605-1")
    assert not result_is_genuine(result, keys, "440113", "440605-2")
    assert not result_is_genuine({**result, "holder_name": "王五"}, keys, "440113", "440605-1")
