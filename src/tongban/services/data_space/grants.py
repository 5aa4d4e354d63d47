"""Grants (授权) and the holder's view of their data space: give, revoke, list, and the log of
every access.  Re-exported by ``services.data_space.reads``, the area's one entry point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, true, update

from tongban.adapters.db.tables import data_access_log, departments, service_items, users
from tongban.adapters.db.tables_data_space import data_access_events, data_grants
from tongban.domain.data_space.errors import GrantNotFound
from tongban.domain.data_space.model import Grant, GrantTerms, Requester
from tongban.domain.errors import PermissionDenied, ValidationFailed
from tongban.domain.people.model import Principal, Role, UserKind
from tongban.services.data_space import licence_port
from tongban.services.people.documents import holds_gb11643
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic


def holder_id_of(principal: Principal | None) -> str:
    """The ID number or credit code whose data space ``principal`` owns."""
    if principal is None or principal.kind not in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        raise PermissionDenied()
    holder = principal.credit_code if principal.kind is UserKind.ENTERPRISE else None
    holder = holder or principal.id_number
    if not holder:
        raise PermissionDenied()
    return holder


def requester_for(principal: Principal | None, *, item_code: str | None = None) -> Requester:
    """The requester a signed-in person reads as: their department (staff), or themself."""
    if principal is None:
        return Requester(None, item_code, None, "system")
    if principal.kind in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        return Requester(None, item_code, principal.user_id, principal.kind.value)
    for role in (Role.REVIEWER, Role.SECTION_CHIEF, Role.CLERK, Role.AGENT):
        for assignment in principal.assignments(role):
            return Requester(assignment.department_code, item_code, principal.user_id, role.value)
    first = principal.roles[0].role.value if principal.roles else "staff"
    return Requester(None, item_code, principal.user_id, first)


# --- grants (授权) ---------------------------------------------------------------------------


def grant_from(row: Any) -> Grant:
    return Grant(
        id=row.id,
        holder_id=row.holder_id,
        grantee_department=row.grantee_department,
        grantee_item=row.grantee_item,
        type_codes=tuple(row.type_codes),
        fields=None if row.fields is None else tuple(row.fields),
        purpose=row.purpose,
        expires_at=row.expires_at,
        single_use=row.single_use,
        created_at=row.created_at,
        used_at=row.used_at,
        revoked_at=row.revoked_at,
    )


def _check_grantee(conn: Connection, department: str | None, item: str | None) -> None:
    if department is not None:
        found = conn.execute(select(departments.c.id).where(departments.c.code == department))
        if found.first() is None:
            raise ValidationFailed(fields={"grantee_department": "找不到该部门：" + department})
    if item is not None:
        found = conn.execute(select(service_items.c.id).where(service_items.c.code == item))
        if found.first() is None:
            raise ValidationFailed(fields={"grantee_item": "找不到该事项：" + item})


@atomic
def grant(uow: UnitOfWork, actor: Actor, terms: GrantTerms) -> Grant:
    """授权: the holder lets a department or an item read some of their licences."""
    (stored,) = grant_many(uow, actor, [terms])
    return stored


@atomic
def grant_many(uow: UnitOfWork, actor: Actor, terms: Sequence[GrantTerms]) -> list[Grant]:
    """``grant`` for several terms at once: each checked and stored as its own grant with its
    own audit entry, in one multi-row insert each."""
    if any(holder_id_of(actor.principal) != t.holder_id for t in terms):
        raise PermissionDenied()
    known = licence_port.licence_types()
    return _store(uow, actor, [t.checked(known_types=known, at=actor.at) for t in terms])


@atomic
def insert_grant(uow: UnitOfWork, actor: Actor, terms: GrantTerms) -> Grant:
    """Store a grant already checked (or given in person at a window) with its audit entry."""
    (stored,) = _store(uow, actor, [terms])
    return stored


def grant_row(
    terms: GrantTerms, actor: Actor, *, used_at: datetime | None = None
) -> dict[str, Any]:
    """The ``data_grants`` row of ``terms`` given by ``actor`` now (already used, or not)."""
    return {
        "holder_id": terms.holder_id,
        "grantee_department": terms.grantee_department,
        "grantee_item": terms.grantee_item,
        "type_codes": list(terms.type_codes),
        "fields": None if terms.fields is None else list(terms.fields),
        "purpose": terms.purpose,
        "expires_at": terms.expires_at,
        "single_use": terms.single_use,
        "created_at": actor.at,
        "created_by": actor.user_id,
        "used_at": used_at,
    }


def grant_audit(row: Any) -> tuple[str, str, str, dict[str, Any]]:
    """The audit entry of a stored grant (``data_grant.create``)."""
    detail = {"types": list(row.type_codes), "single_use": row.single_use}
    return (
        "data_grant.create",
        "data_grant",
        str(row.id),
        {**detail, "holder": row.holder_id[-4:]},
    )


def _store(uow: UnitOfWork, actor: Actor, terms: Sequence[GrantTerms]) -> list[Grant]:
    """Grants and their audit entries, one multi-row insert each."""
    if not terms:
        return []
    for grantee in dict.fromkeys((t.grantee_department, t.grantee_item) for t in terms):
        _check_grantee(uow.conn, *grantee)
    rows = uow.conn.execute(
        insert(data_grants).returning(*data_grants.c, sort_by_parameter_order=True),
        [grant_row(t, actor) for t in terms],
    ).all()
    audit.record_many(uow.conn, actor, [grant_audit(row) for row in rows])
    return [grant_from(row) for row in rows]


@atomic
def revoke_grant(uow: UnitOfWork, actor: Actor, grant_id: int) -> None:
    """撤销授权: effective for the very next request; revoking twice changes nothing more."""
    holder = holder_id_of(actor.principal)
    row = uow.conn.execute(select(data_grants).where(data_grants.c.id == grant_id)).first()
    if row is None or row.holder_id != holder:
        raise GrantNotFound()  # another holder's grant is not even said to exist
    changed = uow.conn.execute(
        update(data_grants)
        .where(data_grants.c.id == grant_id, data_grants.c.revoked_at.is_(None))
        .values(revoked_at=actor.at)
    ).rowcount
    if changed:
        audit.record(uow.conn, actor, "data_grant.revoke", "data_grant", str(grant_id))


def holder_grants(conn: Connection, holder_id: str) -> list[Grant]:
    rows = conn.execute(
        select(data_grants)
        .where(data_grants.c.holder_id == holder_id)
        .order_by(data_grants.c.created_at.desc(), data_grants.c.id.desc())
    ).all()
    return [grant_from(r) for r in rows]


@dataclass(frozen=True)
class AccessEntry:
    """One line of the holder's access log (who, what, when, purpose, case, outcome)."""

    at: datetime
    actor_name: str | None
    role: str
    department_code: str | None
    department_name: str | None
    item_code: str | None
    kind: str
    what: dict[str, Any]
    purpose: str
    case_number: str | None
    outcome: str
    legal_basis: str | None
    reason: str
    source: int = 0
    """1: a read of the data space (``data_access_events``); 0: a staff read elsewhere
    (``data_access_log``).  With ``row_id`` it orders entries of the same instant."""
    row_id: int = 0

    @property
    def key(self) -> tuple[datetime, int, int]:
        """The log's order, newest first: time, then source, then row id (all descending)."""
        return (self.at, self.source, self.row_id)


@dataclass(frozen=True)
class LogPage:
    """One page of the access log and, when older entries exist, where the next one starts."""

    entries: list[AccessEntry]
    next_cursor: tuple[datetime, int, int] | None


def _older(at: Any, row_id: Any, source: int, cursor: tuple[datetime, int, int] | None) -> Any:
    """Rows of ``source`` that come after ``cursor`` in the log's order (newest first)."""
    if cursor is None:
        return true()
    c_at, c_source, c_id = cursor
    if source < c_source:
        return at <= c_at
    if source > c_source:
        return at < c_at
    return or_(at < c_at, and_(at == c_at, row_id < c_id))


def access_log(conn: Connection, holder_id: str, limit: int = 200) -> list[AccessEntry]:
    """The holder's newest ``limit`` access-log entries (``access_log_page`` for the rest)."""
    return access_log_page(conn, holder_id, limit=limit).entries


def access_log_page(
    conn: Connection,
    holder_id: str,
    *,
    limit: int = 200,
    cursor: tuple[datetime, int, int] | None = None,
    subject_id: int | None = None,
) -> LogPage:
    """The holder's access log, newest first, one page of ``limit`` entries after ``cursor``:
    every read of their data space, and every read of their personal data by staff (a case, a
    material, an identity check), with its reason.  Nothing is cut off: when older entries
    exist the page says where the next one starts.  ``subject_id`` is the holder's account
    (the signed-in holder's); without it, the one a GB 11643 number or a credit code names."""
    events = data_access_events
    query = (
        select(
            data_access_events,
            users.c.name.label("actor_name"),
            departments.c.name.label("department_name"),
        )
        .select_from(
            data_access_events.outerjoin(
                users, users.c.id == data_access_events.c.actor_id
            ).outerjoin(departments, departments.c.code == data_access_events.c.department_code)
        )
        .where(data_access_events.c.holder_id == holder_id)
        .where(_older(events.c.at, events.c.id, 1, cursor))
        .order_by(data_access_events.c.at.desc(), data_access_events.c.id.desc())
        .limit(limit + 1)
    )
    entries = [
        AccessEntry(
            at=r.at,
            actor_name=r.actor_name,
            role=r.role,
            department_code=r.department_code,
            department_name=r.department_name,
            item_code=r.item_code,
            kind=r.kind,
            what=dict(r.what),
            purpose=r.purpose,
            case_number=r.case_number,
            outcome=r.outcome,
            legal_basis=r.legal_basis,
            reason=r.reason,
            source=1,
            row_id=r.id,
        )
        for r in conn.execute(query).all()
    ]
    entries.extend(_staff_reads(conn, holder_id, limit + 1, cursor, subject_id))
    entries.sort(key=lambda e: e.key, reverse=True)
    more = len(entries) > limit
    page = entries[:limit]
    return LogPage(page, page[-1].key if more and page else None)


def _staff_reads(
    conn: Connection,
    holder_id: str,
    limit: int,
    cursor: tuple[datetime, int, int] | None,
    subject_id: int | None,
) -> list[AccessEntry]:
    """Staff reads of the holder's personal data outside the data space (``data_access_log``).
    Another document's number may be two people's (0046): only an account says whose."""
    subject: Any = subject_id
    if subject is None:
        enterprise = (users.c.credit_code == holder_id) & (
            users.c.kind == UserKind.ENTERPRISE.value
        )
        subject = (
            select(users.c.id)
            .where(holds_gb11643(holder_id) | enterprise)
            .limit(1)
            .scalar_subquery()
        )
    actor = users.alias("actor")
    rows = conn.execute(
        select(data_access_log, actor.c.name.label("actor_name"))
        .select_from(data_access_log.outerjoin(actor, actor.c.id == data_access_log.c.actor_id))
        .where(data_access_log.c.subject_id == subject)
        .where(data_access_log.c.actor_id.is_distinct_from(data_access_log.c.subject_id))
        .where(data_access_log.c.what.not_like("data_space:%"))  # in data_access_events
        .where(_older(data_access_log.c.at, data_access_log.c.id, 0, cursor))
        .order_by(data_access_log.c.at.desc(), data_access_log.c.id.desc())
        .limit(limit)
    ).all()
    return [
        AccessEntry(
            at=r.at,
            actor_name=r.actor_name,
            role="staff",
            department_code=None,
            department_name=None,
            item_code=None,
            kind="staff_read",
            what={"record": r.what},
            purpose=r.purpose,
            case_number=r.what.removeprefix("case:") if r.what.startswith("case:") else None,
            outcome="allowed" if r.allowed else "refused",
            legal_basis=None,
            reason="",
            source=0,
            row_id=r.id,
        )
        for r in rows
    ]
