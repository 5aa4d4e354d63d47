"""Pydantic validation errors as Chinese, field-by-field messages (translated at the edge)."""

from __future__ import annotations

from typing import Any

_PYDANTIC_MESSAGES = {
    "missing": "此项必填",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_pattern_mismatch": "格式不正确",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_parsing": "应为是或否",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为日期时间",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "json_invalid": "不是合法的 JSON",
    "model_attributes_type": "格式不正确",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "extra_forbidden": "不允许的字段",
    "value_error": "取值无效",
}


_REQUEST_PARTS = ("body", "query", "path", "header", "cookie")


def pydantic_fields(errors: list[Any]) -> dict[str, str]:
    """Turn pydantic's error list into ``{field.path: Chinese message}``."""
    fields: dict[str, str] = {}
    for error in errors:
        if error.get("type") == "json_invalid":
            # Its location is a byte offset into the body, which is no field of anyone's.
            fields.setdefault("body", _PYDANTIC_MESSAGES["json_invalid"])
            continue
        loc = [
            str(p)
            for p in error.get("loc", ())
            if p not in ("body", "query", "path", "header", "cookie")
        ]
        key = ".".join(loc) or "__root__"
        message = _PYDANTIC_MESSAGES.get(error.get("type", ""), "")
        if error.get("type") == "value_error":
            detail = str(error.get("msg", "")).removeprefix("Value error, ")
            message = detail or message
        fields.setdefault(key, message or "取值无效")
    return fields
