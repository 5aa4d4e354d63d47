"""The canonical JSON every 跨城通办 signature and hash covers (RFC 8785 for our values)."""

from __future__ import annotations

import pytest

from tongban.domain.federation.canonical import NotCanonical, canonical, from_b64url


def test_members_are_sorted_by_utf16_code_units_and_written_compactly() -> None:
    # U+1F600 (a surrogate pair, D83D…) sorts before U+FF21 in UTF-16, after it by code point.
    value = {"b": [1, True, None], "a": '办\n"x"', "\uff21": 1, "\U0001f600": 2}
    assert canonical(value) == (
        '{"a":"办\\n\\"x\\"","b":[1,true,null],"\U0001f600":2,"\uff21":1}'.encode()
    )


def test_control_characters_are_escaped_in_lower_case_hex() -> None:
    assert canonical("\x1f\t") == b'"\\u001f\\t"'


@pytest.mark.parametrize("value", [1.5, 2**53, {1: "x"}, b"bytes"])
def test_values_without_one_canonical_form_are_refused(value: object) -> None:
    with pytest.raises(NotCanonical):
        canonical(value)


def test_base64url_must_be_unpadded() -> None:
    assert from_b64url("AQI") == b"\x01\x02"
    with pytest.raises(ValueError):
        from_b64url("AQI=")
