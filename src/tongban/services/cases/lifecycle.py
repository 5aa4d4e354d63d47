"""Case use cases (办件): one function per step, each one transaction with its audit entries.

Every function loads the case, checks that the caller's ``expected_version`` is current, checks
the actor's role and jurisdiction, calls one aggregate method and saves (compare-and-set plus
the hash-chained events), in one transaction: its own, or its caller's when another use case
calls it.  One window anywhere (一窗通办): a clerk at any centre of any level accepts any
item; the case goes to the item's department.  Submission (every channel) lives in
``cases.intake`` and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import case_events
from tongban.domain.cases.forms import may_have_codes_to_verify, require_checked_credit_codes
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import DeliveryMethod
from tongban.domain.cases.values import Performer
from tongban.domain.errors import MaterialFileRequired, StaleVersion
from tongban.domain.shared.clock import china_date
from tongban.services.cases import repository as repo
from tongban.services.cases import review_steps
from tongban.services.cases.intake import (
    Application,
    CaseRef,
    ref,
    save_draft,
    submit_at_window,
    submit_by_mail,
    submit_checked,
    submit_online,
)
from tongban.services.cases.notify import notification_writes
from tongban.services.cases.queries import case_to_change
from tongban.services.cases.roles import (
    APPLICANT,
    CLERK,
    DEPARTMENT_STAFF,
    SECTION_CHIEF,
    SYSTEM,
    WINDOW_DECIDER,
    is_applicant,
    performer,
)
from tongban.services.catalogue.items import published_item
from tongban.services.federation import casework
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.together import write_together
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

__all__ = [
    "Application",
    "CaseRef",
    "accept",
    "accept_with_missing_materials",
    "archive",
    "deem_accepted",
    "deliver",
    "precheck",
    "propose_decision",
    "refuse_acceptance",
    "request_correction",
    "save_draft",
    "send_back",
    "sign_off_rejection",
    "start_review",
    "submit_at_window",
    "submit_by_mail",
    "submit_draft",
    "submit_online",
    "supply_correction",
    "supply_missing_materials",
    "terminate",
    "withdraw",
]

# --- every later step -------------------------------------------------------------------------


@atomic
def _act(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    expected_version: int,
    allowed: Sequence[str],
    change: Callable[[Case, Performer], None],
    also: Callable[[Connection, Case], None] | None = None,
) -> CaseRef:
    """Load, check the version and the role, change, save (compare-and-set): one transaction,
    the caller's when another use case calls this one.

    ``also`` writes anything else that must commit with the change (e.g. a message).  An
    applicant acting on another's case finds none (404), as when reading it.
    """
    found = case_to_change(uow.conn, actor.principal, number)
    case = found.case
    by = performer(actor, case, *allowed)  # before the version: strangers learn nothing
    if case.version != expected_version:
        raise StaleVersion(current=case.version)
    change(case, by)
    # C18: the outbox commits with the change, or not at all: sent with the case's events,
    # unless something else queues messages first (they keep their order in the outbox)
    messages = notification_writes(uow.conn, case, actor.at, known=found.contacts)
    if also is not None or case.received_from is not None:
        write_together(uow.conn, messages)
        messages = []
    casework.note_change(uow.conn, case, actor.at)  # C17: a received case tells its partner
    if also is not None:
        also(uow.conn, case)
    repo.save(uow.conn, case, actor.at, also=messages, fact=found.fact)
    return ref(case)


def submit_draft(uow: UnitOfWork, actor: Actor, number: str, expected_version: int) -> CaseRef:
    """The applicant submits their draft, filed under the item version it pinned."""

    def submit(case: Case, by: Performer) -> None:
        item = published_item(uow.conn, case.item_code, case.item_version)
        submit_checked(case, item, by, actor)

    return _act(uow, actor, number, expected_version, (APPLICANT,), submit)


def precheck(
    uow: UnitOfWork, actor: Actor, number: str, expected_version: int, note: str = ""
) -> CaseRef:
    """预审: a clerk or the back office checks completeness before acceptance."""
    return _act(
        uow,
        actor,
        number,
        expected_version,
        (CLERK, DEPARTMENT_STAFF),
        lambda case, by: case.precheck(by=by, at=actor.at, note=note),
    )


def accept(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    expected_version: int,
    *,
    credit_codes_checked: bool = False,
) -> CaseRef:
    """受理: the clock starts; the accepting centre is the clerk's own, whatever the item.  A
    credit code with a wrong check character must have been checked against the licence."""
    calendar = load_calendar(uow.conn)

    def change(case: Case, by: Performer) -> None:
        _require_checked_codes(uow, case, credit_codes_checked)
        case.accept(by=by, at=actor.at, calendar=calendar)

    return _act(uow, actor, number, expected_version, (CLERK, DEPARTMENT_STAFF), change)


def _require_checked_codes(uow: UnitOfWork, case: Case, checked: bool) -> None:
    if checked or not may_have_codes_to_verify(case.form):
        return  # nothing it could refuse: the item's form is not read
    form = published_item(uow.conn, case.item_code, case.item_version).spec.form
    require_checked_credit_codes(form, case.form, checked)


def accept_with_missing_materials(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    expected_version: int,
    missing: Iterable[str],
    commitment: str,
    supply_by: date,
    *,
    credit_codes_checked: bool = False,
) -> CaseRef:
    """容缺受理: accept with non-key materials missing on the applicant's signed commitment."""
    calendar = load_calendar(uow.conn)
    names = list(missing)

    def change(case: Case, by: Performer) -> None:
        _require_checked_codes(uow, case, credit_codes_checked)
        case.accept_with_missing_materials(
            by=by,
            at=actor.at,
            calendar=calendar,
            missing=names,
            commitment=commitment,
            supply_by=supply_by,
        )

    return _act(uow, actor, number, expected_version, (CLERK, DEPARTMENT_STAFF), change)


def _first_correction_on(conn: Connection, case_id: int | None) -> date | None:
    """The day the applicant was first told what to correct (一次性告知), from the audit trail."""
    first = conn.execute(
        select(case_events.c.at)
        .where(case_events.c.case_id == case_id, case_events.c.type == "CaseCorrectionRequested")
        .order_by(case_events.c.seq)
        .limit(1)
    ).scalar()
    return china_date(first) if first is not None else None


def deem_accepted(uow: UnitOfWork, actor: Actor, number: str, expected_version: int) -> CaseRef:
    """视为受理 (《行政许可法》第三十二条), by the system sweep: nothing missing was listed to the
    applicant within 5 working days of receipt, so the case is accepted from the day of receipt."""
    calendar = load_calendar(uow.conn)
    return _act(
        uow,
        actor,
        number,
        expected_version,
        (SYSTEM,),
        lambda case, by: case.deem_accepted(
            by=by,
            at=actor.at,
            calendar=calendar,
            told_on=_first_correction_on(uow.conn, case.id),
        ),
    )


def refuse_acceptance(
    uow: UnitOfWork, actor: Actor, number: str, expected_version: int, reasons: str
) -> CaseRef:
    """不予受理 with written reasons (《行政许可法》第三十二条)."""
    return _act(
        uow,
        actor,
        number,
        expected_version,
        (CLERK, DEPARTMENT_STAFF),
        lambda case, by: case.refuse_acceptance(by=by, at=actor.at, reasons=reasons),
    )


def request_correction(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    expected_version: int,
    reasons: str,
    needed: Iterable[str],
) -> CaseRef:
    """补正, told all at once (一次性告知,《行政许可法》第三十二条); stops an accepted clock."""
    items = list(needed)
    return _act(
        uow,
        actor,
        number,
        expected_version,
        (CLERK, DEPARTMENT_STAFF),
        lambda case, by: case.request_correction(by=by, at=actor.at, reasons=reasons, needed=items),
    )


def supply_correction(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    expected_version: int,
    materials: Iterable[str] = (),
    note: str = "",
) -> CaseRef:
    """The applicant (or a clerk for them) hands in the corrections; the clock resumes, and
    so do the open review steps' due days (``cases.review_steps.resume_after_stops``).  Only a
    clerk, who saw the paper, lists ``materials`` as handed in; the applicant's corrected
    materials are the files they uploaded to the case (``cases.attachments``)."""
    calendar = load_calendar(uow.conn)
    names = [n.strip() for n in materials if n.strip()]

    def supply(case: Case, by: Performer) -> None:
        if names and is_applicant(by):
            raise MaterialFileRequired(
                names="、".join(names),
                fields={"materials": "补正的材料请上传文件，上传后再提交补正"},
            )
        before = list(case.stops)
        case.supply_correction(by=by, at=actor.at, calendar=calendar, materials=names, note=note)
        review_steps.resume_after_stops(uow.conn, case, before, calendar)

    return _act(uow, actor, number, expected_version, (APPLICANT, CLERK), supply)


def supply_missing_materials(
    uow: UnitOfWork, actor: Actor, number: str, expected_version: int, names: Iterable[str]
) -> CaseRef:
    """容缺 materials arrive through a clerk, who saw the paper.  The applicant supplies them
    by uploading their files, each of which counts as supplied (``cases.attachments``); a list
    of names from the applicant is refused."""
    given = list(names)

    def supply(case: Case, by: Performer) -> None:
        if is_applicant(by) and case.missing is not None:
            wanted = [n.strip() for n in given if n.strip()] or case.missing.names
            raise MaterialFileRequired(
                names="、".join(wanted), fields={"names": "请上传容缺材料的文件，上传即视为补交"}
            )
        case.supply_missing_materials(by=by, at=actor.at, names=given)

    return _act(uow, actor, number, expected_version, (APPLICANT, CLERK), supply)


def start_review(uow: UnitOfWork, actor: Actor, number: str, expected_version: int) -> CaseRef:
    """The competent department's back office takes the case up; the case gets its review
    steps from the item's plan (``cases.review_steps``)."""

    def start(case: Case, by: Performer) -> None:
        case.start_review(by=by, at=actor.at)
        review_steps.open_review(uow.conn, case, actor.at)

    return _act(uow, actor, number, expected_version, (DEPARTMENT_STAFF,), start)


def propose_decision(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    expected_version: int,
    approve: bool,
    reasons: str = "",
) -> CaseRef:
    """A reviewer decides: an approval takes effect at once, a rejection waits for the
    section chief's signature (否决权上移).  A 即办件 is decided on the spot at the window that
    accepted it: its clerk may decide it too (a rejection still waits for the chief)."""

    def decide(case: Case, by: Performer) -> None:
        review_steps.close_for_decision(uow.conn, case, by, actor.at, approve, reasons)
        if approve:
            case.approve(by=by, at=actor.at, reasons=reasons)
        else:
            case.propose_rejection(by=by, at=actor.at, reasons=reasons)

    return _act(uow, actor, number, expected_version, (DEPARTMENT_STAFF, WINDOW_DECIDER), decide)


def sign_off_rejection(
    uow: UnitOfWork, actor: Actor, number: str, expected_version: int, note: str = ""
) -> CaseRef:
    """否决权上移: the section chief of the competent department signs the rejection."""
    return _act(
        uow,
        actor,
        number,
        expected_version,
        (SECTION_CHIEF,),
        lambda case, by: case.sign_off_rejection(by=by, at=actor.at, note=note),
    )


def send_back(
    uow: UnitOfWork, actor: Actor, number: str, expected_version: int, note: str
) -> CaseRef:
    """The section chief sends a proposed rejection back to review with a note; the steps
    that rejected are open again."""

    def send(case: Case, by: Performer) -> None:
        case.send_back_rejection(by=by, at=actor.at, note=note)
        review_steps.reopen_after_send_back(uow.conn, case)

    return _act(uow, actor, number, expected_version, (SECTION_CHIEF,), send)


def deliver(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    expected_version: int,
    method: DeliveryMethod | None = None,
    detail: Mapping[str, str] | None = None,
) -> CaseRef:
    """The result reaches the applicant: collected at the chosen centre, mailed, or online."""
    return _act(
        uow,
        actor,
        number,
        expected_version,
        (CLERK, DEPARTMENT_STAFF, SYSTEM),
        lambda case, by: case.deliver(by=by, at=actor.at, method=method, detail=detail),
    )


def archive(uow: UnitOfWork, actor: Actor, number: str, expected_version: int) -> CaseRef:
    """归档 a closed case."""
    return _act(
        uow,
        actor,
        number,
        expected_version,
        (CLERK, DEPARTMENT_STAFF, SYSTEM),
        lambda case, by: case.archive(by=by, at=actor.at),
    )


def withdraw(
    uow: UnitOfWork, actor: Actor, number: str, expected_version: int, reason: str = ""
) -> CaseRef:
    """The applicant (or a clerk for them) withdraws before a decision takes effect."""
    return _act(
        uow,
        actor,
        number,
        expected_version,
        (APPLICANT, CLERK),
        lambda case, by: case.withdraw(by=by, at=actor.at, reason=reason),
    )


def terminate(
    uow: UnitOfWork, actor: Actor, number: str, expected_version: int, reasons: str
) -> CaseRef:
    """终止办理, e.g. an expired 容缺 commitment; by the department or the system sweep."""
    return _act(
        uow,
        actor,
        number,
        expected_version,
        (DEPARTMENT_STAFF, SYSTEM),
        lambda case, by: case.terminate(by=by, at=actor.at, reasons=reasons),
    )
