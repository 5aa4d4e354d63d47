"""Read side of bundles (一件事): the definitions with their items and departments, and one
application with its sub-cases and the combined status computed from them live.

An application is seen by its applicant, by any clerk (一窗通办) and by the reviewers and section
chiefs of a department that has one of its sub-cases; everyone else is refused, and another
applicant's number is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import cases, departments, service_items
from tongban.adapters.db.tables_bundles import (
    bundle_applications,
    bundle_cases,
    bundle_definitions,
)
from tongban.domain.bundles.errors import BundleApplicationNotFound
from tongban.domain.bundles.model import BundleDefinition
from tongban.domain.bundles.progress import Progress, SubCase, is_halted, progress
from tongban.domain.cases.status import CaseStatus, Decision
from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.people.model import Principal, Role, UserKind
from tongban.services.bundles.applications import load_definition
from tongban.services.platform.access import roles
from tongban.services.platform.paging import Key, Page, PageRequest, read_page

BUNDLE_APPLICATION_READERS = roles(
    Role.CITIZEN, Role.ENTERPRISE, Role.CLERK, Role.REVIEWER, Role.SECTION_CHIEF
)
"""Who may open a bundle application at all; ``access_application`` then decides which."""


@dataclass(frozen=True)
class ItemLine:
    code: str
    name: str
    department_code: str
    department_name: str
    key: bool


@dataclass(frozen=True)
class DefinitionView:
    definition: BundleDefinition
    items: list[ItemLine]
    id: int = 0
    """The definition's row id: the lists' order."""

    @property
    def departments(self) -> list[str]:
        return list(dict.fromkeys(i.department_name for i in self.items))


def _item_lines(conn: Connection, definition: BundleDefinition) -> list[ItemLine]:
    query = (
        select(
            service_items.c.code,
            service_items.c.name,
            departments.c.code.label("department_code"),
            departments.c.name.label("department_name"),
        )
        .join(departments, departments.c.id == service_items.c.department_id)
        .where(service_items.c.code.in_(definition.item_codes))
    )
    found = {r.code: r for r in conn.execute(query)}
    lines = []
    for item in definition.items:
        r = found.get(item.item_code)
        if r is not None:
            lines.append(ItemLine(r.code, r.name, r.department_code, r.department_name, item.key))
    return lines


def definitions(conn: Connection) -> list[DefinitionView]:
    """Every active bundle, in the order they were defined, with its items and departments."""
    query = (
        select(bundle_definitions.c.id, bundle_definitions.c.spec)
        .where(bundle_definitions.c.is_active.is_(True))
        .order_by(bundle_definitions.c.id)
    )
    views = []
    for row in conn.execute(query):
        definition = BundleDefinition.model_validate(row.spec)
        views.append(DefinitionView(definition, _item_lines(conn, definition), row.id))
    return views


def definition(conn: Connection, code: str) -> DefinitionView:
    _id, found = load_definition(conn, code)
    return DefinitionView(found, _item_lines(conn, found))


@dataclass(frozen=True)
class SubCaseLine:
    number: str
    item_code: str
    item_name: str
    department_code: str
    department_name: str
    status: CaseStatus
    decision: Decision | None
    accepted_on: date | None
    deadline: date | None
    version: int

    @property
    def sub(self) -> SubCase:
        return SubCase(self.number, self.item_code, self.status, self.decision)


@dataclass(frozen=True)
class ApplicationView:
    """One application with its sub-cases and the combined status computed from them."""

    id: int
    number: str
    definition: BundleDefinition
    applicant_id: int
    form: dict[str, Any]
    materials: list[str]
    created_at: datetime
    notified_at: datetime | None
    lines: list[SubCaseLine]
    progress: Progress
    halted: bool


def _lines(conn: Connection, application_id: int) -> list[SubCaseLine]:
    query = (
        select(
            cases.c.number,
            service_items.c.code.label("item_code"),
            service_items.c.name.label("item_name"),
            departments.c.code.label("department_code"),
            departments.c.name.label("department_name"),
            cases.c.status,
            cases.c.decision,
            cases.c.accepted_on,
            cases.c.deadline,
            cases.c.lock_version,
        )
        .select_from(
            bundle_cases.join(cases, cases.c.id == bundle_cases.c.case_id)
            .join(service_items, service_items.c.id == cases.c.item_id)
            .join(departments, departments.c.id == cases.c.department_id)
        )
        .where(bundle_cases.c.application_id == application_id)
        .order_by(bundle_cases.c.position)
    )
    return [
        SubCaseLine(
            r.number,
            r.item_code,
            r.item_name,
            r.department_code,
            r.department_name,
            CaseStatus(r.status),
            Decision(r.decision) if r.decision else None,
            r.accepted_on,
            r.deadline,
            r.lock_version,
        )
        for r in conn.execute(query)
    ]


def _signed_in(principal: Principal | None) -> Principal:
    if principal is None:
        raise NotAuthenticated()
    return principal


def access_application(
    conn: Connection, principal: Principal | None, number: str
) -> ApplicationView:
    """The application numbered ``number`` for whoever may see it (see the module doc)."""
    who = _signed_in(principal)
    t = bundle_applications
    row = conn.execute(
        select(t, bundle_definitions.c.spec)
        .join(bundle_definitions, bundle_definitions.c.id == t.c.definition_id)
        .where(t.c.number == number.strip().upper())
    ).first()
    if row is None:
        raise BundleApplicationNotFound(number=number)
    lines = _lines(conn, row.id)
    if who.kind in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        if row.applicant_id != who.user_id:
            raise BundleApplicationNotFound(number=number)  # never confirm another's exists
    elif not who.has_role(Role.CLERK):
        mine = {
            a.department_code
            for a in who.roles
            if a.role in (Role.REVIEWER, Role.SECTION_CHIEF) and a.department_code
        }
        if not mine & {line.department_code for line in lines}:
            raise PermissionDenied()
    definition_ = BundleDefinition.model_validate(row.spec)
    subs = [line.sub for line in lines]
    return ApplicationView(
        id=row.id,
        number=row.number,
        definition=definition_,
        applicant_id=row.applicant_id,
        form=dict(row.form),
        materials=list(row.materials),
        created_at=row.created_at,
        notified_at=row.notified_at,
        lines=lines,
        progress=progress(definition_, subs),
        halted=is_halted(definition_, subs),
    )


@dataclass(frozen=True)
class ApplicationSummary:
    number: str
    name: str
    created_at: datetime
    status: str


def my_applications(
    conn: Connection, principal: Principal | None, page: PageRequest
) -> Page[ApplicationSummary]:
    """One page of the applicant's own bundle applications, newest first."""
    who = _signed_in(principal)
    t = bundle_applications
    query = (
        select(t.c.number, bundle_definitions.c.name, t.c.created_at, t.c.status)
        .join(bundle_definitions, bundle_definitions.c.id == t.c.definition_id)
        .where(t.c.applicant_id == who.user_id)
    )
    keys = [Key(t.c.id, descending=True)]
    return read_page(
        conn,
        query,
        keys,
        page,
        lambda r: ApplicationSummary(r.number, r.name, r.created_at, r.status),
    )
