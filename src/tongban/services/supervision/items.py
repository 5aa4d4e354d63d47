"""The supervision list of items (批后监管清单): which items' approvals are inspected, with the
checklist derived from the item and the inspection deadline in working days."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from tongban.adapters.db.tables_supervision import supervised_items
from tongban.domain.errors import ValidationFailed
from tongban.domain.supervision.errors import NotSupervised
from tongban.domain.supervision.model import ChecklistEntry, checklist_for
from tongban.services.catalogue.items import published_item
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.supervision.access import check_list_editor

OBJECT = "supervised_item"
DEFAULT_DAYS = 20


@dataclass(frozen=True)
class SupervisedItem:
    item_code: str
    department_code: str
    checklist: tuple[ChecklistEntry, ...]
    inspect_within_days: int


def _of(row: Any) -> SupervisedItem:
    return SupervisedItem(
        row.item_code,
        row.department_code,
        tuple(ChecklistEntry(e["code"], e["text"]) for e in row.checklist),
        row.inspect_within_days,
    )


_SUPERVISED = select(supervised_items).where(supervised_items.c.item_code == bindparam("code"))
"""Built once: no cache-key work per approval."""


ON_LIST = (
    select(supervised_items.c.item_code)
    .where(supervised_items.c.item_code == bindparam("item_code"))
    .exists()
    .label("supervised")
)
"""Whether the item named by the parameter ``item_code`` is on the list, as a column for a
use case's own first query (``supervised``'s ``on_list``), not a round trip of its own."""


def supervised(
    conn: Connection, item_code: str, *, on_list: bool | None = None
) -> SupervisedItem | None:
    """The item's supervision setting, None when it is not on the list (one indexed read;
    none when ``on_list``, read in this transaction already, says it is not)."""
    if on_list is False:
        return None
    row = conn.execute(_SUPERVISED, {"code": item_code}).first()
    return _of(row) if row else None


def supervised_list(conn: Connection) -> list[SupervisedItem]:
    rows = conn.execute(select(supervised_items).order_by(supervised_items.c.item_code))
    return [_of(row) for row in rows]


def _days(days: int) -> int:
    if not 1 <= days <= 250:
        raise ValidationFailed(fields={"inspect_within_days": "检查期限须为 1 至 250 个工作日"})
    return days


@atomic
def place_on_list(
    uow: UnitOfWork, actor: Actor, item_code: str, inspect_within_days: int = DEFAULT_DAYS
) -> SupervisedItem:
    """Put a published item under post-approval supervision (or renew its checklist from the
    current published version): its later approvals open inspection tasks."""
    conn = uow.conn
    item = published_item(conn, item_code)
    check_list_editor(actor.principal, item.spec.department_code)
    days = _days(inspect_within_days)
    checklist = [e.as_dict() for e in checklist_for(item.spec)]
    values = {
        "department_code": item.spec.department_code,
        "checklist": checklist,
        "inspect_within_days": days,
        "placed_by": actor.user_id,
        "placed_at": actor.at,
    }
    done = conn.execute(
        update(supervised_items).where(supervised_items.c.item_code == item.code).values(values)
    )
    if done.rowcount == 0:
        conn.execute(supervised_items.insert().values(item_code=item.code, **values))
    audit.record(conn, actor, "supervision.item_placed", OBJECT, item.code, {"days": days})
    found = supervised(conn, item.code)
    assert found is not None
    return found


@atomic
def remove_from_list(uow: UnitOfWork, actor: Actor, item_code: str) -> None:
    """Take an item off the list: tasks already opened stay; new approvals open none."""
    conn = uow.conn
    found = supervised(conn, item_code.strip().upper())
    if found is None:
        raise NotSupervised(item_code=item_code)
    check_list_editor(actor.principal, found.department_code)
    conn.execute(delete(supervised_items).where(supervised_items.c.item_code == found.item_code))
    audit.record(conn, actor, "supervision.item_removed", OBJECT, found.item_code)
