"""Server-side sessions: the cookie holds a random token, the table holds its SHA-256.

Sessions live in the database so that several app processes share them and a log-out or a
lock-out ends a session everywhere at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select

from tongban.adapters.db.tables import (
    centres,
    departments,
    role_assignments,
    sessions,
    users,
)
from tongban.domain.catalogue.model import Level
from tongban.domain.people.model import Principal, Role, RoleAssignment, UserKind


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(
    conn: Connection, user_id: int, *, now: datetime, hours: int, ip: str = "", agent: str = ""
) -> tuple[str, str]:
    """Open a session; returns the cookie token and the session's CSRF token."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    conn.execute(
        insert(sessions).values(
            id=_digest(token),
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            ip=ip[:64],
            user_agent=agent[:300],
        )
    )
    return token, csrf


def end_session(conn: Connection, token: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.id == _digest(token)))


def end_all_sessions(conn: Connection, user_id: int) -> None:
    conn.execute(delete(sessions).where(sessions.c.user_id == user_id))


def load_session(conn: Connection, token: str, *, now: datetime) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session, or None if unknown or expired."""
    row = conn.execute(
        select(sessions.c.user_id, sessions.c.csrf_token, sessions.c.expires_at).where(
            sessions.c.id == _digest(token)
        )
    ).first()
    if row is None or row.expires_at <= now:
        return None
    principal = load_principal(conn, row.user_id, session_id=_digest(token))
    if principal is None:
        return None
    return principal, row.csrf_token


def load_principal(
    conn: Connection, user_id: int, *, session_id: str | None = None
) -> Principal | None:
    user = conn.execute(select(users).where(users.c.id == user_id)).first()
    if user is None or not user.is_active:
        return None
    rows = conn.execute(
        select(
            role_assignments.c.role,
            role_assignments.c.level,
            centres.c.code.label("centre_code"),
            centres.c.town,
            departments.c.code.label("department_code"),
        )
        .select_from(
            role_assignments.outerjoin(
                centres, centres.c.id == role_assignments.c.centre_id
            ).outerjoin(departments, departments.c.id == role_assignments.c.department_id)
        )
        .where(role_assignments.c.user_id == user_id)
        .order_by(role_assignments.c.id)
    ).all()
    roles = tuple(
        RoleAssignment(
            role=Role(r.role),
            level=Level(r.level),
            centre_code=r.centre_code,
            department_code=r.department_code,
            town=r.town or "",
        )
        for r in rows
    )
    return Principal(
        user_id=user.id,
        kind=UserKind(user.kind),
        name=user.name,
        roles=roles,
        id_number=user.id_number,
        credit_code=user.credit_code,
        session_id=session_id,
    )
