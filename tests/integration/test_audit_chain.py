"""The audit trail of cases is hash-chained: ``tongban audit verify`` passes on an untouched
database and finds an edited, a deleted (in the middle or at the end) and a reordered entry."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from tests.integration.test_cases import World, application, build_world
from tongban.adapters.db.tables import case_events, cases
from tongban.bootstrap import Container
from tongban.cli.app import app
from tongban.services.cases import lifecycle as svc
from tongban.services.cases.audit import verify


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def _cases(world: World, count: int = 3) -> list[str]:
    """``count`` accepted and reviewed cases (4 entries each)."""
    numbers = []
    for _ in range(count):
        with world.container.uow() as uow:
            ref = svc.submit_at_window(
                uow, world.actor(world.clerk), world.citizen, application(), accept=True
            )
            ref = svc.start_review(uow, world.actor(world.reviewer), ref.number, ref.version)
        numbers.append(ref.number)
    return numbers


def _event(world: World, number: str, seq: int) -> object:
    case_id = select(cases.c.id).where(cases.c.number == number).scalar_subquery()
    return (case_events.c.case_id == case_id) & (case_events.c.seq == seq)


def _tamper(world: World, statement: object) -> None:
    with world.container.engine.begin() as conn:
        conn.execute(statement)  # type: ignore[call-overload]


def _broken(world: World) -> list[tuple[str, int]]:
    with world.container.read() as uow:
        return [(b.number, b.seq) for b in verify(uow.conn).breaks]


def test_an_untouched_trail_verifies(world: World) -> None:
    _cases(world)
    with world.container.read() as uow:
        report = verify(uow.conn)
    assert report.ok and (report.cases, report.entries) == (3, 12)


def test_an_edited_reason_is_detected(world: World) -> None:
    _, second, _ = _cases(world)
    _tamper(world, update(case_events).where(_event(world, second, 2)).values(reason="改过"))
    assert _broken(world) == [(second, 2)]


def test_a_deleted_entry_is_detected_in_the_middle_and_at_the_end(world: World) -> None:
    first, _, third = _cases(world)
    _tamper(world, delete(case_events).where(_event(world, first, 2)))
    _tamper(world, delete(case_events).where(_event(world, third, 4)))
    assert _broken(world) == [(first, 2), (third, 4)]


def test_reordered_entries_are_detected(world: World) -> None:
    first, *_ = _cases(world)
    _tamper(world, update(case_events).where(_event(world, first, 2)).values(seq=99))
    _tamper(world, update(case_events).where(_event(world, first, 3)).values(seq=2))
    _tamper(world, update(case_events).where(_event(world, first, 99)).values(seq=3))
    assert _broken(world) == [(first, 2)]


def test_the_command_exits_1_and_names_the_broken_case(
    world: World,
) -> None:
    first, second, _ = _cases(world)
    url = world.container.engine.url.render_as_string(hide_password=False)
    env = {"TONGBAN_DATABASE_URL": url, "TONGBAN_DATA_DIR": str(world.container.settings.data_dir)}
    ok = CliRunner().invoke(app, ["audit", "verify"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output and "3 个办件" in ok.output
    _tamper(world, update(case_events).where(_event(world, second, 3)).values(reason="改过"))
    broken = CliRunner().invoke(app, ["audit", "verify"], env=env)
    assert broken.exit_code == 1
    assert second in broken.output and "第 3 条" in broken.output
    one = CliRunner().invoke(app, ["audit", "verify", "--case", first], env=env)
    assert one.exit_code == 0 and "1 个办件" in one.output
    unknown = CliRunner().invoke(app, ["audit", "verify", "--case", "NH20000101-000001"], env=env)
    assert unknown.exit_code == 2
