"""The indicator administrator's editor (指标管理): a definition changed into a new version by
the page, the earlier version kept and viewable, the figures computed with the current one; a
formula that does not parse or an unknown dimension refused at save with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests.factories import make_staff
from tests.integration.indicator_fixtures import District, build_district
from tests.integration.test_indicators_web import API, MONTH, NEW, as_user
from tongban.adapters.db.tables_indicators import indicator_definitions, indicator_versions
from tongban.bootstrap import Container
from tongban.domain.people.model import Role
from tongban.services.indicators import definitions


@pytest.fixture
def district(container: Container) -> District:
    return build_district(container)


def _admin(district: District, client: Any) -> str:
    admin = make_staff(district.container, Role.CATALOGUE_ADMIN).user_id
    return as_user(district, client, admin)["X-CSRF-Token"]


def _form(csrf: str, spec: dict[str, Any], **extra: Any) -> dict[str, Any]:
    target = "" if spec.get("target") is None else str(spec["target"])
    fields = {k: v for k, v in spec.items() if k not in ("target", "dimensions")}
    dimensions = spec["dimensions"]
    return {"csrf_token": csrf, **fields, "target": target, "dimensions": dimensions, **extra}


def _stored(district: District) -> tuple[int, int, Any]:
    """How many definitions and versions there are, and on_time_rate's row."""
    with district.container.read() as uow:
        count = uow.conn.execute(select(func.count()).select_from(indicator_definitions)).scalar()
        versions = uow.conn.execute(select(func.count()).select_from(indicator_versions)).scalar()
        row = uow.conn.execute(
            select(indicator_definitions).where(indicator_definitions.c.code == "on_time_rate")
        ).one()
    return int(count or 0), int(versions or 0), (row.lock_version, row.draft)


def _current(district: District, code: str = "on_time_rate") -> dict[str, Any]:
    with district.container.read() as uow:
        spec = definitions.get(uow.conn, code).current
    return spec.as_dict()


def test_the_administrator_publishes_a_new_version_and_the_earlier_one_stays_viewable(
    district: District, client: Any
) -> None:
    csrf = _admin(district, client)
    listing = client.get("/admin/indicators")
    assert listing.status_code == 200
    assert 'href="/admin/indicators/on_time_rate/edit"' in listing.text
    form = client.get("/admin/indicators/on_time_rate/edit")
    assert form.status_code == 200 and 'name="lock_version"' in form.text
    before = _current(district)
    changed = {**before, "target": 98, "name": "按时办结率（新口径）"}
    lock = _stored(district)[2][0]
    saved = client.post(
        "/admin/indicators/on_time_rate/edit",
        data=_form(csrf, changed, lock_version=lock, action="publish", note="目标提高到 98%"),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/admin/indicators/on_time_rate/edit?published=2"

    history = client.get("/admin/indicators/on_time_rate/versions")
    assert all(words in history.text for words in ("第 2 版", "第 1 版", "目标提高到 98%"))
    first = client.get("/admin/indicators/on_time_rate/versions/1")
    assert first.status_code == 200
    assert before["name"] in first.text and "历史版本，数值不再按此计算" in first.text
    assert "当前使用的版本" in client.get("/admin/indicators/on_time_rate/versions/2").text
    missing = client.get("/admin/indicators/on_time_rate/versions/3")
    assert missing.status_code == 404

    as_user(district, client, district.district_leader)  # the figures use version 2
    figure = client.get(f"{API}/on_time_rate/figures", params=MONTH).json()
    assert (figure["name"], figure["target"]) == ("按时办结率（新口径）", 98.0)


def test_a_draft_is_saved_without_changing_the_figures_until_published(
    district: District, client: Any
) -> None:
    csrf = _admin(district, client)
    before = _current(district)
    lock = _stored(district)[2][0]
    saved = client.post(
        "/admin/indicators/on_time_rate/edit",
        data=_form(csrf, {**before, "target": 99}, lock_version=lock, action="save"),
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/admin/indicators/on_time_rate/edit?saved=1"
    with district.container.read() as uow:
        found = definitions.get(uow.conn, "on_time_rate")
    assert found.draft is not None and found.draft.target == 99
    assert found.published is not None and found.published.target == before["target"]
    shown = client.get("/admin/indicators/on_time_rate/edit")
    assert 'value="99"' in shown.text and "正在编辑草稿" in shown.text


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {"formula": "100 * sum(cases_finished_on_time / sum(cases_finished)"},
            "公式第 34 个字符处有误",
        ),
        ({"formula": "100 * sum(cases_finished_on_time) $ 2"}, "公式第 35 个字符处有误"),
        ({"formula": "sum(cases_recieved)"}, "公式使用了不存在的度量：cases_recieved"),
        ({"dimensions": ["town", "street"]}, "不存在的维度：street"),
        ({"target": "九十"}, "目标值须为数字"),
        ({"name": ""}, "不能为空"),
    ],
)
def test_a_bad_definition_is_shown_again_with_the_reason_and_nothing_is_saved(
    district: District, client: Any, change: dict[str, Any], words: str
) -> None:
    csrf = _admin(district, client)
    before = _stored(district)
    spec = {**_current(district), **change}
    refused = client.post(
        "/admin/indicators/on_time_rate/edit",
        data=_form(csrf, spec, lock_version=before[2][0], action="publish"),
    )
    assert refused.status_code == 422, refused.text
    assert words in refused.text and "未保存任何内容" in refused.text
    assert f'value="{escape(spec["formula"])}"' in refused.text  # what was typed, shown again
    assert _stored(district) == before


def test_the_error_position_is_marked_in_the_formula(district: District, client: Any) -> None:
    csrf = _admin(district, client)
    spec = {**NEW, "formula": "100 * (sum(cases_received) + 1"}
    refused = client.post("/admin/indicators/new", data=_form(csrf, spec, action="save"))
    assert refused.status_code == 422
    assert "公式第 31 个字符处有误" in refused.text
    assert "<mark> </mark>" in refused.text  # the end of the formula: a ")" was expected there
    with district.container.read() as uow:
        codes = [d.code for d in definitions.list_definitions(uow.conn)]
    assert "refusal_rate" not in codes


def test_a_new_indicator_is_created_from_the_page_and_published_as_its_first_version(
    district: District, client: Any
) -> None:
    csrf = _admin(district, client)
    assert client.get("/admin/indicators/new").status_code == 200
    made = client.post(
        "/admin/indicators/new", data=_form(csrf, NEW, action="publish"), follow_redirects=False
    )
    assert made.status_code == 303, made.text
    with district.container.read() as uow:
        found = definitions.get(uow.conn, "refusal_rate")
    assert found.published_version == 1 and found.published is not None
    assert found.published.dimensions[0].value == "town" and found.published.target == 5
    again = client.post("/admin/indicators/new", data=_form(csrf, NEW, action="save"))
    assert again.status_code == 409 and "指标编码 refusal_rate 已存在" in again.text


def test_only_the_indicator_administrator_edits_and_staff_read_the_versions(
    district: District, client: Any
) -> None:
    as_user(district, client, district.district_leader)
    assert client.get("/admin/indicators").status_code == 403
    assert client.get("/admin/indicators/on_time_rate/edit").status_code == 403
    assert client.get("/admin/indicators/on_time_rate/versions/1").status_code == 200


def test_the_api_answers_one_version_and_a_stable_code_for_one_that_does_not_exist(
    district: District, client: Any
) -> None:
    as_user(district, client, district.district_leader)
    first = client.get(f"{API}/on_time_rate/versions/1")
    assert first.status_code == 200 and first.json()["spec"]["code"] == "on_time_rate"
    missing = client.get(f"{API}/on_time_rate/versions/9")
    assert (missing.status_code, missing.json()["code"]) == (404, "indicator_version_not_found")
