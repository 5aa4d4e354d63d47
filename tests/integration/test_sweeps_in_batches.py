"""Every sweep that pages through its set (``services.platform.batches``) passes the same two
checks, each set up through the area's own services: a row that fails is recorded in
``sweep_failures`` and the others still go through (the next run does it once it is mended),
and two workers sharing the sweep on PostgreSQL do each row once between them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, Select, select

from tests.factories import make_staff
from tests.integration.data_space_fixtures import NOW, holder  # noqa: F401
from tests.integration.kiosk_fixtures import IDLE, Kiosk, kiosk  # noqa: F401
from tests.integration.sweep_checks import failures, in_two_workers, watch_rows
from tongban.adapters.courier import SimulatedCourier
from tongban.adapters.db.tables import cases, outbox
from tongban.adapters.db.tables_bundles import bundle_applications
from tongban.adapters.db.tables_evaluation import rating_links
from tongban.adapters.db.tables_projects import project_steps, projects
from tongban.adapters.db.tables_self_service import kiosk_visits
from tongban.adapters.db.tables_service_desk import hard_cases
from tongban.bootstrap import Container
from tongban.domain.cases.status import CaseStatus
from tongban.domain.people.model import Role
from tongban.services.platform.context import Actor

ROWS = 5
"""Rows set up per sweep, in pages of 2: [0 1] [2 3] [4]."""


@dataclass
class Swept:
    """A sweep's set laid out: run it once (at the moment it was set up for), the keys of the
    rows it must handle, and the keys whose effect is in the database (once per effect)."""

    container: Container
    run: Callable[[], object]
    keys: list[str]
    effects: Callable[[], list[str]]
    changes_state: bool = True
    """False for an alert: a row stays in the set after it is alerted (its dedup key makes the
    alert once), so a worker may reach it again after the other committed."""


def _ids(container: Container, query: Select[Any]) -> list[str]:
    with container.read() as uow:
        return [str(i) for i in uow.conn.execute(query).scalars()]


def bundle_refresh(request: pytest.FixtureRequest) -> Swept:
    from tests.integration import test_bundles as t
    from tongban.demo.bundles import NEWBORN
    from tongban.services.bundles import applications as bundles
    from tongban.services.cases import lifecycle as case_svc

    world = t.build_world(request.getfixturevalue("container"))
    container = world.container
    first = NEWBORN.item_codes[0]
    reviewer = make_staff(container, Role.REVIEWER, department_code=t.SPECS[first].department_code)
    numbers = []
    for _ in range(ROWS):
        ref = t.apply(world, "XSECS", t.newborn_form())
        # The department accepts a sub-case: the application has moved since its refresh.
        t.step(world, case_svc.accept, reviewer.user_id, ref.case_numbers[0])
        numbers.append(ref.number)
    now = container.clock.now() + timedelta(hours=1)
    a = bundle_applications.c
    return Swept(
        container,
        lambda: bundles.refresh_sweep(container, now),
        _ids(container, select(a.id).where(a.number.in_(numbers)).order_by(a.id)),
        lambda: _ids(container, select(a.id).where(a.refreshed_at >= now)),
    )


def project_overdue_alerts(request: pytest.FixtureRequest) -> Swept:
    from tests.integration.project_fixtures import at, authorised_project, build_project_world
    from tongban.services.projects import lifecycle, steps

    world = build_project_world(request.getfixturevalue("container"))
    container = world.container
    codes = []
    for _ in range(ROWS):
        code = authorised_project(world).code
        with container.read() as uow:
            agent = uow.conn.execute(
                select(projects.c.agent_id).where(projects.c.code == code)
            ).scalar_one()
        with container.uow() as uow:  # filed on 2 November, due 5 working days on
            steps.file_step(uow, world.actor(agent, "2026-11-02"), code, 1)
        codes.append(code)
    now = at("2026-11-20")

    def effects() -> list[str]:
        """The step of each overdue alert queued (``project:<code>:overdue:<position>:…``)."""
        with container.read() as uow:
            ids = {
                (code, str(position)): str(step)
                for step, code, position in uow.conn.execute(
                    select(project_steps.c.id, projects.c.code, project_steps.c.position).join(
                        projects, projects.c.id == project_steps.c.project_id
                    )
                )
            }
            keys = uow.conn.execute(
                select(outbox.c.dedup_key).where(outbox.c.dedup_key.like("project:%:overdue:%"))
            ).scalars()
            return [ids[(key.split(":")[1], key.split(":")[3])] for key in keys]

    return Swept(
        container,
        lambda: lifecycle.overdue_sweep(container, now),
        _ids(
            container,
            select(project_steps.c.id)
            .join(projects, projects.c.id == project_steps.c.project_id)
            .where(projects.c.code.in_(codes), project_steps.c.position == 1)
            .order_by(project_steps.c.id),
        ),
        effects,
        changes_state=False,
    )


def hard_case_follow_up(request: pytest.FixtureRequest) -> Swept:
    from tests.integration.service_desk_fixtures import build_desk
    from tests.integration.test_hard_cases import resolved_for
    from tongban.services.service_desk import sweeps

    desk = build_desk(request.getfixturevalue("container"))
    container = desk.container
    numbers = [resolved_for(desk, desk.world.citizen) for _ in range(ROWS)]
    now = desk.actor(None, "2026-11-20").at  # 3 working days after the resolution have passed
    h = hard_cases.c
    return Swept(
        container,
        lambda: sweeps.unanswered_follow_ups(container, now),
        _ids(container, select(h.id).where(h.number.in_(numbers)).order_by(h.id)),
        lambda: _ids(container, select(h.id).where(h.feedback_reminded_at.is_not(None))),
    )


def rating_link_invitations(request: pytest.FixtureRequest) -> Swept:
    from tests.integration.evaluation_fixtures import build_ratings
    from tongban.services.evaluation import links

    r = build_ratings(request.getfixturevalue("container"))
    container = r.container
    numbers = [r.finished_case() for _ in range(ROWS)]  # finished on 3 November
    now = r.actor(None, "2026-11-04").at
    return Swept(
        container,
        lambda: links.invite_sweep(container, now),
        _ids(container, select(cases.c.id).where(cases.c.number.in_(numbers)).order_by(cases.c.id)),
        lambda: _ids(container, select(rating_links.c.case_id)),
    )


def kiosk_visits_close(request: pytest.FixtureRequest) -> Swept:
    from tongban.services.self_service import kiosks, visits

    first: Kiosk = request.getfixturevalue("kiosk")
    container = first.container
    devices = [first.device]
    for n in range(2, ROWS + 1):
        actor = first.as_manager()
        with container.uow() as uow:
            made = kiosks.register_kiosk(
                uow, actor, code=f"gc-zz-0{n}", name=f"桂城中心自助终端 {n}", idle_seconds=IDLE
            )
            pairing = kiosks.issue_pairing_code(uow, actor, made.code)
        device = Actor(at=NOW, request_id="pairing", ip="10.0.0.8")
        with container.uow() as uow:
            kiosks.pair_device(uow, device, made.code, pairing.code, session_days=30)
        devices.append(made.user_id)
    for device_id in devices:  # 陈阿婆 at every kiosk, then gone
        Kiosk(first.holder, first.manager, device_id).card(NOW)
    now = NOW + timedelta(seconds=IDLE + 1)
    v = kiosk_visits.c
    return Swept(
        container,
        lambda: visits.close_expired_sweep(container, now),
        _ids(container, select(v.id).order_by(v.id)),
        lambda: _ids(container, select(v.id).where(v.closed_at.is_not(None))),
    )


def case_mail_deliveries(request: pytest.FixtureRequest) -> Swept:
    from tests.integration.test_case_delivery import MAILED, decided, issue
    from tests.integration.test_cases import build_world
    from tongban.services.cases import sweeps

    world = build_world(request.getfixturevalue("container"))
    container = world.container
    courier = container.courier
    assert isinstance(courier, SimulatedCourier)
    now = datetime(2026, 11, 4, 3, tzinfo=UTC)
    numbers = []
    for _ in range(ROWS):
        sent = issue(world, decided(world, **MAILED), courier)
        assert sent.tracking_number is not None
        courier.confirm_delivery(sent.tracking_number, now)
        numbers.append(sent.ref.number)
    delivered = select(cases.c.id).where(cases.c.status == CaseStatus.DELIVERED.value)
    return Swept(
        container,
        lambda: sweeps.mail_deliveries(container, now),
        _ids(container, select(cases.c.id).where(cases.c.number.in_(numbers)).order_by(cases.c.id)),
        lambda: _ids(container, delivered),
    )


SWEPT: dict[str, Callable[[pytest.FixtureRequest], Swept]] = {
    "bundle_refresh": bundle_refresh,
    "project_overdue_alerts": project_overdue_alerts,
    "hard_case_follow_up": hard_case_follow_up,
    "rating_link_invitations": rating_link_invitations,
    "kiosk_visits_close": kiosk_visits_close,
    "case_mail_deliveries": case_mail_deliveries,
}


def lay_out(request: pytest.FixtureRequest, sweep: str) -> Swept:
    request.getfixturevalue("container").settings.sweep_batch_size = 2
    swept = SWEPT[sweep](request)
    assert len(swept.keys) == ROWS and swept.effects() == []
    return swept


@pytest.mark.parametrize("sweep", list(SWEPT))
def test_a_bad_row_is_recorded_and_the_rest_go_on(
    sweep: str, engine: Engine, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    swept = lay_out(request, sweep)
    spy = watch_rows(monkeypatch)
    spy.bad = bad = swept.keys[1]
    swept.run()
    assert failures(swept.container) == [(sweep, bad)]
    assert sorted(swept.effects()) == sorted(set(swept.keys) - {bad})
    # Mended, the row goes through on the next run, and nothing is done twice.
    spy.bad = None
    swept.run()
    assert sorted(swept.effects()) == sorted(swept.keys)
    assert failures(swept.container) == [(sweep, bad)]


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
@pytest.mark.parametrize("sweep", list(SWEPT))
def test_two_workers_share_the_sweep_and_do_each_row_once(
    sweep: str, engine: Engine, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    swept = lay_out(request, sweep)
    done = in_two_workers(monkeypatch, swept.run)
    assert done["a"] and done["b"], done
    assert set(done["a"]) | set(done["b"]) == set(swept.keys)
    if swept.changes_state:
        assert sorted(done["a"] + done["b"]) == sorted(swept.keys)
    assert sorted(swept.effects()) == sorted(swept.keys)
    assert failures(swept.container) == []
