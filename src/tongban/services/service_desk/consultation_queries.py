"""Read side of consultation: lists of questions and one question as each reader may see
them, and the published FAQ of an item.

The asker sees their own questions; a reviewer or section chief those about their department's
items; a clerk or centre manager those taken down at their centres.  Lists mask the asker's
name; one question shows the department the asker's name and phone (the page logs that read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, case, false, or_, select

from tongban.adapters.db.tables import centres, departments, service_items, users
from tongban.adapters.db.tables_service_desk import consultations, item_faqs
from tongban.domain.people.model import Principal, Role
from tongban.domain.service_desk.consultation import AskedVia, QuestionStatus
from tongban.domain.service_desk.errors import QuestionNotFound
from tongban.domain.shared.masking import mask_name
from tongban.services.people.queries import Applicant, applicant
from tongban.services.platform.paging import Key, Page, PageRequest, read_page
from tongban.services.service_desk.access import (
    centre_ids_by_code,
    chief_department_ids,
    department_ids,
    is_applicant,
    managed_centres,
    role_centre_codes,
    signed_in,
)

MAX_ROWS = 200
_asker = users.alias("asker")
_answerer = users.alias("answerer")


@dataclass(frozen=True)
class QuestionSummary:
    """One line of a list of questions."""

    number: str
    item_code: str
    item_name: str
    department_name: str
    asked_via: AskedVia
    centre_name: str | None
    asker_name: str | None
    """Masked in staff lists; None in the asker's own list."""
    question: str
    status: QuestionStatus
    due_on: date
    asked_at: datetime
    answered_at: datetime | None
    version: int
    overdue: bool
    faq_id: int | None
    """The FAQ entry it was published as (still on the guide), if any."""


def _select() -> Select[Any]:
    return select(
        consultations,
        service_items.c.code.label("item_code"),
        service_items.c.name.label("item_name"),
        departments.c.name.label("department_name"),
        centres.c.name.label("centre_name"),
        _asker.c.name.label("asker_name"),
        _asker.c.kind.label("asker_kind"),
        _answerer.c.name.label("answerer_name"),
        item_faqs.c.id.label("faq_id"),
    ).select_from(
        consultations.join(service_items, service_items.c.id == consultations.c.item_id)
        .join(departments, departments.c.id == consultations.c.department_id)
        .join(_asker, _asker.c.id == consultations.c.asker_id)
        .outerjoin(centres, centres.c.id == consultations.c.centre_id)
        .outerjoin(_answerer, _answerer.c.id == consultations.c.answered_by)
        .outerjoin(
            item_faqs,
            (item_faqs.c.consultation_id == consultations.c.id)
            & item_faqs.c.withdrawn_at.is_(None),
        )
    )


def _summary(row: Any, today: date, *, mask: bool) -> QuestionSummary:
    status = QuestionStatus(row.status)
    asker = row.asker_name if mask else None
    if asker is not None and row.asker_kind == "citizen":
        asker = mask_name(asker)
    return QuestionSummary(
        number=row.number,
        item_code=row.item_code,
        item_name=row.item_name,
        department_name=row.department_name,
        asked_via=AskedVia(row.asked_via),
        centre_name=row.centre_name,
        asker_name=asker,
        question=row.question,
        status=status,
        due_on=row.due_on,
        asked_at=row.asked_at,
        answered_at=row.answered_at,
        version=row.lock_version,
        overdue=status is QuestionStatus.OPEN and row.due_on < today,
        faq_id=row.faq_id,
    )


def _staff_filter(conn: Connection, principal: Principal) -> Any:
    """Questions about the department's items, or taken down at the person's centres."""
    depts = department_ids(conn, principal)
    clerk_at = centre_ids_by_code(conn, role_centre_codes(principal, Role.CLERK))
    centre_ids = clerk_at | managed_centres(conn, principal)
    conditions = []
    if depts:
        conditions.append(consultations.c.department_id.in_(sorted(depts)))
    if centre_ids:
        conditions.append(consultations.c.centre_id.in_(sorted(centre_ids)))
    return or_(*conditions) if conditions else false()


def question_list(
    conn: Connection,
    principal: Principal | None,
    today: date,
    *,
    status: QuestionStatus | None = None,
    overdue_only: bool = False,
    limit: int = MAX_ROWS,
) -> list[QuestionSummary]:
    """The reader's questions: unanswered first, the nearest deadline first, then the answered
    ones, newest first."""
    return question_page(
        conn, principal, today, PageRequest(limit=limit), status=status, overdue_only=overdue_only
    ).rows


_FAR = date(9999, 12, 31)


def question_page(
    conn: Connection,
    principal: Principal | None,
    today: date,
    page: PageRequest,
    *,
    status: QuestionStatus | None = None,
    overdue_only: bool = False,
) -> Page[QuestionSummary]:
    """One page of ``question_list``, from where the last page ended."""
    who = signed_in(principal)
    staff = not is_applicant(who)
    query = _select()
    if staff:
        query = query.where(_staff_filter(conn, who))
    else:
        query = query.where(consultations.c.asker_id == who.user_id)
    if status is not None:
        query = query.where(consultations.c.status == status.value)
    open_ = consultations.c.status == QuestionStatus.OPEN.value
    if overdue_only:
        query = query.where(open_, consultations.c.due_on < today)
    due = consultations.c.due_on
    keys = [
        Key(case((open_, 0), else_=1)),
        Key(case((and_(open_, due.is_not(None)), due), else_=_FAR)),
        Key(consultations.c.id, descending=True),
    ]
    return read_page(conn, query, keys, page, lambda row: _summary(row, today, mask=staff))


@dataclass(frozen=True)
class QuestionView:
    """One question, its answer, and what the reader may do with it."""

    summary: QuestionSummary
    answer: str
    answerer_name: str | None
    asker: Applicant | None
    """The asker in full, for staff (the page logs that read); None for the asker."""
    asker_id: int
    seen_as: str
    """``asker`` or ``staff``."""
    may_answer: bool = False
    may_publish: bool = False
    may_withdraw: bool = False
    """The section chief may take the published FAQ entry off the guide."""

    @property
    def number(self) -> str:
        return self.summary.number

    @property
    def version(self) -> int:
        return self.summary.version


def question_view(
    conn: Connection, principal: Principal | None, number: str, today: date
) -> QuestionView:
    """One question for its asker or the staff who may read it; for anyone else it does not
    exist (``question_not_found``)."""
    who = signed_in(principal)
    text = (number or "").strip().upper()
    query = _select().where(consultations.c.number == text)
    if is_applicant(who):
        query = query.where(consultations.c.asker_id == who.user_id)
    else:
        query = query.where(_staff_filter(conn, who))
    row = conn.execute(query).first()
    if row is None:
        raise QuestionNotFound(number=text)
    staff = not is_applicant(who)
    open_ = row.status == QuestionStatus.OPEN.value
    of_department = staff and row.department_id in department_ids(conn, who)
    chief = staff and row.department_id in chief_department_ids(conn, who)
    return QuestionView(
        summary=_summary(row, today, mask=False),
        answer=row.answer,
        answerer_name=row.answerer_name,
        asker=applicant(conn, row.asker_id) if staff else None,
        asker_id=row.asker_id,
        seen_as="staff" if staff else "asker",
        may_answer=of_department and open_,
        may_publish=chief and not open_ and row.faq_id is None,
        may_withdraw=chief and row.faq_id is not None,
    )


@dataclass(frozen=True)
class FaqEntry:
    """A frequently asked question on an item's guide."""

    id: int
    item_code: str
    question: str
    answer: str
    published_at: datetime


def faqs_for_item(conn: Connection, item_code: str) -> list[FaqEntry]:
    """The entries on the item's guide (withdrawn ones not), oldest first."""
    rows = conn.execute(
        select(
            item_faqs.c.id,
            service_items.c.code,
            item_faqs.c.question,
            item_faqs.c.answer,
            item_faqs.c.published_at,
        )
        .join(service_items, service_items.c.id == item_faqs.c.item_id)
        .where(
            service_items.c.code == (item_code or "").strip().upper(),
            item_faqs.c.withdrawn_at.is_(None),
        )
        .order_by(item_faqs.c.published_at, item_faqs.c.id)
    )
    return [FaqEntry(r.id, r.code, r.question, r.answer, r.published_at) for r in rows]
