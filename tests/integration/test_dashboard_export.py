"""The Excel export read in a batch: every figure of the workbook equals the one
``figures.figure`` gives alone, for each reader, period and cut; the town comparison follows
``compare=`` as the page and the API do; bad input (an empty period, an unknown indicator, town
or department) is a clear error and no file."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Connection

from tests.integration.indicator_fixtures import MONTH, District, build_district
from tests.integration.test_dashboard import NOVEMBER, OCTOBER, TOWN, _block, _sheets
from tests.integration.test_indicators_web import as_user
from tongban.bootstrap import Container
from tongban.domain.indicators.errors import (
    DashboardEmptyPeriod,
    DashboardUnknownFilter,
    DimensionNotSupported,
    IndicatorNotFound,
)
from tongban.domain.indicators.model import MEASURES, Dimension, Period, Source
from tongban.services.indicators import dashboard, export, figures, ledger, sources
from tongban.services.indicators.access import DISTRICT, Scope
from tongban.services.indicators.batch import Batch
from tongban.services.indicators.definitions import published_specs

READERS = {
    "district": (DISTRICT, {}),
    "district narrowed to a town": (DISTRICT, {Dimension.TOWN: TOWN}),
    "district narrowed to a department": (DISTRICT, {Dimension.DEPARTMENT: "SCJGJ"}),
    "town leader": (Scope(town=TOWN), {}),
    "department head": (Scope(department="SCJGJ"), {}),
    "head of a department without cases": (Scope(department="RSJ"), {}),
}


@pytest.fixture
def district(container: Container) -> District:
    return build_district(container)


def _one_by_one(
    conn: Connection, scope: Scope, code: str, period: Period, by: Dimension, asked: Any
) -> list[tuple[str, str, float | None, bool | None]]:
    found = figures.figure(conn, scope, code, period=period, at=MONTH, filters=asked, by=by)
    return [(r.key, r.label, r.value, r.meets_target) for r in found.rows]


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("period", [Period.MONTH, Period.YEAR])
def test_the_batch_gives_every_figure_the_query_api_gives_alone(
    district: District, reader: str, period: Period
) -> None:
    scope, asked = READERS[reader]
    with district.container.read() as uow:
        conn = uow.conn
        ledger.current(conn)  # the batch reads the rollups itself: the case writes folded first
        specs = published_specs(conn)
        batch = Batch(conn, scope, specs, period, MONTH, asked)
        months = dashboard.months_before(MONTH)
        for spec in specs.values():
            alone = dashboard.value_of(conn, scope, spec, period, MONTH, asked)
            assert batch.value(spec) == alone, spec.code
            trend = dashboard.trend(conn, scope, spec, MONTH, asked).points
            assert [(p.month, p.value) for p in batch.trend(spec, months)] == [
                (p.month, p.value) for p in trend
            ], spec.code
            if not all(d in spec.dimensions for d in asked):
                continue
            for by in spec.dimensions:
                rows = [(r.key, r.label, r.value, r.meets_target) for r in batch.rows(spec, by)]
                assert rows == _one_by_one(conn, scope, spec.code, period, by, asked), (
                    spec.code,
                    by,
                )


@pytest.mark.parametrize("source", [Source.CASES, Source.RATINGS])
@pytest.mark.parametrize(
    "filters", [{}, {Dimension.TOWN: TOWN}, {Dimension.DEPARTMENT: "SCJGJ"}], ids=str
)
def test_the_cuts_by_centre_and_item_read_together_equal_each_read_alone(
    district: District, source: Source, filters: dict[Dimension, str]
) -> None:
    from tongban.services.evaluation import ratings

    world = district.desk.world
    for case, level in {"A": "very_satisfied", "B": "very_dissatisfied", "C": "satisfied"}.items():
        with district.container.uow() as uow:
            ratings.rate_case(
                uow, world.actor(world.citizen, "2026-11-16"), district.numbers[case], level,
                None, None, rectification_days=15,
            )  # fmt: skip
    names = sorted(n for n, m in MEASURES.items() if m.source is source)
    periods = [
        (MONTH, date(2026, 11, 30)),  # whole months: the monthly rows
        (date(2026, 11, 2), date(2026, 11, 20)),  # not: the daily rows
        (date(2026, 1, 1), date(2026, 12, 31)),
    ]
    with district.container.read() as uow:
        ledger.current(uow.conn)  # the sources read the rollups: the case writes folded first
        for start, end in periods:
            together = sources.fine_totals(uow.conn, source, names, start, end, filters)
            assert set(together) == set(sources.FINE_CUTS)
            for by in sources.FINE_CUTS:
                alone = sources.totals(uow.conn, source, names, start, end, filters, by)
                assert together[by] == alone, (start, end, by)
            if start == date(2026, 11, 2) and not filters:
                assert together[Dimension.CENTRE], "the period has figures to compare"


def test_the_export_compares_the_towns_by_the_indicator_chosen_on_the_dashboard(
    district: District, client: Any
) -> None:
    as_user(district, client, district.district_leader)
    page = client.get("/dashboard", params={**NOVEMBER, "compare": "on_time_rate"})
    assert "compare=on_time_rate" in page.text.split('id="export-link"')[0].rsplit("<a", 1)[1]
    for path in ("/api/v1/dashboard/export", "/dashboard/export"):
        answer = client.get(path, params={**NOVEMBER, "compare": "on_time_rate"})
        assert answer.status_code == 200, answer.text
        sheets = _sheets(answer.content)
        assert list(sheets)[:2] == ["指标定义", "镇街对比"]
        compared = sheets["镇街对比"]
        assert {r[0]: r[1] for r in compared[:8]}["指标"] == "按时办结率"
        assert [r[:3] for r in _block(compared, "镇街对比")] == [
            (TOWN, 50, "未达标"),
            ("网上（不经服务中心）", 100, "达标"),
        ]
    default = _sheets(client.get("/api/v1/dashboard/export", params=NOVEMBER).content)
    assert {r[0]: r[1] for r in default["镇街对比"][:8]}["指标"] == "办件量"
    assert [r[:2] for r in _block(default["镇街对比"], "镇街对比")] == [
        (TOWN, 3),
        ("网上（不经服务中心）", 1),
    ]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        (OCTOBER, 422, "dashboard_empty_period"),
        ({**NOVEMBER, "compare": "nope"}, 404, "indicator_not_found"),
        ({**NOVEMBER, "compare": "online_capable_rate"}, 422, "indicator_dimension_unsupported"),
        ({**NOVEMBER, "town": "不存在镇"}, 422, "dashboard_unknown_filter"),
        ({**NOVEMBER, "department": "NOPE"}, 422, "dashboard_unknown_filter"),
        ({**NOVEMBER, "period": "week"}, 422, "validation_failed"),
    ],
)
def test_bad_input_to_the_export_is_a_clear_error_and_no_file(
    district: District, client: Any, params: dict[str, str], status: int, code: str
) -> None:
    as_user(district, client, district.district_leader)
    refused = client.get("/api/v1/dashboard/export", params=params)
    assert (refused.status_code, refused.json()["code"]) == (status, code), refused.text
    assert refused.json()["message"]
    page = client.get("/dashboard/export", params=params)
    assert page.status_code == status and "text/html" in page.headers["content-type"]


def test_the_service_refuses_the_same_bad_input(district: District) -> None:
    cases: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"at": MONTH.replace(month=10)}, DashboardEmptyPeriod),
        ({"compare": "nope"}, IndicatorNotFound),
        ({"compare": "online_capable_rate"}, DimensionNotSupported),
        ({"filters": {Dimension.DEPARTMENT: "NOPE"}}, DashboardUnknownFilter),
    ]
    for kw, error in cases:
        with pytest.raises(error), district.container.read() as uow:
            export.workbook(uow.conn, DISTRICT, **{"period": Period.MONTH, "at": MONTH, **kw})


def test_an_unknown_dimension_or_indicator_of_a_figure_is_refused_with_a_stable_code(
    district: District, client: Any
) -> None:
    as_user(district, client, district.district_leader)
    unknown_by = client.get("/api/v1/indicators/volume/figures", params={"by": "street"})
    assert unknown_by.status_code == 422 and unknown_by.json()["code"] == "validation_failed"
    assert "by" in str(unknown_by.json()["fields"])
    unknown = client.get("/api/v1/indicators/nope/figures")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "indicator_not_found")
    uncut = client.get("/api/v1/indicators/online_capable_rate/figures", params={"by": "town"})
    assert (uncut.status_code, uncut.json()["code"]) == (422, "indicator_dimension_unsupported")
