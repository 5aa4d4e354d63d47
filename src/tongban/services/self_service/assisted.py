"""网办辅导: a clerk at a centre's assisted online filing desk files an online application
together with the applicant, who consents on the spot by showing the citizen code on their own
phone (only its holder can), which the clerk scans at the desk no more than 15 minutes before;
or, identified at the desk (ID card, face or citizen code) within those 15 minutes, by signing
on the desk's tablet (the signature is kept with the case as the evidence).

The application is the applicant's own online application (channel online, their account,
their cases list), and the case records who helped, where and on what consent (``assisted_by``
on the case and in every event of the filing), so the case pages show it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, select

from tongban.adapters.db.tables_data_space import identity_checks
from tongban.domain.cases.values import AssistedBy
from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.identity_check.model import Method
from tongban.domain.people.model import Role, UserKind
from tongban.domain.self_service.errors import AssistConsentRequired
from tongban.services.cases.intake import Application, CaseRef, submit_online
from tongban.services.identity import check as identity_check
from tongban.services.people import sessions
from tongban.services.platform import audit
from tongban.services.platform.context import Actor, Via
from tongban.services.platform.ports import FileStore
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.self_service.signature import checked_sha256, keep_signature

CONSENT = Method.CITIZEN_CODE
"""How the applicant consents at the desk: their citizen code, scanned by the clerk."""
SIGNATURE = "signature"
"""Or: their handwritten signature on the desk's tablet, once identified at the desk."""


def _desk(actor: Actor) -> tuple[int, str, str | None]:
    """The clerk's user id, name and centre; anyone else is refused."""
    principal = actor.principal
    if principal is None:
        raise NotAuthenticated()
    for assignment in principal.assignments(Role.CLERK):
        return principal.user_id, principal.name, assignment.centre_code
    raise PermissionDenied()


def consent_until(conn: Connection, actor: Actor, applicant_id: int) -> datetime | None:
    """Until when the applicant's consent at this clerk's desk lets the clerk file for them:
    15 minutes after the clerk last scanned their citizen code (None: not within that)."""
    _desk(actor)
    found = identity_check.recent_identification(conn, actor, applicant_id, method=CONSENT)
    if found is None:
        return None
    at = conn.execute(select(identity_checks.c.at).where(identity_checks.c.id == found)).scalar()
    return None if at is None else at + identity_check.CONSENT_WINDOW


def identified_until(conn: Connection, actor: Actor, applicant_id: int) -> datetime | None:
    """Until when the applicant, identified at this clerk's desk by any means, may consent by
    signing: 15 minutes after the latest identity check (None: not within that)."""
    _desk(actor)
    found = identity_check.recent_identification(conn, actor, applicant_id)
    if found is None:
        return None
    at = conn.execute(select(identity_checks.c.at).where(identity_checks.c.id == found)).scalar()
    return None if at is None else at + identity_check.CONSENT_WINDOW


@atomic
def file_assisted(
    uow: UnitOfWork,
    actor: Actor,
    applicant_id: int,
    application: Application,
    *,
    upload: Callable[[UnitOfWork, Actor], CaseRef] | None = None,
    signature: bytes | None = None,
    files: FileStore | None = None,
) -> CaseRef:
    """协助网上申请: the clerk files the applicant's online application with them; refused
    (409 ``assist_consent_required``) unless the clerk scanned the applicant's citizen code
    in the last 15 minutes.  Online a material is its file: ``upload`` files the application
    with its materials' files as the applicant (``attachments.apply_online``); without it the
    application is submitted as it stands (the files uploaded to the case afterwards).

    With a ``signature`` (the tablet's PNG) the consent is the applicant's handwriting instead:
    they must have been identified at this desk in the last 15 minutes by any means.  The image
    is checked (a PNG, within limits, not blank) before anything is filed, stored in ``files``
    once the case is, and the case records its hash."""
    conn = uow.conn
    clerk_id, clerk_name, centre = _desk(actor)
    method = CONSENT if signature is None else SIGNATURE
    check = identity_check.recent_identification(
        conn, actor, applicant_id, method=CONSENT if signature is None else None
    )
    if check is None:
        raise AssistConsentRequired()
    principal = sessions.load_principal(conn, applicant_id)
    if principal is None or principal.kind not in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        raise AssistConsentRequired()
    signed = None if signature is None else checked_sha256(signature)
    helper = AssistedBy(clerk_id, clerk_name, centre, method, signed)
    applicant = Actor(
        at=actor.at,
        principal=principal,
        request_id=actor.request_id,
        ip=actor.ip,
        via=Via(centre, assisted_by=helper),
    )
    ref = (
        upload(uow, applicant) if upload is not None else submit_online(uow, applicant, application)
    )
    if signature is not None:
        # Stored only now that the case is filed: a refused filing leaves no file behind.
        assert files is not None, "a signature is kept in the file store"
        kept = keep_signature(files, signature)
        assert kept == signed
    detail: dict[str, object] = {
        "applicant_id": applicant_id,
        "identity_check": check,
        "centre": centre,
        "consent": method,
    }
    if signed is not None:
        detail["signature_sha256"] = signed
    audit.record(conn, actor, "case.filed_assisted", "case", ref.number, detail)
    return ref
