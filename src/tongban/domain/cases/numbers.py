"""Case numbers (办件编号): readable, ordered by day, and unique across every app process.

Format: the jurisdiction's case-number prefix (by default its GB/T 2260 region code) + ``-`` +
the China date of submission ``yyyymmdd`` + ``-`` + a 7-digit sequence of that day, e.g.
``440605-20261127-0000042`` is number 42 of 27 November 2026 in 南海区 (up to 9,999,999 a
day).  Within a district the numbers sort by day, then by sequence, as text.  The sequence comes
from one counter row per day, bumped inside a transaction, so two processes can never hand out
the same number (the row lock serialises them); on PostgreSQL each process reserves a block of
them at a time (``services/cases/numbers.py``).

Numbers stored before the jurisdiction became configuration (``NH20261127-000042``: ``NH`` +
date + ``-`` + 6 digits) stay valid: they are recognised, looked up and shown as they are.
"""

from __future__ import annotations

import re
from datetime import date

SEQUENCE_DIGITS = 7
NUMBER_RE = re.compile(r"^([0-9A-Z]{2,8})-(\d{8})-(\d{7})$")
LEGACY_NUMBER_RE = re.compile(r"^NH(\d{8})-(\d{6})$")
"""The numbers of the first, Nanhai-only releases."""


def format_number(prefix: str, day: date, sequence: int) -> str:
    """The case number for the ``sequence``-th case of ``day`` under ``prefix``."""
    if not 1 <= sequence < 10**SEQUENCE_DIGITS:
        raise ValueError(f"daily sequence out of range: {sequence}")
    return f"{prefix}-{day:%Y%m%d}-{sequence:0{SEQUENCE_DIGITS}d}"


def normalise_number(text: str) -> str:
    """A number as typed (any case, spaces around) in its canonical form."""
    return text.strip().upper()


def is_case_number(text: str) -> bool:
    """Whether ``text`` has the shape of a case number, the current one or the legacy one."""
    number = normalise_number(text)
    return NUMBER_RE.match(number) is not None or LEGACY_NUMBER_RE.match(number) is not None


def digits_of(number: str) -> str:
    """The date and the sequence of a case number, without its prefix (``yyyymmdd`` + the
    sequence's digits): what codes derived from a case number are built from."""
    text = normalise_number(number)
    match = NUMBER_RE.match(text) or LEGACY_NUMBER_RE.match(text)
    if match is None:
        raise ValueError(f"not a case number: {number!r}")
    return match.group(match.re.groups - 1) + match.group(match.re.groups)
