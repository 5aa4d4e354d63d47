"""Server-side sessions: the cookie holds a random token, the table holds its SHA-256.

Sessions live in the database so that several app processes share them and a log-out or a
lock-out ends a session everywhere at once.  That is why a request's principal is never cached
across requests: ``load_session`` reads the session, the user and every role in one query on
each request, so a revoked session, a deactivated user or a changed role takes effect on the
very next request in every process.  Only the building of the ``Principal`` object from those
rows is memoised (``_principal_of``), keyed by the rows themselves.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from tongban.adapters.db.async_reader import AsyncReader
from tongban.adapters.db.engine import READ_ONLY, psycopg_sql
from tongban.adapters.db.tables import (
    centres,
    departments,
    role_assignments,
    sessions,
    users,
)
from tongban.domain.catalogue.model import Level
from tongban.domain.people.model import Contact, Principal, Role, RoleAssignment, UserKind


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


@dataclass(frozen=True)
class SessionInfo:
    """One live session as its owner sees it (never its token)."""

    key: str
    """The first 12 characters of the session's stored digest: enough to tell them apart."""
    created_at: datetime
    expires_at: datetime
    ip: str
    user_agent: str
    current: bool


def list_sessions(
    conn: Connection, user_id: int, *, now: datetime, current: str | None
) -> list[SessionInfo]:
    """The user's live sessions, newest first; ``current`` is the session id of the request."""
    rows = conn.execute(
        select(sessions)
        .where(sessions.c.user_id == user_id, sessions.c.expires_at > now)
        .order_by(sessions.c.created_at.desc(), sessions.c.id)
    )
    return [
        SessionInfo(r.id[:12], r.created_at, r.expires_at, r.ip, r.user_agent, r.id == current)
        for r in rows
    ]


def end_other_sessions(conn: Connection, user_id: int, keep: str | None) -> int:
    """End every session of the user but ``keep`` (the one in use); returns how many ended."""
    query = delete(sessions).where(sessions.c.user_id == user_id)
    if keep is not None:
        query = query.where(sessions.c.id != keep)
    return int(conn.execute(query).rowcount)


_SESSION_PRINCIPAL = (
    select(
        sessions.c.csrf_token,
        sessions.c.expires_at,
        users.c.id,
        users.c.kind,
        users.c.name,
        users.c.is_active,
        users.c.id_number,
        users.c.credit_code,
        users.c.phone,
        users.c.id_type,
        (users.c.totp_enabled_at.is_not(None)).label("second_factor"),
        role_assignments.c.role,
        role_assignments.c.level,
        centres.c.code.label("centre_code"),
        centres.c.town,
        departments.c.code.label("department_code"),
    )
    .select_from(
        sessions.join(users, users.c.id == sessions.c.user_id)
        .outerjoin(role_assignments, role_assignments.c.user_id == users.c.id)
        .outerjoin(centres, centres.c.id == role_assignments.c.centre_id)
        .outerjoin(departments, departments.c.id == role_assignments.c.department_id)
    )
    .where(sessions.c.id == bindparam("session_id"))
    .order_by(role_assignments.c.id)
)
"""A session with its user and every role of the user: one row per role (one, role NULL, for a
user without roles).  Built once: SQLAlchemy then finds its compiled form without recomputing
the statement's cache key, which for five joined tables costs more than the query itself."""


def load_session(conn: Connection, token: str, *, now: datetime) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session, or None if unknown or expired.

    One query (the session, the user, the roles), read afresh on every call: nothing a log-out,
    a deactivation or a role change writes can be missed.
    """
    session_id = _digest(token)
    rows = conn.execute(_SESSION_PRINCIPAL, {"session_id": session_id}).all()
    return _live_principal(rows, session_id, now)


def _live_principal(
    rows: Sequence[Any], session_id: str, now: datetime
) -> tuple[Principal, str] | None:
    """The principal and CSRF token the rows of ``_SESSION_PRINCIPAL`` describe, if live."""
    if not rows:
        return None
    first = rows[0]
    if first.expires_at <= now or not first.is_active:
        return None
    user = (
        first.id,
        first.kind,
        first.name,
        first.id_number,
        first.credit_code,
        bool(first.second_factor),
        first.phone,
        first.id_type,
    )
    roles = tuple(
        (r.role, r.level, r.centre_code, r.department_code, r.town)
        for r in rows
        if r.role is not None
    )
    return _principal_of(user, roles, session_id, first.expires_at), first.csrf_token


def read_session(engine: Engine, token: str, *, now: datetime) -> tuple[Principal, str] | None:
    """``load_session`` on a connection of its own: one round trip on PostgreSQL.

    A single SELECT needs no transaction around it, so on PostgreSQL it runs in autocommit (no
    BEGIN and ROLLBACK round trips); SQLite begins a deferred (read-only) transaction as usual.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT")
            return load_session(conn, token, now=now)
        conn.execution_options(**{READ_ONLY: True})
        with conn.begin():
            return load_session(conn, token, now=now)


_SESSION_PRINCIPAL_SQL = psycopg_sql(_SESSION_PRINCIPAL)
"""The same SELECT as PostgreSQL gets it, for the asyncio reader (``%(session_id)s``)."""


async def read_session_async(
    reader: AsyncReader, token: str, *, now: datetime
) -> tuple[Principal, str] | None:
    """``read_session`` on the event loop (PostgreSQL): the same SELECT, the same answer."""
    session_id = _digest(token)
    rows = await reader.fetch_all(_SESSION_PRINCIPAL_SQL, {"session_id": session_id})
    return _live_principal(rows, session_id, now)


@lru_cache(maxsize=4096)
def _principal_of(
    user: tuple[Any, ...],
    roles: tuple[tuple[Any, ...], ...],
    session_id: str,
    expires_at: datetime | None = None,
) -> Principal:
    """The (immutable) principal these exact rows describe; a change in any row is a new key."""
    user_id, kind, name, id_number, credit_code, second_factor, phone, id_type = user
    return Principal(
        user_id=user_id,
        kind=UserKind(kind),
        name=name,
        roles=tuple(
            RoleAssignment(
                role=Role(role),
                level=Level(level),
                centre_code=centre_code,
                department_code=department_code,
                town=town or "",
            )
            for role, level, centre_code, department_code, town in roles
        ),
        id_number=id_number,
        credit_code=credit_code,
        session_id=session_id,
        session_expires_at=expires_at,
        second_factor=second_factor,
        contact=Contact(phone, id_type),
    )


def renew_session(
    engine: Engine, token: str, *, now: datetime, hours: int, cap: timedelta
) -> datetime | None:
    """Move a live session's end to ``hours`` from now, but never past ``cap`` after it began;
    returns the new end (None: the session is over, or at its cap already).  Its own short
    transaction: a page view renews the session it is read with."""
    session_id = _digest(token)
    with engine.begin() as conn:
        row = conn.execute(
            select(sessions.c.created_at, sessions.c.expires_at).where(sessions.c.id == session_id)
        ).first()
        if row is None or row.expires_at <= now:
            return None
        until: datetime = min(now + timedelta(hours=hours), row.created_at + cap)
        if until <= row.expires_at:
            return None
        conn.execute(update(sessions).where(sessions.c.id == session_id).values(expires_at=until))
    return until


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
        second_factor=user.totp_enabled_at is not None,
        contact=Contact(user.phone, user.id_type),
    )
