"""Appointments on both databases: slots cut from opening hours and the calendar, booking,
one active booking per person and item, cancel and reschedule, the last place never taken
twice whatever the concurrency, the no-show policy, the day-before reminder, and check-in
turning a booking into a ticket called first."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from tests.clock import TEST_START
from tests.factories import TOWN_CENTRE_CODE, make_citizen
from tests.integration.test_cases import ITEM, publish_item
from tests.integration.test_queue import Hall, hall, open_window
from tongban.adapters.db.tables import outbox
from tongban.adapters.db.tables_visits import appointment_slots, appointments
from tongban.bootstrap import Container
from tongban.domain.shared.clock import CHINA_TZ
from tongban.domain.visits.appointments import (
    AlreadyBooked,
    BookingBlocked,
    BookingNotFound,
    BookingStatus,
    SlotFull,
    SlotUnavailable,
)
from tongban.domain.visits.queue import CallClass
from tongban.services.platform.context import Actor
from tongban.services.visits import appointments as svc
from tongban.services.visits import queue, queue_reads

__all__ = ["hall"]  # the fixture, shared with test_queue
RULES = svc.Rules(slot_minutes=30, places_per_window=1, days_ahead=14)
TOMORROW_10 = datetime(2026, 11, 17, 10, 0, tzinfo=CHINA_TZ)  # Tuesday


@pytest.fixture
def desk(hall: Hall) -> Hall:
    # SCJGJ-0001, bookable: window group B (one window: capacity 1)
    publish_item(hall.container, channels=["online", "window", "appointment"])
    return hall


def actor(hall: Hall, user_id: int, at: datetime = TEST_START) -> Actor:
    return hall.actor(user_id, (at - TEST_START).total_seconds() / 60)


def book(hall: Hall, user_id: int, starts_at: datetime = TOMORROW_10, **kw: object) -> svc.Booking:
    with hall.container.uow() as uow:
        return svc.book(uow, actor(hall, user_id), RULES, TOWN_CENTRE_CODE, ITEM, starts_at)


def test_slots_follow_the_hours_and_the_calendar(desk: Hall) -> None:
    with desk.container.read() as uow:
        tuesday = svc.slots(uow.conn, RULES, TOWN_CENTRE_CODE, ITEM, date(2026, 11, 17), TEST_START)
        today = svc.slots(uow.conn, RULES, TOWN_CENTRE_CODE, ITEM, TEST_START.date(), TEST_START)
        sunday = svc.slots(uow.conn, RULES, TOWN_CENTRE_CODE, ITEM, date(2026, 11, 22), TEST_START)
        far = svc.slots(uow.conn, RULES, TOWN_CENTRE_CODE, ITEM, date(2026, 12, 20), TEST_START)
    starts = [s.starts_at.astimezone(CHINA_TZ).strftime("%H:%M") for s in tuesday]
    assert starts[:6] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert "12:00" not in starts and starts[6] == "13:30" and starts[-1] == "17:00"
    assert {s.capacity for s in tuesday} == {1} and all(s.group_code == "B" for s in tuesday)
    assert today[0].starts_at > TEST_START  # 09:30 has begun: offered from 10:00
    assert sunday == [] and far == []


def test_a_booking_takes_a_place_and_one_person_books_an_item_once(desk: Hall) -> None:
    booking = book(desk, desk.citizen.user_id)
    assert booking.status is BookingStatus.BOOKED and len(booking.code) == 8
    with pytest.raises(AlreadyBooked):
        book(desk, desk.citizen.user_id, TOMORROW_10 + timedelta(hours=1))
    with pytest.raises(SlotFull):  # capacity 1: the elder cannot take the same slot
        book(desk, desk.elder.user_id)
    for bad in (TEST_START - timedelta(hours=1), TOMORROW_10.replace(hour=12, minute=30)):
        with pytest.raises(SlotUnavailable):
            book(desk, desk.elder.user_id, bad)
    with pytest.raises(SlotUnavailable):
        book(desk, desk.elder.user_id, TOMORROW_10 + timedelta(days=30))
    with desk.container.read() as uow:
        taken = uow.conn.execute(select(appointment_slots.c.booked)).scalars().all()
        sent = uow.conn.execute(select(outbox.c.kind)).scalars().all()
    assert taken == [1] and sorted(sent) == ["inbox", "sms"]


def test_cancel_frees_the_place_and_reschedule_moves_it_or_changes_nothing(desk: Hall) -> None:
    first = book(desk, desk.citizen.user_id)
    with desk.container.uow() as uow:
        svc.cancel(uow, actor(desk, desk.citizen.user_id), first.id)
    second = book(desk, desk.elder.user_id)  # the freed place
    mine = book(desk, desk.citizen.user_id, TOMORROW_10 + timedelta(hours=1))
    with desk.container.uow() as uow, pytest.raises(SlotFull):
        svc.reschedule(
            uow, actor(desk, desk.citizen.user_id), RULES, mine.id, TOWN_CENTRE_CODE, TOMORROW_10
        )
    with desk.container.uow() as uow:
        moved = svc.reschedule(
            uow,
            actor(desk, desk.citizen.user_id),
            RULES,
            mine.id,
            TOWN_CENTRE_CODE,
            TOMORROW_10 + timedelta(hours=3, minutes=30),
        )
    with desk.container.read() as uow:
        places = dict(
            uow.conn.execute(
                select(appointment_slots.c.starts_at, appointment_slots.c.booked)
            ).all()
        )
        assert svc.get_booking(uow.conn, mine.id).status is BookingStatus.CANCELLED
    with pytest.raises(BookingNotFound), desk.container.uow() as other:  # not one's to cancel
        svc.cancel(other, actor(desk, desk.elder.user_id), moved.id)
    assert places == {
        TOMORROW_10: 1,
        TOMORROW_10 + timedelta(hours=1): 0,
        TOMORROW_10 + timedelta(hours=3, minutes=30): 1,
    }
    assert second.status is BookingStatus.BOOKED


def test_the_last_place_is_never_booked_twice(desk: Hall) -> None:
    postgres = desk.container.engine.dialect.name == "postgresql"
    trials, racers = (200, 4) if postgres else (40, 3)
    people = [make_citizen(desk.container).user_id for _ in range(racers)]
    for trial in range(trials):
        wins: list[int] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(racers)

        def race(
            user_id: int,
            wins: list[int] = wins,
            errors: list[BaseException] = errors,
            barrier: threading.Barrier = barrier,
        ) -> None:
            try:
                barrier.wait()
                book(desk, user_id)
                wins.append(user_id)
            except SlotFull:
                pass
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=race, args=(p,)) for p in people]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        with desk.container.read() as uow:
            booked = uow.conn.execute(select(appointment_slots.c.booked)).scalar_one()
            rows = uow.conn.execute(select(func.count()).select_from(appointments)).scalar_one()
        assert (len(wins), booked, rows) == (1, 1, 1), trial
        with desk.container.uow() as uow, uow.atomic():  # the place is free for the next trial
            uow.conn.execute(delete(appointments))
            uow.conn.execute(update(appointment_slots).values(booked=0))


def test_three_no_shows_block_booking_for_thirty_days_with_the_reason(desk: Hall) -> None:
    for day in (17, 18, 19):
        book(desk, desk.citizen.user_id, TOMORROW_10.replace(day=day))
        after = TOMORROW_10.replace(day=day, hour=11)
        assert svc.mark_no_shows(desk.container, after) == 1
    with desk.container.uow() as uow, pytest.raises(BookingBlocked) as blocked:
        later = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)
        svc.book(
            uow,
            actor(desk, desk.citizen.user_id, later),
            RULES,
            TOWN_CENTRE_CODE,
            ITEM,
            later + timedelta(days=3, hours=1),
        )
    assert "2026-12-19" in blocked.value.message and "3 次" in blocked.value.message


def test_the_reminder_goes_once_the_day_before(desk: Hall) -> None:
    booking = book(desk, desk.citizen.user_id)
    evening = datetime(2026, 11, 16, 18, 0, tzinfo=CHINA_TZ)
    assert svc.remind_tomorrow(desk.container, evening) == 1
    assert svc.remind_tomorrow(desk.container, evening) == 0
    with desk.container.read() as uow:
        bodies = [str(p) for p in uow.conn.execute(select(outbox.c.payload)).scalars()]
    assert sum("明天请按预约到中心办事" in b for b in bodies) == 2  # inbox and SMS
    assert any(booking.code in b for b in bodies)


def test_check_in_on_time_is_called_first_and_a_late_one_waits_as_a_walk_in(desk: Hall) -> None:
    on_time = book(desk, desk.citizen.user_id)
    late = book(desk, desk.elder.user_id, TOMORROW_10 - timedelta(hours=1))  # 09:00-09:30
    arrive = TOMORROW_10 - timedelta(minutes=5)
    with desk.container.uow() as uow:
        walk_in = queue.take_ticket(
            uow,
            actor(desk, desk.clerks[0], arrive - timedelta(minutes=20)),
            TOWN_CENTRE_CODE,
            group_code="B",
        )
    with desk.container.uow() as uow, pytest.raises(BookingNotFound):
        svc.check_in(uow, actor(desk, desk.clerks[0], arrive), TOWN_CENTRE_CODE, code="AAAA9999")
    with desk.container.uow() as uow:
        ticket = svc.check_in(
            uow, actor(desk, desk.clerks[0], arrive), TOWN_CENTRE_CODE, code=on_time.code.lower()
        )
    assert ticket.call_class is CallClass.BOOKED and ticket.group_code == "B"
    with desk.container.uow() as uow:  # the elder comes after the slot ended: 65+, so priority
        elder = svc.check_in(uow, actor(desk, desk.elder.user_id, arrive), TOWN_CENTRE_CODE)
    assert elder.call_class is CallClass.PRIORITY
    open_window(desk, desk.clerks[1], 3)
    with desk.container.uow() as uow:
        called = queue.call_next(uow, actor(desk, desk.clerks[1], arrive + timedelta(minutes=1)))
    assert called.id == ticket.id and called.id != walk_in.id
    with desk.container.read() as uow:
        assert svc.get_booking(uow.conn, on_time.id).ticket_id == ticket.id
        assert svc.get_booking(uow.conn, late.id).status is BookingStatus.CHECKED_IN


def test_the_worker_runs_the_reminders_and_the_no_show_sweep() -> None:
    from tongban.worker import SWEEPS

    assert SWEEPS["appointment_reminders"].run is svc.remind_tomorrow
    assert SWEEPS["appointment_no_shows"].run is svc.mark_no_shows


def test_the_window_checks_in_an_identified_visitor_and_the_entrance_a_booking_code(
    desk: Hall, client: Any
) -> None:
    from tests.integration.test_case_pages import as_user, post

    mine = book(desk, desk.citizen.user_id, TEST_START + timedelta(minutes=30))  # today 10:00
    theirs = book(desk, desk.elder.user_id, TEST_START + timedelta(minutes=60))
    csrf = as_user(desk.container, client, desk.clerks[0])
    window = client.get(f"/window?applicant={desk.citizen.user_id}")
    assert 'id="check-in-applicant"' in window.text
    done = post(
        client, f"/centres/{TOWN_CENTRE_CODE}/check-in", csrf, applicant=str(desk.citizen.user_id)
    )
    assert done.status_code == 303, done.text
    assert "B00" in client.get(done.headers["location"]).text
    wrong = post(client, f"/centres/{TOWN_CENTRE_CODE}/check-in", csrf, booking_code="ZZZZ9999")
    assert wrong.status_code == 404 and "没有找到该预约" in wrong.text
    by_code = post(client, f"/centres/{TOWN_CENTRE_CODE}/check-in", csrf, booking_code=theirs.code)
    assert by_code.status_code == 303
    with desk.container.read() as uow:
        statuses = {svc.get_booking(uow.conn, b.id).status for b in (mine, theirs)}
    assert statuses == {BookingStatus.CHECKED_IN}


def test_the_demo_books_the_next_working_day_and_shows_the_mornings_queue(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tongban.demo import loader

    monkeypatch.setattr(loader, "EXTRA_PARTS", ("visits",))
    loader.load_demo(container, "small")  # the container's clock: Monday 09:30, open
    with container.read() as uow:
        starts = (
            uow.conn.execute(
                select(appointment_slots.c.starts_at).order_by(appointment_slots.c.starts_at)
            )
            .scalars()
            .all()
        )
        shown = queue_reads.board(uow.conn, TOWN_CENTRE_CODE, TEST_START.date())
    assert len(starts) == 3 and {s.astimezone(CHINA_TZ).date() for s in starts} == {
        date(2026, 11, 17)
    }
    assert [t.number for t in shown.called] == ["A002", "A001"]
    assert {g.code: g.waiting for g in shown.groups}["A"] == 3
    loader.load_demo(container, "small")  # again: nothing more
    with container.read() as uow:
        assert uow.conn.execute(select(func.count()).select_from(appointments)).scalar_one() == 3
