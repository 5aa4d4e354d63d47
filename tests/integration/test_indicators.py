"""Every standard indicator over a small hand-built district equals the figure worked out by
hand; cuts, drill-down, jurisdiction and "no data" behave as people read them (both engines)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.integration.indicator_fixtures import MONTH, District, build_district
from tongban.adapters.db.tables import data_access_log
from tongban.bootstrap import Container
from tongban.domain.indicators.errors import DimensionNotSupported, OutOfJurisdiction
from tongban.domain.indicators.model import Dimension, Period
from tongban.services.indicators import drill, figures
from tongban.services.indicators.access import DISTRICT, Scope, scope_of

TOWN = "桂城街道"


@pytest.fixture
def district(container: Container) -> District:
    return build_district(container)


def value(district: District, code: str, scope: Scope = DISTRICT, **kw: object) -> float | None:
    kw.setdefault("period", Period.MONTH)
    kw.setdefault("at", MONTH)
    with district.container.read() as uow:
        return figures.figure(uow.conn, scope, code, **kw).value  # type: ignore[arg-type]


# code → the November figure of the whole district, by hand:
#   cases  A online, decided 11-03 on time in 1 working day, no visit
#          B town window, decided 11-05 late (deadline 11-03) in 3 working days, 1 visit
#          C town window, immediate item decided 11-04 on the spot (0 days), 1 visit
#          D town window, submitted 11-05, undecided, 1 visit
#   items  SCJGJ-0001 online + window, fully online, legal 15 / promised 1 days
#          SCJGJ-0002 window only, immediate, legal 5 / promised 0 days
#   hard cases: two raised at the town centre on 11-16, one resolved
#   tickets: two at the town centre on 11-16, called after 10 and 20 minutes
HAND = {
    "volume": 4,
    "online_capable_rate": 50.0,  # 1 of 2 items
    "fully_online_rate": 50.0,
    "smart_item_count": 0,
    "smart_item_share": 0.0,
    "smart_case_share": 0.0,  # 0 of 3 decided
    "certificate_free_item_share": 0.0,
    "certificate_free_case_share": 0.0,
    "average_days": 1.33,  # (1 + 3 + 0) / 3
    "legal_days": 10.0,  # (15 + 5) / 2
    "promised_days": 0.5,  # (1 + 0) / 2
    "time_compression": 95.0,  # (20 - 1) / 20
    "on_time_rate": 66.67,  # A and C of A, B, C
    "immediate_rate": 33.33,  # C of A, B, C
    "visits_per_case": 0.75,  # (0 + 1 + 1 + 1) / 4
    "satisfaction": None,  # no ratings yet: no data, not zero
    "poor_call_back_rate": None,
    "hard_cases_resolved": 1,
    "waiting_minutes": 15.0,  # (10 + 20) / 2
}


def test_every_standard_indicator_equals_the_figure_worked_out_by_hand(district: District) -> None:
    got = {code: value(district, code) for code in HAND}
    assert got == HAND


@pytest.mark.parametrize(
    ("code", "period", "day", "expected"),
    [
        ("volume", Period.DAY, "2026-11-02", 2),  # A and B
        ("on_time_rate", Period.DAY, "2026-11-02", None),  # nothing decided that day
        ("on_time_rate", Period.DAY, "2026-11-05", 0.0),  # B, late
        ("volume", Period.QUARTER, "2026-12-31", 4),
        ("volume", Period.YEAR, "2026-01-01", 4),
        ("volume", Period.MONTH, "2026-10-15", 0),  # no case: zero cases, real data
        ("on_time_rate", Period.MONTH, "2026-10-15", None),  # no decision: no data
    ],
)
def test_periods_count_on_the_day_a_case_was_submitted_or_decided(
    district: District, code: str, period: Period, day: str, expected: float | None
) -> None:
    assert value(district, code, period=period, at=date.fromisoformat(day)) == expected


def test_cut_by_town_the_online_case_has_no_town_and_the_rows_drill_into_centres(
    district: District,
) -> None:
    with district.container.read() as uow:
        got = figures.figure(uow.conn, DISTRICT, "volume", period=Period.MONTH, at=MONTH,
                             by=Dimension.TOWN)  # fmt: skip
    assert [(r.key, r.value) for r in got.rows] == [("", 1), (TOWN, 3)]
    assert got.rows[1].drill == {"town": TOWN, "by": "centre"}
    with district.container.read() as uow:
        centre = figures.figure(
            uow.conn,
            DISTRICT,
            "on_time_rate",
            period=Period.MONTH,
            at=MONTH,
            filters={Dimension.TOWN: TOWN},
            by=Dimension.CENTRE,
        )
    assert [(r.key, r.value, r.meets_target) for r in centre.rows] == [("C-GC", 50.0, False)]
    assert centre.rows[0].drill == {"centre": "C-GC", "by": "item"}
    assert value(district, "visits_per_case", by=Dimension.CHANNEL) == 0.75


def test_a_cut_lists_the_groups_the_indicator_counts_something_in(district: District) -> None:
    # 11-03: A (online, received 11-02) was decided and nothing was received; the day's rollup
    # row exists for the decision, so the volume by town must not list it as 0 cases
    def rows(code: str) -> list[tuple[str, float | None]]:
        with district.container.read() as uow:
            got = figures.figure(uow.conn, DISTRICT, code, period=Period.DAY,
                                 at=date(2026, 11, 3), by=Dimension.TOWN)  # fmt: skip
        return [(r.key, r.value) for r in got.rows]

    assert rows("volume") == []
    assert value(district, "volume", period=Period.DAY, at=date(2026, 11, 3)) == 0
    assert rows("on_time_rate") == [("", 100.0)]


def test_a_cut_the_indicator_does_not_have_is_refused(district: District) -> None:
    with pytest.raises(DimensionNotSupported), district.container.read() as uow:
        figures.figure(uow.conn, DISTRICT, "online_capable_rate", period=Period.MONTH, at=MONTH,
                       by=Dimension.TOWN)  # fmt: skip


def test_each_reader_sees_their_jurisdiction_and_is_refused_anothers(district: District) -> None:
    scope = {
        who: scope_of(district.actor(getattr(district, who)).principal)  # type: ignore[arg-type]
        for who in ("district_leader", "town_leader", "head", "other_head")
    }
    assert scope["district_leader"] == DISTRICT
    assert scope["town_leader"] == Scope(town=TOWN)
    assert scope["head"] == Scope(department="SCJGJ")
    assert value(district, "volume", scope["town_leader"]) == 3
    assert value(district, "volume", scope["head"]) == 4
    assert value(district, "volume", scope["other_head"]) == 0
    # the catalogue is public: a town leader sees it whole; a department its own items
    assert value(district, "online_capable_rate", scope["town_leader"]) == 50.0
    assert value(district, "online_capable_rate", scope["other_head"]) is None
    # queue tickets have no department: a head gets no data rather than others' figures
    assert value(district, "waiting_minutes", scope["town_leader"]) == 15.0
    assert value(district, "waiting_minutes", scope["head"]) is None
    with pytest.raises(OutOfJurisdiction):
        value(district, "volume", scope["other_head"], filters={Dimension.DEPARTMENT: "SCJGJ"})
    with pytest.raises(OutOfJurisdiction):
        value(district, "volume", scope["town_leader"], filters={Dimension.TOWN: "九江镇"})


def test_the_cases_behind_a_figure_are_listed_masked_and_each_read_is_logged(
    district: District,
) -> None:
    leader = district.actor(district.district_leader)
    with district.container.read() as uow:
        before = uow.conn.execute(select(func.count()).select_from(data_access_log)).scalar_one()
    with district.container.uow() as uow:
        listed = drill.cases_behind(
            uow, leader, DISTRICT, "on_time_rate", period=Period.MONTH, at=MONTH,
            filters={Dimension.TOWN: TOWN},
        )  # fmt: skip
    n = district.numbers
    assert listed.by_finish and listed.total == 2
    assert [line.number for line in listed.lines] == [n["B"], n["C"]]
    assert [line.counts for line in listed.lines] == [
        {"finished": 1, "on_time": 0},
        {"finished": 1, "on_time": 1},
    ]
    assert all(line.applicant.endswith("*") for line in listed.lines)
    with district.container.read() as uow:
        rows = uow.conn.execute(select(data_access_log).where(data_access_log.c.id > before)).all()
    assert [(r.actor_id, r.subject_id, r.what) for r in rows] == [
        (district.district_leader, district.desk.world.citizen, "case:list")
    ]
    assert "按时办结率" in rows[0].purpose
    with district.container.uow() as uow:
        volume = drill.cases_behind(uow, leader, DISTRICT, "volume", period=Period.MONTH, at=MONTH)
    assert not volume.by_finish and volume.total == 4


def test_satisfaction_and_the_call_back_rate_come_from_the_ratings_given(
    district: District,
) -> None:
    """A, B and C are rated by their applicant on 16 November: very satisfied, very
    dissatisfied (a rectification task opens), satisfied — then B's rater is called back."""
    from tongban.services.evaluation import ratings, rectifications

    world = district.desk.world
    levels = {"A": "very_satisfied", "B": "very_dissatisfied", "C": "satisfied"}
    refs = {}
    for case, level in levels.items():
        with district.container.uow() as uow:
            refs[case] = ratings.rate_case(
                uow,
                world.actor(world.citizen, "2026-11-16"),
                district.numbers[case],
                level,
                None,
                None,
                rectification_days=15,
            )
    assert value(district, "satisfaction") == 66.67  # 2 of 3
    assert value(district, "poor_call_back_rate") == 0.0  # B not called back yet
    october = value(district, "satisfaction", at=MONTH.replace(month=10))
    assert october is None  # no rating in October: no data, not zero
    task = refs["B"].rectification
    assert task is not None
    with district.container.uow() as uow:
        rectifications.record_callback(
            uow, world.actor(world.reviewer, "2026-11-17"), task, MONTH, "reached", "已回访", 1
        )
    assert value(district, "poor_call_back_rate") == 100.0
    by_channel = {}
    with district.container.read() as uow:
        cut = figures.figure(
            uow.conn, DISTRICT, "satisfaction", period=Period.MONTH, at=MONTH, by=Dimension.CHANNEL
        )
        by_channel = {row.key: row.value for row in cut.rows}
    assert by_channel == {"online": 100.0, "window": 50.0}  # A online; B and C at the window
