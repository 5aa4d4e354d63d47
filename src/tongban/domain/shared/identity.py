"""Identity numbers of people and organisations, validated by their national standards.

* 公民身份号码 (GB 11643-1999): 17 digits + ISO 7064 MOD 11-2 check character.
* 统一社会信用代码 (GB 32100-2015), embedding a 组织机构代码 (GB 11714-1997).
* 港澳台居民居住证, 外国人永久居留身份证 (2023 版), 来往内地/大陆通行证 and foreign passports.

Pure standard library; every rejection raises an error from ``tongban.domain.errors`` whose
Chinese ``reason`` tells the applicant what to fix.  Region codes are advisory only: codes are
renamed and merged over time, and numbers once issued stay valid for life.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tongban.domain.errors import (
    DomainError,
    InvalidCreditCode,
    InvalidDocumentNumber,
    InvalidIdentityNumber,
    InvalidLatinName,
    InvalidNationality,
)
from tongban.domain.shared.countries import is_nationality_code
from tongban.domain.shared.masking import mask_id_number

EARLIEST_BIRTH_DATE = date(1900, 1, 1)

# --- GB 11643 / ISO 7064 MOD 11-2 -------------------------------------------------------------

_MOD11_2_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7, 9, 10, 5, 8, 4, 2, 1, ...
_MOD11_2_CHECK = "10X98765432"  # indexed by (weighted sum mod 11)
_GB11643_RE = re.compile(r"[0-9]{17}[0-9X]")

# --- GB 32100 / GB 11714 ----------------------------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100 (no I, O, Z, S, V), in the order that gives their values."""

_GB32100_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...
_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_GB11714_BODY_RE = re.compile(r"[0-9A-Z]{8}")

REGISTRATION_AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监管（工商）",
    "A": "中央军委改革和编制办公室",
    "N": "农业农村",
    "Y": "其他",
}
"""登记管理部门代码 (GB 32100 table 1); advisory, new authorities may be added."""


class Sex(StrEnum):
    """Sex as encoded by the 17th digit of a GB 11643 number: odd male, even female."""

    MALE = "male"
    FEMALE = "female"


class IdType(StrEnum):
    """Kinds of identity document accepted when an applicant identifies themself."""

    RESIDENT_ID = "resident_id"
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"
    HK_MACAO_TRAVEL_PERMIT = "hk_macao_travel_permit"
    TAIWAN_TRAVEL_PERMIT = "taiwan_travel_permit"
    PASSPORT = "passport"
    FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence"


HMT_REGION_PREFIXES: dict[str, str] = {"810000": "香港", "820000": "澳门", "830000": "台湾"}
"""Address codes of 港澳台居民居住证 numbers (GB 11643 structure, 国办发〔2018〕81号)."""


def _normalise(text: str) -> str:
    """Fold full-width characters (NFKC), strip surrounding whitespace and upper-case."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character of 17 digits (ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, _MOD11_2_WEIGHTS, strict=True))
    return _MOD11_2_CHECK[total % 11]


def organisation_code_check_char(first8: str) -> str:
    """The GB 11714 check character of an 8-character organisation-code body ('X' for 10)."""
    if not _GB11714_BODY_RE.fullmatch(first8):
        raise ValueError(f"expected 8 characters 0-9/A-Z, got {first8!r}")
    # GB 11714 values: digits as themselves, letters A..Z as 10..35.
    total = sum(int(c, 36) * w for c, w in zip(first8, _GB11714_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters (mod 31 over the alphabet)."""
    if len(first17) != 17 or any(c not in CREDIT_CODE_ALPHABET for c in first17):
        raise ValueError(f"expected 17 characters of the GB 32100 alphabet, got {first17!r}")
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _GB32100_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


@dataclass(frozen=True, repr=False)
class ResidentId:
    """A valid 18-character GB 11643 number with the facts it encodes."""

    number: str
    region_code: str
    birth_date: date
    sequence_code: str
    sex: Sex

    @property
    def province_code(self) -> str:
        """Province-level address code, e.g. '440000' for 广东省."""
        return self.region_code[:2] + "0000"

    @property
    def check_char(self) -> str:
        return self.number[-1]

    def age_on(self, day: date) -> int:
        """Age in completed years (周岁) on ``day``; a 29 February birthday counts from 1 March."""
        if day < self.birth_date:
            raise ValueError("day is before the birth date")
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)

    def __repr__(self) -> str:
        return f"ResidentId({mask_id_number(self.number)!r})"


def _parse_gb11643(
    number: str, *, today: date | None, error: type[DomainError], what: str
) -> ResidentId:
    """Validate the GB 11643 structure: 17 digits, real birth date, MOD 11-2 check."""
    value = _normalise(number)
    if not value:
        raise error(reason=f"{what}为空")
    if len(value) == 15 and value.isascii() and value.isdigit():
        raise error(reason="15位旧号码已停止使用，请填写18位号码")
    if len(value) != 18:
        raise error(reason=f"应为18位，实际为{len(value)}位")
    if not _GB11643_RE.fullmatch(value):
        raise error(reason="前17位须为数字，末位须为数字或X")
    digits = value[6:14]
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise error(reason=f"出生日期{digits}不是有效日期") from None
    if birth < EARLIEST_BIRTH_DATE:
        raise error(reason="出生日期早于1900年1月1日")
    if birth > (today or date.today()):
        raise error(reason="出生日期晚于今天")
    if resident_id_check_char(value[:17]) != value[17]:
        raise error(reason="校验码错误，请核对号码")
    sex = Sex.MALE if int(value[16]) % 2 else Sex.FEMALE
    return ResidentId(value, value[:6], birth, value[14:17], sex)


def parse_resident_id(number: str, *, today: date | None = None) -> ResidentId:
    """Parse a 公民身份号码 (GB 11643-1999); lowercase 'x' becomes 'X'.

    15-digit numbers (pre-1999) are rejected rather than upgraded: the upgrade guesses the
    century, and every living holder has been issued an 18-digit number since.
    """
    return _parse_gb11643(number, today=today, error=InvalidIdentityNumber, what="公民身份号码")


@dataclass(frozen=True)
class CreditCode:
    """A 统一社会信用代码 (GB 32100-2015); ``needs_manual_verification`` flags a bad mod-31 check.

    Some codes issued in the 2015 pilots fail only the final check character yet are in use,
    so they are accepted but flagged for a clerk to verify against the public registry.
    """

    code: str
    registration_authority: str
    organisation_category: str
    region_code: str
    organisation_code: str
    check_char: str
    needs_manual_verification: bool = False

    @property
    def registration_authority_name(self) -> str | None:
        return REGISTRATION_AUTHORITIES.get(self.registration_authority)

    @property
    def organisation_code_display(self) -> str:
        """The embedded GB 11714 code in its customary form, e.g. 'M000100Y-4'."""
        return f"{self.organisation_code[:8]}-{self.organisation_code[8]}"

    @property
    def expected_check_char(self) -> str:
        return credit_code_check_char(self.code[:17])


def parse_credit_code(code: str) -> CreditCode:
    """Parse a 统一社会信用代码: 18 GB 32100 characters whose positions 9–17 pass GB 11714.

    Only a wrong final (mod 31) check character is tolerated, as ``needs_manual_verification``.
    """
    value = _normalise(code)
    if not value:
        raise InvalidCreditCode(reason="代码为空")
    if len(value) != 18:
        raise InvalidCreditCode(reason=f"应为18位，实际为{len(value)}位")
    illegal = sorted({c for c in value if c not in CREDIT_CODE_ALPHABET})
    if illegal:
        shown = "、".join(illegal)
        raise InvalidCreditCode(reason=f"含有不允许的字符：{shown}（代码中不使用I、O、Z、S、V）")
    org = value[8:17]
    if organisation_code_check_char(org[:8]) != org[8]:
        raise InvalidCreditCode(reason="第9至17位组织机构代码校验错误")
    return CreditCode(
        code=value,
        registration_authority=value[0],
        organisation_category=value[1],
        region_code=value[2:8],
        organisation_code=org,
        check_char=value[17],
        needs_manual_verification=credit_code_check_char(value[:17]) != value[17],
    )


@dataclass(frozen=True, repr=False)
class Identity:
    """A validated identity document: its type, normalised number and what it encodes."""

    id_type: IdType
    number: str
    birth_date: date | None = None
    sex: Sex | None = None
    nationality: str | None = None

    def __repr__(self) -> str:
        return (
            f"Identity(id_type={self.id_type.value!r}, number={mask_id_number(self.number)!r}, "
            f"nationality={self.nationality!r})"
        )


_HK_MACAO_PERMIT_RE = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")
_TAIWAN_PERMIT_RE = re.compile(r"[0-9]{8}")
_PASSPORT_RE = re.compile(r"[A-Z0-9]{5,9}")
"""A passport number as ICAO 9303 (part 4) prints it in the machine-readable zone: at most 9
letters and digits, digits only in many countries (USA, DEU, JPN ...).  Below 5 is a typo."""
_NATIONALITY_RE = re.compile(r"[A-Z]{3}")


def _nationality(value: str | None, *, required: bool) -> str | None:
    """A 3-letter nationality code (ISO 3166-1 alpha-3 / ICAO 9303), upper-cased."""
    if value is None or not value.strip():
        if required:
            raise InvalidNationality(reason="护照须同时填写三位字母国籍代码（如 USA）")
        return None
    code = _normalise(value)
    if not _NATIONALITY_RE.fullmatch(code):
        raise InvalidNationality(reason=f"国籍代码“{code}”应为三位字母")
    if not is_nationality_code(code):
        raise InvalidNationality(
            reason=f"“{code}”不是 ISO 3166 国家代码，请按护照上的国籍代码填写（如 USA、GBR）"
        )
    return code


def nationality_code(value: str | None) -> str | None:
    """A nationality as entered, validated and upper-cased (None when left empty)."""
    return _nationality(value, required=False)


_LATIN_NAME_RE = re.compile(r"[A-Z]+(?:[ '\-][A-Z]+)*")


@dataclass(frozen=True)
class LatinName:
    """A foreign holder's name in Latin script as the document's machine-readable zone orders
    it: the surname (primary identifier) first, then the given names, in capitals."""

    surname: str
    given_names: str

    @property
    def as_printed(self) -> str:
        """``SURNAME GIVEN NAMES``: the order of the document (ICAO 9303), kept on every page."""
        return f"{self.surname} {self.given_names}".strip()


def _latin_part(text: str, what: str, *, required: bool) -> str:
    value = " ".join(unicodedata.normalize("NFKC", text).upper().split())
    if not value:
        if required:
            raise InvalidLatinName(reason=f"请填写{what}（按证件上的拼写）")
        return ""
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c)
    )
    if not _LATIN_NAME_RE.fullmatch(folded):
        raise InvalidLatinName(reason=f"{what}只能使用拉丁字母、空格、连字符和撇号")
    if len(folded) > 60:
        raise InvalidLatinName(reason=f"{what}不超过 60 个字母")
    return folded


def parse_latin_name(surname: str, given_names: str) -> LatinName:
    """A Latin-script name: the surname required (some documents have no given names), letters
    with their accents folded (José → JOSE) as the machine-readable zone writes them."""
    return LatinName(
        _latin_part(surname, "姓（Surname）", required=True),
        _latin_part(given_names, "名（Given names）", required=False),
    )


def _from_gb11643(id_type: IdType, parsed: ResidentId, nationality: str | None = None) -> Identity:
    return Identity(id_type, parsed.number, parsed.birth_date, parsed.sex, nationality)


def parse_identity(
    id_type: IdType | str,
    number: str,
    *,
    nationality: str | None = None,
    today: date | None = None,
) -> Identity:
    """Validate ``number`` as a document of ``id_type`` and return it normalised.

    ``nationality`` is required for passports, optional for 外国人永久居留身份证 and
    ignored for the other types (their holders' nationality follows from the document).
    """
    try:
        kind = IdType(id_type)
    except ValueError:
        raise InvalidDocumentNumber(reason=f"不支持的证件类型“{id_type}”") from None
    if kind is IdType.RESIDENT_ID:
        return _from_gb11643(kind, parse_resident_id(number, today=today))
    if kind is IdType.HMT_RESIDENCE_PERMIT:
        parsed = _parse_gb11643(
            number, today=today, error=InvalidDocumentNumber, what="港澳台居民居住证号码"
        )
        if parsed.region_code not in HMT_REGION_PREFIXES:
            raise InvalidDocumentNumber(
                reason="港澳台居民居住证号码应以810000（香港）、820000（澳门）或830000（台湾）开头"
            )
        return _from_gb11643(kind, parsed)
    if kind is IdType.FOREIGN_PERMANENT_RESIDENCE:
        # 2023 版永居证: '9' + province (2) + nationality (3 digits), then as GB 11643.
        value = _normalise(number)
        if re.fullmatch(r"[A-Z]{3}[0-9]{12}", value):
            raise InvalidDocumentNumber(reason="请填写2023年起签发的18位新版永居证号码")
        parsed = _parse_gb11643(
            value, today=today, error=InvalidDocumentNumber, what="外国人永久居留身份证号码"
        )
        if not parsed.number.startswith("9"):
            raise InvalidDocumentNumber(reason="外国人永久居留身份证号码应以9开头")
        return _from_gb11643(kind, parsed, _nationality(nationality, required=False))
    value = _normalise(number)
    if not value:
        raise InvalidDocumentNumber(reason="证件号码为空")
    if kind is IdType.HK_MACAO_TRAVEL_PERMIT:
        if not _HK_MACAO_PERMIT_RE.fullmatch(value):
            raise InvalidDocumentNumber(
                reason="港澳居民来往内地通行证号码应为H或M加8位（旧证10位）数字"
            )
        return Identity(kind, value)
    if kind is IdType.TAIWAN_TRAVEL_PERMIT:
        if not _TAIWAN_PERMIT_RE.fullmatch(value):
            raise InvalidDocumentNumber(reason="台湾居民来往大陆通行证号码应为8位数字")
        return Identity(kind, value)
    # IdType.PASSPORT
    return Identity(
        kind, _passport_number(value), nationality=_nationality(nationality, required=True)
    )


def _passport_number(value: str) -> str:
    if not _PASSPORT_RE.fullmatch(value):
        raise InvalidDocumentNumber(reason="护照号码应为5至9位字母或数字")
    return value


def document_number(id_type: IdType | str, number: str, *, today: date | None = None) -> str:
    """The number of a document of ``id_type`` as accounts store it, validated as
    ``parse_identity`` does, to look its holder up: a passport's nationality is not part of
    its number (accounts keep it beside the number), so it is not asked for here."""
    if id_type == IdType.PASSPORT:
        return _passport_number(_normalise(number))
    return parse_identity(id_type, number, today=today).number


def form_document_number(number: str, *, today: date | None = None) -> str:
    """A number typed in a form's 证件号码 field, normalised: a GB 11643 number (身份证,
    港澳台居民居住证, 永居证) with its check character, or a number of the shape of a 回乡证
    (H/M + 8 or 10 digits), a 台胞证 (8 digits) or a passport (ICAO 9303: 5 to 9 letters and
    digits, digits only in many countries).  A field takes any of them, so their shapes may
    overlap; anything else (15 to 18 characters, or of no document's shape) is read as a
    mistyped 身份证 number and refused with its reason."""
    value = _normalise(number)
    if _HK_MACAO_PERMIT_RE.fullmatch(value) or _PASSPORT_RE.fullmatch(value):
        return value
    return parse_resident_id(value, today=today).number
