"""Who may see which investment projects (代办).

A company sees only its own projects; an agent only the projects assigned to them; the centre
view is for leaders (the whole district) and centre managers — of the district centre (every
project) or of a town centre (the projects in its town).  Anything else reads as 'not found'.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, select, true

from tongban.adapters.db.tables import centres
from tongban.adapters.db.tables_projects import projects
from tongban.domain.errors import PermissionDenied
from tongban.domain.people.model import Principal, Role, UserKind
from tongban.services.platform.access import roles

PROJECT_COMPANIES = roles(Role.ENTERPRISE)
"""A company registers projects, requests the proxy service and authorises its agent."""
PROJECT_AGENTS = roles(Role.AGENT)
"""代办员: the workbench, filing steps and the log of meetings and notes."""
PROJECT_CENTRE = roles(Role.CENTRE_MANAGER, Role.LEADER)
"""The proxy-service dashboard: projects by stage, town and industry, bottlenecks."""
PROJECT_READERS = roles(Role.ENTERPRISE, Role.AGENT, Role.CENTRE_MANAGER, Role.LEADER)
"""Who has a project list at all; ``project_scope`` then decides which projects."""


@dataclass(frozen=True)
class Scope:
    """The projects a principal may see, as a WHERE clause, and as whom they see them."""

    where: ColumnElement[bool]
    as_: str
    """'company', 'agent' or 'centre'."""
    town: str | None = None
    """A town centre manager's town (None: the whole district)."""
    key: tuple[object, ...] = ()
    """What identifies the scope (for caching what it sees)."""


def centre_scope(conn: Connection, principal: Principal) -> Scope | None:
    """The centre view: a leader or the district centre's manager sees every project; a town
    centre's manager the projects of that town."""
    if principal.has_role(Role.LEADER):
        return Scope(true(), "centre", key=("district",))
    towns: list[str] = []
    for assignment in principal.assignments(Role.CENTRE_MANAGER):
        row = conn.execute(
            select(centres.c.level, centres.c.town).where(centres.c.code == assignment.centre_code)
        ).first()
        if row is None:
            continue
        if row.level == "district":
            return Scope(true(), "centre", key=("district",))
        if row.town:
            towns.append(row.town)
    if towns:
        return Scope(
            projects.c.town.in_(towns), "centre", town=towns[0], key=("towns", *sorted(towns))
        )
    return None


def project_scope(conn: Connection, principal: Principal | None) -> Scope:
    """The one rule for reading projects; refuses a principal who has no projects at all."""
    if principal is None:
        raise PermissionDenied()
    if principal.kind is UserKind.ENTERPRISE:
        return Scope(
            projects.c.company_id == principal.user_id,
            "company",
            key=("company", principal.user_id),
        )
    if principal.has_role(Role.AGENT):
        return Scope(
            projects.c.agent_id == principal.user_id, "agent", key=("agent", principal.user_id)
        )
    found = centre_scope(conn, principal)
    if found is None:
        raise PermissionDenied()
    return found
