"""Kiosks (自助终端) and their visits, as values: the device's pairing code, its idle time, and
what a visit is at a given instant (open, showing its receipt, or over).

A kiosk is a device, not a person: it signs in as a device account its centre manager created,
by a one-time pairing code, and holds nothing of a visitor in the browser.  A visit is one
identified person at the kiosk; it ends at submission (the receipt may still be printed until
the idle time runs out), when the visitor finishes, or after the idle time without an action,
and the server ends it even if the page never says so.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tongban.domain.errors import ValidationFailed

IDLE_DEFAULT = 120
IDLE_MIN, IDLE_MAX = 30, 900
"""Seconds without an action after which a visit ends (the table checks the same range)."""
IDLE_RANGE = "无操作自动退出时间应在 30–900 秒之间"
PAIRING_LIFETIME = timedelta(minutes=30)
PAIRING_MAX_FAILURES = 5
"""Wrong pairing codes in a row after which the code is void and a new one must be issued."""
PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: read aloud or typed on a touch screen without mix-ups."""
PAIRING_LENGTH = 8
KIOSK_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")


class CloseReason(StrEnum):
    SUBMITTED = "submitted"
    FINISHED = "finished"
    IDLE = "idle"
    REPLACED = "replaced"
    DEACTIVATED = "deactivated"


class VisitMethod(StrEnum):
    """How a kiosk identifies its visitor: the citizen code on their phone or the ID-card reader."""

    CITIZEN_CODE = "citizen_code"
    ID_CARD = "id_card"


def kiosk_code(text: str) -> str:
    code = (text or "").strip().upper()
    if not KIOSK_CODE_RE.match(code):
        raise ValidationFailed(fields={"code": "终端编号应为 3–40 位大写字母、数字或连字符"})
    return code


def kiosk_name(text: str) -> str:
    name = (text or "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed(fields={"name": "请填写终端名称（不超过 80 个字）"})
    return name


def idle_seconds(value: int) -> int:
    if not IDLE_MIN <= value <= IDLE_MAX:
        raise ValidationFailed(fields={"idle_seconds": IDLE_RANGE})
    return value


def new_pairing_code() -> str:
    return "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_LENGTH))


def pairing_digest(code: str) -> str:
    """The stored form of a pairing code; spaces, dashes and case do not matter when typed."""
    normal = re.sub(r"[\s-]", "", code or "").upper()
    return hashlib.sha256(f"kiosk-pairing:{normal}".encode()).hexdigest()


@dataclass(frozen=True)
class Kiosk:
    """One self-service device of a centre, as its manager and the device itself see it."""

    id: int
    code: str
    name: str
    centre_code: str
    centre_name: str
    user_id: int
    idle_seconds: int
    is_active: bool
    paired_at: datetime | None
    pairing_expires_at: datetime | None


@dataclass(frozen=True)
class PairingCode:
    """Shown once to the centre manager, typed once on the device."""

    kiosk_code: str
    code: str
    expires_at: datetime


class VisitState(StrEnum):
    OPEN = "open"
    """Identified: the visitor chooses an item and fills in its form."""
    RECEIPT = "receipt"
    """Submitted: only the receipt of the case just filed may be printed."""


@dataclass(frozen=True)
class Visit:
    """One identified visitor at a kiosk, until the visit closes."""

    id: int
    kiosk_id: int
    subject_id: int
    method: str
    started_at: datetime
    expires_at: datetime
    submitted_at: datetime | None
    case_number: str | None
    draft: dict[str, Any] | None

    @property
    def state(self) -> VisitState:
        return VisitState.OPEN if self.submitted_at is None else VisitState.RECEIPT

    def expired(self, at: datetime) -> bool:
        return self.expires_at <= at
