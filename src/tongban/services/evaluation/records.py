"""How ratings and rectification tasks are stored: the case or ticket a rating counts for, the
insert that keeps 一事一评 even under a race, and the compare-and-set save of a task."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, insert, select, update

from tongban.adapters.db.tables import case_events, cases, service_items
from tongban.adapters.db.tables_evaluation import ratings, rectifications
from tongban.adapters.db.tables_visits import queue_tickets
from tongban.domain.errors import CaseNotFound, StaleVersion
from tongban.domain.evaluation.errors import (
    RatingExists,
    RatingNotFound,
    RectificationNotFound,
)
from tongban.domain.evaluation.model import (
    Dimension,
    Level,
    Marks,
    Rating,
    RatingChannel,
    Subject,
)
from tongban.domain.evaluation.rectification import (
    Rectification,
    RectificationStatus,
    rectification_number,
)
from tongban.services.evaluation import rollup
from tongban.services.platform import outbox
from tongban.services.platform.context import Actor

RATING = "rating"
TASK = "rectification"


def my_case_link(number: str) -> str:
    return f"/my/cases/{number}/rating"


def task_link(number: str) -> str:
    return f"/evaluation/rectifications/{number}"


@dataclass(frozen=True)
class Counted:
    """What a rating counts for in the statistics."""

    item_id: int | None
    department_id: int | None
    centre_id: int | None
    staff_id: int | None


def case_row(conn: Connection, number: str) -> Any:
    """The case with its item's name (the row), ``CaseNotFound`` when there is none."""
    text = (number or "").strip()
    row = conn.execute(
        select(
            cases.c.id,
            cases.c.number,
            cases.c.status,
            cases.c.applicant_id,
            cases.c.item_id,
            cases.c.department_id,
            cases.c.accepting_centre_id,
            cases.c.pickup_centre_id,
            service_items.c.name.label("item_name"),
        )
        .join(service_items, service_items.c.id == cases.c.item_id)
        .where(cases.c.number == text)
    ).first()
    if row is None:
        raise CaseNotFound(number=text)
    return row


def counted_for_case(conn: Connection, row: Row[Any]) -> Counted:
    """The item, its department, the accepting centre (else the pickup centre) and the clerk
    or reviewer who accepted the case."""
    staff = conn.execute(
        select(case_events.c.actor_id)
        .where(case_events.c.case_id == row.id, case_events.c.type == "CaseAccepted")
        .order_by(case_events.c.seq)
        .limit(1)
    ).scalar()
    centre = row.accepting_centre_id or row.pickup_centre_id
    return Counted(row.item_id, row.department_id, centre, staff)


def counted_for_ticket(conn: Connection, ticket: Row[Any]) -> Counted:
    """The centre and the clerk who served; the item and department when a case was linked."""
    item_id = department_id = None
    if ticket.case_number:
        linked = conn.execute(
            select(cases.c.item_id, cases.c.department_id).where(
                cases.c.number == ticket.case_number
            )
        ).first()
        if linked is not None:
            item_id, department_id = linked.item_id, linked.department_id
    if item_id is None and ticket.item_code:
        found = conn.execute(
            select(service_items.c.id, service_items.c.department_id).where(
                service_items.c.code == ticket.item_code
            )
        ).first()
        if found is not None:
            item_id, department_id = found.id, found.department_id
    return Counted(item_id, department_id, ticket.centre_id, ticket.called_by)


def insert_rating(
    conn: Connection,
    subject: Subject,
    target_id: int,
    rater_id: int | None,
    channel: RatingChannel,
    marks: Marks,
    counted: Counted,
    at: datetime,
) -> int:
    """Insert the rating of a case or ticket unless one exists (``ON CONFLICT DO NOTHING``: of
    two at once exactly one is stored); ``RatingExists`` otherwise."""
    column = "case_id" if subject is Subject.CASE else "ticket_id"
    values = {
        "subject": subject.value,
        column: target_id,
        "rater_id": rater_id,
        "channel": channel.value,
        "level": marks.level.value,
        "score": marks.level.score,
        "dimensions": {d.value: lvl.value for d, lvl in marks.dimensions.items()},
        "comment": marks.comment,
        "item_id": counted.item_id,
        "department_id": counted.department_id,
        "centre_id": counted.centre_id,
        "staff_id": counted.staff_id,
        "rated_at": at,
        "edits": 0,
        "lock_version": 1,
    }
    if not outbox.insert_or_ignore(conn, ratings, [column], values):
        raise RatingExists(subject=subject.label)
    rating_id = int(
        conn.execute(select(ratings.c.id).where(ratings.c[column] == target_id)).scalar_one()
    )
    rollup.record(conn, rating_id)
    return rating_id


def exists_for(conn: Connection, subject: Subject, target_id: int) -> bool:
    column = ratings.c.case_id if subject is Subject.CASE else ratings.c.ticket_id
    return conn.execute(select(ratings.c.id).where(column == target_id)).first() is not None


def rating_of(row: Row[Any]) -> Rating:
    marks = Marks(
        Level(row.level),
        {Dimension(k): Level(v) for k, v in (row.dimensions or {}).items()},
        row.comment,
    )
    return Rating(row.id, Subject(row.subject), row.rater_id, marks, row.rated_at, row.edits)


def load_case_rating(conn: Connection, case_id: int) -> Row[Any]:
    row = conn.execute(
        select(ratings).where(ratings.c.case_id == case_id).with_for_update()
    ).first()
    if row is None:
        raise RatingNotFound()
    return row


def save_rating(conn: Connection, row: Row[Any], after: Rating, at: datetime) -> int:
    """Compare-and-set on ``lock_version``: of two edits at once one wins; the rating rollup
    moves by the change of level."""
    version = int(row.lock_version) + 1
    before = rollup.counts_of(conn, row.id)
    done = conn.execute(
        update(ratings)
        .where(ratings.c.id == row.id, ratings.c.lock_version == row.lock_version)
        .values(
            level=after.marks.level.value,
            score=after.marks.level.score,
            dimensions={d.value: lvl.value for d, lvl in after.marks.dimensions.items()},
            comment=after.marks.comment,
            edits=after.edits,
            edited_at=at,
            lock_version=version,
        )
    ).rowcount
    if done != 1:
        raise StaleVersion(current=row.lock_version)
    rollup.record(conn, row.id, before)
    return version


def ticket_row(conn: Connection, ticket_id: int) -> Row[Any] | None:
    return conn.execute(
        select(queue_tickets).where(queue_tickets.c.id == ticket_id).with_for_update()
    ).first()


# --- rectification tasks -------------------------------------------------------------------


def task_of(row: Row[Any]) -> Rectification:
    return Rectification(
        number=row.number,
        status=RectificationStatus(row.status),
        owner_id=row.owner_id,
        due_on=row.due_on,
        version=row.lock_version,
        called_back=row.called_back,
        response=row.response,
        re_level=Level(row.re_level) if row.re_level else None,
    )


def load_task(conn: Connection, number: str) -> Row[Any]:
    text = (number or "").strip().upper()
    row = conn.execute(
        select(rectifications, ratings.c.rater_id, ratings.c.case_id, ratings.c.level)
        .join(ratings, ratings.c.id == rectifications.c.rating_id)
        .where(rectifications.c.number == text)
        .with_for_update(of=rectifications)
    ).first()
    if row is None:
        raise RectificationNotFound(number=text)
    return row


def check_version(row: Row[Any], version: int) -> None:
    if version != row.lock_version:
        raise StaleVersion(current=row.lock_version)


def save_task(
    conn: Connection, row: Row[Any], after: Rectification, at: datetime, **extra: Any
) -> Rectification:
    """UPDATE ... WHERE lock_version = <read>: of two staff acting at once exactly one wins;
    a call-back moves the rating rollup."""
    version = int(row.lock_version) + 1
    moves = bool(row.called_back) != after.called_back
    before = rollup.counts_of(conn, row.rating_id) if moves else None
    done = conn.execute(
        update(rectifications)
        .where(
            and_(rectifications.c.id == row.id, rectifications.c.lock_version == row.lock_version)
        )
        .values(
            status=after.status.value,
            owner_id=after.owner_id,
            called_back=after.called_back,
            response=after.response,
            re_level=after.re_level.value if after.re_level else None,
            lock_version=version,
            updated_at=at,
            **extra,
        )
    ).rowcount
    if done != 1:
        current = conn.execute(
            select(rectifications.c.lock_version).where(rectifications.c.id == row.id)
        ).scalar()
        raise StaleVersion(current=current)
    if before is not None:
        rollup.record(conn, row.rating_id, before)
    return replace(after, version=version)


def open_task(
    conn: Connection, rating_id: int, counted: Counted, due_on: date, actor: Actor
) -> str:
    """A new task for a poor rating, numbered ZG + its id."""
    task_id = conn.execute(
        insert(rectifications)
        .values(
            number=f"tmp-{rating_id}",
            rating_id=rating_id,
            department_id=counted.department_id,
            centre_id=counted.centre_id,
            status=RectificationStatus.OPEN.value,
            due_on=due_on,
            opened_at=actor.at,
            lock_version=1,
            updated_at=actor.at,
        )
        .returning(rectifications.c.id)
    ).scalar_one()
    number = rectification_number(int(task_id))
    conn.execute(update(rectifications).where(rectifications.c.id == task_id).values(number=number))
    return number


def task_number_of_rating(conn: Connection, rating_id: int) -> str | None:
    found = conn.execute(
        select(rectifications.c.number).where(rectifications.c.rating_id == rating_id)
    ).scalar()
    return str(found) if found else None
