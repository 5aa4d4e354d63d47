"""Raising a problem at the hard-case window (办不成事): online by the person concerned, or at
any window by a clerk, about a case or not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from sqlalchemy import Connection, insert, select, update

from tongban.adapters.db.tables import cases, centres
from tongban.adapters.db.tables_service_desk import hard_cases
from tongban.domain.errors import CaseNotFound, PermissionDenied, ValidationFailed
from tongban.domain.people.model import Principal, Role
from tongban.domain.service_desk.hard_cases import (
    EventKind,
    HardCaseStatus,
    RaisedVia,
    check_escalation,
    hard_case_number,
)
from tongban.domain.shared.clock import china_date
from tongban.i18n import gettext as _
from tongban.services.people.queries import find_applicant
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.service_desk.access import clerk_centre, is_applicant, signed_in
from tongban.services.service_desk.hard_case_records import (
    OBJECT,
    HardCaseRef,
    add_event,
    deadline_after,
    person_link,
    staff_link,
)
from tongban.services.service_desk.notify import centre_managers, tell


@dataclass(frozen=True)
class RaiseInput:
    """What is typed to escalate a problem."""

    type: str
    summary: str
    description: str
    case_number: str | None = None
    centre_code: str | None = None
    """Online: the centre asked to help (the case's accepting centre when left empty)."""
    person_number: str | None = None
    """At a window: the ID number or credit code of the person concerned (optional)."""


# --- raising ---------------------------------------------------------------------------------


def _linked_case(conn: Connection, principal: Principal, number: str | None) -> Any:
    """The case the problem is about: an applicant's own only (another's is "not found")."""
    text = (number or "").strip().upper()
    if not text:
        return None
    row = conn.execute(
        select(cases.c.id, cases.c.applicant_id, cases.c.accepting_centre_id).where(
            cases.c.number == text
        )
    ).first()
    if row is None or (is_applicant(principal) and row.applicant_id != principal.user_id):
        raise CaseNotFound(number=text, fields={"case_number": "找不到该办件"})
    return row


def _centre_id(conn: Connection, code: str | None) -> int | None:
    text = (code or "").strip().upper()
    if not text:
        return None
    found = conn.execute(select(centres.c.id).where(centres.c.code == text)).scalar()
    if found is None:
        raise ValidationFailed(fields={"centre_code": "找不到该服务中心"})
    return int(found)


def _where_and_who(
    conn: Connection, actor: Actor, data: RaiseInput, case: Any
) -> tuple[RaisedVia, int, int | None]:
    """Online: the person themselves, at the centre they chose (or the case's).  At a window:
    the clerk's centre, and the person named by number or the linked case's applicant."""
    principal = signed_in(actor.principal)
    if is_applicant(principal):
        centre_id = _centre_id(conn, data.centre_code)
        if centre_id is None and case is not None:
            centre_id = case.accepting_centre_id
        if centre_id is None:
            raise ValidationFailed(fields={"centre_code": "请选择请求帮助的服务中心"})
        return RaisedVia.ONLINE, centre_id, principal.user_id
    if not principal.has_role(Role.CLERK):
        raise PermissionDenied()
    centre_id = clerk_centre(conn, principal, data.centre_code)
    if centre_id is None:
        raise PermissionDenied("您没有所属的服务中心，不能登记办不成事问题。")
    person: int | None = None
    if (data.person_number or "").strip():
        today = china_date(actor.at)
        person = find_applicant(conn, data.person_number or "", today=today, field="person_number")
        if case is not None and case.applicant_id != person:
            # The person will see the escalation: never another applicant's case number.
            raise ValidationFailed(fields={"case_number": "该办件不是反映人本人的办件"})
    elif case is not None:
        person = int(case.applicant_id)
    return RaisedVia.WINDOW, centre_id, person


@atomic
def raise_hard_case(uow: UnitOfWork, actor: Actor, data: RaiseInput, *, days: int) -> HardCaseRef:
    """办不成事: a citizen or company online, or a clerk at any window, escalates a problem
    (about a case or not) to a centre's hard-case window; it is due ``days`` working days
    later.  Every field is checked first: a bad one stores nothing."""
    conn = uow.conn
    checked = check_escalation(data.type, data.summary, data.description)
    case = _linked_case(conn, signed_in(actor.principal), data.case_number)
    via, centre_id, person_id = _where_and_who(conn, actor, data, case)
    due_on = deadline_after(conn, actor, days)
    hard_case_id = conn.execute(
        insert(hard_cases)
        .values(
            number=f"T{uuid4().hex[:19]}",  # replaced by the number made of the new id below
            type=checked.type.value,
            status=HardCaseStatus.OPEN.value,
            raised_via=via.value,
            centre_id=centre_id,
            case_id=case.id if case is not None else None,
            person_id=person_id,
            raised_by=actor.user_id,
            summary=checked.summary,
            description=checked.description,
            due_on=due_on,
            raised_at=actor.at,
            lock_version=1,
            created_at=actor.at,
            updated_at=actor.at,
        )
        .returning(hard_cases.c.id)
    ).scalar_one()
    number = hard_case_number(hard_case_id)
    conn.execute(update(hard_cases).where(hard_cases.c.id == hard_case_id).values(number=number))
    add_event(conn, hard_case_id, EventKind.RAISED, actor, checked.description)
    audit.record(
        conn,
        actor,
        "hard_case.raised",
        OBJECT,
        number,
        {"type": checked.type.value, "via": via.value, "centre_id": centre_id},
    )
    values = {"number": number, "summary": checked.summary, "due_on": due_on.isoformat()}
    tell(
        conn,
        centre_managers(conn, centre_id),
        _("新的办不成事问题"),
        _("办不成事问题 {number}（{summary}）已登记，请确定承办人，办理期限 {due_on}。"),
        values,
        link=staff_link(number),
        key=f"hard_case:{number}:raised",
        now=actor.at,
    )
    if person_id is not None:
        tell(
            conn,
            [person_id],
            _("您反映的问题已登记"),
            _("您反映的问题（{summary}）已登记，编号 {number}，我们将于 {due_on} 前答复您。"),
            values,
            link=person_link(number),
            key=f"hard_case:{number}:raised:person",
            now=actor.at,
        )
    return HardCaseRef(number, HardCaseStatus.OPEN, 1, None, due_on)
