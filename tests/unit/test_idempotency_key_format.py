"""An idempotency key is 1–200 visible ASCII characters (33–126), whatever else it holds."""

from __future__ import annotations

import pytest

from tongban.domain.errors import IdempotencyKeyInvalid
from tongban.services.platform.idempotency import KEY_MAX_LENGTH, check_key


def test_a_one_character_key_is_taken_exactly_when_the_character_is_visible_ascii() -> None:
    taken = []
    for code in [*range(0, 0x800), 0x3000, 0x4E00, 0xFF01, 0x1F600]:
        try:
            check_key(chr(code))
        except IdempotencyKeyInvalid:
            continue
        taken.append(code)
    assert taken == list(range(33, 127))


def test_a_key_is_refused_when_empty_too_long_or_holding_anything_but_visible_ascii() -> None:
    uuid = "0b0c5c3e-6d2e-4f7a-9f49-3f9f8e0c2a11"
    assert check_key(uuid) == uuid
    assert check_key("!" * KEY_MAX_LENGTH) == "!" * KEY_MAX_LENGTH
    for bad in ("", "!" * (KEY_MAX_LENGTH + 1), "has space", "tab\there", "键", "a\x7f", "é"):
        with pytest.raises(IdempotencyKeyInvalid):
            check_key(bad)
