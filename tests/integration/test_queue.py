"""Queue numbers on both databases: numbers per group and day, the call order, windows that
open one clerk at a time, two windows calling at once never get one ticket, recall, transfer,
no-show and service times, the board, and who may do what."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import SYSTEM, TEST_START
from tests.factories import (
    TOWN_CENTRE_CODE,
    Person,
    ensure_reference_data,
    make_citizen,
    make_staff,
)
from tongban.adapters.db.tables_visits import queue_tickets
from tongban.bootstrap import Container
from tongban.domain.errors import PermissionDenied
from tongban.domain.network.model import GroupKind, ServiceWindow, WindowGroup
from tongban.domain.people.model import Role
from tongban.domain.shared.clock import china_date
from tongban.domain.visits.queue import (
    CallClass,
    NoTicketWaiting,
    PriorityReason,
    TicketStateWrong,
    TicketStatus,
    WindowNotOpen,
    WindowTaken,
)
from tongban.services.network import queries as network
from tongban.services.network import structure
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.services.visits import queue, queue_reads

OPEN = TEST_START  # Monday 09:30: the town centre is open
GROUPS = (
    WindowGroup(code="A", name="综合窗口"),
    WindowGroup(code="B", name="企业开办专区", departments=("SCJGJ",)),
    WindowGroup(code="H", name="办不成事反映窗口", kind=GroupKind.HARD_CASE),
)
WINDOWS = (
    ServiceWindow(number=1, groups=("A",), priority=True),
    ServiceWindow(number=2, groups=("A",)),
    ServiceWindow(number=3, groups=("A", "B")),
    ServiceWindow(number=4, groups=("H",)),
)


@dataclass
class Hall:
    container: Container
    clerks: list[int]
    citizen: Person
    elder: Person

    def actor(self, user_id: int, minutes: float = 0) -> Actor:
        with self.container.read() as uow:
            principal = load_principal(uow.conn, user_id)
        at = OPEN + timedelta(minutes=minutes)
        return Actor(principal=principal, request_id=f"req-{user_id}", at=at)


@pytest.fixture
def hall(container: Container) -> Hall:
    ensure_reference_data(container)
    seed_test_calendar(container)
    with container.read() as uow:
        town = network.centre(uow.conn, TOWN_CENTRE_CODE)
    laid_out = town.model_copy(
        update={
            "opening_hours": "周一至周五 09:00-12:00, 13:30-17:30",
            "windows": len(WINDOWS),
            "window_groups": GROUPS,
            "service_windows": WINDOWS,
        }
    )
    with container.uow() as uow:
        structure.upsert_centres(uow, SYSTEM, [laid_out])
    clerks = [make_staff(container, Role.CLERK).user_id for _ in range(3)]
    elder = make_citizen(container, id_number="440605195001010016", name="陈伯")
    return Hall(container, clerks, make_citizen(container), elder)


def take(hall: Hall, minutes: float = 0, **kw: object) -> queue.Ticket:
    with hall.container.uow() as uow:
        return queue.take_ticket(
            uow,
            hall.actor(hall.clerks[0], minutes),
            TOWN_CENTRE_CODE,
            **kw,  # type: ignore[arg-type]
        )


def open_window(hall: Hall, clerk: int, number: int) -> None:
    with hall.container.uow() as uow:
        queue.open_window(uow, hall.actor(clerk), TOWN_CENTRE_CODE, number)


def call(hall: Hall, clerk: int, minutes: float = 10) -> queue.Ticket:
    with hall.container.uow() as uow:
        return queue.call_next(uow, hall.actor(clerk, minutes))


def test_numbers_count_per_group_and_an_elder_is_called_before_earlier_walk_ins(
    hall: Hall,
) -> None:
    first = take(hall, group_code="A")
    business = take(hall, 1, group_code="B")
    second = take(hall, 2, group_code="A")
    elder = take(hall, 3, group_code="A", user_id=hall.elder.user_id)
    booked = take(hall, 4, group_code="A", booked_on_time=True)
    assert [t.number for t in (first, business, second, elder)] == ["A001", "B001", "A002", "A003"]
    assert elder.call_class is CallClass.PRIORITY and elder.priority_reason == "elderly"
    open_window(hall, hall.clerks[1], 2)  # an ordinary window: booked, priority, walk-ins
    assert [call(hall, hall.clerks[1], m).number for m in (10, 11)] == [booked.number, "A003"]
    open_window(hall, hall.clerks[2], 3)  # serves A and B: the earlier walk-in of either
    assert call(hall, hall.clerks[2]).number == "A001"
    assert call(hall, hall.clerks[2], 12).number == "B001"


def test_the_priority_window_calls_priority_tickets_before_booked_ones(hall: Hall) -> None:
    take(hall, group_code="A", booked_on_time=True)
    take(hall, 1, group_code="A", priority_reason=PriorityReason.PREGNANT)
    open_window(hall, hall.clerks[1], 1)
    called = call(hall, hall.clerks[1])
    assert called.priority_reason == "pregnant" and called.window_number == 1


def test_a_window_is_one_clerks_and_calling_needs_an_open_window(hall: Hall) -> None:
    take(hall, group_code="A")
    with pytest.raises(WindowNotOpen):
        call(hall, hall.clerks[1])
    open_window(hall, hall.clerks[1], 2)
    with pytest.raises(WindowTaken):
        open_window(hall, hall.clerks[2], 2)
    open_window(hall, hall.clerks[1], 1)  # moving to another window frees the first
    open_window(hall, hall.clerks[2], 2)
    with pytest.raises(PermissionDenied), hall.container.uow() as uow:  # a citizen: no window
        queue.open_window(uow, hall.actor(hall.citizen.user_id), TOWN_CENTRE_CODE, 3)


def test_a_window_the_layout_no_longer_has_cannot_call_and_a_new_group_is_served(
    hall: Hall,
) -> None:
    """The open window's layout comes from the in-memory network: a change to the centre is
    seen at the next call, in this process, without a restart."""
    take(hall, group_code="B")
    open_window(hall, hall.clerks[1], 2)  # serves A only
    with pytest.raises(NoTicketWaiting):
        call(hall, hall.clerks[1])
    with hall.container.read() as uow:
        town = network.centre(uow.conn, TOWN_CENTRE_CODE)
    regrouped = (WINDOWS[0], ServiceWindow(number=2, groups=("A", "B")), *WINDOWS[2:])
    without_2 = (WINDOWS[0], *WINDOWS[2:])
    for windows in (regrouped, without_2):
        changed = town.model_copy(update={"windows": len(windows), "service_windows": windows})
        with hall.container.uow() as uow:
            structure.upsert_centres(uow, SYSTEM, [changed])
        if windows is regrouped:
            assert call(hall, hall.clerks[1], 11).number == "B001"
    with pytest.raises(WindowNotOpen):
        call(hall, hall.clerks[1], 12)


def test_recall_no_show_transfer_and_the_times_of_service(hall: Hall) -> None:
    a = take(hall, group_code="A")
    b = take(hall, 1, group_code="A")
    clerk = hall.clerks[1]
    open_window(hall, clerk, 2)
    called = call(hall, clerk)
    with hall.container.uow() as uow:
        again = queue.recall(uow, hall.actor(clerk, 12), called.id)
    assert again.call_count == 2
    with hall.container.uow() as uow:
        gone = queue.mark_no_show(uow, hall.actor(clerk, 15), called.id)
    assert gone.status is TicketStatus.NO_SHOW and gone.number == a.number
    with pytest.raises(TicketStateWrong), hall.container.uow() as uow:
        queue.start_service(uow, hall.actor(clerk, 16), called.id)
    with hall.container.uow() as uow:
        moved = queue.transfer(uow, hall.actor(clerk, 16), b.id, "H")
    assert (moved.group_code, moved.number, moved.status) == ("H", b.number, TicketStatus.WAITING)
    with pytest.raises(NoTicketWaiting):
        call(hall, clerk, 17)
    open_window(hall, hall.clerks[2], 4)
    hard = call(hall, hall.clerks[2], 20)
    with hall.container.uow() as uow:
        queue.start_service(uow, hall.actor(hall.clerks[2], 21), hard.id)
    with hall.container.uow() as uow:
        done = queue.finish_service(uow, hall.actor(hall.clerks[2], 31), hard.id, "nh20261116-1")
    assert done.status is TicketStatus.DONE and done.case_number == "NH20261116-1"
    assert done.waited_seconds == 19 * 60 and done.served_seconds == 10 * 60


def test_the_board_shows_the_calls_and_the_waiting_per_group(hall: Hall) -> None:
    take(hall, group_code="A")
    take(hall, 1, group_code="A")
    take(hall, 2, group_code="B")
    open_window(hall, hall.clerks[1], 2)
    called = call(hall, hall.clerks[1])
    with hall.container.read() as uow:
        shown = queue_reads.board(uow.conn, TOWN_CENTRE_CODE, china_date(OPEN))
    assert [(t.number, t.window_number) for t in shown.called] == [(called.number, 2)]
    assert {g.code: g.waiting for g in shown.groups} == {"A": 1, "B": 1, "H": 0}
    assert shown.latest_call == f"{called.id}:1"


def test_a_closed_centre_gives_no_numbers_and_strangers_take_none(hall: Hall) -> None:
    with hall.container.uow() as uow:
        night = Actor(
            principal=hall.actor(hall.clerks[0]).principal, request_id="n", at=OPEN.replace(hour=20)
        )
        with pytest.raises(queue.CentreClosed):
            queue.take_ticket(uow, night, TOWN_CENTRE_CODE, group_code="A")
    with hall.container.uow() as uow, pytest.raises(PermissionDenied):  # only for oneself
        queue.take_ticket(
            uow,
            hall.actor(hall.citizen.user_id),
            TOWN_CENTRE_CODE,
            group_code="A",
            user_id=hall.elder.user_id,
        )
    with hall.container.read() as uow:
        assert uow.conn.execute(select(func.count()).select_from(queue_tickets)).scalar() == 0


def test_two_windows_calling_at_once_never_get_the_same_ticket(hall: Hall) -> None:
    trials = 200 if hall.container.engine.dialect.name == "postgresql" else 60
    open_window(hall, hall.clerks[1], 2)
    open_window(hall, hall.clerks[2], 3)
    for trial in range(trials):
        take(hall, trial / 100, group_code="A")
        take(hall, trial / 100, group_code="A")
        got: dict[int, int] = {}
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def window(
            clerk: int,
            barrier: threading.Barrier = barrier,
            got: dict[int, int] = got,
            errors: list[BaseException] = errors,
            minutes: float = 30 + trial / 100,
        ) -> None:
            try:
                barrier.wait()
                got[clerk] = call(hall, clerk, minutes).id
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=window, args=(c,)) for c in hall.clerks[1:]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert len(set(got.values())) == 2, (trial, got)
    with hall.container.read() as uow:
        calls = uow.conn.execute(
            select(queue_tickets.c.status, func.count()).group_by(queue_tickets.c.status)
        ).all()
    assert dict(calls) == {"called": trials * 2}


def test_a_window_sees_only_its_centres_tickets(hall: Hall, container: Container) -> None:
    ticket = take(hall, group_code="A")
    elsewhere = make_staff(container, Role.CLERK, centre_code="C-NH").user_id
    with container.uow() as uow, pytest.raises(queue.UnknownWindow):
        queue.open_window(uow, hall.actor(elsewhere), "C-NH", 1)  # C-NH has no windows here
    with container.uow() as uow, pytest.raises(WindowNotOpen):
        queue.recall(uow, hall.actor(elsewhere), ticket.id)
    assert isinstance(ticket.taken_at, datetime)


def test_the_pages_take_a_number_call_it_and_show_it_on_the_board(hall: Hall, client: Any) -> None:
    from tests.integration.test_case_pages import as_user, post

    container = hall.container
    csrf = as_user(container, client, hall.citizen.user_id)
    taken = post(client, f"/centres/{TOWN_CENTRE_CODE}/take", csrf, group_code="A")
    assert taken.status_code == 303, taken.text
    ticket_url = taken.headers["location"]
    mine = client.get(ticket_url)
    assert "A001" in mine.text and "前面还有 0 人" in mine.text
    refused = post(
        client, f"/centres/{TOWN_CENTRE_CODE}/take", csrf, group_code="A", priority_reason="elderly"
    )
    assert refused.status_code == 422 and "现场工作人员" in refused.text
    as_user(container, client, hall.elder.user_id)
    assert client.get(ticket_url).status_code == 404  # another's ticket

    csrf = as_user(container, client, hall.clerks[1])
    assert "开窗" in client.get("/window/queue").text
    assert post(client, "/window/queue/call-next", csrf).status_code == 409  # no window yet
    opened = post(client, "/window/queue/open", csrf, centre_code=TOWN_CENTRE_CODE, number="2")
    assert opened.status_code == 303, opened.text
    assert post(client, "/window/queue/call-next", csrf).status_code == 303
    console = client.get("/window/queue")
    assert "A001" in console.text and "开始办理" in console.text
    board = client.get(f"/centres/{TOWN_CENTRE_CODE}/board")
    assert (
        "A001" in board.text and "2 号窗口" in board.text and "请 A001 号到 2 号窗口" in board.text
    )
    live = client.get(f"/centres/{TOWN_CENTRE_CODE}/board/live", headers={"HX-Request": "true"})
    assert live.text.lstrip().startswith('<section id="board-live"')
    assert live.headers["cache-control"] == "no-store"


def test_the_manager_sees_the_days_queues_times_and_windows(hall: Hall, client: Any) -> None:
    from tests.integration.test_case_pages import as_user
    from tongban.services.visits import figures

    for minutes in (0, 1, 2):
        take(hall, minutes, group_code="A")
    open_window(hall, hall.clerks[1], 2)
    first = call(hall, hall.clerks[1], 10)  # waited 10 minutes
    with hall.container.uow() as uow:
        queue.start_service(uow, hall.actor(hall.clerks[1], 11), first.id)
    with hall.container.uow() as uow:
        queue.finish_service(uow, hall.actor(hall.clerks[1], 16), first.id)
    second = call(hall, hall.clerks[1], 20)  # waited 19 minutes
    with hall.container.uow() as uow:
        queue.mark_no_show(uow, hall.actor(hall.clerks[1], 25), second.id)
    with hall.container.read() as uow:
        shown = figures.day_figures(uow.conn, TOWN_CENTRE_CODE, china_date(OPEN))
    total = shown.total
    assert (total.taken, total.waiting, total.served, total.no_shows) == (3, 1, 1, 1)
    assert (total.wait_mean, total.wait_p90, total.service_mean) == (14.5, 19.0, 5.0)
    assert [(w.label.split(" ")[0], w.taken, w.is_open) for w in shown.windows] == [("2", 2, True)]
    assert shown.hours == [(9, 3, 14.5)]
    manager = make_staff(hall.container, Role.CENTRE_MANAGER).user_id
    as_user(hall.container, client, manager)
    page = client.get("/centre/visits")
    assert page.status_code == 200 and 'id="visit-totals"' in page.text and "14.5" in page.text
    assert "在办 0 件，其中超期 0 件" in page.text
    as_user(hall.container, client, hall.clerks[1])
    assert client.get("/centre/visits").status_code == 403
