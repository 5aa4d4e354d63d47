"""受理 reads the item's form only when the case's form holds a credit code it could refuse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import credit_code
from tongban.domain.cases.forms import credit_codes_to_verify, may_have_codes_to_verify
from tongban.domain.catalogue.model import FieldType, FormField

SCHEMA = (
    FormField(name="shop_name", label="字号名称"),
    FormField(name="uscc", label="统一社会信用代码", type=FieldType.CREDIT_CODE),
)
GOOD = credit_code()
WRONG = GOOD[:-1] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != GOOD[-1])


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"shop_name": "小明奶茶", "uscc": GOOD},
        {"shop_name": "小明奶茶", "uscc": "不是代码"},
        {"shop_name": "", "uscc": None, "count": 3, "list": [WRONG]},
    ],
)
def test_a_form_without_a_code_to_check_flags_nothing_whatever_its_schema(
    form: dict[str, Any],
) -> None:
    assert not may_have_codes_to_verify(form)
    assert credit_codes_to_verify(SCHEMA, form) == []


def test_a_code_with_a_wrong_check_character_is_noticed_in_any_field() -> None:
    assert may_have_codes_to_verify({"uscc": WRONG})
    assert credit_codes_to_verify(SCHEMA, {"uscc": WRONG}) == ["统一社会信用代码"]
    # In a field that is not a credit code, only the schema tells: it is read, flags nothing.
    assert may_have_codes_to_verify({"shop_name": WRONG})
    assert credit_codes_to_verify(SCHEMA, {"shop_name": WRONG}) == []
