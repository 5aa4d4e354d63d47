"""Read side of 用户管理: the staff list (searchable, a page at a time), one staff member with
their roles, and the recent changes to staff accounts from the audit log.

Personal data leaves here masked by type (ID number 6+4, phone 3+4); nobody reads it whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, cast, func, or_, select
from sqlalchemy.orm import aliased

from tongban.adapters.db.tables import audit_log, centres, departments, role_assignments, users
from tongban.domain.errors import UserNotFound
from tongban.domain.people.model import Role, UserKind
from tongban.domain.shared.masking import mask_id_number, mask_phone
from tongban.services.people.user_admin import ADMIN_ACTIONS
from tongban.services.platform.paging import Key, Page, PageRequest, seek, split

PAGE_SIZE = 20


@dataclass(frozen=True)
class HeldRole:
    """One role of a staff member with where it applies (a centre, a department or the district)."""

    id: int
    role: Role
    level: str
    centre_code: str | None
    centre_name: str | None
    department_code: str | None
    department_name: str | None


@dataclass(frozen=True)
class StaffMember:
    id: int
    username: str
    name: str
    id_number_masked: str
    phone_masked: str
    is_active: bool
    locked: bool
    totp_enabled: bool
    must_change_password: bool
    last_login_at: datetime | None
    roles: tuple[HeldRole, ...]


@dataclass(frozen=True)
class StaffPage:
    members: list[StaffMember]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class Change:
    at: datetime
    actor: str
    action: str
    subject_id: int
    subject: str
    detail: dict[str, Any]


def _roles(conn: Connection, user_ids: list[int]) -> dict[int, list[HeldRole]]:
    rows = conn.execute(
        select(
            role_assignments.c.id,
            role_assignments.c.user_id,
            role_assignments.c.role,
            role_assignments.c.level,
            centres.c.code.label("centre_code"),
            centres.c.name.label("centre_name"),
            departments.c.code.label("department_code"),
            departments.c.name.label("department_name"),
        )
        .select_from(
            role_assignments.outerjoin(
                centres, centres.c.id == role_assignments.c.centre_id
            ).outerjoin(departments, departments.c.id == role_assignments.c.department_id)
        )
        .where(role_assignments.c.user_id.in_(user_ids))
        .order_by(role_assignments.c.id)
    ).all()
    found: dict[int, list[HeldRole]] = {}
    for r in rows:
        if r.role not in Role._value2member_map_:
            continue
        found.setdefault(r.user_id, []).append(
            HeldRole(
                r.id,
                Role(r.role),
                r.level,
                r.centre_code,
                r.centre_name,
                r.department_code,
                r.department_name,
            )
        )
    return found


def _member(row: Any, roles: list[HeldRole], now: datetime) -> StaffMember:
    return StaffMember(
        id=row.id,
        username=row.username or "",
        name=row.name,
        id_number_masked=mask_id_number(row.staff_id_number) if row.staff_id_number else "",
        phone_masked=mask_phone(row.phone) if row.phone else "",
        is_active=bool(row.is_active),
        locked=row.locked_until is not None and row.locked_until > now,
        totp_enabled=row.totp_enabled_at is not None,
        must_change_password=bool(row.must_change_password),
        last_login_at=row.last_login_at,
        roles=tuple(roles),
    )


@dataclass(frozen=True)
class Places:
    """Where a role may apply: every centre and every department (code and name)."""

    centres: list[Any]
    departments: list[Any]


def places(conn: Connection) -> Places:
    return Places(
        centres=list(
            conn.execute(
                select(centres.c.code, centres.c.name, centres.c.level).order_by(
                    centres.c.level, centres.c.code
                )
            ).all()
        ),
        departments=list(
            conn.execute(
                select(departments.c.code, departments.c.name).order_by(departments.c.code)
            ).all()
        ),
    )


def list_staff(conn: Connection, query: str, page: int, now: datetime) -> StaffPage:
    """Staff whose name, user name or one of whose departments (name or code) contains
    ``query``, by user name, ``PAGE_SIZE`` a page."""
    condition = users.c.kind == UserKind.STAFF.value
    text = query.strip()
    if text:
        in_department = (
            select(role_assignments.c.user_id)
            .join(departments, departments.c.id == role_assignments.c.department_id)
            .where(
                or_(
                    departments.c.name.contains(text, autoescape=True),
                    func.lower(departments.c.code).contains(text.lower(), autoescape=True),
                )
            )
        )
        condition = condition & or_(
            users.c.name.contains(text, autoescape=True),
            users.c.username.contains(text.lower(), autoescape=True),
            users.c.id.in_(in_department),
        )
    total = conn.execute(select(func.count()).select_from(users).where(condition)).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = conn.execute(
        select(users)
        .where(condition)
        .order_by(users.c.username, users.c.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    roles = _roles(conn, [r.id for r in rows])
    return StaffPage([_member(r, roles.get(r.id, []), now) for r in rows], total, page, pages)


def get_staff(conn: Connection, user_id: int, now: datetime) -> StaffMember:
    row = conn.execute(
        select(users).where(users.c.id == user_id, users.c.kind == UserKind.STAFF.value)
    ).first()
    if row is None:
        raise UserNotFound()
    return _member(row, _roles(conn, [user_id]).get(user_id, []), now)


def recent_changes(
    conn: Connection, limit: int = 20, subject_id: int | None = None
) -> list[Change]:
    """The latest changes to staff accounts (or to one): who did what to whom, when."""
    return change_page(conn, PageRequest(limit=limit), subject_id=subject_id).rows


def change_page(conn: Connection, page: PageRequest, subject_id: int | None = None) -> Page[Change]:
    """One page of the changes to staff accounts, newest first, keyset on the audit entry."""
    keys = [Key(audit_log.c.id, descending=True)]
    actor = aliased(users)
    subject = aliased(users)
    query = (
        select(
            audit_log.c.at,
            audit_log.c.action,
            audit_log.c.detail,
            actor.c.username.label("actor_username"),
            actor.c.name.label("actor_name"),
            subject.c.id.label("subject_id"),
            subject.c.username.label("subject_username"),
            subject.c.name.label("subject_name"),
        )
        .select_from(
            audit_log.outerjoin(actor, actor.c.id == audit_log.c.actor_id).join(
                subject,
                cast(subject.c.id, String) == audit_log.c.object_key,
            )
        )
        .where(
            audit_log.c.object_type == "user",
            audit_log.c.action.in_(ADMIN_ACTIONS),
            subject.c.kind == UserKind.STAFF.value,
            *([audit_log.c.object_key == str(subject_id)] if subject_id is not None else []),
        )
    )
    found = split(conn.execute(seek(query, keys, page)).all(), keys, page)
    rows = [
        Change(
            at=r.at,
            actor=f"{r.actor_name}（{r.actor_username}）" if r.actor_username else "",
            action=r.action,
            subject_id=r.subject_id,
            subject=f"{r.subject_name}（{r.subject_username}）",
            detail=dict(r.detail or {}),
        )
        for r in found.rows
    ]
    return Page(rows=rows, next=found.next)
