"""The catalogue's draft → publish → version cycle, through the services, pages and API."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.clock import SYSTEM
from tests.integration.catalogue_fixtures import ensure_departments, spec
from tongban.adapters.db.tables import audit_log, service_item_versions
from tongban.bootstrap import Container
from tongban.domain.errors import Conflict, ItemNotFound, StaleVersion, ValidationFailed
from tongban.services.catalogue import items as catalogue
from tongban.services.catalogue import queries


@pytest.fixture
def published(container: Container) -> Container:
    """One item, created and published as version 1."""
    ensure_departments(container.engine)
    with container.uow() as uow:
        catalogue.create_item(uow, SYSTEM, spec())
        catalogue.publish(uow, SYSTEM, "SCJGJ-0001", 1, "首次发布")
    return container


def test_an_edit_is_a_draft_until_published_and_old_versions_stay(published: Container) -> None:
    with published.uow() as uow:
        lock = catalogue.item_for_edit(uow.conn, "SCJGJ-0001").lock_version
        catalogue.save_draft(uow, SYSTEM, "SCJGJ-0001", spec(promised_limit_days=2), lock)
        assert catalogue.published_item(uow.conn, "SCJGJ-0001").spec.promised_limit_days == 1
        version = catalogue.publish(uow, SYSTEM, "SCJGJ-0001", lock + 1, "调整时限")
        assert version == 2
        assert catalogue.published_item(uow.conn, "SCJGJ-0001").spec.promised_limit_days == 2
        assert catalogue.published_item(uow.conn, "SCJGJ-0001", 1).spec.promised_limit_days == 1
        assert [v.version for v in catalogue.history(uow.conn, "SCJGJ-0001")] == [2, 1]
        actions = uow.conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars()
        assert list(actions) == [
            "item.created",
            "item.published",
            "item.draft_saved",
            "item.published",
        ]


def test_a_stale_lock_version_is_refused_and_changes_nothing(published: Container) -> None:
    with published.uow() as uow:
        lock = catalogue.item_for_edit(uow.conn, "SCJGJ-0001").lock_version
        catalogue.save_draft(uow, SYSTEM, "SCJGJ-0001", spec(name="个体工商户设立登记（新）"), lock)
        with pytest.raises(StaleVersion):
            catalogue.save_draft(uow, SYSTEM, "SCJGJ-0001", spec(name="别人的修改"), lock)
        assert catalogue.item_for_edit(uow.conn, "SCJGJ-0001").spec.name.endswith("（新）")


def test_two_admins_publishing_at_once_cannot_both_win(published: Container) -> None:
    with published.uow() as uow:
        lock = catalogue.item_for_edit(uow.conn, "SCJGJ-0001").lock_version
        lock = catalogue.save_draft(uow, SYSTEM, "SCJGJ-0001", spec(visits=0, category="A"), lock)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt() -> None:
        barrier.wait()
        try:
            with published.uow() as uow:
                catalogue.publish(uow, SYSTEM, "SCJGJ-0001", lock, "并发发布")
            outcomes.append("won")
        except (StaleVersion, Conflict):
            outcomes.append("lost")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost", "won"]
    with published.uow() as uow:
        versions = uow.conn.execute(select(func.count()).select_from(service_item_versions))
        assert versions.scalar_one() == 2


def test_an_unknown_department_is_a_field_error(published: Container) -> None:
    with published.uow() as uow, pytest.raises(ValidationFailed) as error:
        catalogue.create_item(uow, SYSTEM, spec(code="XXX-0001", department_code="NOPE"))
    assert "department_code" in error.value.fields


def test_an_unknown_item_code_is_not_found(published: Container) -> None:
    with published.uow() as uow, pytest.raises(ItemNotFound) as error:
        catalogue.published_item(uow.conn, "NOPE-0001")
    assert error.value.code == "item_not_found"
    assert "NOPE-0001" in error.value.message


def test_a_withdrawn_item_leaves_the_public_catalogue_but_keeps_its_versions(
    published: Container,
) -> None:
    with published.uow() as uow:
        catalogue.withdraw(uow, SYSTEM, "SCJGJ-0001", 2, "事项调整合并")
        with pytest.raises(ItemNotFound):
            catalogue.published_item(uow.conn, "SCJGJ-0001")
        assert catalogue.published_item(uow.conn, "SCJGJ-0001", 1).version == 1


def test_the_guide_page_shows_materials_limits_and_legal_basis(
    published: Container, client
) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/items/SCJGJ-0001")
    assert page.status_code == 200
    for text in (
        "个体工商户设立登记",
        "经营者身份证明",
        "可容缺",
        "《促进个体工商户发展条例》",
        "1 个工作日",
    ):
        assert text in page.text


def test_the_guide_says_which_materials_only_an_agent_brings(container: Container, client) -> None:  # type: ignore[no-untyped-def]
    ensure_departments(container.engine)
    agent = {"name": "委托书及受托人身份证件", "key": False, "only_by_agent": True}
    materials = [*spec().model_dump()["materials"], agent]
    with container.uow() as uow:
        catalogue.publish_spec(uow, SYSTEM, spec(materials=materials))
    page = client.get("/items/SCJGJ-0001").text
    row = page[page.index("委托书及受托人身份证件") :].split("</tr>")[0]
    assert "委托代理人办理时提交" in row
    assert page.count("委托代理人办理时提交") == 1


def test_the_api_answers_unknown_items_with_a_stable_code(published: Container, client) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/items/NOPE-0001")
    assert answer.status_code == 404
    assert answer.json()["code"] == "item_not_found"
    assert client.get("/api/v1/items/SCJGJ-0001").json()["spec"]["name"] == "个体工商户设立登记"


def test_an_older_guide_version_says_a_newer_one_exists(published: Container, client) -> None:  # type: ignore[no-untyped-def]
    with published.uow() as uow:
        catalogue.save_draft(uow, SYSTEM, "SCJGJ-0001", spec(promised_limit_days=2), 2)
        catalogue.publish(uow, SYSTEM, "SCJGJ-0001", 3, "调整时限")
    old = client.get("/items/SCJGJ-0001?version=1").text
    assert "已有更新的第 2 版" in old and "1 个工作日" in old
    current = client.get("/items/SCJGJ-0001").text
    assert "已有更新" not in current and "2 个工作日" in current


def test_an_anonymous_visitor_is_offered_to_sign_in_and_apply_online(
    published: Container, client
) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/items/SCJGJ-0001")
    assert page.status_code == 200
    assert "登录后在线申请" in page.text
    assert 'href="/login?next=/items/SCJGJ-0001/apply"' in page.text
    assert 'href="/items/SCJGJ-0001/apply"' not in page.text


def test_the_admins_list_filters_by_text_and_status_and_pages(published: Container) -> None:
    with published.uow() as uow:
        catalogue.create_item(uow, SYSTEM, spec(code="SCJGJ-0002", name="食品经营许可"))
        lock = catalogue.item_for_edit(uow.conn, "SCJGJ-0001").lock_version
        catalogue.save_draft(uow, SYSTEM, "SCJGJ-0001", spec(promised_limit_days=2), lock)
    with published.read() as uow:
        everything = queries.admin_items(uow.conn)
        assert [r.code for r in everything.rows] == ["SCJGJ-0001", "SCJGJ-0002"]
        assert (everything.total, everything.pages) == (2, 1)
        first = everything.rows[0]
        assert (first.status, first.published_version, first.has_draft) == ("published", 1, True)
        assert [r.code for r in queries.admin_items(uow.conn, q=" 食品 ").rows] == ["SCJGJ-0002"]
        assert [r.code for r in queries.admin_items(uow.conn, status="draft").rows] == [
            "SCJGJ-0002"
        ]
        # "pending": a draft awaits publishing, whatever the item's status (the new item too).
        assert queries.admin_items(uow.conn, status="pending").total == 2
        second = queries.admin_items(uow.conn, page=2, page_size=1)
        assert ([r.code for r in second.rows], second.pages) == (["SCJGJ-0002"], 2)
