"""The approval centre's pure rules: which reviewer each strategy picks, what a skill covers,
and the figures (throughput over 7 and 30 days, median hours, queue age)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tongban.domain.approval.model import (
    Candidate,
    Decision,
    Strategy,
    choose,
    normalise_skills,
    queue_figures,
    reviewer_figures,
    skill_covers,
)

NOW = datetime(2026, 11, 20, 2, tzinfo=UTC)
TEAM = [Candidate(7, 2), Candidate(3, 1), Candidate(5, 1)]


def pick(
    strategy: Strategy, team: list[Candidate], last: int | None = None, code: str = "A-1"
) -> int | None:
    chosen = choose(strategy, team, item_code=code, item_category="食品经营", last_user_id=last)
    return chosen.user_id if chosen else None


def test_round_robin_goes_round_by_user_id_and_wraps() -> None:
    assert [pick(Strategy.ROUND_ROBIN, TEAM, last) for last in (None, 3, 5, 7, 4)] == [
        3,
        5,
        7,
        3,
        5,
    ]


def test_least_loaded_takes_the_lightest_and_breaks_ties_by_user_id() -> None:
    assert pick(Strategy.LEAST_LOADED, TEAM) == 3
    assert pick(Strategy.LEAST_LOADED, [Candidate(9, 0), *TEAM]) == 9
    assert pick(Strategy.LEAST_LOADED, []) is None


def test_skill_prefers_the_skilled_then_the_generalists_and_otherwise_nobody() -> None:
    team = [Candidate(1, 0, ("SCJGJ-*",)), Candidate(2, 5, ("食品经营",)), Candidate(3, 0)]
    assert pick(Strategy.SKILL, team) == 2  # only 2 covers the category, busy as they are
    assert pick(Strategy.SKILL, team, code="SCJGJ-0003") == 1  # 1 and 2 cover it; 1 is lighter
    others = [Candidate(1, 0, ("XX",)), Candidate(3, 4)]
    assert pick(Strategy.SKILL, others) == 3  # no one skilled: the generalist
    assert pick(Strategy.SKILL, [Candidate(1, 0, ("XX",))]) is None


def test_a_skill_is_a_code_a_code_prefix_or_a_category() -> None:
    assert skill_covers("SCJGJ-0001", "SCJGJ-0001", "")
    assert skill_covers("SCJGJ-00*", "SCJGJ-0012", "")
    assert skill_covers("SCJGJ-", "SCJGJ-0012", "")
    assert not skill_covers("SCJGJ", "SCJGJ-0012", "")
    assert skill_covers("食品经营", "X", "食品经营")
    assert normalise_skills([" b ", "a", "b", "", "  "]) == ("a", "b")


def test_figures_count_the_last_7_and_30_days_and_take_medians_in_hours() -> None:
    def decided(days_ago: float, hours_taken: float, reviewer: int = 1) -> Decision:
        end = NOW - timedelta(days=days_ago)
        return Decision(reviewer, end - timedelta(hours=hours_taken), end - timedelta(hours=1), end)

    done = [decided(1, 2), decided(3, 4), decided(10, 30), decided(40, 1), decided(1, 9, 2)]
    row = reviewer_figures(1, 4, done, NOW)
    assert (row.load, row.decided_7d, row.decided_30d) == (4, 2, 3)
    assert (row.per_day_7d, row.per_day_30d) == (0.29, 0.1)
    assert row.median_hours_from_submission == 4.0
    assert row.median_hours_from_assignment == 1.0
    idle = reviewer_figures(9, 0, done, NOW)
    assert (idle.decided_30d, idle.median_hours_from_submission) == (0, None)


def test_queue_figures_give_size_priority_and_ages() -> None:
    waiting = [(NOW - timedelta(hours=h), p) for h, p in ((1, 0), (5, 1), (30, 0))]
    figures = queue_figures(waiting, NOW)
    assert (figures.size, figures.priority, figures.oldest_hours, figures.median_hours) == (
        3,
        1,
        30.0,
        5.0,
    )
    assert queue_figures([], NOW).oldest_hours is None
