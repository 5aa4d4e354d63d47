"""The supervision panel of the leaders' dashboard: where the inspection tasks opened in a period
stand today, counted by hand over four shops (both engines)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.integration.supervision_fixtures import Supervised, supervised
from tests.integration.test_cases import world
from tests.integration.test_supervision import ALL_PASS, _findings
from tongban.adapters.db.tables_supervision import inspection_tasks
from tongban.domain.supervision.model import Outcome
from tongban.services.supervision import queries

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
