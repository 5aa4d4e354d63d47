"""Who works in the online approval centre (网上审批中心), and on which departments.

The route policies admit reviewers and section chiefs; ``scope_of`` then narrows them to the
departments the centre serves (``Settings.approval_centre_departments``) that they work in, so
a reviewer of another department is refused (403) however they reach the centre.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import departments
from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.people.model import Principal, Role
from tongban.services.platform.access import Policy

APPROVAL_CENTRE_STAFF = Policy(
    "approval_centre_staff",
    lambda p: p is not None and p.has_role(Role.REVIEWER, Role.SECTION_CHIEF),
)
"""Reviewers and section chiefs; ``scope_of`` keeps those of the served departments."""
APPROVAL_CENTRE_CHIEFS = Policy(
    "approval_centre_chiefs", lambda p: p is not None and p.has_role(Role.SECTION_CHIEF)
)
"""Section chiefs: strategy and skills, assigning and reassigning work (科长分派、改派)."""


@dataclass(frozen=True)
class Scope:
    """The served departments a person works in: as reviewer or chief, and as chief."""

    user_id: int
    departments: dict[int, str]
    """department id → code, every served department the person works in."""
    chief_of: frozenset[int]
    """the department ids among them where the person is section chief."""

    @property
    def department_ids(self) -> list[int]:
        return sorted(self.departments)

    @property
    def is_chief(self) -> bool:
        return bool(self.chief_of)

    def require_chief(self, department_id: int) -> None:
        if department_id not in self.chief_of:
            raise PermissionDenied("只有本部门科长可以分派、改派或调整设置。")


def scope_of(conn: Connection, principal: Principal | None, served: Collection[str]) -> Scope:
    """The person's centre departments; refuses anyone who works in none of them."""
    if principal is None:
        raise NotAuthenticated()
    codes = {
        a.department_code: a.role
        for a in principal.roles
        if a.role in (Role.REVIEWER, Role.SECTION_CHIEF) and a.department_code in served
    }
    chief_codes = {
        a.department_code
        for a in principal.roles
        if a.role is Role.SECTION_CHIEF and a.department_code in served
    }
    if not codes:
        raise PermissionDenied("网上审批中心仅供其服务部门的审批人员和科长使用。")
    rows = conn.execute(
        select(departments.c.id, departments.c.code).where(departments.c.code.in_(codes))
    ).all()
    found = {r.id: r.code for r in rows}
    if not found:
        raise PermissionDenied("网上审批中心仅供其服务部门的审批人员和科长使用。")
    chief_of = frozenset(i for i, code in found.items() if code in chief_codes)
    return Scope(principal.user_id, found, chief_of)


def require_chief_scope(scope: Scope) -> None:
    """Refuse a reviewer who is no chief of any served department."""
    if not scope.is_chief:
        raise PermissionDenied("只有本部门科长可以分派、改派或调整设置。")
