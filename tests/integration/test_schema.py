"""The schema: the same migrations on both engines, in step with the tables modules, reversible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, select, text

from tongban.adapters.db import migrate, partitions
from tongban.adapters.db.tables import SEARCH_ONLY_IN_MIGRATIONS, audit_log, metadata


def _search_only(obj: object, name: str | None, type_: str, *_args: object) -> bool:
    """Engine-specific search objects exist only in migration 0002; partitions only on
    PostgreSQL, made by migration 0039 and the worker."""
    table = getattr(obj, "table", None)
    if partitions.is_partition(name or "") or partitions.is_partition(getattr(table, "name", "")):
        return False
    return not (name and (name in SEARCH_ONLY_IN_MIGRATIONS or name.startswith("item_search_fts")))


def test_the_migrated_schema_matches_the_tables_module(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": _search_only, "compare_type": True}
        )
        assert compare_metadata(context, metadata) == []


def test_migrations_go_down_to_nothing_and_up_again(engine: Engine) -> None:
    migrate.downgrade(engine, "base")
    leftovers = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert leftovers == set()
    migrate.upgrade(engine)
    assert migrate.current(engine) is not None
    assert {"service_items", "calendar_days", "users"} <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    assert "item_search" in inspect(engine).get_table_names()


def test_json_keeps_chinese_unescaped_and_a_chinese_key_can_be_looked_up(engine: Engine) -> None:
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(audit_log).values(
                at=at,
                action="test",
                object_type="测试",
                object_key="1",
                detail={"事项名称": "社会保障卡申领", "部门": "区人力资源和社会保障局"},
            )
        )
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT CAST(detail AS TEXT) FROM audit_log")).scalar_one()
        assert "社会保障卡申领" in raw and "\\u" not in raw
        found = conn.execute(
            select(audit_log.c.object_key).where(
                audit_log.c.detail["事项名称"].as_string() == "社会保障卡申领"
            )
        ).scalar_one()
        assert found == "1"


def test_datetimes_come_back_aware_and_in_utc_whatever_zone_went_in(engine: Engine) -> None:
    china = timezone(timedelta(hours=8))
    written = datetime(2026, 2, 13, 17, 45, tzinfo=china)
    with engine.begin() as conn:
        conn.execute(
            insert(audit_log).values(
                at=written, action="t", object_type="t", object_key="tz", detail={}
            )
        )
    with engine.connect() as conn:
        read = conn.execute(select(audit_log.c.at)).scalar_one()
    assert read.tzinfo is not None and read.utcoffset() == timedelta(0)
    assert read == written
    assert read.hour == 9


def test_a_naive_datetime_is_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive"), engine.begin() as conn:
        conn.execute(
            insert(audit_log).values(
                at=datetime(2026, 1, 1), action="t", object_type="t", object_key="n", detail={}
            )
        )
