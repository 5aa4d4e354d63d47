"""proxy service: investment projects, authorisations, roadmap steps, agent notes (代办)

``projects`` holds each investment project with its company, agent and lock version;
``project_authorisations`` the company's authorisation of its agent (revocable);
``project_steps`` the roadmap, each step becoming a case once the agent files it;
``project_notes`` the agent's log of meetings, calls and notes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tongban.adapters.db.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _at(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, tongban.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("legal_representative", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("investment_wan", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=20), nullable=False),
        sa.Column("site_address", sa.String(length=200), nullable=False),
        sa.Column("town", sa.String(length=20), nullable=False),
        sa.Column("construction", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("centre_code", sa.String(length=40), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        _at("created_at", nullable=False),
        _at("updated_at", nullable=False),
        sa.CheckConstraint("investment_wan > 0", name=op.f("ck_projects_investment_positive")),
        sa.CheckConstraint(
            "status in ('registered', 'agent_assigned', 'in_progress', 'completed')",
            name=op.f("ck_projects_status"),
        ),
        _fk("projects", "company_id", "users"),
        _fk("projects", "agent_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_code")),
    )
    op.create_index("ix_projects_company", "projects", ["company_id"], unique=False)
    op.create_index("ix_projects_agent", "projects", ["agent_id"], unique=False)
    op.create_table(
        "project_authorisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        _at("granted_at", nullable=False),
        _at("revoked_at", nullable=True),
        _fk("project_authorisations", "project_id", "projects"),
        _fk("project_authorisations", "company_id", "users"),
        _fk("project_authorisations", "agent_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_authorisations")),
    )
    op.create_index(
        "ix_project_authorisations_project_agent",
        "project_authorisations",
        ["project_id", "agent_id"],
        unique=False,
    )
    op.create_table(
        "project_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("item_name", sa.String(length=120), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        _at("filed_at", nullable=True),
        sa.Column("filed_by", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.CheckConstraint("status in ('pending', 'filed')", name=op.f("ck_project_steps_status")),
        _fk("project_steps", "project_id", "projects"),
        _fk("project_steps", "case_id", "cases"),
        _fk("project_steps", "filed_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_steps")),
        sa.UniqueConstraint("project_id", "position", name="uq_project_steps_project_position"),
    )
    op.create_index("ix_project_steps_case", "project_steps", ["case_id"], unique=False)
    op.create_table(
        "project_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        _at("created_at", nullable=False),
        sa.CheckConstraint(
            "kind in ('meeting', 'call', 'visit', 'note')", name=op.f("ck_project_notes_kind")
        ),
        _fk("project_notes", "project_id", "projects"),
        _fk("project_notes", "author_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_notes")),
    )
    op.create_index("ix_project_notes_project", "project_notes", ["project_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_project_notes_project", table_name="project_notes")
    op.drop_table("project_notes")
    op.drop_index("ix_project_steps_case", table_name="project_steps")
    op.drop_table("project_steps")
    op.drop_index("ix_project_authorisations_project_agent", table_name="project_authorisations")
    op.drop_table("project_authorisations")
    op.drop_index("ix_projects_agent", table_name="projects")
    op.drop_index("ix_projects_company", table_name="projects")
    op.drop_table("projects")
