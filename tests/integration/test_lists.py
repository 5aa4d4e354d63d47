"""The three lists (三单管理): replacing them, reading them, the pages and the API, on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, insert, select

from tests.clock import SYSTEM, TEST_START
from tongban.adapters.db.tables import audit_log, departments, list_entries, service_items
from tongban.bootstrap import Container
from tongban.demo.departments import DEPARTMENTS
from tongban.domain.catalogue.model import ListEntry, ListKind
from tongban.domain.errors import ImportRejected, ListEntryNotFound
from tongban.services.catalogue import lists
from tongban.services.network import structure as network

ITEM_CODE = "SCJGJ-0001"

NEGATIVE: dict[str, Any] = {
    "kind": "negative",
    "code": "FM-001",
    "title": "餐饮服务（含现制现售饮品）",
    "description": "需取得食品经营许可后方可经营奶茶店、餐馆等",
    "department_code": "SCJGJ",
    "restriction": "restricted",
    "legal_basis": ["《中华人民共和国食品安全法》"],
}
PROHIBITED: dict[str, Any] = {
    "kind": "negative",
    "code": "FM-002",
    "title": "燃放烟花爆竹销售（禁放区域内）",
    "department_code": "YJGLJ",
    "restriction": "prohibited",
    "legal_basis": ["《烟花爆竹安全管理条例》"],
}
PERMIT: dict[str, Any] = {
    "kind": "permit",
    "code": "ZX-001",
    "title": "个体工商户设立登记",
    "department_code": "SCJGJ",
    "item_code": ITEM_CODE,
    "legal_basis": ["《促进个体工商户发展条例》"],
}
PERMIT_WITHOUT_ITEM: dict[str, Any] = {
    "kind": "permit",
    "code": "ZX-002",
    "title": "人力资源服务许可",
    "department_code": "RSJ",
    "legal_basis": ["《人力资源市场暂行条例》"],
}
SUPERVISION: dict[str, Any] = {
    "kind": "supervision",
    "code": "JG-001",
    "title": "食品经营者日常监督检查",
    "department_code": "SCJGJ",
    "measure": "双随机、一公开抽查，检查许可条件保持情况",
    "frequency": "每年至少一次",
    "legal_basis": ["《食品生产经营监督检查管理办法》"],
}
ENTRIES = (NEGATIVE, PROHIBITED, PERMIT, PERMIT_WITHOUT_ITEM, SUPERVISION)


def insert_items(conn: Connection, codes: Iterable[str]) -> None:
    """Minimal published service_items rows, so that entries may refer to these codes."""
    dept_id = conn.execute(select(departments.c.id).where(departments.c.code == "SCJGJ"))
    department_id = dept_id.scalar_one()
    now = TEST_START
    for code in sorted(set(codes)):
        conn.execute(
            insert(service_items).values(
                code=code,
                status="published",
                department_id=department_id,
                name=f"测试事项 {code}",
                level="district",
                kind="promised",
                audience="citizen",
                promised_limit_days=1,
                legal_limit_days=20,
                online_capable=True,
                fully_online=False,
                smart_approval=False,
                certificate_free=False,
                published_version=1,
                created_at=now,
                updated_at=now,
            )
        )


@pytest.fixture
def ready(container: Container) -> Container:
    """The demo departments and one item, with no list entries yet."""
    with container.uow() as uow:
        network.write_departments(uow.conn, SYSTEM, DEPARTMENTS)
        insert_items(uow.conn, [ITEM_CODE])
        uow.commit()
    return container


@pytest.fixture
def loaded(ready: Container) -> Container:
    with ready.uow() as uow:
        assert lists.replace_list_entries(uow, SYSTEM, ENTRIES) == len(ENTRIES)
    return ready


def count(container: Container, table: Any) -> int:
    with container.uow() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_replacing_the_lists_stores_every_entry_and_counts_them(loaded: Container) -> None:
    with loaded.uow() as uow:
        counts = lists.list_counts(uow.conn)
        permit = lists.entry(uow.conn, "ZX-001")
    assert counts == {ListKind.NEGATIVE: 2, ListKind.PERMIT: 2, ListKind.SUPERVISION: 1}
    assert permit.entry == ListEntry.model_validate(PERMIT)
    assert permit.department_name == "区市场监督管理局"


def test_replacing_the_lists_with_the_same_entries_changes_nothing(loaded: Container) -> None:
    audited = count(loaded, audit_log)
    with loaded.uow() as uow:
        assert lists.replace_list_entries(uow, SYSTEM, ENTRIES) == 0
    assert count(loaded, audit_log) == audited
    assert count(loaded, list_entries) == len(ENTRIES)


def test_an_entry_left_out_of_its_list_is_removed_and_a_changed_one_updated(
    loaded: Container,
) -> None:
    renamed = {**SUPERVISION, "frequency": "每半年一次"}
    with loaded.uow() as uow:
        changed = lists.replace_list_entries(
            uow, SYSTEM, [renamed], kinds=[ListKind.SUPERVISION, ListKind.PERMIT]
        )
        counts = lists.list_counts(uow.conn)
        assert lists.entry(uow.conn, "JG-001").entry.frequency == "每半年一次"
        with pytest.raises(ListEntryNotFound):
            lists.entry(uow.conn, "ZX-001")
    assert changed == 3
    assert counts == {ListKind.NEGATIVE: 2, ListKind.PERMIT: 0, ListKind.SUPERVISION: 1}


def test_an_entry_for_an_unknown_item_is_refused_and_nothing_is_stored(ready: Container) -> None:
    unknown = {**PERMIT, "item_code": "SCJGJ-9999"}
    with ready.uow() as uow, pytest.raises(ImportRejected) as raised:
        lists.replace_list_entries(uow, SYSTEM, [NEGATIVE, unknown])
    assert raised.value.errors == [
        {"index": 1, "code": "ZX-001", "field": "item_code", "message": "未知事项编码：SCJGJ-9999"}
    ]
    assert count(ready, list_entries) == 0


def test_every_bad_entry_is_reported_at_once(ready: Container) -> None:
    no_restriction = {k: v for k, v in NEGATIVE.items() if k != "restriction"}
    unknown_department = {**SUPERVISION, "department_code": "NOPE"}
    duplicate = {**PERMIT_WITHOUT_ITEM}
    batch = [no_restriction, unknown_department, PERMIT_WITHOUT_ITEM, duplicate]
    with ready.uow() as uow, pytest.raises(ImportRejected) as raised:
        lists.replace_list_entries(uow, SYSTEM, batch)
    found = {(e["index"], e["field"]): e["message"] for e in raised.value.errors}
    assert found == {
        (0, "__root__"): "负面清单条目必须注明禁止或限制",
        (1, "department_code"): "未知部门编码：NOPE",
        (3, "code"): "条目编码重复：ZX-002",
    }
    assert count(ready, list_entries) == 0


def test_an_entry_may_not_take_a_code_used_on_a_list_outside_the_import(
    loaded: Container,
) -> None:
    clash = {**SUPERVISION, "code": "FM-001"}
    with loaded.uow() as uow, pytest.raises(ImportRejected) as raised:
        lists.replace_list_entries(uow, SYSTEM, [clash], kinds=[ListKind.SUPERVISION])
    assert raised.value.errors[0]["field"] == "code"


def test_a_list_filters_by_department_and_text(loaded: Container) -> None:
    with loaded.uow() as uow:
        negative = lists.list_entries(uow.conn, ListKind.NEGATIVE)
        by_department = lists.list_entries(uow.conn, ListKind.NEGATIVE, department_code="YJGLJ")
        by_text = lists.list_entries(uow.conn, ListKind.NEGATIVE, q="奶茶")
        by_department_name = lists.list_entries(uow.conn, ListKind.PERMIT, q="人力资源和社会")
    assert [v.entry.code for v in negative] == ["FM-001", "FM-002"]
    assert [v.entry.code for v in by_department] == ["FM-002"]
    assert [v.entry.code for v in by_text] == ["FM-001"]
    assert [v.entry.code for v in by_department_name] == ["ZX-002"]


def test_the_demo_lists_load_once_their_items_exist(ready: Container) -> None:
    demo = pytest.importorskip("tongban.demo.lists")
    entries: tuple[ListEntry, ...] = demo.DEMO_LIST_ENTRIES
    with ready.uow() as uow:
        insert_items(uow.conn, {e.item_code for e in entries if e.item_code} - {ITEM_CODE})
        assert lists.replace_list_entries(uow, SYSTEM, entries) == len(entries)
        assert lists.replace_list_entries(uow, SYSTEM, entries) == 0
        counts = lists.list_counts(uow.conn)
    assert all(counts[kind] > 0 for kind in ListKind)


# --- pages -------------------------------------------------------------------------------


def test_the_lists_page_explains_the_three_lists_with_counts(
    loaded: Container, client: TestClient
) -> None:
    page = client.get("/lists")
    assert page.status_code == 200
    for name in ("负面清单", "准许清单", "监管清单"):
        assert name in page.text
    assert "清单以外的领域" in page.text
    assert "<strong>2</strong> 条" in page.text
    assert 'href="/lists/supervision"' in page.text


def test_the_permit_list_links_each_item_to_its_guide(
    loaded: Container, client: TestClient
) -> None:
    page = client.get("/lists/permit")
    assert page.status_code == 200
    assert f'href="/items/{ITEM_CODE}"' in page.text
    assert "人力资源服务许可" in page.text
    assert "查看办事指南" in page.text


def test_the_list_filter_answers_with_an_htmx_partial(
    loaded: Container, client: TestClient
) -> None:
    partial = client.get(
        "/lists/negative", params={"department": "YJGLJ"}, headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert "燃放烟花爆竹" in partial.text
    assert "餐饮服务" not in partial.text
    assert "禁止准入" in partial.text
    nothing = client.get("/lists/negative", params={"q": "不存在的关键词"})
    assert "没有符合条件的条目。" in nothing.text


def test_an_unknown_list_kind_is_refused(loaded: Container, client: TestClient) -> None:
    assert client.get("/lists/positive").status_code == 422
    response = client.get("/api/v1/lists/positive")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert response.json()["fields"] == {"kind": "不是允许的取值"}


# --- API ---------------------------------------------------------------------------------


def test_the_api_returns_a_list_with_department_names(
    loaded: Container, client: TestClient
) -> None:
    response = client.get("/api/v1/lists/supervision")
    assert response.status_code == 200
    [entry] = response.json()
    assert entry["code"] == "JG-001"
    assert entry["department_name"] == "区市场监督管理局"
    assert entry["measure"].startswith("双随机")
    filtered = client.get("/api/v1/lists/negative", params={"department": "SCJGJ", "q": "奶茶"})
    assert [e["code"] for e in filtered.json()] == ["FM-001"]
    assert filtered.json()[0]["restriction"] == "restricted"
