"""Masking of personal information for display and logs (个人信息去标识化展示).

Follows the usual practice under the Personal Information Protection Law (个人信息保护法,
art. 51) and GB/T 35273: show only enough of an identifier for a person to recognise their own.
Masking is one-way and idempotent; masked values never go back into storage.
"""

from __future__ import annotations

import logging
import re

MASK = "*"

# An 18-character ID (GB 11643 shape, also residence permits and 永居证), optionally written in
# 6-8-4 groups separated by a space or hyphen.  Only digit runs delimit it: any letter may touch.
_ID_RE = re.compile(
    r"(?<![0-9])([0-9]{6})([ -]?)([0-9]{8})([ -]?)([0-9]{3}(?:[0-9](?![0-9])|[Xx]))"
)
# A mainland mobile number 1[3-9]x xxxx xxxx, optionally with +86 / 0086 / 86 in front.
_MOBILE_RE = re.compile(
    r"(?<![0-9])((?:(?:\+|00)?86[ -]?)?1[3-9][0-9])([ -]?)([0-9]{4})([ -]?)([0-9]{4})(?![0-9])"
)


# A 港澳居民来往内地通行证 (回乡证) number, H (Hong Kong) or M (Macao) + 8 or 10 digits, standing
# alone.  台胞证 (8 digits) and passport numbers have no shape of their own in free text: they
# are masked where they are stored and shown (``mask_document``), never written to logs whole.
_HK_MACAO_PERMIT_RE = re.compile(
    r"(?<![0-9A-Za-z])([HMhm])([0-9]{6}|[0-9]{8})([0-9]{2})(?![0-9A-Za-z])"
)


def _mask_middle(value: str, head: int, tail: int) -> str:
    return value[:head] + MASK * (len(value) - head - tail) + value[len(value) - tail :]


def _mask_id_match(match: re.Match[str]) -> str:
    head, sep1, _birth, sep2, tail = match.groups()
    return f"{head}{sep1}{MASK * 8}{sep2}{tail}"


def _mask_mobile_match(match: re.Match[str]) -> str:
    head, sep1, _middle, sep2, tail = match.groups()
    return f"{head}{sep1}{MASK * 4}{sep2}{tail}"


def mask_id_number(number: str) -> str:
    """Mask an identity-document number: 18 characters keep the first 6 and last 4.

    Shorter documents (passports, travel permits) keep 2 + 2 characters, or 1 + 1 when at most
    8 long, so at least half of each such number is hidden; 4 or fewer characters are all hidden.
    """
    value = number.strip()
    size = len(value)
    if size == 18:
        return _mask_middle(value, 6, 4)
    if size == 15:  # pre-1999 resident ID
        return _mask_middle(value, 6, 3)
    if size >= 9:
        return _mask_middle(value, 2, 2)
    if size >= 5:
        return _mask_middle(value, 1, 1)
    return MASK * size


def mask_document(id_type: str | None, number: str) -> str:
    """Mask a number by its document type (``IdType`` values): a 回乡证 keeps its letter, which
    says Hong Kong or Macao, and its last 2 digits (H*******78); a 台胞证 its last 2 digits;
    every other type (18-character numbers, passports) as ``mask_id_number`` does."""
    value = number.strip()
    if id_type == "hk_macao_travel_permit" and len(value) > 3:
        return value[0] + MASK * (len(value) - 3) + value[-2:]
    if id_type == "taiwan_travel_permit" and len(value) > 2:
        return MASK * (len(value) - 2) + value[-2:]
    return mask_id_number(value)


def _mask_permit_match(match: re.Match[str]) -> str:
    letter, middle, tail = match.groups()
    return f"{letter}{MASK * len(middle)}{tail}"


def mask_phone(phone: str) -> str:
    """Mask a phone number: a mobile keeps its first 3 and last 4 digits (138****5678).

    Other numbers (landlines, foreign numbers) keep 3 + 4 characters when 11 or longer,
    2 + 2 when 7 to 10 long, and are fully hidden when shorter.
    """
    value = phone.strip()
    if _MOBILE_RE.fullmatch(value):
        return _MOBILE_RE.sub(_mask_mobile_match, value)
    size = len(value)
    if size >= 11:
        return _mask_middle(value, 3, 4)
    if size >= 7:
        return _mask_middle(value, 2, 2)
    return MASK * size


def mask_name(name: str) -> str:
    """Mask a person's name, keeping only the first character (张三丰 → 张**)."""
    value = name.strip()
    if len(value) <= 1:
        return MASK * len(value)
    return value[0] + MASK * (len(value) - 1)


def mask_bank_account(account: str) -> str:
    """Mask a bank account or card number, keeping only its last 4 digits (as banks print it)."""
    value = re.sub(r"[\s-]", "", account)
    if len(value) <= 4:
        return MASK * len(value)
    return MASK * (len(value) - 4) + value[-4:]


# The administrative part of an address (province, city, district or county, town or street):
# enough to know roughly where, never which door.
_REGION_RE = re.compile(
    r"^(.{0,4}?省)?(.{0,8}?(?:市|自治州|地区|盟))?(.{0,8}?(?:区|县|旗|市))?"
    r"(.{0,8}?(?:街道|镇|乡))?"
)


def mask_address(address: str) -> str:
    """Mask an address after its administrative part: 广东省佛山市南海区桂城街道南海大道1号 →
    广东省佛山市南海区桂城街道*******; an address without one keeps only its first 2 characters."""
    value = address.strip()
    kept = _REGION_RE.match(value)
    head = len(kept.group(0)) if kept else 0
    if head == 0 or head >= len(value):
        head = min(2, len(value) // 2)
    return value[:head] + MASK * (len(value) - head)


def mask_credit_code(code: str) -> str:
    """Return a 统一社会信用代码 unchanged: it identifies an organisation, not a person.

    Organisations' codes are public by law (企业信息公示暂行条例; 国家企业信用信息公示系统)
    and printed on every licence, so masking them would only hinder verification.
    """
    return code


MASK_BY_TYPE = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
    "bank_account": mask_bank_account,
}
"""The form-field types that hold a person's data, and how each is shown (masked)."""


def mask_by_type(field_type: str, value: object) -> object:
    """A form value as lists and pages show it: masked when its type holds personal data."""
    mask = MASK_BY_TYPE.get(field_type)
    if mask is None or not isinstance(value, str) or not value:
        return value
    return mask(value)


def mask_text(text: str) -> str:
    """Mask every 18-character ID number, 回乡证 number and mainland mobile number found in
    free text.

    Errs on the side of masking: any 17 digits + digit/X standing alone counts as an ID.
    """
    masked = _MOBILE_RE.sub(_mask_mobile_match, _ID_RE.sub(_mask_id_match, text))
    return _HK_MACAO_PERMIT_RE.sub(_mask_permit_match, masked)


class MaskingFilter(logging.Filter):
    """A logging filter that masks ID and mobile numbers in a record before it is emitted.

    The message is rendered (``msg % args``), masked and stored back with empty ``args``;
    exception and stack text are masked too.  It never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # uvicorn's access formatter unpacks its five arguments itself (emptied, every
            # request's line fails to format): mask them one by one instead.
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in record.args)
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed call; keep its content, masked, for the handler
            message = f"{record.msg!s} args={record.args!r}"
        record.msg = mask_text(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
