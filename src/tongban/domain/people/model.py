"""People and roles: staff, citizens and enterprises, and the roles of SPEC.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tongban.domain.catalogue.model import Level


class UserKind(StrEnum):
    STAFF = "staff"
    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"
    SERVICE = "service"
    """A service account: another system calling the API with a scoped token, never a person."""


class Role(StrEnum):
    """What a person may do; staff roles carry a jurisdiction (centre or department)."""

    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"
    AGENT = "agent"
    """代办员 of the enterprise service centre."""
    CLERK = "clerk"
    """综合窗口 clerk at a centre of any level."""
    REVIEWER = "reviewer"
    SECTION_CHIEF = "section_chief"
    CENTRE_MANAGER = "centre_manager"
    LEADER = "leader"
    """区领导 (level district: the whole district) or 镇街领导 (level town: its centre's town)."""
    DEPARTMENT_HEAD = "department_head"
    """部门负责人: the head of one department, who reads that department's indicators."""
    CATALOGUE_ADMIN = "catalogue_admin"
    USER_ADMIN = "user_admin"
    """用户管理员 of the district: adds, disables and imports staff, resets their passwords and
    second factors, and grants and revokes their roles (never their own)."""
    AUDITOR = "auditor"
    INSPECTOR = "inspector"
    """监管检查人员 of a department: inspects approved subjects after a random draw (双随机)."""
    KIOSK = "kiosk"
    """自助终端: the account of a self-service device at a centre, never a person; it signs in
    only by the pairing its centre manager starts, and serves one identified visitor at a time."""


STAFF_ROLES = frozenset(Role) - {Role.CITIZEN, Role.ENTERPRISE, Role.KIOSK}
"""Roles people on the staff hold (a kiosk's device account holds none of them)."""


@dataclass(frozen=True)
class RoleAssignment:
    """One role held by a user, within a jurisdiction: a centre, a department, or the district."""

    role: Role
    level: Level = Level.DISTRICT
    centre_code: str | None = None
    department_code: str | None = None
    town: str = ""


@dataclass(frozen=True)
class Contact:
    """What an application takes from the account besides the principal's identity."""

    phone: str | None
    id_type: str | None


@dataclass(frozen=True)
class Principal:
    """The authenticated person behind a request, with everything access checks need."""

    user_id: int
    kind: UserKind
    name: str
    roles: tuple[RoleAssignment, ...] = field(default_factory=tuple)
    id_number: str | None = None
    credit_code: str | None = None
    session_id: str | None = None
    session_expires_at: datetime | None = field(default=None, compare=False)
    """When the session this principal was read from ends (None: not read from a session);
    a fact about the session, not the person, so two principals compare equal without it."""
    second_factor: bool = field(default=False, compare=False)
    """Whether the account has a TOTP second factor in force (staff who must have one and do
    not are held on their account page until they enrol)."""
    token_id: str | None = None
    """The API token the request presented (a service account), None for a session: such a
    request carries no ambient credential, so it needs no CSRF token."""
    contact: Contact | None = field(default=None, compare=False)
    """The account's phone and identity document type as read with the principal (None: not
    read with it), so an application need not read the account again."""

    def has_role(self, *roles: Role) -> bool:
        return any(a.role in roles for a in self.roles)

    def assignments(self, role: Role) -> tuple[RoleAssignment, ...]:
        return tuple(a for a in self.roles if a.role == role)

    @property
    def is_staff(self) -> bool:
        return self.kind is UserKind.STAFF
