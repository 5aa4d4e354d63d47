"""自助终端: a centre manager registers the kiosks of their centre, pairs each device and sets
its idle time; a kiosk is a device account (role ``kiosk``, no password), never a person.

Pairing: the manager gets a one-time code (8 characters, 30 minutes); typed on the device, it
opens the device's session (the kiosk's own cookie) and ends any session the device had
before.  Five wrong codes void it.  Deactivating a kiosk ends its session and any visit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from tongban.adapters.db.tables import centres, role_assignments, users
from tongban.adapters.db.tables_self_service import kiosk_visits, kiosks
from tongban.domain.errors import NotAuthenticated, PermissionDenied
from tongban.domain.people.model import Principal, Role, UserKind
from tongban.domain.self_service import model
from tongban.domain.self_service.errors import (
    KioskExists,
    KioskInactive,
    KioskNotFound,
    PairingFailed,
)
from tongban.domain.self_service.model import CloseReason, Kiosk, PairingCode
from tongban.services.people import sessions
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

_KIOSK = select(
    kiosks,
    centres.c.code.label("centre_code"),
    centres.c.name.label("centre_name"),
    centres.c.level.label("centre_level"),
).select_from(kiosks.join(centres, centres.c.id == kiosks.c.centre_id))


def _kiosk(row: Row[Any]) -> Kiosk:
    return Kiosk(
        id=row.id,
        code=row.code,
        name=row.name,
        centre_code=row.centre_code,
        centre_name=row.centre_name,
        user_id=row.user_id,
        idle_seconds=row.idle_seconds,
        is_active=row.is_active,
        paired_at=row.paired_at,
        pairing_expires_at=row.pairing_expires_at,
    )


def managed_centres(principal: Principal | None) -> list[str]:
    """The centres whose kiosks ``principal`` manages (as centre manager); refuses others."""
    if principal is None:
        raise NotAuthenticated()
    codes = [a.centre_code for a in principal.assignments(Role.CENTRE_MANAGER) if a.centre_code]
    if not codes:
        raise PermissionDenied()
    return codes


def centre_kiosks(conn: Connection, principal: Principal | None) -> list[Kiosk]:
    """The kiosks of the manager's centres, by code."""
    codes = managed_centres(principal)
    rows = conn.execute(_KIOSK.where(centres.c.code.in_(codes)).order_by(kiosks.c.code))
    return [_kiosk(r) for r in rows]


def managed_kiosk(conn: Connection, actor: Actor, code: str, *, lock: bool = False) -> Kiosk:
    """One kiosk of the manager's centres; another centre's is not found."""
    query = _KIOSK.where(
        kiosks.c.code == code.strip().upper(), centres.c.code.in_(managed_centres(actor.principal))
    )
    row = conn.execute(query.with_for_update(of=kiosks) if lock else query).first()
    if row is None:
        raise KioskNotFound(code=code)
    return _kiosk(row)


def device_kiosk(conn: Connection, principal: Principal | None, *, lock: bool = False) -> Kiosk:
    """The kiosk whose device account is signed in; a person, or a deactivated kiosk, is
    refused."""
    if principal is None:
        raise NotAuthenticated()
    if not principal.has_role(Role.KIOSK):
        raise PermissionDenied()
    query = _KIOSK.where(kiosks.c.user_id == principal.user_id)
    row = conn.execute(query.with_for_update(of=kiosks) if lock else query).first()
    if row is None:
        raise PermissionDenied()
    if not row.is_active:
        raise KioskInactive()
    return _kiosk(row)


@atomic
def register_kiosk(
    uow: UnitOfWork,
    actor: Actor,
    *,
    code: str,
    name: str,
    idle_seconds: int = model.IDLE_DEFAULT,
    centre_code: str | None = None,
) -> Kiosk:
    """A new kiosk at one of the manager's centres (the first unless ``centre_code``), with its
    device account; it serves no one until a device is paired with it."""
    conn = uow.conn
    mine = managed_centres(actor.principal)
    centre = (centre_code or mine[0]).strip().upper()
    if centre not in mine:
        raise PermissionDenied()
    code = model.kiosk_code(code)
    values = {"name": model.kiosk_name(name), "idle_seconds": model.idle_seconds(idle_seconds)}
    if conn.execute(select(kiosks.c.id).where(kiosks.c.code == code)).first() is not None:
        raise KioskExists(code=code)
    place = conn.execute(
        select(centres.c.id, centres.c.level).where(centres.c.code == centre)
    ).one()
    username = "kiosk-" + code.lower()
    if conn.execute(select(users.c.id).where(users.c.username == username)).first() is not None:
        raise KioskExists(code=code)
    user_id = conn.execute(
        insert(users)
        .values(
            kind=UserKind.STAFF.value,
            username=username,
            name="自助终端 " + code,
            password_hash=None,  # a device signs in only by pairing
            created_at=actor.at,
        )
        .returning(users.c.id)
    ).scalar_one()
    conn.execute(
        insert(role_assignments).values(
            user_id=user_id, role=Role.KIOSK.value, level=place.level, centre_id=place.id
        )
    )
    conn.execute(
        insert(kiosks).values(
            code=code,
            centre_id=place.id,
            user_id=user_id,
            created_at=actor.at,
            created_by=actor.user_id,
            updated_at=actor.at,
            **values,
        )
    )
    audit.record(conn, actor, "kiosk.registered", "kiosk", code, {"centre": centre, **values})
    return managed_kiosk(conn, actor, code)


@atomic
def change_kiosk(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    *,
    name: str | None = None,
    idle_seconds: int | None = None,
    active: bool | None = None,
) -> Kiosk:
    """Rename a kiosk, set its idle time, or (de)activate it; deactivating ends the device's
    session and any visit at once."""
    conn = uow.conn
    kiosk = managed_kiosk(conn, actor, code, lock=True)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = model.kiosk_name(name)
    if idle_seconds is not None:
        values["idle_seconds"] = model.idle_seconds(idle_seconds)
    if active is not None:
        values["is_active"] = active
    if not values:
        return kiosk
    conn.execute(
        update(kiosks).where(kiosks.c.id == kiosk.id).values(updated_at=actor.at, **values)
    )
    if active is False:
        sessions.end_all_sessions(conn, kiosk.user_id)
        conn.execute(
            update(kiosks)
            .where(kiosks.c.id == kiosk.id)
            .values(pairing_hash=None, pairing_expires_at=None)
        )
        close_all(conn, kiosk.id, actor, CloseReason.DEACTIVATED)
    audit.record(conn, actor, "kiosk.changed", "kiosk", kiosk.code, values)
    return managed_kiosk(conn, actor, kiosk.code)


def close_all(conn: Connection, kiosk_id: int, actor: Actor, reason: CloseReason) -> int:
    """Close every visit of the kiosk still going, its draft wiped."""
    return conn.execute(
        update(kiosk_visits)
        .where(kiosk_visits.c.kiosk_id == kiosk_id, kiosk_visits.c.closed_at.is_(None))
        .values(closed_at=actor.at, close_reason=reason.value, draft=None)
    ).rowcount


@atomic
def issue_pairing_code(uow: UnitOfWork, actor: Actor, code: str) -> PairingCode:
    """配对码: a fresh one-time code for the device (the previous one is void); shown once."""
    conn = uow.conn
    kiosk = managed_kiosk(conn, actor, code, lock=True)
    if not kiosk.is_active:
        raise KioskInactive()
    pairing = model.new_pairing_code()
    expires_at = actor.at + model.PAIRING_LIFETIME
    conn.execute(
        update(kiosks)
        .where(kiosks.c.id == kiosk.id)
        .values(
            pairing_hash=model.pairing_digest(pairing),
            pairing_expires_at=expires_at,
            pairing_failures=0,
            updated_at=actor.at,
        )
    )
    audit.record(conn, actor, "kiosk.pairing_code_issued", "kiosk", kiosk.code)
    return PairingCode(kiosk.code, pairing, expires_at)


def pair_device(
    uow: UnitOfWork,
    actor: Actor,
    kiosk_code: str,
    pairing_code: str,
    *,
    session_days: int,
    agent: str = "",
) -> tuple[str, str, Kiosk]:
    """The device types its kiosk's code and pairing code: a session of the kiosk's device
    account opens (its cookie token and CSRF token are returned) and the code is used up.

    A wrong code is counted (five void it) and the count stands: it is written in a block that
    ends normally before the refusal is raised."""
    with uow.atomic():
        paired = _pair(uow.conn, actor, kiosk_code, pairing_code, session_days, agent)
    if paired is None:
        raise PairingFailed()
    return paired


def _pair(
    conn: Connection, actor: Actor, kiosk_code: str, pairing_code: str, days: int, agent: str
) -> tuple[str, str, Kiosk] | None:
    code = (kiosk_code or "").strip().upper()
    row = conn.execute(_KIOSK.where(kiosks.c.code == code).with_for_update(of=kiosks)).first()
    if row is None or not row.is_active or row.pairing_hash is None:
        return None
    usable = (
        row.pairing_expires_at is not None
        and row.pairing_expires_at > actor.at
        and row.pairing_failures < model.PAIRING_MAX_FAILURES
    )
    if not usable or model.pairing_digest(pairing_code) != row.pairing_hash:
        failures = row.pairing_failures + 1
        conn.execute(update(kiosks).where(kiosks.c.id == row.id).values(pairing_failures=failures))
        audit.record(conn, actor, "kiosk.pairing_refused", "kiosk", row.code, {"ip": actor.ip})
        return None
    sessions.end_all_sessions(conn, row.user_id)
    token, csrf = sessions.create_session(
        conn, row.user_id, now=actor.at, hours=days * 24, ip=actor.ip, agent=agent
    )
    conn.execute(
        update(kiosks)
        .where(kiosks.c.id == row.id)
        .values(
            pairing_hash=None,
            pairing_expires_at=None,
            pairing_failures=0,
            paired_at=actor.at,
            updated_at=actor.at,
        )
    )
    close_all(conn, row.id, actor, CloseReason.REPLACED)
    audit.record(conn, actor, "kiosk.paired", "kiosk", row.code, {"ip": actor.ip})
    kiosk = replace(_kiosk(row), paired_at=actor.at, pairing_expires_at=None)
    return token, csrf, kiosk
