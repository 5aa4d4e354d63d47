"""Case numbers (办件编号): readable, ordered by day, and unique across every app process.

Format: ``NH`` + the China date of submission ``yyyymmdd`` + ``-`` + a 6-digit sequence of that
day, e.g. ``NH20261127-000042`` is number 42 of 27 November 2026.  The sequence comes from one
counter row per day, bumped inside a transaction, so two processes can never hand out the same
number (the row lock serialises them); on PostgreSQL each process reserves a block of them at a
time (``services/cases/numbers.py``).
"""

from __future__ import annotations

import re
from datetime import date

PREFIX = "NH"
"""南海 (Nanhai): the district that issues the number."""
SEQUENCE_DIGITS = 6
NUMBER_RE = re.compile(r"^NH(\d{8})-(\d{6})$")


def format_number(day: date, sequence: int) -> str:
    """The case number for the ``sequence``-th case of ``day``."""
    if not 1 <= sequence < 10**SEQUENCE_DIGITS:
        raise ValueError(f"daily sequence out of range: {sequence}")
    return f"{PREFIX}{day:%Y%m%d}-{sequence:0{SEQUENCE_DIGITS}d}"


def normalise_number(text: str) -> str:
    """A number as typed (any case, spaces around) in its canonical form."""
    return text.strip().upper()


def is_case_number(text: str) -> bool:
    return NUMBER_RE.match(normalise_number(text)) is not None
