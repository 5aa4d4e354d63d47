"""service circle: where items are handled, the population grid, the gazetteer (15 分钟服务圈)

``service_items.handled_at_*`` denormalise each item's ``handled_at`` levels (filled here from
the published version, else the draft), so that "the items a centre handles" is one indexed
read.  ``population_cells`` is the population grid the 15-minute circle is computed on,
``places`` the gazetteer of communities and roads, and ``network_state`` the version counter
every write to the network bumps.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_LEVELS = ("district", "town", "community")


def _levels(spec: Any) -> set[str]:
    if isinstance(spec, str):  # SQLite hands JSON back as text through a plain table
        spec = json.loads(spec)
    if not isinstance(spec, dict):
        return {"town"}
    return set(spec.get("handled_at") or ["town"])


def _backfill() -> None:
    items = sa.table(
        "service_items",
        sa.column("id", sa.Integer),
        sa.column("published_version", sa.Integer),
        sa.column("draft", sa.JSON),
        *(sa.column(f"handled_at_{level}", sa.Boolean) for level in _LEVELS),
    )
    versions = sa.table(
        "service_item_versions",
        sa.column("item_id", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("spec", sa.JSON),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(items.c.id, items.c.draft, versions.c.spec).select_from(
            items.outerjoin(
                versions,
                (versions.c.item_id == items.c.id)
                & (versions.c.version == items.c.published_version),
            )
        )
    ).all()
    for row in rows:
        levels = _levels(row.spec if row.spec is not None else row.draft)
        conn.execute(
            sa.update(items)
            .where(items.c.id == row.id)
            .values({f"handled_at_{level}": level in levels for level in _LEVELS})
        )


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN on both engines: SQLite's batch mode would rebuild
    # service_items, which other tables reference, and fail on a database that has items.
    for level in _LEVELS:
        op.add_column(
            "service_items",
            sa.Column(
                f"handled_at_{level}", sa.Boolean(), server_default=sa.false(), nullable=False
            ),
        )
    _backfill()
    op.create_table(
        "network_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_state")),
    )
    op.create_table(
        "population_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town", sa.String(length=20), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("size_m", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.CheckConstraint("population >= 0", name=op.f("ck_population_cells_population")),
        sa.CheckConstraint("size_m > 0", name=op.f("ck_population_cells_size_m")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population_cells")),
    )
    op.create_index("ix_population_cells_town", "population_cells", ["town"], unique=False)
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("end_latitude", sa.Float(), nullable=True),
        sa.Column("end_longitude", sa.Float(), nullable=True),
        sa.Column("last_number", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind in ('community', 'road')", name=op.f("ck_places_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
    )
    op.create_index("ix_places_town_name", "places", ["town", "name"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_places_town_name", table_name="places")
    op.drop_table("places")
    op.drop_index("ix_population_cells_town", table_name="population_cells")
    op.drop_table("population_cells")
    op.drop_table("network_state")
    # ALTER TABLE ... DROP COLUMN on SQLite too (3.35+), for the same reason.
    with op.batch_alter_table("service_items", recreate="never") as batch:
        for level in reversed(_LEVELS):
            batch.drop_column(f"handled_at_{level}")
