"""The leaders' dashboard over the small hand-built district of the indicator tests: every
panel's figures by hand, per reader, in the page and the API; the Excel export read back."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.integration.indicator_fixtures import MONTH, District, build_district
from tests.integration.test_indicators_web import as_user
from tongban.bootstrap import Container
from tongban.domain.indicators.errors import DashboardEmptyPeriod, OutOfJurisdiction
from tongban.domain.indicators.model import Dimension, Period
from tongban.services.indicators import dashboard, export
from tongban.services.indicators.access import DISTRICT, Scope

TOWN = "桂城街道"
NOVEMBER = {"period": "month", "at": "2026-11-10"}
OCTOBER = {"period": "month", "at": "2026-10-10"}


@pytest.fixture
def district(container: Container) -> District:
    return build_district(container)


def build(district: District, scope: Scope = DISTRICT, **kw: Any) -> dashboard.Dashboard:
    kw.setdefault("period", Period.MONTH)
    kw.setdefault("at", MONTH)
    kw.setdefault("today", MONTH)
    with district.container.read() as uow:
        return dashboard.build(uow.conn, scope, **kw)


def points(found: dashboard.Dashboard) -> dict[str, list[float | None]]:
    return {t.spec.code: [p.value for p in t.points] for t in found.trends}


def test_the_district_dashboard_shows_every_panel_as_worked_out_by_hand(
    district: District,
) -> None:
    found = build(district)
    assert (found.start.isoformat(), found.end.isoformat()) == ("2026-11-01", "2026-11-30")
    trends = points(found)
    # Dec 2025 … Nov 2026: cases only in November; no decision, rating or smart case before it
    assert [p.month.isoformat() for p in found.trends[0].points][::11] == [
        "2025-12-01",
        "2026-11-01",
    ]
    assert trends["volume"] == [0] * 11 + [4]  # no case is a real zero
    assert trends["on_time_rate"] == [None] * 11 + [66.67]  # nothing decided: no data
    assert trends["satisfaction"] == [None] * 12  # no rating at all
    assert trends["smart_case_share"] == [None] * 11 + [0.0]
    assert found.compare.code == "volume"
    assert [(b.key, b.value, b.drill) for b in found.bars] == [
        (TOWN, 3, {"town": TOWN, "by": "centre"}),
        ("", 1, {"town": "", "by": "centre"}),
    ]
    assert [(t.town, t.value) for t in found.tiles] == [(TOWN, 3)]
    assert {g.spec.code: (g.value, g.meets) for g in found.gauges} == {
        "online_capable_rate": (50.0, False),  # target 90, higher is better
        "time_compression": (95.0, True),  # target 50
        "on_time_rate": (66.67, False),  # target 100
        "visits_per_case": (0.75, True),  # target 1, lower is better
        "satisfaction": (None, None),  # no data: neither met nor missed
        "poor_call_back_rate": (None, None),
        "waiting_minutes": (15.0, True),  # target 15, lower is better: met at 15
    }
    assert found.supervision is not None and found.supervision.opened == 0
    assert found.has_data


def test_each_reader_sees_their_jurisdiction(district: District) -> None:
    town = build(district, Scope(town=TOWN))
    assert points(town)["volume"][-1] == 3
    assert [(b.key, b.value) for b in town.bars] == [(TOWN, 3)]  # online cases have no town
    assert town.supervision is None  # inspection tasks belong to departments
    head = build(district, Scope(department="SCJGJ"))
    assert points(head)["volume"][-1] == 4
    gauges = {g.spec.code: g.value for g in head.gauges}
    assert gauges["waiting_minutes"] is None  # tickets have no department: no data
    assert head.supervision is not None
    other = build(district, Scope(department="RSJ"))
    assert [(b.key, b.value) for b in other.bars] == [(TOWN, 0)]
    assert {g.spec.code: g.value for g in other.gauges}["on_time_rate"] is None
    assert not other.has_data
    with pytest.raises(OutOfJurisdiction):
        build(district, Scope(department="RSJ"), filters={Dimension.DEPARTMENT: "SCJGJ"})
    with pytest.raises(OutOfJurisdiction):
        build(district, Scope(town=TOWN), filters={Dimension.TOWN: "九江镇"})


def test_a_district_leader_narrows_the_dashboard_to_a_town(district: District) -> None:
    found = build(district, filters={Dimension.TOWN: TOWN})
    assert points(found)["volume"][-1] == 3
    gauges = {g.spec.code: g.value for g in found.gauges}
    assert gauges["on_time_rate"] == 50.0  # A was online; of B and C only C on time
    assert gauges["online_capable_rate"] is None  # the catalogue has no towns
    assert found.supervision is None
    by_department = build(
        district, filters={Dimension.DEPARTMENT: "SCJGJ"}, compare="waiting_minutes"
    )
    assert [(b.key, b.value) for b in by_department.bars] == [(TOWN, None)]  # no department
    assert by_department.supervision is not None


def test_the_dashboard_api_answers_every_panel_with_its_drill_down_links(
    district: District, client: Any
) -> None:
    as_user(district, client, district.district_leader)
    body = client.get("/api/v1/dashboard", params=NOVEMBER)
    assert body.status_code == 200, body.text
    got = body.json()
    volume = next(t for t in got["trends"] if t["code"] == "volume")
    assert volume["points"][-1] == {
        "month": "2026-11",
        "value": 4.0,
        "link": "/indicators/volume?period=month&at=2026-11-01&by=town",
    }
    satisfaction = next(t for t in got["trends"] if t["code"] == "satisfaction")
    assert {p["value"] for p in satisfaction["points"]} == {None}
    towns = got["comparison"]["towns"]
    assert [(t["town"], t["value"], t["latitude"] is not None) for t in towns] == [
        (TOWN, 3.0, True),
        ("", 1.0, False),
    ]
    assert towns[0]["link"] == (
        "/indicators/volume?period=month&at=2026-11-10&town=%E6%A1%82%E5%9F%8E%E8%A1%97%E9%81%93"
        "&by=centre"
    )
    gauge = next(g for g in got["gauges"] if g["code"] == "visits_per_case")
    assert (gauge["value"], gauge["target"], gauge["direction"], gauge["meets_target"]) == (
        0.75,
        1.0,
        "lower",
        True,
    )
    assert got["supervision"]["link"] == "/supervision/figures?since=2026-11-01&until=2026-11-30"
    on_time = client.get("/api/v1/dashboard", params={**NOVEMBER, "compare": "on_time_rate"})
    assert [t["value"] for t in on_time.json()["comparison"]["towns"]] == [50.0, 100.0]
    refused = client.get("/api/v1/dashboard", params={**NOVEMBER, "compare": "legal_days"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "indicator_dimension_unsupported"
    unknown = client.get("/api/v1/dashboard", params={**NOVEMBER, "compare": "no_such"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "indicator_not_found"


def test_a_department_head_cannot_see_another_department_by_page_or_api(
    district: District, client: Any
) -> None:
    as_user(district, client, district.other_head)
    own = client.get("/api/v1/dashboard", params=NOVEMBER)
    assert own.status_code == 200 and own.json()["scope"]["department"] == "RSJ"
    other = {**NOVEMBER, "department": "SCJGJ"}
    for path in ("/api/v1/dashboard", "/dashboard", "/api/v1/dashboard/export"):
        refused = client.get(path, params=other)
        assert refused.status_code == 403, path
    assert client.get("/api/v1/dashboard", params=other).json()["code"] == (
        "indicator_out_of_jurisdiction"
    )
    client.cookies.clear()
    assert client.get("/api/v1/dashboard", params=NOVEMBER).status_code == 401
    as_user(district, client, district.desk.world.clerk)
    assert client.get("/api/v1/dashboard", params=NOVEMBER).status_code == 403


def test_the_page_is_tables_with_links_and_says_no_data_not_zero(
    district: District, client: Any
) -> None:
    as_user(district, client, district.district_leader)
    page = client.get("/dashboard", params=NOVEMBER)
    assert page.status_code == 200
    text = page.text
    for table in ("table-trend-volume", "table-towns", "table-map", "table-gauges"):
        assert f'id="{table}"' in text
    assert 'id="table-supervision"' in text and "示意图" in text
    assert 'href="/indicators/volume?period=month&amp;at=2026-11-10&amp;town=' in text
    assert 'href="/indicators/on_time_rate?period=month&amp;at=2026-11-10&amp;by=town"' in text
    gauges = text.split('id="table-gauges"')[1]
    satisfaction = gauges.split('id="gauge-satisfaction"')[1].split("</tr>")[0]
    assert "暂无数据" in satisfaction and ">0" not in satisfaction
    assert 'href="/dashboard/export?period=month&amp;at=2026-11-10&amp;compare=volume"' in text
    towns = text.split('id="table-towns"')[1].split("</table>")[0]
    assert ">3 件</a>" in towns and ">1 件</a>" in towns  # a count without ".0"
    as_user(district, client, district.town_leader)
    town = client.get("/dashboard", params=NOVEMBER).text
    assert "范围：桂城街道" in town and 'id="supervision-none"' in town


def test_the_default_period_is_the_current_month_of_the_injected_clock(
    district: District, client: Any
) -> None:
    as_user(district, client, district.district_leader)
    got = client.get("/api/v1/dashboard").json()
    assert (got["period"], got["start"], got["end"]) == ("month", "2026-11-01", "2026-11-30")


def _sheets(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(BytesIO(data), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def _block(rows: list[tuple[Any, ...]], title: str) -> list[tuple[Any, ...]]:
    """The rows under a block's title and header, up to the blank row that ends it."""
    start = next(i for i, r in enumerate(rows) if r and r[0] == title) + 2
    out = []
    for row in rows[start:]:
        if not row or all(v is None for v in row):
            break
        out.append(row)
    return out


def test_the_export_has_a_definitions_sheet_and_one_sheet_per_indicator(
    district: District, client: Any
) -> None:
    as_user(district, client, district.district_leader)
    answer = client.get("/api/v1/dashboard/export", params=NOVEMBER)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == export.XLSX_MEDIA_TYPE
    assert "tongban-dashboard-month-20261101.xlsx" in answer.headers["content-disposition"]
    sheets = _sheets(answer.content)
    names = list(sheets)
    assert names[0] == "指标定义" and "办件量" in names and "按时办结率" in names
    assert names[1] == "镇街对比" and len(names) == 2 + len(sheets["指标定义"]) - 1
    definitions = {r[0]: r for r in sheets["指标定义"][1:]}
    assert definitions["on_time_rate"] == (
        "on_time_rate",
        "按时办结率",
        "办结的办件中在承诺期限内办结的比例。",
        "100 * sum(cases_finished_on_time) / sum(cases_finished)",
        "%",
        "越高越好",
        100,
        1,
    )
    assert definitions["volume"][6] == "—"
    on_time = sheets["按时办结率"]
    facts = {r[0]: r[1] for r in on_time[:8]}
    assert facts["数值"] == 66.67 and facts["范围"] == "全区" and facts["是否达标"] == "未达标"
    assert facts["期间"] == "月：2026-11-01 至 2026-11-30"
    assert [r[:3] for r in _block(on_time, "按镇街")] == [("网上（不经服务中心）", "—", 100),
                                                         (TOWN, TOWN, 50)]  # fmt: skip
    assert [r[:3] for r in _block(on_time, "按渠道")] == [("网上", "online", 100),
                                                         ("窗口", "window", 50)]  # fmt: skip
    trend = _block(on_time, "近12个月")
    assert trend[0][:2] == ("2025-12", "暂无数据") and trend[-1][:2] == ("2026-11", 66.67)
    assert len(trend) == 12
    satisfaction = {r[0]: r[1] for r in sheets["满意率"][:8]}
    assert satisfaction["数值"] == "暂无数据"


def test_the_export_keeps_to_the_readers_jurisdiction(district: District) -> None:
    with district.container.read() as uow:
        data = export.workbook(uow.conn, Scope(town=TOWN), period=Period.MONTH, at=MONTH)
    sheets = _sheets(data)
    volume = sheets["办件量"]
    assert {r[0]: r[1] for r in volume[:8]}["数值"] == 3
    assert [r[:3] for r in _block(volume, "按镇街")] == [(TOWN, TOWN, 3)]


def test_exporting_a_period_without_any_data_is_refused_and_nothing_is_written(
    district: District, client: Any
) -> None:
    with pytest.raises(DashboardEmptyPeriod), district.container.read() as uow:
        export.workbook(uow.conn, DISTRICT, period=Period.MONTH, at=MONTH.replace(month=10))
    as_user(district, client, district.district_leader)
    refused = client.get("/api/v1/dashboard/export", params=OCTOBER)
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "dashboard_empty_period"
    assert body["message"].startswith("2026-10-01 至 2026-10-31 没有任何数据")
    page = client.get("/dashboard/export", params=OCTOBER)
    assert page.status_code == 422
    assert "text/html" in page.headers["content-type"]
    assert "没有任何数据" in page.text and 'id="no-data"' in page.text


def test_the_openapi_document_names_the_dashboards_operations_and_their_own_errors(
    client: Any,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    summary, export_op = paths["/api/v1/dashboard"]["get"], paths["/api/v1/dashboard/export"]["get"]
    assert (summary["operationId"], export_op["operationId"]) == (
        "dashboard_summary",
        "dashboard_export_xlsx",
    )

    def example(operation: dict[str, Any], status: str) -> str:
        return str(operation["responses"][status]["content"]["application/json"]["example"]["code"])

    assert example(summary, "403") == example(export_op, "403") == "indicator_out_of_jurisdiction"
    assert example(summary, "422") == "indicator_dimension_unsupported"
    assert example(export_op, "422") == "dashboard_empty_period"
    # another route's generic 422 keeps its own example, not one written for a 409
    items = paths["/api/v1/items"]["get"]["responses"]["422"]["content"]["application/json"]
    assert items["example"]["code"] == "validation_failed"


def test_the_dashboard_reads_in_english_too(district: District, client: Any) -> None:
    as_user(district, client, district.district_leader)
    page = client.get("/dashboard", params={**NOVEMBER, "lang": "en"})
    assert page.status_code == 200
    assert "<h1>Leaders' dashboard</h1>" in page.text
    for words in ("Trends over 12 months", "Schematic", "Targets"):
        assert words in page.text, words
    assert "领导驾驶舱" not in page.text and "示意图" not in page.text
