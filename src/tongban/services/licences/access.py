"""Who may read or revoke which e-licence (电子证照), and the log of every read.

A licence is personal data of its holder: the holder reads it, so do staff of the issuing
department and auditors; every read — and every refused attempt — is written to the holder's
data-access log.  Only a section chief of the issuing department revokes.
"""

from __future__ import annotations

from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.licences.model import Licence
from tongban.domain.people.model import Principal, Role
from tongban.services.licences import library as svc
from tongban.services.platform import audit
from tongban.services.platform.access import PUBLIC, roles
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

LICENCE_READERS = roles(
    Role.CITIZEN, Role.ENTERPRISE, Role.REVIEWER, Role.SECTION_CHIEF, Role.AUDITOR
)
"""Who may open a licence at all; ``read_licence`` then decides which."""
LICENCE_REVOKERS = roles(Role.SECTION_CHIEF)
"""注销: a section chief, of the issuing department (checked per licence)."""
LICENCE_VERIFIERS = PUBLIC
"""Anyone may verify a licence and read the published keys."""


def is_holder(principal: Principal, licence: Licence) -> bool:
    return licence.holder_id in (principal.id_number, principal.credit_code)


def of_issuing_department(principal: Principal, licence: Licence, *wanted: Role) -> bool:
    """Staff of the department that issued it; none here for a licence a partner issued."""
    if licence.issued_elsewhere:
        return False
    return any(
        a.department_code == licence.issuer_department
        for role in wanted
        for a in principal.assignments(role)
    )


def may_read(principal: Principal, licence: Licence) -> bool:
    return (
        is_holder(principal, licence)
        or principal.has_role(Role.AUDITOR)
        or of_issuing_department(principal, licence, Role.REVIEWER, Role.SECTION_CHIEF)
    )


def read_licence(uow: UnitOfWork, actor: Actor, licence_id: str, what: str) -> Licence:
    """The licence, for its holder, its department's staff or an auditor; the read (or the
    refusal) is logged for the holder.  Others get 403 ``permission_denied``, raised after the
    logging transaction ends, so the refusal stays logged."""
    principal = actor.principal
    if principal is None:
        raise NotAuthenticated()
    with uow.atomic():
        licence = svc.get(uow.conn, licence_id)
        allowed = may_read(principal, licence)
        if not is_holder(principal, licence):
            purpose = "持证人本人以外查阅电子证照" if allowed else "无权查阅电子证照（已拒绝）"
            for subject in svc.holder_user_ids(uow.conn, licence.holder_id):
                audit.record_data_access(
                    uow.conn, actor, subject, f"{what} {licence.id}", purpose, allowed=allowed
                )
    if not allowed:
        raise PermissionDenied()
    return licence


@atomic
def revoke_licence(uow: UnitOfWork, actor: Actor, licence_id: str, reason: str) -> Licence:
    """Revoke as a section chief of the issuing department (else 403)."""
    principal = actor.principal
    if principal is None:
        raise NotAuthenticated()
    licence = svc.get(uow.conn, licence_id)
    if not of_issuing_department(principal, licence, Role.SECTION_CHIEF):
        raise PermissionDenied()
    return svc.revoke(uow, actor, licence_id, reason)
