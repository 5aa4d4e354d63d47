"""Who works at the service desk, and on what.

The route policies admit roles; the scopes below narrow staff to their jurisdiction: a clerk to
the escalations of the centre they work at, a centre manager to their centre and the centres
below it (a town's community centres), a reviewer or section chief to the questions about their
department's items.  A citizen or company sees only what concerns them; anything else is
"not found", so its existence stays private.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from tongban.adapters.db.tables import centres, departments, role_assignments
from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.people.model import Principal, Role, UserKind
from tongban.services.platform.access import roles

HARD_CASE_RAISERS = roles(Role.CITIZEN, Role.ENTERPRISE, Role.CLERK)
"""A citizen or company online, or any clerk at a window, escalates a problem."""
HARD_CASE_READERS = roles(Role.CITIZEN, Role.ENTERPRISE, Role.CLERK, Role.CENTRE_MANAGER)
"""The person concerned, and the staff of the owning centre."""
HARD_CASE_STAFF = roles(Role.CLERK, Role.CENTRE_MANAGER)
"""Owner, notes and resolution: clerks and managers of the owning centre."""
HARD_CASE_STATS = roles(Role.CENTRE_MANAGER, Role.LEADER)
CONSULTATION_STATS = HARD_CASE_STATS
"""咨询统计: the same readers as the hard-case statistics, counting the same centres."""
"""Statistics: a manager for their centres, a district leader for all."""
QUESTION_ASKERS = roles(Role.CITIZEN, Role.ENTERPRISE, Role.CLERK)
"""A citizen or company asks online or at a kiosk; a clerk takes a question down for them."""
QUESTION_READERS = roles(
    Role.CITIZEN,
    Role.ENTERPRISE,
    Role.CLERK,
    Role.CENTRE_MANAGER,
    Role.REVIEWER,
    Role.SECTION_CHIEF,
)
"""The asker, the centre that took a question down, the department that answers it."""
QUESTION_STAFF = roles(Role.CLERK, Role.CENTRE_MANAGER, Role.REVIEWER, Role.SECTION_CHIEF)
"""Staff with a list of questions: the centres that took them down, the departments that
answer."""
QUESTION_ANSWERERS = roles(Role.REVIEWER, Role.SECTION_CHIEF)
"""The item's department answers."""
FAQ_EDITORS = roles(Role.SECTION_CHIEF)
"""What the public guide shows is the section chief's call."""


def signed_in(principal: Principal | None) -> Principal:
    if principal is None:
        raise NotAuthenticated()
    return principal


def is_applicant(principal: Principal) -> bool:
    return principal.kind in (UserKind.CITIZEN, UserKind.ENTERPRISE)


def role_centre_codes(principal: Principal, role: Role) -> list[str]:
    return [a.centre_code for a in principal.assignments(role) if a.centre_code]


def centre_ids_by_code(conn: Connection, codes: Iterable[str]) -> set[int]:
    wanted = sorted(set(codes))
    if not wanted:
        return set()
    query = select(centres.c.id).where(centres.c.code.in_(wanted))
    return {int(i) for i in conn.execute(query).scalars()}


def with_centres_below(conn: Connection, ids: set[int]) -> set[int]:
    """The centres and every centre under them (district → towns → communities)."""
    found, frontier = set(ids), set(ids)
    while frontier:
        query = select(centres.c.id).where(centres.c.parent_id.in_(sorted(frontier)))
        below = {int(i) for i in conn.execute(query).scalars()} - found
        found |= below
        frontier = below
    return found


def centre_and_above(conn: Connection, centre_id: int) -> list[int]:
    """The centre and the centres above it, nearest first (community → town → district)."""
    found: list[int] = []
    current: int | None = centre_id
    while current is not None and current not in found:
        found.append(current)
        current = conn.execute(select(centres.c.parent_id).where(centres.c.id == current)).scalar()
    return found


def desk_staff_condition(conn: Connection, centre_id: int) -> Any:
    """Role assignments of those who may own a centre's escalation: its clerks, and the
    managers of the centre or of a centre above it."""
    return or_(
        and_(
            role_assignments.c.role == Role.CLERK.value,
            role_assignments.c.centre_id == centre_id,
        ),
        and_(
            role_assignments.c.role == Role.CENTRE_MANAGER.value,
            role_assignments.c.centre_id.in_(centre_and_above(conn, centre_id)),
        ),
    )


@dataclass(frozen=True)
class CentreScope:
    """The centres a staff member works for at the hard-case window."""

    user_id: int
    clerk_at: frozenset[int]
    """Centres where they are a clerk (综合窗口)."""
    manager_of: frozenset[int]
    """Centres they manage, with the centres below them."""

    @property
    def centre_ids(self) -> list[int]:
        return sorted(self.clerk_at | self.manager_of)

    def reads(self, centre_id: int) -> bool:
        return centre_id in self.clerk_at or centre_id in self.manager_of

    def manages(self, centre_id: int) -> bool:
        return centre_id in self.manager_of


def centre_scope(conn: Connection, principal: Principal | None) -> CentreScope:
    """The staff member's centres; refuses anyone who is neither clerk nor centre manager."""
    who = signed_in(principal)
    if not who.has_role(Role.CLERK, Role.CENTRE_MANAGER):
        raise PermissionDenied()
    clerk_at = centre_ids_by_code(conn, role_centre_codes(who, Role.CLERK))
    return CentreScope(who.user_id, frozenset(clerk_at), frozenset(managed_centres(conn, who)))


def managed_centres(conn: Connection, principal: Principal) -> set[int]:
    """The centres the person manages, with every centre below them."""
    codes = role_centre_codes(principal, Role.CENTRE_MANAGER)
    return with_centres_below(conn, centre_ids_by_code(conn, codes))


def clerk_centre(conn: Connection, principal: Principal, wanted: str | None = None) -> int | None:
    """The centre a clerk registers at: the one named if they work there, else their first."""
    codes = role_centre_codes(principal, Role.CLERK)
    if wanted and wanted.strip().upper() in codes:
        codes = [wanted.strip().upper()]
    for code in codes:
        found = conn.execute(select(centres.c.id).where(centres.c.code == code)).scalar()
        if found is not None:
            return int(found)
    return None


def department_ids(conn: Connection, principal: Principal) -> set[int]:
    """The departments where the person is a reviewer or section chief."""
    codes = {
        a.department_code
        for a in principal.roles
        if a.role in (Role.REVIEWER, Role.SECTION_CHIEF) and a.department_code
    }
    if not codes:
        return set()
    query = select(departments.c.id).where(departments.c.code.in_(sorted(codes)))
    return {int(i) for i in conn.execute(query).scalars()}


def chief_department_ids(conn: Connection, principal: Principal) -> set[int]:
    codes = {a.department_code for a in principal.assignments(Role.SECTION_CHIEF)}
    codes.discard(None)
    if not codes:
        return set()
    query = select(departments.c.id).where(departments.c.code.in_(sorted(c for c in codes if c)))
    return {int(i) for i in conn.execute(query).scalars()}
