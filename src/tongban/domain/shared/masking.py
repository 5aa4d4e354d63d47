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


def mask_credit_code(code: str) -> str:
    """Return a 统一社会信用代码 unchanged: it identifies an organisation, not a person.

    Organisations' codes are public by law (企业信息公示暂行条例; 国家企业信用信息公示系统)
    and printed on every licence, so masking them would only hinder verification.
    """
    return code


def mask_text(text: str) -> str:
    """Mask every 18-character ID number and mainland mobile number found in free text.

    Errs on the side of masking: any 17 digits + digit/X standing alone counts as an ID.
    """
    return _MOBILE_RE.sub(_mask_mobile_match, _ID_RE.sub(_mask_id_match, text))


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
