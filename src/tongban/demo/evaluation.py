"""Demo ratings (好差评) of the demo's finished cases, and the rectification of the poor ones.

Each finished case is rated by its applicant through the services, an hour or more after it
finished (never later than the moment the demo is loaded), with a level chosen from the case
number alone, so every load gives the same picture: about one in ten left unrated, and of
the rest about 80% 非常满意, 15% 满意, the rest
基本满意, and 1–2% poor (at least two, on items of departments that have a department head).
Of the poor ones, the first is called back and still open, the second called back, answered
and rated again.  Loaded once: nothing happens while any rating exists.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from tongban.adapters.db.tables import cases, departments, role_assignments
from tongban.adapters.db.tables_evaluation import ratings, rectifications
from tongban.domain.evaluation.model import FINISHED_CASE_STATUSES
from tongban.domain.people.model import Role
from tongban.domain.shared.clock import china_date
from tongban.services.evaluation import ratings as rate
from tongban.services.evaluation import rectifications as tasks
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor

if TYPE_CHECKING:
    from tongban.bootstrap import Container
    from tongban.demo.loader import Scale

POOR_SHARE = 0.015
LIMIT = 1500
"""At most this many cases are rated (the full demo has more; the rest stay unrated)."""
COMMENTS = {
    "very_satisfied": "窗口服务热情，一次就办好了。",
    "dissatisfied": "材料要求前后说法不一致，多跑了一趟。",
    "very_dissatisfied": "办理时间比承诺的长，电话也问不到进度。",
}


def _hash(number: str) -> int:
    return int(hashlib.sha256(number.encode()).hexdigest()[:8], 16)


def rated(number: str) -> bool:
    """About one finished case in ten is left unrated, as in life (and for the pages' forms)."""
    return _hash(number) % 10 != 9


def _level(number: str) -> str:
    share = _hash(number) % 100
    if share < 80:
        return "very_satisfied"
    if share < 95:
        return "satisfied"
    return "fairly_satisfied"


def _finished(conn: Any) -> list[Any]:
    headed = (
        select(role_assignments.c.department_id)
        .where(role_assignments.c.role == Role.SECTION_CHIEF.value)
        .where(role_assignments.c.department_id.is_not(None))
    )
    rows = conn.execute(
        select(
            cases.c.number,
            cases.c.applicant_id,
            cases.c.updated_at,
            cases.c.department_id.in_(headed).label("headed"),
        )
        .where(cases.c.status.in_(sorted(FINISHED_CASE_STATUSES)))
        .order_by(cases.c.id)
        .limit(LIMIT)
    ).all()
    return sorted((r for r in rows if rated(r.number)), key=lambda r: (_hash(r.number), r.number))


def load(container: Container, actor: Actor, scale: Scale) -> int:
    """Rate the finished cases once; returns how many records were written."""
    with container.read() as uow:
        if uow.conn.execute(select(func.count()).select_from(ratings)).scalar():
            return 0
        rows = _finished(uow.conn)
    if not rows:
        return 0
    now = container.clock.now()
    wanted = max(2, round(len(rows) * POOR_SHARE))
    poor = [r.number for r in rows if r.headed][:wanted]
    principals: dict[int, Any] = {}
    days = container.settings.rectification_days
    written = 0
    opened: list[tuple[str, datetime]] = []
    with container.uow() as uow, uow.atomic():  # all the ratings in one transaction
        for row in rows:
            if row.applicant_id not in principals:
                principals[row.applicant_id] = load_principal(uow.conn, row.applicant_id)
            at = min(row.updated_at + timedelta(hours=1 + _hash(row.number) % 30), now)
            who = replace(actor, principal=principals[row.applicant_id], at=at)
            level = (
                ("dissatisfied" if len(opened) % 2 else "very_dissatisfied")
                if row.number in poor
                else _level(row.number)
            )
            ref = rate.rate_case(
                uow, who, row.number, level, {}, COMMENTS.get(level, ""), rectification_days=days
            )
            written += 1
            if ref.rectification is not None:
                opened.append((ref.rectification, at))
    return written + _work_on(container, actor, opened, now)


def _head_of(conn: Any, number: str) -> int | None:
    found = conn.execute(
        select(role_assignments.c.user_id)
        .join(departments, departments.c.id == role_assignments.c.department_id)
        .join(rectifications, rectifications.c.department_id == departments.c.id)
        .where(rectifications.c.number == number)
        .where(role_assignments.c.role == Role.SECTION_CHIEF.value)
        .order_by(role_assignments.c.user_id)
        .limit(1)
    ).scalar()
    return int(found) if found is not None else None


def _work_on(
    container: Container, actor: Actor, opened: list[tuple[str, datetime]], now: datetime
) -> int:
    """The first task called back and still open; the second answered and rated again."""
    written = 0
    for i, (number, rated_at) in enumerate(opened[:2]):
        with container.read() as uow:
            head = _head_of(uow.conn, number)
        if head is None:
            continue
        with container.read() as uow:
            staff = load_principal(uow.conn, head)
        called = min(rated_at + timedelta(days=1), now)
        as_head = replace(actor, principal=staff, at=called)
        with container.uow() as uow:
            task = tasks.record_callback(
                uow,
                as_head,
                number,
                china_date(called),
                "reached",
                "已电话联系评价人，了解情况。",
                1,
            )
        written += 1
        if i == 0:
            continue
        answered = min(called + timedelta(hours=4), now)
        with container.uow() as uow:
            task = tasks.respond(
                uow,
                replace(as_head, at=answered),
                number,
                "已统一该事项的材料要求并在办事指南中公布，向评价人致歉并说明。",
                task.version,
            )
        written += 1
        with container.read() as uow:
            rater = _rater_of(uow.conn, number)
        if rater is not None:
            again = min(answered + timedelta(hours=2), now)
            with container.uow() as uow:
                tasks.re_rate(uow, replace(actor, principal=rater, at=again), number, "satisfied")
            written += 1
    return written


def _rater_of(conn: Any, number: str) -> Any:
    user = conn.execute(
        select(ratings.c.rater_id)
        .join(rectifications, rectifications.c.rating_id == ratings.c.id)
        .where(rectifications.c.number == number)
    ).scalar()
    return load_principal(conn, user) if user is not None else None
