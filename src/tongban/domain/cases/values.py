"""Value objects a case is made of: who acts, the pinned item terms, events and sub-records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tongban.domain.cases.status import CaseStatus, DeliveryMethod
from tongban.domain.catalogue.model import ItemKind, ServiceItemSpec
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.shared.identity import IdType, document_number

SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Performer:
    """Who acts on a case, in which role and where: what the audit trail records (who, where).

    Whether this role may act is decided in the services (``services.cases.lifecycle``), not here.
    """

    user_id: int | None
    role: str
    centre_code: str | None = None
    department_code: str | None = None
    request_id: str = ""
    on_behalf_of: str | None = None
    """代办: the credit code of the company an agent acts for; every event then records it."""
    kiosk: str | None = None
    """自助办: the code of the kiosk (自助终端) the applicant acts at; every event records it."""
    assisted_by: int | None = None
    """网办辅导: the staff member helping the applicant file online; every event records it."""


@dataclass(frozen=True)
class AssistedBy:
    """网办辅导: who filed an online application together with the applicant, at which centre's
    assisted online filing desk, and how the applicant consented there (their citizen code, or
    their signature on the desk's tablet)."""

    user_id: int
    name: str
    centre_code: str | None
    consent: str
    """How the applicant consented on the spot: ``citizen_code`` (their own phone's code) or
    ``signature`` (handwritten on the desk's tablet, after an identity check)."""
    signature_sha256: str | None = None
    """The stored PNG of the applicant's signature (content-addressed), when they signed."""


@dataclass(frozen=True)
class ItemTerms:
    """What a case needs from the catalogue version it pinned: kind, time limit, materials."""

    kind: ItemKind
    promised_days: int
    materials: tuple[tuple[str, bool], ...] = ()
    """(name, key) of every material the item lists."""
    result_name: str = ""
    agent_only: frozenset[str] = frozenset()
    """Materials asked only when an agent acts for the applicant (委托书及受托人身份证件)."""

    @classmethod
    def from_spec(cls, spec: ServiceItemSpec) -> ItemTerms:
        return cls(
            kind=spec.kind,
            promised_days=spec.promised_limit_days,
            materials=tuple((m.name, m.key) for m in spec.materials),
            result_name=spec.result_name,
            agent_only=frozenset(m.name for m in spec.materials if m.only_by_agent),
        )

    def required_names(self, *, by_agent: bool) -> tuple[str, ...]:
        """The materials an application needs: the agent-only ones only when an agent acts."""
        return tuple(name for name, _ in self.materials if by_agent or name not in self.agent_only)

    @property
    def immediate(self) -> bool:
        """即办件: decided on the spot, the deadline is the acceptance day."""
        return self.kind is ItemKind.IMMEDIATE

    @property
    def material_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.materials)

    @property
    def key_material_names(self) -> frozenset[str]:
        return frozenset(name for name, key in self.materials if key)


@dataclass(frozen=True, repr=False)
class Agent:
    """委托代理人 (受托人): who hands the application in for the applicant, as identified.

    Either a person identified at the window by an identity document, or the centre's proxy
    agent (代办员, ``staff_id``), whom the company authorised on record."""

    name: str
    id_type: str = ""
    id_number: str = ""
    staff_id: int | None = None

    @classmethod
    def identified(cls, name: str, id_type: str, id_number: str, *, today: date) -> Agent:
        """A person acting for the applicant, by name and a valid identity document; each
        wrong part is told beside its own field (``agent.name``, ``agent.id_number`` ...)."""
        fields: dict[str, str] = {}
        name = (name or "").strip()
        if not name:
            fields["agent.name"] = "请填写代理人姓名"
        elif len(name) > 100:
            fields["agent.name"] = "代理人姓名不能超过 100 个字"
        number = ""
        if id_type not in {t.value for t in IdType}:
            fields["agent.id_type"] = "请选择代理人的证件类型"
        elif not (id_number or "").strip():
            fields["agent.id_number"] = "请填写代理人的证件号码"
        else:
            try:
                number = document_number(id_type, id_number, today=today)
            except DomainError as error:
                fields["agent.id_number"] = error.message
        if fields:
            raise ValidationFailed("代理人信息有误，请核对后重试。", fields=fields)
        return cls(name, id_type, number)

    def __repr__(self) -> str:
        # Never the ID number in a log or a traceback.
        return f"Agent(name={self.name!r}, id_type={self.id_type!r}, staff_id={self.staff_id!r})"


@dataclass(frozen=True)
class MissingMaterials:
    """容缺受理: non-key materials the applicant committed to supply by ``supply_by``."""

    names: tuple[str, ...]
    supply_by: date
    commitment: str


@dataclass(frozen=True)
class CorrectionRequest:
    """补正: what the applicant was told, all at once (一次性告知), and where the case returns."""

    requested_on: date
    needed: tuple[str, ...]
    reasons: str
    return_to: CaseStatus


@dataclass(frozen=True)
class RejectionProposal:
    """A reviewer's proposal to reject, waiting for the section chief (否决权上移)."""

    reasons: str
    proposed_by: int | None
    proposed_at: datetime


@dataclass(frozen=True)
class Delivery:
    """How the applicant wants the result: pickup at a centre of their choice, mail, or online."""

    method: DeliveryMethod = DeliveryMethod.PICKUP
    pickup_centre_code: str | None = None
    address: str = ""


@dataclass(frozen=True)
class CaseEvent:
    """One transition, as the audit trail records it; ``type`` is past tense (CaseAccepted)."""

    type: str
    from_status: CaseStatus | None
    to_status: CaseStatus
    at: datetime
    actor_id: int | None
    role: str
    centre_code: str | None
    reason: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)
    request_id: str = ""
