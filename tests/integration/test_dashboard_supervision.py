"""The supervision panel of the leaders' dashboard: where the inspection tasks opened in a period
stood at its end (or today, for a period not over), counted by hand over a few shops (both
engines), on the injected clock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from tests.clock import SYSTEM
from tests.factories import Person, sign_in
from tests.integration.supervision_fixtures import Supervised, supervised
from tests.integration.test_cases import world
from tests.integration.test_supervision import ALL_PASS, _findings
from tongban.adapters.db.tables_supervision import inspection_tasks
from tongban.domain.people.model import Role
from tongban.domain.shared.clock import CHINA_TZ
from tongban.domain.supervision.model import Outcome
from tongban.services.indicators import definitions
from tongban.services.supervision import queries, tasks

__all__ = ["supervised", "world"]
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def _drawn(s: Supervised) -> list[tuple[str, int, int]]:
    with s.world.container.read() as uow:
        rows = uow.conn.execute(select(inspection_tasks).order_by(inspection_tasks.c.id)).all()
    return [(r.number, r.inspector_id, r.lock_version) for r in rows]


def standing(s: Supervised, today: date, department: str | None = None) -> queries.Standing:
    with s.world.container.read() as uow:
        return queries.standing(
            uow.conn, start=NOVEMBER[0], end=NOVEMBER[1], today=today, department_code=department
        )


def test_tasks_opened_in_the_period_are_counted_open_overdue_closed_revoked_and_with_findings(
    supervised: Supervised,
) -> None:
    s = supervised
    s.place()
    for name in ("甲店", "乙店", "丙店"):
        s.approve(name)
    s.draw()
    (closed, who1, v1), (rectified, who2, v2), (revoked, who3, v3) = _drawn(s)
    after = s.findings(who1, closed, _findings(ALL_PASS), v1)
    s.conclude(who1, closed, Outcome.CLOSURE, after.lock_version)
    after = s.findings(who2, rectified, _findings({**ALL_PASS, "L2": "fail"}), v2)
    s.conclude(who2, rectified, Outcome.RECTIFICATION, after.lock_version, rectify_days=5)
    after = s.findings(who3, revoked, _findings({**ALL_PASS, "C2": "fail"}), v3)
    s.conclude(who3, revoked, Outcome.REVOCATION, after.lock_version, reason="无证经营")
    s.approve("丁店")  # after the draw: waiting for the next one

    on_the_day = standing(s, date(2026, 11, 3))
    assert on_the_day == queries.Standing(
        opened=4, open=2, overdue=0, closed=1, revoked=1, with_findings=2
    )
    # at the end of the year the rectification and the undrawn task are past their deadlines
    assert standing(s, date(2026, 12, 31)).overdue == 2
    assert standing(s, date(2026, 11, 3), "SCJGJ") == on_the_day
    assert standing(s, date(2026, 11, 3), "RSJ") == queries.Standing(0, 0, 0, 0, 0, 0)


def _conclude_on(s: Supervised, who: int, number: str, version: int, day: str, **kw: Any) -> Any:
    with s.world.container.uow() as uow:
        return tasks.conclude(uow, s.actor(who, day), number, kw.pop("outcome"), version, **kw)


def _deadlines(s: Supervised) -> list[date]:
    with s.world.container.read() as uow:
        rows = uow.conn.execute(select(inspection_tasks).order_by(inspection_tasks.c.id)).all()
    return [r.first_due_on for r in rows]


def test_overdue_is_counted_as_of_the_periods_end_not_as_of_the_day_it_is_read(
    supervised: Supervised, client: Any
) -> None:
    s = supervised
    s.place()  # 10 working days from 3 November
    for name in ("甲店", "乙店", "丙店"):
        s.approve(name)
    s.draw()
    (late, who1, v1), (in_time, who2, v2), (rectified, who3, v3) = _drawn(s)
    deadline = _deadlines(s)[0]
    assert date(2026, 11, 3) < deadline < date(2026, 11, 30)
    # 甲店 inspected in December: past its deadline at the end of November, closed after it
    after = s.findings(who1, late, _findings(ALL_PASS), v1)
    _conclude_on(s, who1, late, after.lock_version, "2026-12-02", outcome=Outcome.CLOSURE)
    # 乙店 inspected late but within November: closed at the period's end
    after = s.findings(who2, in_time, _findings(ALL_PASS), v2)
    _conclude_on(s, who2, in_time, after.lock_version, "2026-11-24", outcome=Outcome.CLOSURE)
    # 丙店: a rectification by 5 working days ordered on 4 November, re-inspected in December
    after = s.findings(who3, rectified, _findings({**ALL_PASS, "L2": "fail"}), v3)
    ordered = _conclude_on(
        s, who3, rectified, after.lock_version, "2026-11-04",
        outcome=Outcome.RECTIFICATION, rectify_days=5,
    )  # fmt: skip
    after = s.findings(who3, rectified, _findings(ALL_PASS), ordered.lock_version)
    _conclude_on(s, who3, rectified, after.lock_version, "2026-12-03", outcome=Outcome.CLOSURE)

    # read in January: November as it stood on 30 November
    november = standing(s, date(2027, 1, 10))
    assert november == queries.Standing(
        opened=3, open=2, overdue=2, closed=1, revoked=0, with_findings=1
    )
    # the period not over yet: as of today (10 November), nothing is past its deadline yet
    assert standing(s, date(2026, 11, 10)) == queries.Standing(
        opened=3, open=3, overdue=0, closed=0, revoked=0, with_findings=1
    )
    # on 16 November the rectification (due 11 November) is overdue, the others not yet
    assert standing(s, date(2026, 11, 16)).overdue == 1
    # the dashboard and its API read the injected clock's day
    with s.world.container.uow() as uow:
        definitions.seed(uow, SYSTEM)
    s.world.container.clock.set(datetime(2027, 1, 10, 9, 30, tzinfo=CHINA_TZ))
    sign_in(s.world.container, client, Person(s.leader, "l", None, Role.LEADER))
    got = client.get("/api/v1/dashboard", params={"period": "month", "at": "2026-11-10"}).json()
    assert (got["supervision"]["overdue"], got["supervision"]["closed"]) == (2, 1)
    page = client.get("/dashboard", params={"period": "month", "at": "2026-11-10"})
    assert page.status_code == 200
