"""What an acceptance receipt (受理回执) says, independent of how it is printed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class ReceiptData:
    """Everything printed on a 受理回执; personal numbers arrive already masked."""

    number: str
    item_name: str
    department_name: str
    applicant_name: str
    applicant_id_masked: str
    accepted_on: date
    deadline: date | None
    accepting_centre: str
    clerk_name: str
    materials_received: Sequence[str]
    materials_due: Sequence[str] = ()
    supply_by: date | None = None
    delivery: str = ""
    qr_text: str = ""
    printed_at: datetime | None = None
