"""Checking an application form against the item's form schema (``FormField`` list).

Every problem is reported at once, per field (``form.<name>``), in Chinese, so the applicant
fixes everything in one go; identity numbers are checked by the identity module (GB 11643,
GB 32100).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tongban.domain.catalogue.model import ACCOUNT_SOURCES, FieldType, FormField
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.shared.identity import form_document_number, parse_credit_code
from tongban.domain.shared.masking import mask_by_type

MAX_TEXT = 2000
_PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
_BANK_ACCOUNT_RE = re.compile(r"^\d{1,30}$")
"""Digits only; whether the account is complete is the item's rule to judge (秒批 R3 ...)."""
_TRUE = {"true", "1", "yes", "on", "是"}
_FALSE = {"false", "0", "no", "off", "否", ""}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean(spec: FormField, value: Any) -> Any:
    """The value as stored, or raise ValueError with the Chinese message for the field."""
    if spec.type is FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError("应为是或否")
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise ValueError("内容过长")
    if spec.type is FieldType.NUMBER:
        if isinstance(value, bool):
            raise ValueError("应为数字")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError("应为数字") from None
        if not number.is_finite():
            raise ValueError("应为数字")
        return int(number) if number == number.to_integral_value() else str(number)
    if spec.type is FieldType.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError("应为日期（YYYY-MM-DD）") from None
    if spec.type is FieldType.CHOICE:
        if text not in spec.options:
            raise ValueError("应为以下之一：" + "、".join(spec.options))
        return text
    if spec.type is FieldType.PHONE and not _PHONE_RE.match(text):
        raise ValueError("电话号码格式不正确")
    if spec.type is FieldType.BANK_ACCOUNT:
        digits = re.sub(r"[\s-]", "", text)
        if not _BANK_ACCOUNT_RE.match(digits):
            raise ValueError("银行账号应为数字（至多 30 位）")
        return digits
    try:
        if spec.type is FieldType.ID_NUMBER:
            return form_document_number(text)
        if spec.type is FieldType.CREDIT_CODE:
            return parse_credit_code(text).code
    except DomainError as error:
        raise ValueError(error.message) from None
    return text


def validate_form(schema: Sequence[FormField], data: Mapping[str, Any]) -> dict[str, Any]:
    """The form as stored (normalised values); ``ValidationFailed`` lists every bad field."""
    known = {spec.name: spec for spec in schema}
    fields: dict[str, str] = {}
    for name in data:
        if name not in known:
            fields[f"form.{name}"] = "该事项的表单没有此项"
    cleaned: dict[str, Any] = {}
    for spec in schema:
        value = data.get(spec.name)
        if _blank(value):
            if spec.required:
                fields[f"form.{spec.name}"] = f"请填写{spec.label}"
            continue
        try:
            cleaned[spec.name] = _clean(spec, value)
        except ValueError as error:
            fields[f"form.{spec.name}"] = f"{spec.label}：{error}"
    if fields:
        raise ValidationFailed("申请表填写有误，请按提示修改。", fields=fields)
    return cleaned


def credit_codes_to_verify(schema: Sequence[FormField], form: Mapping[str, Any]) -> list[str]:
    """The labels of the form's credit codes whose final check character is not the one
    GB 32100 computes (``needs_manual_verification``): a person checks them against the
    business licence before acceptance.

    Such codes exist in the wild: some were assigned with a wrong or duplicate code and are
    still being corrected by the credit offices (for example the 2023 notices of 宝鸡市社会
    信用体系建设领导小组办公室 on correcting 重错码 in its city), so they are flagged, not refused.
    """
    return [
        field.label
        for field in schema
        if field.type is FieldType.CREDIT_CODE and _needs_checking(form.get(field.name))
    ]


def _needs_checking(value: Any) -> bool:
    """A credit code whose check character is wrong (anything else is not one to check)."""
    if not isinstance(value, str) or not value:
        return False
    try:
        return parse_credit_code(value).needs_manual_verification
    except DomainError:
        return False


def may_have_codes_to_verify(form: Mapping[str, Any]) -> bool:
    """Whether any value of ``form`` is a credit code ``credit_codes_to_verify`` would flag
    were its field a credit code: when none is, it flags nothing whatever the form's schema,
    so the schema need not be read."""
    return any(_needs_checking(value) for value in form.values())


def require_checked_credit_codes(
    schema: Sequence[FormField], form: Mapping[str, Any], checked: bool
) -> None:
    """受理: a credit code whose check character is wrong must have been checked by the clerk
    against the business licence (``checked``) before the case is accepted."""
    flagged = credit_codes_to_verify(schema, form)
    if flagged and not checked:
        names = "、".join(flagged)
        raise ValidationFailed(
            "统一社会信用代码的校验位与国家标准不符，受理前须对照营业执照原件核实。",
            fields={"credit_codes_checked": f"请对照营业执照核实{names}后勾选确认"},
        )


@dataclass(frozen=True)
class AccountField:
    """A form field filled from the applicant's account, as a page shows it: the value masked
    by its type, and whether it is locked (identity) or only a default (the phone)."""

    shown: str
    locked: bool


def fill_from_account(
    schema: Sequence[FormField], form: Mapping[str, Any], facts: Mapping[str, str | None]
) -> dict[str, Any]:
    """The form with its ``account.*`` fields filled from the applicant's account ``facts``:
    a locked fact wins over whatever was sent (it is the real-name record), a default only
    fills a field left blank.  A fact the account lacks leaves the field to the applicant."""
    filled = dict(form)
    for spec in schema:
        fact = spec.account_fact
        value = facts.get(fact) if fact else None
        if fact is None or not value:
            continue
        if ACCOUNT_SOURCES[fact] or _blank(filled.get(spec.name)):
            filled[spec.name] = value
    return filled


def account_fields(
    schema: Sequence[FormField], facts: Mapping[str, str | None]
) -> dict[str, AccountField]:
    """Field name → how the page shows the account's value (never a personal value unmasked:
    the server fills it in at submission)."""
    shown: dict[str, AccountField] = {}
    for spec in schema:
        fact = spec.account_fact
        value = facts.get(fact) if fact else None
        if fact is None or not value:
            continue
        shown[spec.name] = AccountField(
            str(mask_by_type(spec.type.value, value)), ACCOUNT_SOURCES[fact]
        )
    return shown
