"""Who may do what in post-approval supervision.

An inspector sees only the tasks drawn to them; a department head (the section chief of the
department, 科长) sees every task of the department, runs its draws and is alerted when one
is overdue; leaders and auditors read the figures.  A task outside the caller's scope is
``inspection_task_not_found``, so strangers learn nothing of it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.people.model import Principal, Role
from tongban.domain.supervision.errors import TaskNotFound
from tongban.services.platform.access import roles

INSPECTORS = roles(Role.INSPECTOR)
TASK_READERS = roles(Role.INSPECTOR, Role.DEPARTMENT_HEAD, Role.SECTION_CHIEF)
DRAW_RUNNERS = roles(Role.DEPARTMENT_HEAD, Role.SECTION_CHIEF)
LIST_EDITORS = roles(Role.CATALOGUE_ADMIN, Role.DEPARTMENT_HEAD, Role.SECTION_CHIEF)
FIGURE_READERS = roles(Role.LEADER, Role.AUDITOR, Role.DEPARTMENT_HEAD, Role.SECTION_CHIEF)


def signed_in(principal: Principal | None) -> Principal:
    if principal is None:
        raise NotAuthenticated()
    return principal


def heads_of(principal: Principal) -> frozenset[str]:
    """The departments the principal heads (部门负责人, or the section chief of)."""
    return frozenset(
        a.department_code
        for a in principal.roles
        if a.role in (Role.DEPARTMENT_HEAD, Role.SECTION_CHIEF) and a.department_code is not None
    )


def inspects_for(principal: Principal) -> frozenset[str]:
    return frozenset(
        a.department_code
        for a in principal.assignments(Role.INSPECTOR)
        if a.department_code is not None
    )


def may_read_task(principal: Principal, row: Row[Any]) -> bool:
    return row.inspector_id == principal.user_id or row.department_code in heads_of(principal)


def check_task_reader(principal: Principal | None, row: Row[Any]) -> Principal:
    who = signed_in(principal)
    if not may_read_task(who, row):
        raise TaskNotFound(number=row.number)
    return who


def check_inspector(principal: Principal | None, row: Row[Any]) -> Principal:
    """Only the inspector the draw assigned records findings and decides."""
    who = check_task_reader(principal, row)
    if row.inspector_id != who.user_id:
        raise PermissionDenied("只有抽取到的检查人员可以记录检查结果。")
    return who


def check_head(principal: Principal | None, department_code: str) -> Principal:
    who = signed_in(principal)
    if department_code not in heads_of(who):
        raise PermissionDenied("只有本部门负责人可以进行该操作。")
    return who


def check_list_editor(principal: Principal | None, department_code: str) -> Principal:
    who = signed_in(principal)
    if who.has_role(Role.CATALOGUE_ADMIN) or department_code in heads_of(who):
        return who
    raise PermissionDenied()
