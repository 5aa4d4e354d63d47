"""Schema changes Alembic cannot make the same way on both engines, for the migrations."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def replace_check(table: str, name: str, old: str, new: str) -> None:
    """Replace the CHECK constraint ``name`` of ``table`` (``old`` → ``new``): the stored rows
    already satisfy the new one.

    PostgreSQL drops and adds the constraint.  SQLite cannot alter a CHECK, and rebuilding the
    table would trip the foreign keys of every table that points at it (they are on, and
    cannot be turned off inside the migration's transaction); so it edits the table's recorded
    definition, the procedure SQLite documents for changing a constraint that no stored row
    breaks (https://www.sqlite.org/lang_altertable.html#otheralter), and checks the result."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f(name), table, type_="check")
        op.create_check_constraint(op.f(name), table, new)
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    changed = bind.execute(
        sa.text(
            "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
            "WHERE type = 'table' AND name = :table AND instr(sql, :old) > 0"
        ),
        {"old": old, "new": new, "table": table},
    ).rowcount
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    if changed != 1:
        raise RuntimeError(f"{table}: the CHECK constraint {name} is not the one expected")
    problems = bind.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"{table}: quick_check failed: {problems}")


def resize_string(table: str, column: str, old: int, new: int, *, nullable: bool) -> None:
    """Make the ``VARCHAR(old)`` column ``column`` of ``table`` a ``VARCHAR(new)``.

    PostgreSQL alters the column's type (and refuses to narrow it below a stored value).
    SQLite does not enforce the length and cannot alter a type in place (rebuilding the table
    would trip the foreign keys pointing at it, see ``replace_check``), so it edits the recorded
    definition the same way."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column(
            table,
            column,
            type_=sa.String(length=new),
            existing_type=sa.String(length=old),
            existing_nullable=nullable,
        )
        return
    before = f"\t{column} VARCHAR({old})"
    after = f"\t{column} VARCHAR({new})"
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    changed = bind.execute(
        sa.text(
            "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
            "WHERE type = 'table' AND name = :table AND instr(sql, :old) > 0"
        ),
        {"old": before, "new": after, "table": table},
    ).rowcount
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    if changed != 1:
        raise RuntimeError(f"{table}.{column} is not VARCHAR({old}) as expected")
    problems = bind.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"{table}: quick_check failed: {problems}")
