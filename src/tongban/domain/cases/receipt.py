"""What an acceptance receipt (受理回执) or a submission slip (申请回执) says, independent of how
it is printed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class ReceiptData:
    """Everything printed on a 受理回执 (``accepted_on`` set) or, for a case received but not
    yet accepted, a 申请回执 (``accepted_on`` None, ``submitted_on`` set): the slip says so,
    and lists what is still to be handed in.  Personal numbers arrive already masked."""

    number: str
    item_name: str
    department_name: str
    applicant_name: str
    applicant_id_masked: str
    accepted_on: date | None
    deadline: date | None
    accepting_centre: str
    clerk_name: str
    materials_received: Sequence[str]
    materials_due: Sequence[str] = ()
    supply_by: date | None = None
    delivery: str = ""
    qr_text: str = ""
    printed_at: datetime | None = None
    submitted_on: date | None = None

    @property
    def is_acceptance(self) -> bool:
        return self.accepted_on is not None

    @property
    def title(self) -> str:
        return "受理回执" if self.is_acceptance else "申请回执"
