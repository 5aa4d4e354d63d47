"""The indicator system over HTTP and in pages: definitions edited as versions, formula errors
with their position, figures within the reader's jurisdiction, and the drill-down to cases."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import Person, make_staff, sign_in
from tests.integration.indicator_fixtures import District, build_district
from tongban.adapters.db.tables_indicators import indicator_definitions
from tongban.bootstrap import Container
from tongban.domain.people.model import Role

API = "/api/v1/indicators"
MONTH = {"period": "month", "at": "2026-11-10"}
_keys = itertools.count(1)


@pytest.fixture
def district(container: Container) -> District:
    return build_district(container)


def as_user(district: District, client: Any, user_id: int) -> dict[str, str]:
    client.cookies.clear()
    csrf = sign_in(district.container, client, Person(user_id, f"u{user_id}", None, Role.LEADER))
    return {"X-CSRF-Token": csrf}


def post(client: Any, headers: dict[str, str], path: str, body: Any) -> Any:
    return client.post(path, json=body, headers={**headers, "Idempotency-Key": f"i-{next(_keys)}"})


NEW = {
    "code": "refusal_rate",
    "name": "不予受理率",
    "definition": "提交的办件中不予受理的比例。",
    "formula": "100 * (sum(cases_received) - sum(cases_finished)) / sum(cases_received)",
    "unit": "%",
    "direction": "lower",
    "target": 5,
    "dimensions": ["town", "department"],
}


def test_an_indicator_is_drafted_published_changed_and_keeps_its_history(
    district: District, client: Any
) -> None:
    admin = make_staff(district.container, Role.CATALOGUE_ADMIN).user_id
    headers = as_user(district, client, admin)
    created = post(client, headers, API, NEW)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft" and created.json()["published"] is None
    published = post(client, headers, f"{API}/refusal_rate/publish", {"lock_version": 1})
    assert published.json()["published_version"] == 1
    changed = client.put(
        f"{API}/refusal_rate/draft", json={**NEW, "target": 3, "lock_version": 2}, headers=headers
    )
    assert changed.status_code == 200 and changed.json()["draft"]["target"] == 3
    stale = client.put(
        f"{API}/refusal_rate/draft", json={**NEW, "lock_version": 2}, headers=headers
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    post(client, headers, f"{API}/refusal_rate/publish", {"lock_version": 3, "note": "目标收紧"})
    history = client.get(f"{API}/refusal_rate").json()
    assert [(v["version"], v["spec"]["target"], v["note"]) for v in history["versions"]] == [
        (2, 3.0, "目标收紧"),
        (1, 5.0, ""),
    ]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"formula": "100 * sum(cases_received"}, "indicator_formula_syntax", "formula"),
        ({"formula": "sum(cases_recieved)"}, "indicator_unknown_measure", "formula"),
        ({"formula": "indicator(nope)"}, "indicator_unknown_reference", "formula"),
        ({"dimensions": ["street"]}, "indicator_unknown_dimension", "dimensions"),
        ({"formula": "sum(items_total)"}, "indicator_dimension_unsupported", "dimensions"),
    ],
)
def test_a_bad_definition_is_refused_with_a_stable_code_and_nothing_is_stored(
    district: District, client: Any, change: dict[str, Any], code: str, field: str
) -> None:
    admin = make_staff(district.container, Role.CATALOGUE_ADMIN).user_id
    headers = as_user(district, client, admin)
    with district.container.read() as uow:
        before = uow.conn.execute(select(func.count()).select_from(indicator_definitions)).scalar()
    refused = post(client, headers, API, {**NEW, **change})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == code and field in refused.json()["fields"]
    if code == "indicator_formula_syntax":
        assert "第 25 个字符" in refused.json()["message"]
    with district.container.read() as uow:
        after = uow.conn.execute(select(func.count()).select_from(indicator_definitions)).scalar()
    assert after == before


def test_figures_answer_each_reader_within_their_jurisdiction(
    district: District, client: Any
) -> None:
    headers = as_user(district, client, district.district_leader)
    whole = client.get(f"{API}/volume/figures", params={**MONTH, "by": "town"}, headers=headers)
    assert whole.status_code == 200, whole.text
    body = whole.json()
    assert body["value"] == 4 and [(r["key"], r["value"]) for r in body["rows"]] == [
        ("", 1),
        ("桂城街道", 3),
    ]
    satisfaction = client.get(f"{API}/satisfaction/figures", params=MONTH).json()
    assert satisfaction["value"] is None  # no ratings yet: no data, not 0

    as_user(district, client, district.other_head)
    own = client.get(f"{API}/volume/figures", params=MONTH)
    assert own.json()["value"] == 0
    other = {**MONTH, "department": "SCJGJ"}
    for path in (f"{API}/volume/figures", f"{API}/volume/cases", "/indicators/volume/cases"):
        refused = client.get(path, params=other)
        assert refused.status_code == 403, path
    assert client.get(f"{API}/volume/figures", params=other).json()["code"] == (
        "indicator_out_of_jurisdiction"
    )
    as_user(district, client, district.head)
    cases = client.get(f"{API}/on_time_rate/cases", params={**MONTH, "department": "SCJGJ"})
    assert cases.status_code == 200 and cases.json()["total"] == 3


def test_the_pages_list_definitions_and_drill_from_the_district_down_to_the_cases(
    district: District, client: Any
) -> None:
    as_user(district, client, district.district_leader)
    listing = client.get("/indicators")
    assert listing.status_code == 200
    assert "按时办结率" in listing.text and "sum(cases_finished_on_time)" in listing.text
    district_page = client.get("/indicators/on_time_rate", params={**MONTH, "by": "town"})
    assert district_page.status_code == 200
    assert "66.67" in district_page.text
    assert "/indicators/on_time_rate?period=month&amp;at=2026-11-10&amp;town=" in district_page.text
    town = client.get(
        "/indicators/on_time_rate", params={**MONTH, "town": "桂城街道", "by": "centre"}
    )
    assert "50.0" in town.text and "by=item" in town.text
    item = client.get(
        "/indicators/on_time_rate",
        params={**MONTH, "town": "桂城街道", "centre": "C-GC", "by": "item"},
    )
    assert "个体工商户设立登记" in item.text
    listed = client.get(
        "/indicators/on_time_rate/cases",
        params={**MONTH, "town": "桂城街道", "centre": "C-GC", "item": "SCJGJ-0001"},
    )
    assert listed.status_code == 200
    assert district.numbers["B"] in listed.text and district.numbers["A"] not in listed.text
    nothing = client.get("/indicators/satisfaction", params=MONTH)
    assert "暂无数据" in nothing.text
