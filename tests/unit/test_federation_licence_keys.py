"""A node document's licence keys: P-256 public keys only, each once, nothing private."""

from __future__ import annotations

from typing import Any

import pytest

from tongban.domain.federation.errors import InvalidNodeDocument
from tongban.domain.federation.node import parse_licence_keys, parse_node_document

X, Y = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
KEY = {"kty": "EC", "crv": "P-256", "kid": "lk-1", "x": X, "y": Y, "alg": "ES256", "use": "sig"}
DOCUMENT: dict[str, Any] = {
    "tongban_node": 1, "region_code": "440113", "name": "广州市番禺区",
    "base_url": "https://panyu.example", "items": [],
    "keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "n1",
              "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}],
}  # fmt: skip


def test_a_document_without_licence_keys_is_still_valid_and_one_with_them_keeps_them() -> None:
    assert parse_node_document(DOCUMENT).licence_keys == ()
    node = parse_node_document({**DOCUMENT, "licence_keys": [KEY]})
    assert node.licence_keys == ({"kty": "EC", "crv": "P-256", "kid": "lk-1", "x": X, "y": Y},)
    assert node.licence_issuer == "urn:tongban:440113"


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ({"keys": [KEY]}, "列表"),
        ([{**KEY, "crv": "P-384"}], "P-256"),
        ([{**KEY, "kid": ""}], "kid"),
        ([{**KEY, "x": X[:-1]}], "坐标"),
        ([{**KEY, "d": X}], "私钥"),
        ([KEY, KEY], "重复"),
    ],
)
def test_licence_keys_that_are_not_public_p256_keys_are_refused(entries: Any, problem: str) -> None:
    with pytest.raises(InvalidNodeDocument) as refused:
        parse_licence_keys(entries)
    assert problem in refused.value.message
