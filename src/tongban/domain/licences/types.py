"""The licence types the library issues (证照类型), kept in code: name, holder, issuer, fields.

Department codes are those of ``demo/departments.py`` (the district's department list).
Validity is the default term from the day of issue; ``None`` means long-term (长期).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from tongban.domain.licences.errors import LicenceFieldsInvalid, UnknownLicenceType


class HolderKind(StrEnum):
    PERSON = "person"
    ENTERPRISE = "enterprise"


class FieldKind(StrEnum):
    TEXT = "text"
    DATE = "date"
    NUMBER = "number"


@dataclass(frozen=True)
class FieldSpec:
    """One field printed on a licence and carried, selectively disclosable, in its credential."""

    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True


@dataclass(frozen=True)
class LicenceType:
    """A kind of licence: who holds it, which department issues it, what it says."""

    code: str
    name: str
    holder_kind: HolderKind
    department_code: str
    fields: tuple[FieldSpec, ...]
    validity_days: int | None = None

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def clean_fields(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The fields checked and normalised (dates as ISO text, numbers as int or float).

        Unknown names, missing required fields and values of the wrong type are all reported
        at once in ``LicenceFieldsInvalid.fields``.
        """
        problems: dict[str, str] = {}
        cleaned: dict[str, Any] = {}
        for name in values:
            if self.field(name) is None:
                problems[name] = "该证照没有此项"
        for spec in self.fields:
            value = values.get(spec.name)
            if value is None or value == "":
                if spec.required:
                    problems[spec.name] = f"请填写{spec.label}"
                continue
            try:
                cleaned[spec.name] = _clean(spec.kind, value)
            except (TypeError, ValueError):
                problems[spec.name] = f"{spec.label}格式有误"
        if problems:
            raise LicenceFieldsInvalid(fields=problems)
        return cleaned


def _clean(kind: FieldKind, value: Any) -> Any:
    if kind is FieldKind.DATE:
        if isinstance(value, date):
            return value.isoformat()
        return date.fromisoformat(str(value)).isoformat()
    if kind is FieldKind.NUMBER:
        if isinstance(value, bool):
            raise TypeError("a number, not a boolean")
        if isinstance(value, int | float):
            return value
        text = str(value).strip()
        return int(text) if text.lstrip("-").isdigit() else float(text)
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise TypeError("text expected")
    text = str(value).strip()
    if len(text) > 500:
        raise ValueError("too long")
    return text


T, D, N = FieldKind.TEXT, FieldKind.DATE, FieldKind.NUMBER
PERSON, ENTERPRISE = HolderKind.PERSON, HolderKind.ENTERPRISE


def _f(name: str, label: str, kind: FieldKind = T, required: bool = True) -> FieldSpec:
    return FieldSpec(name, label, kind, required)


LICENCE_TYPES: tuple[LicenceType, ...] = (
    LicenceType(
        "id_card",
        "居民身份证",
        PERSON,
        "GAJ",
        (
            _f("sex", "性别"),
            _f("ethnicity", "民族"),
            _f("birth_date", "出生", D),
            _f("address", "住址"),
        ),
        validity_days=20 * 365 + 5,
    ),
    LicenceType(
        "hukou",
        "户口簿",
        PERSON,
        "GAJ",
        (
            _f("household_head", "户主姓名"),
            _f("relation", "与户主关系"),
            _f("household_type", "户别"),
            _f("household_address", "住址"),
            _f("birth_date", "出生日期", D),
            _f("registered_on", "登记日期", D, required=False),
        ),
    ),
    LicenceType(
        "marriage",
        "结婚证",
        PERSON,
        "MZJ",
        (
            _f("spouse_name", "配偶姓名"),
            _f("spouse_id_number", "配偶身份证件号"),
            _f("registered_on", "登记日期", D),
            _f("certificate_no", "结婚证字号"),
        ),
    ),
    LicenceType(
        "business_licence",
        "营业执照",
        ENTERPRISE,
        "SCJGJ",
        (
            _f("entity_type", "类型"),
            _f("legal_representative", "法定代表人"),
            _f("registered_capital", "注册资本"),
            _f("established_on", "成立日期", D),
            _f("address", "住所"),
            _f("business_scope", "经营范围"),
        ),
    ),
    LicenceType(
        "food_permit",
        "食品经营许可证",
        ENTERPRISE,
        "SCJGJ",
        (
            _f("permit_no", "许可证编号"),
            _f("legal_representative", "法定代表人（负责人）"),
            _f("business_address", "经营场所"),
            _f("main_business", "主体业态"),
            _f("business_items", "经营项目"),
        ),
        validity_days=5 * 365,
    ),
    LicenceType(
        "property",
        "不动产权证书",
        PERSON,
        "ZRZYJ",
        (
            _f("certificate_no", "证书编号"),
            _f("co_ownership", "共有情况"),
            _f("location", "坐落"),
            _f("unit_no", "不动产单元号"),
            _f("right_type", "权利类型"),
            _f("usage", "用途"),
            _f("area", "面积（平方米）", N),
        ),
    ),
    LicenceType(
        "social_insurance",
        "社保参保证明",
        PERSON,
        "RSJ",
        (
            _f("insured_types", "参保险种"),
            _f("employer", "参保单位"),
            _f("since", "参保起始日期", D),
            _f("months_paid", "累计缴费月数", N),
        ),
        validity_days=90,
    ),
    LicenceType(
        "senior_card",
        "老年人优待证",
        PERSON,
        "MZJ",
        (
            _f("card_no", "证号"),
            _f("birth_date", "出生日期", D),
            _f("address", "住址"),
        ),
    ),
    LicenceType(
        "birth_certificate",
        "出生医学证明",
        PERSON,
        "WJJ",
        (
            _f("certificate_no", "出生医学证明编号"),
            _f("sex", "性别"),
            _f("birth_date", "出生日期", D),
            _f("birth_place", "出生地点"),
            _f("mother_name", "母亲姓名"),
            _f("father_name", "父亲姓名", required=False),
            _f("institution", "接生机构"),
        ),
    ),
    LicenceType(
        "residence_permit",
        "居住证",
        PERSON,
        "GAJ",
        (
            _f("sex", "性别"),
            _f("birth_date", "出生日期", D),
            _f("address", "居住地址"),
            _f("hukou_address", "户籍地址"),
        ),
        validity_days=365,
    ),
    LicenceType(
        "birth_registration",
        "生育登记",
        PERSON,
        "WJJ",
        (
            _f("spouse_name", "配偶姓名"),
            _f("child_order", "生育孩次", N),
            _f("expected_on", "预产期", D, required=False),
            _f("registered_on", "登记日期", D),
        ),
    ),
    LicenceType(
        "longevity_allowance",
        "高龄津贴资格",
        PERSON,
        "MZJ",
        (
            _f("birth_date", "出生日期", D),
            _f("hukou_address", "户籍地址"),
            _f("monthly_amount", "发放标准（元/月）", N),
            _f("starts_on", "发放起始日期", D),
        ),
        validity_days=365,
    ),
)

_BY_CODE: dict[str, LicenceType] = {t.code: t for t in LICENCE_TYPES}


def licence_type(code: str) -> LicenceType:
    """The licence type with this code; ``UnknownLicenceType`` (422) if there is none."""
    found = _BY_CODE.get(code)
    if found is None:
        raise UnknownLicenceType(type_code=code)
    return found


def find_type(code: str) -> LicenceType | None:
    return _BY_CODE.get(code)


def type_name(code: str) -> str:
    """The Chinese name of a type, or the code itself for a type no longer in the registry."""
    found = _BY_CODE.get(code)
    return found.name if found else code
