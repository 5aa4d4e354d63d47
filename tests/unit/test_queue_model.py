"""The queue's rules on their own: call order (booked, priority, walk-ins; the priority window),
which moves a ticket may make, ages from ID numbers, and the window layout of a centre."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from tongban.demo.centres import all_centres, town_layout
from tongban.domain.network.model import GroupKind
from tongban.domain.visits.queue import (
    CallClass,
    PriorityReason,
    TicketStateWrong,
    TicketStatus,
    Waiting,
    age_on,
    call_class,
    call_order,
    move,
    number_of,
)

T0 = datetime(2026, 11, 16, 1, 30, tzinfo=UTC)


def waiting(id: int, cls: CallClass, minute: int) -> Waiting:
    return Waiting(id, "A", cls, T0 + timedelta(minutes=minute), id)


def test_booked_then_priority_then_walk_ins_each_in_the_order_taken() -> None:
    tickets = [
        waiting(1, CallClass.WALK_IN, 0),
        waiting(2, CallClass.PRIORITY, 5),
        waiting(3, CallClass.BOOKED, 9),
        waiting(4, CallClass.WALK_IN, 1),
        waiting(5, CallClass.PRIORITY, 2),
    ]
    assert [t.id for t in call_order(tickets, priority_window=False)] == [3, 5, 2, 1, 4]
    assert [t.id for t in call_order(tickets, priority_window=True)] == [5, 2, 3, 1, 4]


def test_a_ticket_moves_only_along_its_life() -> None:
    assert move(TicketStatus.WAITING, "call") is TicketStatus.CALLED
    assert move(TicketStatus.CALLED, "recall") is TicketStatus.CALLED
    assert move(TicketStatus.CALLED, "transfer") is TicketStatus.WAITING
    assert move(TicketStatus.SERVING, "finish") is TicketStatus.DONE
    for status, action in [
        (TicketStatus.WAITING, "start"),
        (TicketStatus.NO_SHOW, "recall"),
        (TicketStatus.DONE, "call"),
        (TicketStatus.SERVING, "no_show"),
        (TicketStatus.SERVING, "transfer"),
    ]:
        with pytest.raises(TicketStateWrong):
            move(status, action)


def test_classes_numbers_and_ages() -> None:
    assert call_class(booked_on_time=True, reason=PriorityReason.ELDERLY) is CallClass.BOOKED
    assert call_class(booked_on_time=False, reason=PriorityReason.DISABLED) is CallClass.PRIORITY
    assert call_class(booked_on_time=False, reason=None) is CallClass.WALK_IN
    assert (number_of("A", 7), number_of("B", 1234)) == ("A007", "B1234")
    assert age_on("440605195001010016", date(2026, 11, 16)) == 76
    assert age_on("440605195012310016", date(2026, 12, 30)) == 75  # birthday not yet
    assert age_on("P1234567", date(2026, 11, 16)) is None


def test_every_demo_centre_has_numbered_windows_and_towns_have_every_kind_of_desk() -> None:
    for centre in all_centres():
        assert len(centre.service_windows) == centre.windows and centre.windows > 0
        assert centre.service_windows[0].priority
    groups, windows = town_layout(17)
    kinds = {g.kind for g in groups}
    assert {GroupKind.HARD_CASE, GroupKind.ASSISTED} <= kinds and len(windows) == 17
    town = all_centres()[1]
    assert town.group_for("SCJGJ").code == "B" and town.group_for("MZJ").code == "A"
    with pytest.raises(ValidationError):
        town.model_copy(update={"windows": 3}).model_validate({**town.model_dump(), "windows": 3})
