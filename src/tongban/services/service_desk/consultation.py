"""Consultation's use cases (咨询): ask a question about a service item, answer it, publish a
good answer on the item's guide as a frequently asked question, and take one down.

Each use case is one transaction with its audit entry and its messages.  Answering is a
compare-and-set on ``lock_version`` (two answers at once: one wins, the other gets
``stale_version``); publishing is guarded by the unique ``item_faqs.consultation_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import Connection, Row, Select, insert, select, update

from tongban.adapters.db.tables import departments, service_items
from tongban.adapters.db.tables_service_desk import consultations, item_faqs
from tongban.domain.errors import ItemNotFound, PermissionDenied, StaleVersion, ValidationFailed
from tongban.domain.people.model import Role
from tongban.domain.service_desk.consultation import (
    AskedVia,
    Question,
    QuestionStatus,
    check_faq,
    check_question,
    question_number,
)
from tongban.domain.service_desk.errors import FaqAlreadyPublished, FaqNotFound, QuestionNotFound
from tongban.domain.shared.clock import china_date
from tongban.i18n import gettext as _
from tongban.services.people.queries import find_applicant
from tongban.services.platform import audit, outbox
from tongban.services.platform import calendar as working_days
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.service_desk.access import (
    chief_department_ids,
    clerk_centre,
    department_ids,
    is_applicant,
    signed_in,
)
from tongban.services.service_desk.notify import department_desk, tell

OBJECT = "consultation"


def asker_link(number: str) -> str:
    return f"/my/questions/{number}"


def staff_link(number: str) -> str:
    return f"/questions/{number}"


@dataclass(frozen=True)
class AskInput:
    item_code: str
    question: str
    asked_via: str = AskedVia.ONLINE.value
    asker_number: str | None = None
    """Through a clerk: the asker's ID number or credit code (required then)."""


@dataclass(frozen=True)
class QuestionRef:
    number: str
    status: QuestionStatus
    version: int
    due_on: date


@dataclass(frozen=True)
class FaqRef:
    id: int
    item_code: str


def _item(conn: Connection, code: str) -> Any:
    """A published item with its department; a withdrawn or unknown one is not asked about."""
    text = (code or "").strip().upper()
    row = conn.execute(
        select(
            service_items.c.id,
            service_items.c.name,
            service_items.c.department_id,
            departments.c.code.label("department_code"),
        )
        .join(departments, departments.c.id == service_items.c.department_id)
        .where(service_items.c.code == text, service_items.c.status == "published")
    ).first()
    if row is None:
        raise ItemNotFound(code=text, fields={"item_code": "找不到该事项"})
    return row


def _asker(conn: Connection, actor: Actor, data: AskInput) -> tuple[AskedVia, int, int | None]:
    """Online or at a kiosk: the signed-in person asks for themselves.  Through a clerk: at a
    window of the clerk's centre, for the person named by number."""
    principal = signed_in(actor.principal)
    if is_applicant(principal):
        try:
            via = AskedVia(data.asked_via or AskedVia.ONLINE.value)
        except ValueError:
            via = AskedVia.WINDOW
        if via is AskedVia.WINDOW:
            raise ValidationFailed(fields={"asked_via": "请选择网上咨询或自助终端咨询"})
        return via, principal.user_id, None
    if not principal.has_role(Role.CLERK):
        raise PermissionDenied()
    centre_id = clerk_centre(conn, principal)
    if centre_id is None:
        raise PermissionDenied("您没有所属的服务中心，不能代为登记咨询。")
    asker = find_applicant(
        conn, data.asker_number or "", today=china_date(actor.at), field="asker_number"
    )
    return AskedVia.WINDOW, asker, centre_id


@atomic
def ask(uow: UnitOfWork, actor: Actor, data: AskInput, *, days: int) -> QuestionRef:
    """咨询: a question about a published item, for its department to answer within ``days``
    working days on the official calendar; the department's staff are told."""
    conn = uow.conn
    text = check_question(data.question)
    item = _item(conn, data.item_code)
    via, asker_id, centre_id = _asker(conn, actor, data)
    due_on = working_days.deadline(conn, china_date(actor.at), days)
    assert due_on is not None  # no clock stops here
    question_id = conn.execute(
        insert(consultations)
        .values(
            number=f"T{uuid4().hex[:19]}",  # replaced by the number made of the new id below
            item_id=item.id,
            department_id=item.department_id,
            asker_id=asker_id,
            asked_via=via.value,
            centre_id=centre_id,
            asked_by=actor.user_id,
            question=text,
            status=QuestionStatus.OPEN.value,
            due_on=due_on,
            asked_at=actor.at,
            lock_version=1,
            created_at=actor.at,
            updated_at=actor.at,
        )
        .returning(consultations.c.id)
    ).scalar_one()
    number = question_number(question_id)
    conn.execute(
        update(consultations).where(consultations.c.id == question_id).values(number=number)
    )
    audit.record(
        conn, actor, "consultation.asked", OBJECT, number, {"item_id": item.id, "via": via.value}
    )
    values = {"number": number, "item": item.name, "due_on": due_on.isoformat()}
    tell(
        conn,
        department_desk(conn, item.department_code),
        _("新的咨询"),
        _("关于“{item}”的咨询 {number} 待答复，答复期限 {due_on}。"),
        values,
        link=staff_link(number),
        key=f"consultation:{number}:asked",
        now=actor.at,
    )
    tell(
        conn,
        [asker_id],
        _("咨询已收到"),
        _("您关于“{item}”的咨询已收到，编号 {number}，部门将于 {due_on} 前答复。"),
        values,
        link=asker_link(number),
        key=f"consultation:{number}:asked:asker",
        now=actor.at,
    )
    return QuestionRef(number, QuestionStatus.OPEN, 1, due_on)


def _load(conn: Connection, number: str) -> Row[Any]:
    text = (number or "").strip().upper()
    row = conn.execute(
        select(consultations, service_items.c.name.label("item_name"))
        .join(service_items, service_items.c.id == consultations.c.item_id)
        .where(consultations.c.number == text)
        .with_for_update(of=consultations)
    ).first()
    if row is None:
        raise QuestionNotFound(number=text)
    return row


@atomic
def answer(uow: UnitOfWork, actor: Actor, number: str, text: str, version: int) -> QuestionRef:
    """答复: a reviewer or section chief of the item's department answers, once; the asker is
    told in the inbox and by SMS."""
    conn = uow.conn
    principal = signed_in(actor.principal)
    row = _load(conn, number)
    if row.department_id not in department_ids(conn, principal):
        raise QuestionNotFound(number=row.number)
    if version != row.lock_version:
        raise StaleVersion(current=row.lock_version)
    question = Question(row.number, QuestionStatus(row.status), row.lock_version, row.answer)
    answered = question.answered_with(text)
    new_version = int(row.lock_version) + 1
    done = conn.execute(
        update(consultations)
        .where(consultations.c.id == row.id, consultations.c.lock_version == row.lock_version)
        .values(
            status=answered.status.value,
            answer=answered.answer,
            answered_at=actor.at,
            answered_by=actor.user_id,
            lock_version=new_version,
            updated_at=actor.at,
        )
    ).rowcount
    if done != 1:
        raise StaleVersion(current=row.lock_version + 1)
    audit.record(conn, actor, "consultation.answered", OBJECT, row.number)
    tell(
        conn,
        [row.asker_id],
        _("咨询已答复"),
        _("您关于“{item}”的咨询 {number} 已答复，请查看答复内容。"),
        {"number": row.number, "item": row.item_name},
        link=asker_link(row.number),
        key=f"consultation:{row.number}:answered",
        now=actor.at,
        sms_to=row.asker_id,
    )
    return QuestionRef(row.number, answered.status, new_version, row.due_on)


def _republish(conn: Connection, actor: Actor, question_id: int, question: str, text: str) -> bool:
    """An entry taken down earlier goes back up in the new words; one on the guide stays."""
    return (
        conn.execute(
            update(item_faqs)
            .where(
                item_faqs.c.consultation_id == question_id,
                item_faqs.c.withdrawn_at.is_not(None),
            )
            .values(
                question=question,
                answer=text,
                published_at=actor.at,
                published_by=actor.user_id,
                withdrawn_at=None,
                withdrawn_by=None,
            )
        ).rowcount
        == 1
    )


@atomic
def publish_faq(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    question: str | None = None,
    answer_text: str | None = None,
) -> FaqRef:
    """发布为常见问题: the section chief of the item's department puts an answered question
    on the item's guide, in the words given (the question and answer as asked when none), with
    ID and mobile numbers masked; once per question (of two chiefs one wins), or again after it
    was taken down."""
    conn = uow.conn
    principal = signed_in(actor.principal)
    row = _load(conn, number)
    if row.department_id not in department_ids(conn, principal):
        raise QuestionNotFound(number=row.number)
    if row.department_id not in chief_department_ids(conn, principal):
        raise PermissionDenied("只有本部门科长可以发布常见问题。")
    Question(row.number, QuestionStatus(row.status), row.lock_version).require_answered()
    faq = check_faq(question or row.question, answer_text or row.answer)
    inserted = outbox.insert_or_ignore(
        conn,
        item_faqs,
        ["consultation_id"],
        {
            "consultation_id": row.id,
            "item_id": row.item_id,
            "question": faq.question,
            "answer": faq.answer,
            "published_at": actor.at,
            "published_by": actor.user_id,
        },
    )
    if not inserted and not _republish(conn, actor, row.id, faq.question, faq.answer):
        raise FaqAlreadyPublished()
    faq_id = int(
        conn.execute(
            select(item_faqs.c.id).where(item_faqs.c.consultation_id == row.id)
        ).scalar_one()
    )
    code = conn.execute(
        select(service_items.c.code).where(service_items.c.id == row.item_id)
    ).scalar_one()
    audit.record(conn, actor, "consultation.faq_published", OBJECT, row.number, {"faq_id": faq_id})
    return FaqRef(faq_id, str(code))


@atomic
def withdraw_faq(uow: UnitOfWork, actor: Actor, faq_id: int) -> FaqRef:
    """撤下常见问题: the section chief of the item's department takes an entry off the guide;
    a conditional update, so of two chiefs one does it and the other finds it gone."""
    conn = uow.conn
    principal = signed_in(actor.principal)
    row = conn.execute(
        select(item_faqs.c.id, service_items.c.code, service_items.c.department_id)
        .join(service_items, service_items.c.id == item_faqs.c.item_id)
        .where(item_faqs.c.id == faq_id, item_faqs.c.withdrawn_at.is_(None))
    ).first()
    if row is None or row.department_id not in chief_department_ids(conn, principal):
        raise FaqNotFound()
    done = conn.execute(
        update(item_faqs)
        .where(item_faqs.c.id == faq_id, item_faqs.c.withdrawn_at.is_(None))
        .values(withdrawn_at=actor.at, withdrawn_by=actor.user_id)
    ).rowcount
    if done != 1:
        raise FaqNotFound()
    audit.record(conn, actor, "consultation.faq_withdrawn", "item_faq", str(faq_id))
    return FaqRef(faq_id, str(row.code))


# --- the worker --------------------------------------------------------------------------------


@atomic
def alert_overdue(uow: UnitOfWork, actor: Actor, today: date) -> int:
    """超期预警: each question still unanswered past its deadline alerts the department's
    section chiefs and reviewers, once per question and deadline; returns how many are
    overdue.  The worker's sweep pages through the same rows (``overdue_query``,
    ``alert_one``)."""
    query = overdue_query(today).order_by(consultations.c.due_on, consultations.c.id)
    rows = uow.conn.execute(query).all()
    for row in rows:
        alert_one(uow.conn, row, actor.at)
    return len(rows)


def overdue_query(today: date) -> Select[Any]:
    """Open questions past their deadline, with the question's id as the worker sweep's key."""
    return (
        select(
            consultations.c.id,
            consultations.c.number,
            consultations.c.due_on,
            service_items.c.name.label("item_name"),
            departments.c.code.label("department_code"),
        )
        .join(service_items, service_items.c.id == consultations.c.item_id)
        .join(departments, departments.c.id == consultations.c.department_id)
        .where(
            consultations.c.status == QuestionStatus.OPEN.value,
            consultations.c.due_on < today,
        )
    )


def alert_one(conn: Connection, row: Row[Any], now: datetime) -> bool:
    """Tell the department's desk that one question is overdue (once: dedup key)."""
    tell(
        conn,
        department_desk(conn, row.department_code),
        _("咨询已超期未答复"),
        _("关于“{item}”的咨询 {number} 已超过答复期限 {due_on}，请尽快答复。"),
        {"number": row.number, "item": row.item_name, "due_on": row.due_on.isoformat()},
        link=staff_link(row.number),
        key=f"consultation:{row.number}:overdue:{row.due_on.isoformat()}",
        now=now,
    )
    return True
