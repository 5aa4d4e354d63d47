"""The one authorisation layer: who may do what, and who may read whose data.

Every page and API route declares one ``Policy`` (through ``web.deps.allow``); a test walks
the routes and checks each against every role.  Reads of one object go through the
``access_*`` functions below, which raise ``PermissionDenied`` rather than return ``False``
so that a forgotten check cannot fail open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.people.model import STAFF_ROLES, Principal, Role


@dataclass(frozen=True)
class Policy:
    """A named rule over the principal of a request (None when anonymous)."""

    name: str
    test: Callable[[Principal | None], bool]
    anonymous: bool = False
    """True when anonymous visitors pass."""

    def allows(self, principal: Principal | None) -> bool:
        return self.test(principal)

    def check(self, principal: Principal | None) -> None:
        if self.allows(principal):
            return
        if principal is None:
            raise NotAuthenticated()
        raise PermissionDenied()


PUBLIC = Policy("public", lambda p: True, anonymous=True)
AUTHENTICATED = Policy("authenticated", lambda p: p is not None)
STAFF = Policy("staff", lambda p: p is not None and p.has_role(*STAFF_ROLES))


def roles(*allowed: Role) -> Policy:
    """Policy passing principals that hold any of ``allowed``."""
    name = "+".join(sorted(r.value for r in allowed))
    return Policy(name, lambda p: p is not None and p.has_role(*allowed))


CATALOGUE_ADMIN = roles(Role.CATALOGUE_ADMIN)
CATALOGUE_READERS = roles(Role.CATALOGUE_ADMIN, Role.AUDITOR, Role.LEADER)
"""Staff who see drafts, history and the audit of the catalogue."""
APPLICANT = roles(Role.CITIZEN, Role.ENTERPRISE)
USER_ADMINS = roles(Role.USER_ADMIN)
"""用户管理员: the staff accounts page and API (``/admin/users``, ``/api/v1/admin/users``)."""


def access_catalogue_drafts(principal: Principal | None) -> Principal:
    """Drafts and version history are for the catalogue admin, leaders and auditors."""
    CATALOGUE_READERS.check(principal)
    assert principal is not None
    return principal


def access_catalogue_edit(principal: Principal | None) -> Principal:
    """Only the district catalogue admin edits items, lists, the calendar and centres."""
    CATALOGUE_ADMIN.check(principal)
    assert principal is not None
    return principal


def access_user_record(principal: Principal | None, subject_id: int) -> Principal:
    """A person's own record, or staff who administer people (not yet delegated further)."""
    if principal is None:
        raise NotAuthenticated()
    if principal.user_id == subject_id or principal.has_role(Role.AUDITOR):
        return principal
    raise PermissionDenied()


# --- cases (办件) -------------------------------------------------------------------------------

CASE_CLERKS = roles(Role.CLERK)
"""Window and mail-in intake: a clerk at any centre (一窗通办)."""
CASE_INTAKE = roles(Role.CLERK, Role.REVIEWER, Role.SECTION_CHIEF)
"""Pre-check, accept, refuse, correction requests, delivery and archiving."""
CASE_APPLICANT_OR_CLERK = roles(Role.CITIZEN, Role.ENTERPRISE, Role.CLERK)
"""Steps the applicant takes, or a clerk takes for them: corrections, 容缺 materials, withdraw."""
CASE_REVIEWERS = roles(Role.REVIEWER, Role.SECTION_CHIEF)
CASE_CHIEFS = roles(Role.SECTION_CHIEF)
"""否决权上移: only a section chief signs off or sends back a proposed rejection."""
CASE_QUEUE_READERS = roles(
    Role.CITIZEN,
    Role.ENTERPRISE,
    Role.CLERK,
    Role.CENTRE_MANAGER,
    Role.REVIEWER,
    Role.SECTION_CHIEF,
)
"""Who has a case list: applicants (their own), centres and departments (their queues)."""
CASE_READERS = roles(
    Role.CITIZEN,
    Role.ENTERPRISE,
    Role.CLERK,
    Role.CENTRE_MANAGER,
    Role.REVIEWER,
    Role.SECTION_CHIEF,
    Role.AUDITOR,
    Role.LEADER,
)
"""Who may open a case at all; ``cases.queries.access_case`` then decides which."""

CENTRE_MANAGERS = roles(Role.CENTRE_MANAGER)
"""The centre manager's overview of open cases and clock alerts (中心概况)."""
