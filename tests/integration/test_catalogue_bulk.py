"""Publishing a batch of items: the same outcome as one by one, in a few statements."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.clock import SYSTEM
from tests.integration.catalogue_fixtures import ensure_departments, spec
from tongban.adapters.db.tables import audit_log, item_search, service_item_versions
from tongban.bootstrap import Container
from tongban.services.catalogue import items as catalogue
from tongban.services.catalogue import search
from tongban.services.catalogue.bulk import publish_specs

BATCH = [
    spec(),
    spec(code="SCJGJ-0002", name="食品经营许可", keywords=["餐饮"], needs=["开奶茶店"]),
    spec(code="RSJ-0001", name="社会保障卡申领", department_code="RSJ", needs=["办社保卡"]),
]


def _count(container: Container, table) -> int:  # type: ignore[no-untyped-def]
    with container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_batch_publishes_version_one_of_each_item_with_audit_and_search(
    container: Container,
) -> None:
    ensure_departments(container.engine)
    with container.uow() as uow:
        result = publish_specs(uow.conn, SYSTEM, BATCH, "导入")
        uow.commit()
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    with container.read() as uow:
        view = catalogue.published_item(uow.conn, "RSJ-0001")
        assert view.version == 1 and view.spec.name == "社会保障卡申领"
        hits = search.search_items(uow.conn, "我想开奶茶店").hits
        assert {h.code for h in hits} == {"SCJGJ-0001", "SCJGJ-0002"}
    assert _count(container, item_search) == 3
    assert _count(container, audit_log) == 3


def test_publishing_the_same_batch_again_changes_nothing(container: Container) -> None:
    ensure_departments(container.engine)
    for _ in range(2):
        with container.uow() as uow:
            result = publish_specs(uow.conn, SYSTEM, BATCH, "导入")
            uow.commit()
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert _count(container, service_item_versions) == 3


def test_a_changed_item_gets_the_next_version_and_a_draft_is_replaced(
    container: Container,
) -> None:
    ensure_departments(container.engine)
    with container.uow() as uow:
        publish_specs(uow.conn, SYSTEM, BATCH, "导入")
        uow.commit()
        lock = catalogue.item_for_edit(uow.conn, "SCJGJ-0001").lock_version
        catalogue.save_draft(uow, SYSTEM, "SCJGJ-0001", spec(category="草稿"), lock)
        changed = [spec(promised_limit_days=3), *BATCH[1:]]
        result = publish_specs(uow.conn, SYSTEM, changed, "第二次导入")
        uow.commit()
        view = catalogue.item_for_edit(uow.conn, "SCJGJ-0001")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert view.version == 2 and not view.has_draft
    assert view.spec.promised_limit_days == 3
