"""The ratings demo: the finished cases rated by their applicants through the services, the
same levels on every load, a rectification called back and open and one answered and rated
again, relative to the load day, and a second load changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.clock import SYSTEM, TEST_START
from tests.integration.evaluation_fixtures import Ratings, build_ratings
from tongban.adapters.db.tables_evaluation import ratings, rectifications
from tongban.demo import evaluation


@pytest.fixture
def r(container: object) -> Ratings:
    return build_ratings(container)  # type: ignore[arg-type]


def test_the_demo_rates_finished_cases_deterministically_and_works_on_two_poor_ones(
    r: Ratings,
) -> None:
    numbers = [r.finished_case() for _ in range(6)]
    rated = [n for n in numbers if evaluation.rated(n)]
    r.open_case()  # not finished: not rated
    written = evaluation.load(r.container, SYSTEM, "small")
    again = evaluation.load(r.container, SYSTEM, "small")
    with r.container.read() as uow:
        given: list[Any] = uow.conn.execute(
            select(ratings.c.level, ratings.c.rated_at, ratings.c.rater_id)
        ).all()
        tasks = uow.conn.execute(
            select(rectifications.c.status, rectifications.c.called_back).order_by(
                rectifications.c.id
            )
        ).all()
    assert again == 0 and len(given) == len(rated) >= 2
    assert written == len(rated) + 1 + 3  # a call-back; a call-back, a response, a re-rating
    assert sorted(g.level for g in given if g.level in ("dissatisfied", "very_dissatisfied")) == [
        "dissatisfied",
        "very_dissatisfied",
    ]
    assert all(g.rated_at <= TEST_START and g.rater_id == r.world.citizen for g in given)
    assert [tuple(t) for t in tasks] == [("open", True), ("closed", True)]
