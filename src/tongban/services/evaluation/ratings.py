"""Giving a rating (好差评): the applicant rates a finished case once (一事一评), online or from
the SMS link, and may change it once within the edit window; a visitor rates one window
service on the pad (一次一评).  A poor rating opens a rectification task in the same
transaction.  Bad input changes nothing: each refusal is raised before the first write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, select

from tongban.adapters.db.tables import departments
from tongban.domain.evaluation.errors import (
    CaseNotFinished,
    NotTheApplicant,
    RatingExists,
)
from tongban.domain.evaluation.model import (
    FINISHED_CASE_STATUSES,
    Marks,
    RatingChannel,
    Subject,
    check_marks,
)
from tongban.domain.people.model import Role
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.masking import mask_text
from tongban.i18n import gettext as _
from tongban.services.cases.notify import department_staff
from tongban.services.evaluation import records
from tongban.services.evaluation.records import RATING, Counted
from tongban.services.platform import audit, outbox
from tongban.services.platform import calendar as working_days
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic


@dataclass(frozen=True)
class RatingRef:
    """What a rating left: its id and level, and the rectification it opened, if any."""

    id: int
    subject: Subject
    level: str
    rectification: str | None = None


def finished(status: str) -> bool:
    return status in FINISHED_CASE_STATUSES


def check_rateable(conn: Connection, number: str, rater_id: int | None) -> Any:
    """The case, when ``rater_id`` is its applicant and it is finished and not yet rated."""
    row = records.case_row(conn, number)
    if rater_id is None or row.applicant_id != rater_id:
        raise NotTheApplicant()
    if not finished(row.status):
        raise CaseNotFinished(number=row.number)
    if records.exists_for(conn, Subject.CASE, row.id):
        raise RatingExists(subject=Subject.CASE.label)
    return row


def department_heads(conn: Connection, department_id: int | None) -> list[int]:
    if department_id is None:
        return []
    code = conn.execute(
        select(departments.c.code).where(departments.c.id == department_id)
    ).scalar()
    if not code:
        return []
    heads = department_staff(conn, str(code), Role.DEPARTMENT_HEAD)
    return sorted({*heads, *department_staff(conn, str(code), Role.SECTION_CHIEF)})


def open_rectification(
    conn: Connection, actor: Actor, rating_id: int, counted: Counted, days: int, what: str
) -> str:
    """差评 → 整改: a task for the item's department, due ``days`` working days from today on
    the official calendar; the department head is told."""
    due = working_days.deadline(conn, china_date(actor.at), days)
    assert due is not None  # no clock stops here
    number = records.open_task(conn, rating_id, counted, due, actor)
    audit.record(conn, actor, "rectification.opened", records.TASK, number, {"rating": rating_id})
    body = mask_text(
        _(
            "{what}收到差评，已生成整改任务 {number}，整改期限 {due_on}；请回访评价人并答复。"
        ).format(what=what, number=number, due_on=due.isoformat())
    )
    messages = [
        outbox.inbox(
            user_id,
            _("差评整改任务"),
            body,
            link=records.task_link(number),
            dedup_key=f"rectification:{number}:opened:{user_id}",
        )
        for user_id in department_heads(conn, counted.department_id)
    ]
    outbox.enqueue_many(conn, messages, now=actor.at)
    return number


def give_case_rating(
    conn: Connection,
    actor: Actor,
    row: Row[Any],
    rater_id: int,
    marks: Marks,
    channel: RatingChannel,
    rectification_days: int,
) -> RatingRef:
    counted = records.counted_for_case(conn, row)
    rating_id = records.insert_rating(
        conn, Subject.CASE, row.id, rater_id, channel, marks, counted, actor.at
    )
    audit.record(
        conn,
        actor,
        "rating.given",
        RATING,
        row.number,
        {"level": marks.level.value, "channel": channel.value},
    )
    task = None
    if marks.level.is_poor:
        what = _("办件 {number}（{item}）").format(number=row.number, item=row.item_name)
        task = open_rectification(conn, actor, rating_id, counted, rectification_days, what)
    return RatingRef(rating_id, Subject.CASE, marks.level.value, task)


@atomic
def rate_case(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    level: str,
    dimensions: Mapping[str, object] | None,
    comment: str | None,
    *,
    rectification_days: int,
    channel: RatingChannel = RatingChannel.ONLINE,
) -> RatingRef:
    """一事一评: the applicant rates their finished case once; a poor level opens a
    rectification task."""
    marks = check_marks(level, dimensions, comment)
    row = check_rateable(uow.conn, number, actor.user_id)
    assert actor.user_id is not None
    return give_case_rating(uow.conn, actor, row, actor.user_id, marks, channel, rectification_days)


@atomic
def edit_case_rating(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    level: str,
    dimensions: Mapping[str, object] | None,
    comment: str | None,
    *,
    edit_days: int,
    rectification_days: int,
) -> RatingRef:
    """修改评价: once, within ``edit_days`` of rating (setting).  Turning a good rating poor
    opens a rectification task; a task already open stays as it is."""
    marks = check_marks(level, dimensions, comment)
    conn = uow.conn
    row = records.case_row(conn, number)
    if actor.user_id is None or row.applicant_id != actor.user_id:
        raise NotTheApplicant()
    stored = records.load_case_rating(conn, row.id)
    after = records.rating_of(stored).edit(marks, actor.at, timedelta(days=edit_days))
    records.save_rating(conn, stored, after, actor.at)
    audit.record(
        conn,
        actor,
        "rating.edited",
        RATING,
        row.number,
        {"level": marks.level.value, "before": stored.level},
    )
    task = records.task_number_of_rating(conn, stored.id)
    if task is None and marks.level.is_poor:
        counted = records.counted_for_case(conn, row)
        what = _("办件 {number}（{item}）").format(number=row.number, item=row.item_name)
        task = open_rectification(conn, actor, stored.id, counted, rectification_days, what)
    return RatingRef(stored.id, Subject.CASE, marks.level.value, task)


def editable_until(rated_at: datetime, edit_days: int) -> datetime:
    return rated_at + timedelta(days=edit_days)
