"""Who may act on a case, and as whom the audit trail records them.

A clerk may act at any centre on any item (一窗通办); reviewers and section chiefs only on cases
of their own department; an applicant only on their own case; ``SYSTEM`` is the worker's sweeps
(an actor without a principal).  A refusal raises, so a forgotten check cannot fail open.
"""

from __future__ import annotations

from tongban.domain.cases.model import Case
from tongban.domain.cases.values import SYSTEM_ROLE, Performer
from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.people.model import Role, UserKind
from tongban.services.platform.context import Actor

APPLICANT = "applicant"
CLERK = "clerk"
DEPARTMENT_STAFF = "department_staff"
"""A reviewer or section chief of the case's competent department."""
SECTION_CHIEF = "section_chief"
SYSTEM = "system"
WINDOW_DECIDER = "window_decider"
"""即办件: the clerk of the centre that accepted an immediate item's case decides it on the spot."""

_DEPARTMENT_ROLES = {
    DEPARTMENT_STAFF: (Role.REVIEWER, Role.SECTION_CHIEF),
    SECTION_CHIEF: (Role.SECTION_CHIEF,),
}


def _as(actor: Actor, case: Case | None, allowed: str) -> Performer | None:
    principal = actor.principal
    request_id = actor.request_id
    if allowed == SYSTEM:
        return Performer(None, SYSTEM_ROLE, request_id=request_id) if principal is None else None
    if principal is None:
        return None
    if allowed == APPLICANT:
        if principal.kind not in (UserKind.CITIZEN, UserKind.ENTERPRISE):
            return None
        if case is not None and case.applicant_id != principal.user_id:
            return None
        via = actor.via
        if via is None:
            return Performer(principal.user_id, principal.kind.value, request_id=request_id)
        helper = via.assisted_by
        return Performer(
            principal.user_id,
            principal.kind.value,
            via.centre_code,
            request_id=request_id,
            kiosk=via.kiosk,
            assisted_by=helper.user_id if helper is not None else None,
        )
    if allowed == CLERK:
        for assignment in principal.assignments(Role.CLERK):
            return Performer(
                principal.user_id, Role.CLERK.value, assignment.centre_code, request_id=request_id
            )
        return None
    if case is None:
        return None
    if allowed == WINDOW_DECIDER:
        if not case.terms.immediate or case.accepting_centre_code is None:
            return None
        for assignment in principal.assignments(Role.CLERK):
            if assignment.centre_code == case.accepting_centre_code:
                return Performer(
                    principal.user_id,
                    Role.CLERK.value,
                    assignment.centre_code,
                    request_id=request_id,
                )
        return None
    for assignment in principal.roles:
        if (
            assignment.role in _DEPARTMENT_ROLES[allowed]
            and assignment.department_code == case.department_code
        ):
            return Performer(
                principal.user_id,
                assignment.role.value,
                assignment.centre_code,
                assignment.department_code,
                request_id=request_id,
            )
    return None


def is_applicant(by: Performer) -> bool:
    """The applicant acting themself (a citizen or enterprise), not staff acting for them."""
    return by.role in (UserKind.CITIZEN.value, UserKind.ENTERPRISE.value)


def performer(actor: Actor, case: Case | None, *allowed: str) -> Performer:
    """The first of ``allowed`` the actor may act as on ``case``; refuses otherwise."""
    for name in allowed:
        found = _as(actor, case, name)
        if found is not None:
            return found
    if actor.principal is None:
        raise NotAuthenticated()
    raise PermissionDenied()
