"""Catalogue import and export: all or nothing, every bad row reported, exact round trips."""

from __future__ import annotations

import json
from collections.abc import Sequence
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, insert, select

from tests.clock import TEST_START
from tests.factories import make_staff, sign_in
from tongban.adapters.db.tables import departments, service_items
from tongban.bootstrap import Container
from tongban.demo import generate
from tongban.demo.departments import DEPARTMENTS
from tongban.demo.items import HAND_WRITTEN_ITEMS
from tongban.domain.catalogue.model import Material, ServiceItemSpec
from tongban.domain.errors import ImportRejected
from tongban.domain.people.model import Role
from tongban.services.catalogue import bulk as catalogue_bulk
from tongban.services.catalogue import import_export as catalogue_io
from tongban.services.catalogue.import_export import ImportSummary
from tongban.services.catalogue.items import spec_to_json
from tongban.services.catalogue.stats import catalogue_figures
from tongban.services.catalogue.xlsx import write_workbook
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web.api.catalogue_io import EXPORTS_PER_MINUTE

HAND_WRITTEN = sorted(HAND_WRITTEN_ITEMS, key=lambda spec: spec.code)


def insert_departments(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(departments),
            [{"code": d.code, "name": d.name, "short_name": d.short_name} for d in DEPARTMENTS],
        )


def json_file(items: Sequence[ServiceItemSpec | dict[str, Any]], version: int = 2) -> bytes:
    data = [item if isinstance(item, dict) else spec_to_json(item) for item in items]
    document = {"format": "tongban-catalogue", "version": version, "items": data}
    return json.dumps(document, ensure_ascii=False).encode()


def import_file(engine: Engine, name: str, data: bytes) -> ImportSummary:
    specs = catalogue_io.parse_file(name, data)
    with UnitOfWork(engine) as uow:
        return catalogue_io.import_catalogue(uow, Actor(request_id="test", at=TEST_START), specs)


def item_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(service_items)).scalar_one())


def rejected(call: Any, *args: Any) -> list[dict[str, Any]]:
    with pytest.raises(ImportRejected) as caught:
        call(*args)
    return caught.value.errors


def load(engine: Engine, items: Sequence[ServiceItemSpec]) -> Engine:
    """The 28 departments and ``items``, imported from JSON."""
    insert_departments(engine)
    summary = import_file(engine, "catalogue.json", json_file(items))
    assert summary == ImportSummary(created=len(items), updated=0, unchanged=0)
    return engine


@pytest.fixture
def catalogue(engine: Engine) -> Engine:
    """Every hand-written demo item."""
    return load(engine, HAND_WRITTEN_ITEMS)


@pytest.fixture
def few(engine: Engine) -> Engine:
    """A dozen hand-written items, for tests about the flow rather than the data."""
    return load(engine, HAND_WRITTEN[:12])


def test_imported_items_give_the_figures_computed_from_their_specs(catalogue: Engine) -> None:
    with catalogue.connect() as conn:
        figures = catalogue_figures(conn)
    expected = generate.catalogue_figures(HAND_WRITTEN_ITEMS)
    assert {name: getattr(figures, name) for name in expected} == expected


def test_exports_read_back_exactly_and_import_unchanged(catalogue: Engine) -> None:
    with catalogue.connect() as conn:
        as_json, as_xlsx = (
            catalogue_io.export_json(conn, TEST_START),
            catalogue_io.export_xlsx(conn),
        )
    document = json.loads(as_json)
    assert document["format"] == "tongban-catalogue" and document["version"] == 2
    assert document["items"] == [spec_to_json(spec) for spec in HAND_WRITTEN]
    assert HAND_WRITTEN[0].name in as_json.decode("utf-8")
    from_xlsx = catalogue_io.parse_xlsx(as_xlsx)
    assert list(from_xlsx) == HAND_WRITTEN
    assert [spec_to_json(s) for s in from_xlsx] == document["items"]
    unchanged = ImportSummary(created=0, updated=0, unchanged=len(HAND_WRITTEN))
    assert import_file(catalogue, "catalogue.json", as_json) == unchanged
    assert import_file(catalogue, "catalogue.xlsx", as_xlsx) == unchanged


def test_generated_items_survive_an_excel_round_trip() -> None:
    specs = generate.full_catalogue()[len(HAND_WRITTEN) :: 4]
    back = catalogue_io.parse_xlsx(write_workbook(specs))
    assert [spec_to_json(s) for s in back] == [spec_to_json(s) for s in specs]


AGENT_MATERIAL = Material(name="委托书及受托人身份证件", key=False, only_by_agent=True)


def with_agent_material(spec: ServiceItemSpec) -> ServiceItemSpec:
    return spec.model_copy(update={"materials": (*spec.materials, AGENT_MATERIAL)})


def test_a_material_asked_only_of_an_agent_survives_both_formats() -> None:
    specs = [with_agent_material(spec) for spec in HAND_WRITTEN[:3]]
    from_xlsx = catalogue_io.parse_xlsx(write_workbook(specs))
    from_json = catalogue_io.parse_json(json_file(specs, version=2))
    for back in (from_xlsx, from_json):
        assert [m.only_by_agent for m in back[0].materials][-1] is True
        assert not any(m.only_by_agent for m in back[0].materials[:-1])
        assert [spec_to_json(s) for s in back] == [spec_to_json(s) for s in specs]


def test_files_from_before_agent_only_materials_import_as_always_asked() -> None:
    specs = HAND_WRITTEN[:3]
    book = load_workbook(BytesIO(write_workbook(specs)))
    sheet = book["材料"]
    header = [cell.value for cell in sheet[1]]
    sheet.delete_cols(header.index("仅委托代理人办理时提交") + 1)
    older = BytesIO()
    book.save(older)
    from_xlsx = catalogue_io.parse_xlsx(older.getvalue())
    old_json = [{**spec_to_json(s)} for s in specs]
    for item in old_json:
        item["materials"] = [
            {k: v for k, v in m.items() if k != "only_by_agent"} for m in item["materials"]
        ]
    from_json = catalogue_io.parse_json(json_file(old_json, version=1))
    assert list(from_xlsx) == list(from_json) == list(specs)
    unknown = json.dumps({"format": "tongban-catalogue", "version": 3, "items": []}).encode()
    assert "支持 1、2" in rejected(catalogue_io.parse_json, unknown)[0]["message"]


def test_an_agent_only_material_cannot_name_the_applicants_licence() -> None:
    wrong = with_agent_material(HAND_WRITTEN[0])
    data = spec_to_json(wrong)
    data["materials"][-1]["licence_type"] = "居民身份证"
    errors = rejected(catalogue_io.parse_json, json_file([data]))
    message = "委托代理人办理时提交的材料不能由申请人的电子证照替代"
    row = len(wrong.materials) - 1
    assert errors == [
        {"sheet": "items", "row": 1, "column": f"materials.{row}.licence_type", "message": message}
    ]


def test_an_export_in_a_newer_layout_is_another_version(
    few: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with few.connect() as conn:
        now = catalogue_io.catalogue_version(conn).tag
        monkeypatch.setattr(catalogue_io, "JSON_VERSION", 1)
        before = catalogue_io.catalogue_version(conn).tag
    assert now != before


def test_an_edited_item_is_published_as_a_new_version(few: Engine) -> None:
    edited = HAND_WRITTEN[3].model_copy(update={"name": HAND_WRITTEN[3].name + "（试点）"})
    summary = import_file(few, "edit.json", json_file([edited, *HAND_WRITTEN[4:6]]))
    assert summary == ImportSummary(created=0, updated=1, unchanged=2)


def test_one_bad_row_among_2000_items_is_reported_and_nothing_imported(engine: Engine) -> None:
    insert_departments(engine)
    items = [spec_to_json(spec) for spec in generate.full_catalogue()[:2000]]
    bad = items[1233]
    bad["promised_limit_days"] = bad["legal_limit_days"] + 1
    bad["kind"] = "promised"
    errors = rejected(import_file, engine, "big.json", json_file(items))
    assert errors == [
        {
            "sheet": "items",
            "row": 1234,
            "column": "promised_limit_days",
            "message": "承诺时限不得超过法定时限",
        }
    ]
    assert item_count(engine) == 0


def test_one_bad_level_in_a_workbook_is_reported_at_its_cell() -> None:
    specs = list(generate.full_catalogue()[:300])
    specs[99] = specs[99].model_copy(update={"level": "省级"})  # unvalidated, as if typed in
    errors = rejected(catalogue_io.parse_xlsx, write_workbook(specs))
    assert errors == [
        {
            "sheet": "事项",
            "row": 101,
            "column": "事项层级",
            "message": "应为以下之一：区级、镇街级、村居级",
        }
    ]


def test_an_unknown_department_is_reported_against_its_row(engine: Engine) -> None:
    insert_departments(engine)
    items = list(HAND_WRITTEN[:5])
    items[2] = items[2].model_copy(update={"department_code": "NOPE"})
    errors = rejected(import_file, engine, "items.json", json_file(items))
    assert errors == [
        {"sheet": "items", "row": 3, "column": "department_code", "message": "未知部门编码：NOPE"}
    ]
    errors = rejected(import_file, engine, "items.xlsx", write_workbook(items))
    assert [(e["sheet"], e["row"], e["column"]) for e in errors] == [("事项", 4, "部门编码")]
    assert item_count(engine) == 0


def test_bad_rows_and_unknown_departments_are_reported_together(engine: Engine) -> None:
    insert_departments(engine)
    specs = list(HAND_WRITTEN[:6])
    specs[1] = specs[1].model_copy(update={"department_code": "NOPE"})
    specs[4] = specs[4].model_copy(update={"visits": 9})  # unvalidated, as if typed in
    parsed = catalogue_io.read_file("items.xlsx", write_workbook(specs))
    with UnitOfWork(engine) as uow:
        errors = rejected(catalogue_io.import_catalogue, uow, Actor(at=TEST_START), parsed)
    assert errors == [
        {"sheet": "事项", "row": 3, "column": "部门编码", "message": "未知部门编码：NOPE"},
        {"sheet": "事项", "row": 6, "column": "跑动次数", "message": "不得大于 5"},
    ]
    assert item_count(engine) == 0


def test_duplicate_codes_and_orphan_rows_are_reported() -> None:
    items = [spec_to_json(spec) for spec in HAND_WRITTEN[:3]]
    items.append(dict(items[0]))
    errors = rejected(catalogue_io.parse_json, json_file(items))
    assert [(e["row"], e["column"]) for e in errors] == [(4, "code")]
    book = load_workbook(BytesIO(write_workbook(HAND_WRITTEN[:3])))
    book["事项"]["A3"].value = HAND_WRITTEN[0].code
    book["材料"]["A2"].value = "ORPHAN-0001"
    edited = BytesIO()
    book.save(edited)
    errors = rejected(catalogue_io.parse_xlsx, edited.getvalue())
    places = [(e["sheet"], e["row"], e["column"]) for e in errors]
    assert ("事项", 3, "事项编码") in places
    assert ("材料", 2, "事项编码") in places


def test_a_file_that_is_not_a_catalogue_is_rejected_as_a_whole() -> None:
    for name, data in [("a.json", b"{not json"), ("a.xlsx", b"PK nope"), ("a.csv", b"x")]:
        errors = rejected(catalogue_io.parse_file, name, data)
        assert len(errors) == 1 and errors[0]["row"] == 0, errors


def test_a_failure_while_publishing_rolls_back_the_whole_import(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items and versions are written before the search index: a failure there undoes all."""
    insert_departments(engine)

    def failing_index(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("search index unavailable")

    monkeypatch.setattr(catalogue_bulk.search, "index_items", failing_index)
    with pytest.raises(RuntimeError, match="search index unavailable"):
        import_file(engine, "items.json", json_file(HAND_WRITTEN))
    assert item_count(engine) == 0


def test_the_api_serves_figures_and_exports_to_anyone(few: Engine, client: Any) -> None:
    stats = client.get("/api/v1/catalogue/stats")
    assert stats.status_code == 200
    body = stats.json()
    assert body["figures"]["items"] == 12
    assert sum(g["figures"]["items"] for g in body["by_department"]) == 12
    assert {g["key"] for g in body["by_level"]} <= {"district", "town", "community"}
    for fmt, media_type in [("json", "application/json"), ("xlsx", catalogue_io.XLSX_MEDIA_TYPE)]:
        response = client.get("/api/v1/catalogue/export", params={"format": fmt})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        assert f'.{fmt}"' in response.headers["content-disposition"]
    assert client.get("/api/v1/catalogue/export?format=csv").status_code == 422


def test_an_export_is_built_once_per_catalogue_version_and_revalidated_by_its_etag(
    few: Engine, client: Any
) -> None:
    first = client.get("/api/v1/catalogue/export")
    etag = first.headers["etag"]
    again = client.get("/api/v1/catalogue/export")
    assert (again.headers["etag"], again.content) == (etag, first.content)
    unchanged = client.get("/api/v1/catalogue/export", headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    edited = HAND_WRITTEN[3].model_copy(update={"name": HAND_WRITTEN[3].name + "（试点）"})
    import_file(few, "edit.json", json_file([edited]))
    changed = client.get("/api/v1/catalogue/export", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "（试点）" in changed.content.decode()
    excel = client.get("/api/v1/catalogue/export?format=xlsx").headers["etag"]
    assert excel != changed.headers["etag"]


def test_full_exports_are_rate_limited_per_address(few: Engine, client: Any) -> None:
    answers = [client.get("/api/v1/catalogue/export") for _ in range(EXPORTS_PER_MINUTE + 1)]
    assert {a.status_code for a in answers[:-1]} == {200}
    refused = answers[-1]
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_only_the_catalogue_admin_imports_over_the_api(
    few: Engine, container: Container, client: Any
) -> None:
    upload = {"file": ("catalogue.json", json_file(HAND_WRITTEN[:3]), "application/json")}
    assert client.post("/api/v1/catalogue/import", files=upload).status_code == 401
    csrf = sign_in(container, client, make_staff(container, Role.CATALOGUE_ADMIN))
    headers = {"X-CSRF-Token": csrf}
    response = client.post("/api/v1/catalogue/import", files=upload, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 3, "total": 3}
    bad = spec_to_json(HAND_WRITTEN[0]) | {"level": "province"}
    upload = {"file": ("catalogue.json", json_file([bad]), "application/json")}
    response = client.post("/api/v1/catalogue/import", files=upload, headers=headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_rejected"
    assert body["errors"] == [
        {"sheet": "items", "row": 1, "column": "level", "message": "不是允许的取值"}
    ]
