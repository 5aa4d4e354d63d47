"""Who may do what in 好差评, and the scope of a member of staff: leaders and auditors see the
district, a centre manager their centre and those below it, the staff of a department (the
department head is its section chief) their department."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, or_, select, true

from tongban.adapters.db.tables import centres, departments
from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.people.model import Principal, Role
from tongban.services.platform.access import APPLICANT, roles

RATERS = APPLICANT
"""一事一评 is the applicant's own."""
RECTIFIERS = roles(
    Role.DEPARTMENT_HEAD, Role.SECTION_CHIEF, Role.REVIEWER, Role.CENTRE_MANAGER, Role.LEADER
)
"""Who sees rectification tasks (each within their scope)."""
RECTIFICATION_WORKERS = roles(Role.DEPARTMENT_HEAD, Role.SECTION_CHIEF, Role.REVIEWER)
"""The item's department acts on its tasks; its section chief assigns them."""
RATING_STATS = roles(
    Role.LEADER, Role.AUDITOR, Role.DEPARTMENT_HEAD, Role.SECTION_CHIEF, Role.CENTRE_MANAGER
)
"""Leaders and auditors for the district, centre managers and department heads for theirs."""
PAD = roles(Role.CLERK)
"""The rating pad is the second screen of a clerk's open window."""


@dataclass(frozen=True)
class Scope:
    """What a member of staff may see: everything, or some departments and centres."""

    everything: bool
    department_ids: frozenset[int]
    centre_ids: frozenset[int]

    def condition(
        self, department: ColumnElement[int], centre: ColumnElement[int]
    ) -> ColumnElement[bool]:
        """The rows of a table (by its department and centre columns) within the scope."""
        if self.everything:
            return true()
        parts = []
        if self.department_ids:
            parts.append(department.in_(sorted(self.department_ids)))
        if self.centre_ids:
            parts.append(centre.in_(sorted(self.centre_ids)))
        if not parts:
            return department.in_([])
        return or_(*parts)

    def sees(self, department_id: int | None, centre_id: int | None) -> bool:
        return (
            self.everything or department_id in self.department_ids or centre_id in self.centre_ids
        )


def _centre_and_below(conn: Connection, code: str) -> set[int]:
    rows = conn.execute(select(centres.c.id, centres.c.parent_id, centres.c.code)).all()
    start = next((r.id for r in rows if r.code == code), None)
    if start is None:
        return set()
    found, frontier = {start}, {start}
    while frontier:
        frontier = {r.id for r in rows if r.parent_id in frontier} - found
        found |= frontier
    return found


def scope_of(conn: Connection, principal: Principal | None, *, stats: bool = False) -> Scope:
    """The departments and centres ``principal`` answers for; ``PermissionDenied`` for anyone
    else.  Reviewers see their department's tasks, but statistics are for its head."""
    if principal is None:
        raise NotAuthenticated()
    if principal.has_role(Role.LEADER, Role.AUDITOR):
        return Scope(True, frozenset(), frozenset())
    heads = {Role.DEPARTMENT_HEAD, Role.SECTION_CHIEF}
    dept_roles = heads if stats else heads | {Role.REVIEWER}
    dept_codes = {
        a.department_code for a in principal.roles if a.role in dept_roles and a.department_code
    }
    dept_ids = set(
        conn.execute(select(departments.c.id).where(departments.c.code.in_(dept_codes))).scalars()
    )
    centre_ids: set[int] = set()
    for a in principal.roles:
        if a.role is Role.CENTRE_MANAGER and a.centre_code:
            centre_ids |= _centre_and_below(conn, a.centre_code)
    if not dept_ids and not centre_ids:
        raise PermissionDenied()
    return Scope(False, frozenset(dept_ids), frozenset(centre_ids))
