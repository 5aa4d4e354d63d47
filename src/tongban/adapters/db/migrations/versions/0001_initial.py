"""catalogue, network, calendar, people and audit

Revision ID: 0001
Revises:
Create Date: 2026-11-27 05:29:32.731970
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tongban.adapters.db.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "centres",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("town", sa.String(length=20), server_default="", nullable=False),
        sa.Column("address", sa.String(length=200), server_default="", nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("opening_hours", sa.String(length=200), server_default="", nullable=False),
        sa.Column("phone", sa.String(length=40), server_default="", nullable=False),
        sa.Column("windows", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "accessibility",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "level in ('district', 'town', 'community')", name=op.f("ck_centres_level")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["centres.id"], name=op.f("fk_centres_parent_id_centres")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_centres")),
        sa.UniqueConstraint("code", name=op.f("uq_centres_code")),
    )
    with op.batch_alter_table("centres", schema=None) as batch_op:
        batch_op.create_index("ix_centres_town_level", ["town", "level"], unique=False)

    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("short_name", sa.String(length=30), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("code", name=op.f("uq_departments_code")),
        sa.UniqueConstraint("name", name=op.f("uq_departments_name")),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "window_started_at",
            tongban.adapters.db.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "locked_until", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=True),
        sa.Column("id_type", sa.String(length=40), nullable=True),
        sa.Column("id_number", sa.String(length=40), nullable=True),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("legal_representative", sa.String(length=100), nullable=True),
        sa.Column("legal_representative_id", sa.String(length=40), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "locked_until", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_login_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "kind in ('staff', 'citizen', 'enterprise')", name=op.f("ck_users_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_users_credit_code")),
        sa.UniqueConstraint("id_number", name=op.f("uq_users_id_number")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_key", sa.String(length=80), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("request_id", sa.String(length=64), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_log_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_object", ["object_type", "object_key"], unique=False)

    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=40), server_default="", nullable=False),
        sa.Column(
            "updated_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind in ('workday', 'rest', 'holiday', 'makeup_workday')",
            name=op.f("ck_calendar_days_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_calendar_days_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_index("ix_calendar_days_updated_at", "calendar_days", ["updated_at"], unique=False)
    op.create_table(
        "data_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("request_id", sa.String(length=64), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_data_access_log_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_data_access_log_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_access_log")),
    )
    with op.batch_alter_table("data_access_log", schema=None) as batch_op:
        batch_op.create_index("ix_data_access_log_subject", ["subject_id", "at"], unique=False)

    op.create_table(
        "list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "entry",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind in ('negative', 'permit', 'supervision')", name=op.f("ck_list_entries_kind")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_list_entries_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entries")),
        sa.UniqueConstraint("code", name=op.f("uq_list_entries_code")),
    )
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.create_index("ix_list_entries_kind", ["kind"], unique=False)

    op.create_table(
        "role_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_role_assignments_centre_id_centres")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_role_assignments_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_role_assignments_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignments")),
    )
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_role_assignments_user", ["user_id"], unique=False)

    op.create_table(
        "service_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("audience", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=40), server_default="", nullable=False),
        sa.Column("promised_limit_days", sa.Integer(), nullable=False),
        sa.Column("legal_limit_days", sa.Integer(), nullable=False),
        sa.Column("online_capable", sa.Boolean(), nullable=False),
        sa.Column("fully_online", sa.Boolean(), nullable=False),
        sa.Column("smart_approval", sa.Boolean(), nullable=False),
        sa.Column("certificate_free", sa.Boolean(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column(
            "draft",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("lock_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "status in ('draft', 'published', 'withdrawn')", name=op.f("ck_service_items_status")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_service_items_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_items")),
        sa.UniqueConstraint("code", name=op.f("uq_service_items_code")),
    )
    with op.batch_alter_table("service_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_items_department_status", ["department_id", "status"], unique=False
        )

    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("ip", sa.String(length=64), server_default="", nullable=False),
        sa.Column("user_agent", sa.String(length=300), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index("ix_sessions_user", ["user_id"], unique=False)

    op.create_table(
        "sms_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column(
            "created_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("used_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sms_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_codes")),
    )
    with op.batch_alter_table("sms_codes", schema=None) as batch_op:
        batch_op.create_index("ix_sms_codes_user", ["user_id"], unique=False)

    op.create_table(
        "item_search",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["service_items.id"], name=op.f("fk_item_search_item_id_service_items")
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_search")),
    )
    op.create_table(
        "service_item_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        sa.Column(
            "published_at", tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["service_items.id"],
            name=op.f("fk_service_item_versions_item_id_service_items"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by"], ["users.id"], name=op.f("fk_service_item_versions_published_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_item_versions")),
        sa.UniqueConstraint("item_id", "version", name="uq_service_item_versions_item_version"),
    )


def downgrade() -> None:

    op.drop_table("service_item_versions")
    op.drop_table("item_search")
    with op.batch_alter_table("sms_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_codes_user")

    op.drop_table("sms_codes")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_user")

    op.drop_table("sessions")
    with op.batch_alter_table("service_items", schema=None) as batch_op:
        batch_op.drop_index("ix_service_items_department_status")

    op.drop_table("service_items")
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_role_assignments_user")

    op.drop_table("role_assignments")
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_list_entries_kind")

    op.drop_table("list_entries")
    with op.batch_alter_table("data_access_log", schema=None) as batch_op:
        batch_op.drop_index("ix_data_access_log_subject")

    op.drop_table("data_access_log")
    op.drop_index("ix_calendar_days_updated_at", table_name="calendar_days")
    op.drop_table("calendar_days")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_object")

    op.drop_table("audit_log")
    op.drop_table("users")
    op.drop_table("login_throttle")
    op.drop_table("departments")
    with op.batch_alter_table("centres", schema=None) as batch_op:
        batch_op.drop_index("ix_centres_town_level")

    op.drop_table("centres")
