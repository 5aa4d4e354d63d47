"""A small hand-built district for the indicators: two items, four cases, two hard cases and
two queue tickets, each figure of which is worked out by hand in the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tests.clock import SYSTEM, TEST_START
from tests.factories import TOWN_CENTRE_CODE
from tests.integration.service_desk_fixtures import Desk, build_desk
from tests.integration.test_cases import at_window, issue, online, publish_item, step
from tongban.bootstrap import Container
from tongban.domain.cases.status import DeliveryMethod
from tongban.domain.catalogue.model import Level
from tongban.domain.network.model import ServiceWindow, WindowGroup
from tongban.domain.people.model import Role, RoleAssignment
from tongban.services.cases import lifecycle as svc
from tongban.services.indicators import definitions
from tongban.services.network import queries as network
from tongban.services.network import structure
from tongban.services.people import accounts as people
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.services.service_desk import hard_cases as desk_svc
from tongban.services.visits import queue

MONTH = date(2026, 11, 1)
ITEM_1, ITEM_2 = "SCJGJ-0001", "SCJGJ-0002"


@dataclass
class District:
    desk: Desk
    numbers: dict[str, str]
    district_leader: int
    town_leader: int
    head: int
    """The head of SCJGJ, the department of every case here."""
    other_head: int
    """The head of RSJ, which has no case here."""

    @property
    def container(self) -> Container:
        return self.desk.container

    def actor(self, who: int) -> Actor:
        with self.container.read() as uow:
            return Actor(principal=load_principal(uow.conn, who), request_id="t", at=TEST_START)


def _staff(container: Container, login: str, assignment: RoleAssignment) -> int:
    with container.uow() as uow:
        return people.create_staff(uow, SYSTEM, login, "测试领导", "Passw0rd!2026", [assignment])


def _cases(desk: Desk) -> dict[str, str]:
    w = desk.world
    publish_item(
        w.container, code=ITEM_2, name="食品经营许可（即办）", kind="immediate",
        channels=["window"], fully_online=False, visits=1, legal_limit_days=5,
        promised_limit_days=0,
    )  # fmt: skip
    # A: online, decided the next day (on time, 1 working day), delivered electronically.
    a = online(w, "2026-11-02", delivery_method=DeliveryMethod.ELECTRONIC)
    a = step(w, svc.accept, w.reviewer, a, "2026-11-02")
    a = step(w, svc.start_review, w.reviewer, a, "2026-11-02")
    a = step(w, svc.propose_decision, w.reviewer, a, "2026-11-03", True, "符合条件")
    a = step(w, issue, w.reviewer, a, "2026-11-03", "营业执照")
    # B: at the town window, decided on Thursday (deadline Tuesday: late, 3 working days).
    b = at_window(w, "2026-11-02")
    b = step(w, svc.accept, w.clerk, b, "2026-11-02")
    b = step(w, svc.start_review, w.reviewer, b, "2026-11-03")
    b = step(w, svc.propose_decision, w.reviewer, b, "2026-11-05", True, "符合条件")
    # C: an immediate item at the town window, decided on the spot.
    c = at_window(w, "2026-11-04", item_code=ITEM_2)
    c = step(w, svc.accept, w.clerk, c, "2026-11-04")
    c = step(w, svc.propose_decision, w.reviewer, c, "2026-11-04", True, "当场办结")
    # D: submitted at the town window, not decided yet.
    d = at_window(w, "2026-11-05", item_code=ITEM_2)
    return {"A": a.number, "B": b.number, "C": c.number, "D": d.number}


def _hard_cases(desk: Desk) -> None:
    first = desk.raise_(desk.world.citizen)
    desk.raise_(desk.world.citizen)
    ref = desk.run(desk_svc.assign_owner, desk.manager, first.number, desk.world.clerk, 1)
    desk.run(desk_svc.resolve, desk.world.clerk, ref.number, "solved", "已办成。", ref.version)


def _tickets(desk: Desk) -> None:
    """Two tickets at the town centre on Monday 16 November: waited 10 and 20 minutes."""
    container, clerk = desk.container, desk.world.clerk
    with container.read() as uow:
        town = network.centre(uow.conn, TOWN_CENTRE_CODE)
    laid_out = town.model_copy(
        update={
            "opening_hours": "周一至周五 09:00-12:00, 13:30-17:30",
            "windows": 1,
            "window_groups": (WindowGroup(code="A", name="综合窗口"),),
            "service_windows": (ServiceWindow(number=1, groups=("A",)),),
        }
    )
    with container.uow() as uow:
        structure.upsert_centres(uow, SYSTEM, [laid_out])

    def act(minutes: int) -> Actor:
        return Actor(
            principal=desk.world.actor(clerk).principal,
            request_id="q",
            at=TEST_START + timedelta(minutes=minutes),
        )

    for minutes in (0, 5):
        with container.uow() as uow:
            queue.take_ticket(uow, act(minutes), TOWN_CENTRE_CODE, group_code="A")
    with container.uow() as uow:
        queue.open_window(uow, act(0), TOWN_CENTRE_CODE, 1)
    for minutes in (10, 25):
        with container.uow() as uow:
            queue.call_next(uow, act(minutes))


def build_district(container: Container) -> District:
    desk = build_desk(container)
    numbers = _cases(desk)
    _hard_cases(desk)
    _tickets(desk)
    with container.uow() as uow:
        definitions.seed(uow, SYSTEM)
    return District(
        desk=desk,
        numbers=numbers,
        district_leader=_staff(container, "leader.district", RoleAssignment(Role.LEADER)),
        town_leader=_staff(
            container,
            "leader.town",
            RoleAssignment(Role.LEADER, level=Level.TOWN, centre_code=TOWN_CENTRE_CODE),
        ),
        head=_staff(
            container, "head.scjg", RoleAssignment(Role.DEPARTMENT_HEAD, department_code="SCJGJ")
        ),
        other_head=_staff(
            container, "head.rsj", RoleAssignment(Role.DEPARTMENT_HEAD, department_code="RSJ")
        ),
    )
