"""Review steps' due days after a clock stop (补正), counted on the example 2027 calendar:
Spring Festival 5–13 Feb is a holiday, Sunday 31 Jan and Saturday 20 Feb are worked."""

from __future__ import annotations

from datetime import date

import pytest

from tests.calendar_fixtures import EXAMPLE_2027
from tongban.domain.cases.review import (
    ReviewStep,
    StepStatus,
    due_after_stop,
    shift_for_stops,
)
from tongban.domain.shared.calendar import ClockStop, WorkingCalendar
from tongban.domain.shared.calendar_notice import parse_notice

CAL = WorkingCalendar(
    parse_notice(EXAMPLE_2027.read_text(encoding="utf-8"), filename=EXAMPLE_2027.name)
)
# Stopped Monday 1 Feb, resumed Tuesday 16 Feb: 2, 3, 4, 15, 16 Feb are the working days lost.
STOPPED, RESUMED = date(2027, 2, 1), date(2027, 2, 16)
FESTIVAL = ClockStop(STOPPED, RESUMED)


def step(status: StepStatus, due_on: date | None, name: str = "审查") -> ReviewStep:
    return ReviewStep(1, name, "reviewer", "SCJGJ", 5, status=status, due_on=due_on)


def test_a_step_due_after_the_stop_day_is_due_later_by_the_working_days_stopped() -> None:
    lost = CAL.working_days_between(STOPPED, RESUMED)
    assert lost == 5
    # Due Wednesday 3 Feb, 2 working days left at the stop: they run on 17 and 18 Feb.
    assert due_after_stop(date(2027, 2, 3), FESTIVAL, CAL) == date(2027, 2, 18)
    assert CAL.deadline(date(2027, 2, 3), lost) == date(2027, 2, 18)
    # Due after the stop ended: the same shift, past the 调休 Saturday 20 Feb.
    assert due_after_stop(date(2027, 2, 19), FESTIVAL, CAL) == CAL.deadline(date(2027, 2, 19), lost)
    assert due_after_stop(date(2027, 2, 19), FESTIVAL, CAL) == date(2027, 2, 25)


@pytest.mark.parametrize("due", [date(2027, 1, 29), date(2027, 2, 1)])
def test_a_step_whose_time_ran_out_by_the_stop_day_gains_nothing(due: date) -> None:
    assert due_after_stop(due, FESTIVAL, CAL) == due


def test_nothing_moves_while_the_clock_is_still_stopped_or_without_a_due_day() -> None:
    still = ClockStop(date(2027, 2, 1))
    assert due_after_stop(date(2027, 2, 3), still, CAL) == date(2027, 2, 3)
    assert due_after_stop(None, FESTIVAL, CAL) is None


def test_open_steps_move_and_done_steps_keep_their_day() -> None:
    done = step(StepStatus.DONE, date(2027, 2, 3), "done")
    active = step(StepStatus.ACTIVE, date(2027, 2, 3), "active")
    pending = step(StepStatus.PENDING, None, "pending")
    waiting = step(StepStatus.PENDING, date(2027, 2, 4), "waiting")
    moved = shift_for_stops([done, active, pending, waiting], [FESTIVAL], CAL)
    assert [s.name for s in moved] == ["active", "waiting"]
    assert done.due_on == date(2027, 2, 3)
    assert active.due_on == date(2027, 2, 18)
    assert waiting.due_on == date(2027, 2, 19)
    assert pending.due_on is None


def test_several_stops_add_up_in_time_order() -> None:
    later = ClockStop(date(2027, 2, 22), date(2027, 2, 24))  # 23 and 24 Feb lost
    active = step(StepStatus.ACTIVE, date(2027, 2, 19))
    shift_for_stops([active], [later, FESTIVAL], CAL)
    # 25 Feb after the festival, then 2 more working days after the second stop: Monday 1 March.
    assert active.due_on == date(2027, 3, 1)
