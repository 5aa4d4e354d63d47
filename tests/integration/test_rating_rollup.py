"""The daily rating rollup equals a recomputation from the ratings after any mix of ratings,
edits and call-backs, on both engines; ``metrics verify`` finds a difference put in by hand and
``rebuild`` repairs it; the figures read it."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from tests.integration.evaluation_fixtures import (
    DAY,
    EDIT_DAYS,
    RECTIFICATION_DAYS,
    Ratings,
    build_ratings,
)
from tongban.adapters.db.tables_evaluation import rectifications
from tongban.adapters.db.tables_indicators import (
    indicator_rating_daily,
    indicator_rating_town_monthly,
)
from tongban.bootstrap import Container
from tongban.domain.errors import DomainError
from tongban.domain.indicators.model import Dimension, Period
from tongban.services.evaluation import ratings as svc
from tongban.services.evaluation import rectifications as tasks
from tongban.services.evaluation import rollup
from tongban.services.indicators import definitions, figures, metrics
from tongban.services.indicators.access import DISTRICT

LEVELS = ["very_satisfied", "satisfied", "fairly_satisfied", "dissatisfied", "very_dissatisfied"]
GOOD = {"efficiency": "very_satisfied"}

_RATINGS: dict[int, tuple[Ratings, list[str]]] = {}
"""One world per database, with the numbers of its finished cases not yet rated."""

ACTIONS = st.lists(
    st.tuples(st.sampled_from(["rate", "edit", "call"]), st.integers(0, 4), st.integers(0, 9)),
    min_size=1,
    max_size=6,
)


def _world(container: Container) -> Ratings:
    found = _RATINGS.get(id(container))
    if found is None or found[0].container is not container:
        r = build_ratings(container)
        with container.uow() as uow:
            definitions.seed(uow, r.actor(None))
        found = _RATINGS[id(container)] = (r, [])
    return found[0]


def _act(r: Ratings, rated: list[str], action: str, level: int, pick: int) -> None:
    try:
        if action == "rate" or not rated:
            number = r.finished_case()
            r.run(
                svc.rate_case, r.world.citizen, number, LEVELS[level], GOOD, "",
                rectification_days=RECTIFICATION_DAYS,
            )  # fmt: skip
            rated.append(number)
        elif action == "edit":
            r.run(
                svc.edit_case_rating, r.world.citizen, rated[pick % len(rated)], LEVELS[level],
                {}, "", edit_days=EDIT_DAYS, rectification_days=RECTIFICATION_DAYS,
            )  # fmt: skip
        else:
            with r.container.read() as uow:
                open_tasks = uow.conn.execute(
                    select(rectifications.c.number, rectifications.c.lock_version)
                    .where(rectifications.c.called_back.is_(False))
                    .order_by(rectifications.c.id)
                ).all()
            if open_tasks:
                number, version = open_tasks[pick % len(open_tasks)]
                r.run(
                    tasks.record_callback, r.chief, number, date(2026, 11, 16), "reached", "",
                    version,
                )  # fmt: skip
    except DomainError:  # a step the rules refuse changes nothing, the rollup neither
        pass


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=ACTIONS)
def test_after_random_ratings_edits_and_call_backs_the_rollup_equals_the_ratings(
    container: Container, actions: list[tuple[str, int, int]]
) -> None:
    r = _world(container)
    rated: list[str] = []
    for action, level, pick in actions:
        _act(r, rated, action, level, pick)
    with container.read() as uow:
        stored = rollup.stored(uow.conn)
        recomputed = rollup.recompute(uow.conn)
        report = metrics.verify(uow.conn)
    assert stored == recomputed
    assert report.differences == []
    assert sum(v["ratings_total"] for v in stored.values()) >= len(rated)


def test_figures_read_the_rollup_and_verify_and_rebuild_cover_it(container: Container) -> None:
    r = _world(container)
    good, poor = r.finished_case(), r.finished_case()
    for number, level in ((good, "satisfied"), (poor, "very_dissatisfied")):
        r.run(
            svc.rate_case, r.world.citizen, number, level, GOOD, "",
            rectification_days=RECTIFICATION_DAYS,
        )  # fmt: skip
    at = date.fromisoformat(DAY)

    def value(code: str, by: Dimension | None = None) -> object:
        with container.read() as uow:
            found = figures.figure(uow.conn, DISTRICT, code, period=Period.MONTH, at=at, by=by)
        return found.value if by is None else [(row.key, row.value) for row in found.rows]

    assert value("satisfaction") == 50.0
    assert value("poor_call_back_rate") == 0.0
    assert value("satisfaction", Dimension.CHANNEL) == [("online", 50.0)]
    with container.read() as uow:
        task = uow.conn.execute(select(rectifications)).one()
    r.run(tasks.record_callback, r.chief, task.number, at, "reached", "", task.lock_version)
    assert value("poor_call_back_rate") == 100.0

    with container.uow() as uow:
        uow.conn.execute(update(indicator_rating_daily).values(ratings_poor=7))
        uow.conn.execute(update(indicator_rating_town_monthly).values(ratings_total=3))
        uow.commit()
    with container.read() as uow:
        report = metrics.verify(uow.conn)
    assert {(d.table, d.measure, d.stored) for d in report.differences} == {
        ("indicator_rating_daily", "ratings_poor", 7),
        ("indicator_rating_town_monthly", "ratings_total", 3),
    }
    with container.uow() as uow:
        rebuilt = metrics.rebuild(uow, r.actor(None))
    assert rebuilt.rating_rows == 1
    with container.read() as uow:
        assert metrics.verify(uow.conn).differences == []
