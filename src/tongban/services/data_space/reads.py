"""The personal data space (个人数据空间): grants, and every read of a holder's licences.

Nothing is read without a valid grant covering the requester and the data, or a legal basis
recorded with the access, or the holder reading their own data.  Every read and every refused
attempt goes into the holder-visible log (``data_access_events``).  A refused attempt is written
in its own short transaction, so it stays even when the caller's work rolls back; on SQLite a
writing caller holds the only write lock, so it is written as soon as the caller's transaction
ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, or_, select, update

from tongban.adapters.db.tables import data_access_log, users
from tongban.adapters.db.tables_data_space import data_access_events, data_grants
from tongban.domain.data_space.errors import (
    DataAccessRefused,
    UnknownLicenceType,
    UnknownPredicate,
)
from tongban.domain.data_space.model import Grant, GrantTerms, Requester, wanted
from tongban.domain.data_space.predicates import PREDICATES, District, Facts, evaluate
from tongban.domain.people.model import UserKind
from tongban.domain.shared.clock import china_date
from tongban.services.data_space import licence_port
from tongban.services.data_space.grants import (
    AccessEntry,
    LogPage,
    access_log,
    access_log_page,
    grant,
    grant_from,
    grant_many,
    holder_grants,
    holder_id_of,
    requester_for,
    revoke_grant,
)
from tongban.services.platform import jurisdiction
from tongban.services.platform.unit_of_work import UnitOfWork

__all__ = [
    "PREDICATES",
    "AccessEntry",
    "Grant",
    "GrantTerms",
    "LogPage",
    "Requester",
    "access_log",
    "access_log_page",
    "grant",
    "grant_many",
    "holder_grants",
    "holder_id_of",
    "predicates",
    "read_licence_data",
    "requester_for",
    "revoke_grant",
]

log = logging.getLogger(__name__)
SELF_BASIS = "本人查询"
HOLDER_NAME = "holder_name"
"""Every licence names its holder; a grant or a form reads it as this field of any type."""
HOLDER_ROLES = (UserKind.CITIZEN.value, UserKind.ENTERPRISE.value)


# --- reading a holder's data ----------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    holder_id: str
    kind: str
    what: dict[str, Any]
    purpose: str
    case_number: str | None
    at: datetime


def district_of(conn: Connection) -> District:
    """The configured jurisdiction as the predicates' "in the district" reads it."""
    where = jurisdiction.current(conn)
    return District.of(where.region_code, where.city, where.district)


def _holder_users(conn: Connection, holder_id: str) -> tuple[int, ...]:
    """The accounts a data space's key names: one for a GB 11643 number or a credit code; a
    number other documents share (two countries' passports, 0046) may be several people's,
    and a read of it is then logged for each of them rather than for none."""
    found = conn.execute(
        select(users.c.id)
        .where(or_(users.c.id_number == holder_id, users.c.credit_code == holder_id))
        .order_by(users.c.id)
    ).scalars()
    return tuple(int(user_id) for user_id in found)


def _is_self(conn: Connection, requester: Requester, holder_id: str) -> bool:
    if requester.role not in HOLDER_ROLES or requester.user_id is None:
        return False
    return requester.user_id in _holder_users(conn, holder_id)


def event_row(requester: Requester, access: Access, outcome: str, **extra: Any) -> dict[str, Any]:
    return {
        "holder_id": access.holder_id,
        "at": access.at,
        "actor_id": requester.user_id,
        "role": requester.role,
        "department_code": requester.department_code,
        "item_code": requester.item_code,
        "kind": access.kind,
        "what": access.what,
        "purpose": access.purpose[:200],
        "case_number": access.case_number,
        "outcome": outcome,
        **extra,
    }


def _write_refusal(engine: Engine, row: dict[str, Any]) -> None:
    try:
        # Its own connection and transaction: the refusal stands whatever becomes of the
        # caller's work.
        with UnitOfWork(engine) as own, own.atomic():
            own.conn.execute(insert(data_access_events).values(**row))
    except Exception:
        # Never mask the refusal itself (this may run while the caller's error unwinds).
        log.exception("could not log a refused data access of holder %s", row["holder_id"])


def refuse(uow: UnitOfWork, requester: Requester, access: Access, reason: str) -> None:
    row = event_row(requester, access, "refused", reason=reason[:200])
    if uow.dialect == "sqlite" and not uow.read_only:
        uow.after_end(lambda: _write_refusal(uow.engine, row))
    else:
        _write_refusal(uow.engine, row)
    raise DataAccessRefused(reason=reason)


def _authorise(
    uow: UnitOfWork,
    requester: Requester,
    access: Access,
    covers: Callable[[Grant], bool],
    legal_basis: str | None,
) -> tuple[int | None, str | None]:
    """(grant id, legal basis) the read rests on; refuses (and logs the attempt) otherwise."""
    conn = uow.conn
    if not access.purpose.strip():
        refuse(uow, requester, access, "未说明用途")
    if _is_self(conn, requester, access.holder_id):
        return None, SELF_BASIS
    basis = (legal_basis or "").strip()
    if basis and requester.role not in HOLDER_ROLES:
        return None, basis[:300]
    named = []
    if requester.department_code:
        named.append(data_grants.c.grantee_department == requester.department_code)
    if requester.item_code:
        named.append(data_grants.c.grantee_item == requester.item_code)
    if named and requester.role not in HOLDER_ROLES:
        rows = conn.execute(
            select(data_grants)
            .where(
                data_grants.c.holder_id == access.holder_id,
                data_grants.c.revoked_at.is_(None),
                data_grants.c.expires_at > access.at,
                or_(data_grants.c.single_use.is_(False), data_grants.c.used_at.is_(None)),
                or_(*named),
            )
            .order_by(data_grants.c.single_use, data_grants.c.id)
        ).all()
        for found in (grant_from(r) for r in rows):
            if not covers(found):
                continue
            if found.single_use and not _consume(conn, found.id, access.at):
                continue  # another request used it first
            return found.id, None
    refuse(uow, requester, access, "没有覆盖该请求的有效授权")
    raise AssertionError("unreachable")


def _consume(conn: Connection, grant_id: int, at: datetime) -> bool:
    """Use a single-use grant: one conditional UPDATE, so exactly one reader wins."""
    changed = conn.execute(
        update(data_grants)
        .where(
            and_(
                data_grants.c.id == grant_id,
                data_grants.c.used_at.is_(None),
                data_grants.c.revoked_at.is_(None),
            )
        )
        .values(used_at=at)
    ).rowcount
    return bool(changed)


def access_log_row(requester: Requester, access: Access, subject: int) -> dict[str, Any]:
    """The platform's access-log line (``data_access_log``) of an allowed read of ``subject``."""
    return {
        "at": access.at,
        "actor_id": requester.user_id,
        "subject_id": subject,
        "what": f"data_space:{access.kind}:" + ",".join(access.what.get("types", [])),
        "purpose": access.purpose[:200],
        "allowed": True,
        "request_id": "",
    }


_INSERT_EVENT = insert(data_access_events)
_INSERT_LOG = insert(data_access_log)
"""Built once: no cache-key work per logged read."""


def _log_allowed(
    uow: UnitOfWork,
    requester: Requester,
    access: Access,
    grant_id: int | None,
    basis: str | None,
) -> None:
    conn = uow.conn
    conn.execute(
        _INSERT_EVENT, event_row(requester, access, "allowed", grant_id=grant_id, legal_basis=basis)
    )
    key = ("holder_users", access.holder_id)
    if key not in uow.memo:  # one lookup however many reads a use case makes
        uow.memo[key] = _holder_users(conn, access.holder_id)
    subjects: tuple[int, ...] = uow.memo[key]
    for subject in subjects:
        if subject != requester.user_id:
            conn.execute(_INSERT_LOG, access_log_row(requester, access, subject))


def checked_types(type_codes: Sequence[str]) -> list[str]:
    types = list(dict.fromkeys(t.strip() for t in type_codes if t.strip()))
    known = licence_port.licence_types()
    unknown = [t for t in types if t not in known]
    if not types or unknown:
        raise UnknownLicenceType(codes="、".join(unknown) or "（未指定）")
    return types


def latest_by_type(licences: Sequence[Any]) -> dict[str, Any]:
    """The newest licence of each type (``licences`` come newest first)."""
    found: dict[str, Any] = {}
    for licence in licences:
        found.setdefault(licence.type_code, licence)
    return found


def licence_data(held: dict[str, Any], fields: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    """Type → the ``fields`` (None: all, with the holder's name) of each licence in ``held``."""
    data: dict[str, dict[str, Any]] = {}
    for type_code, licence in held.items():
        keep = wanted(type_code, fields)
        values = {**dict(licence.fields), HOLDER_NAME: licence.holder_name}
        data[type_code] = {k: v for k, v in values.items() if keep is None or k in keep}
    return data


def read_licences(
    uow: UnitOfWork,
    requester: Requester,
    *,
    holder_id: str,
    type_codes: Sequence[str],
    fields: Sequence[str] | None,
    purpose: str,
    case_number: str | None,
    legal_basis: str | None = None,
    kind: str = "licence",
    at: datetime,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """``read_licence_data`` that also returns the licences read (type → licence)."""
    types = checked_types(type_codes)
    what = {"types": types, "fields": None if fields is None else list(fields)}
    access = Access(holder_id, kind, what, purpose or "", case_number, at)
    grant_id, basis = _authorise(
        uow, requester, access, lambda g: g.covers(requester, types, fields), legal_basis
    )
    held = latest_by_type(
        licence_port.holder_licences(uow.conn, holder_id, valid_on=china_date(at), type_codes=types)
    )
    data = licence_data(held, fields)
    _log_allowed(uow, requester, access, grant_id, basis)
    return data, held


def read_licence_data(
    uow: UnitOfWork,
    requester: Requester,
    *,
    holder_id: str,
    type_codes: Sequence[str],
    fields: Sequence[str] | None,
    purpose: str,
    case_number: str | None,
    legal_basis: str | None = None,
    at: datetime,
) -> dict[str, dict[str, Any]]:
    """Licence type → the fields read from the holder's current licence of that type.

    Needs a valid grant covering the requester, the types and the fields, or a legal basis
    (recorded with the access).  Logged on ``uow.conn``, in the calling use case's transaction.
    """
    data, _held = read_licences(
        uow,
        requester,
        holder_id=holder_id,
        type_codes=type_codes,
        fields=fields,
        purpose=purpose,
        case_number=case_number,
        legal_basis=legal_basis,
        at=at,
    )
    return data


def predicate_needs(names: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """(names, ``type.field`` needs, licence types) of the named predicates, checked."""
    wanted_names = list(dict.fromkeys(names))
    unknown = [n for n in wanted_names if n not in PREDICATES]
    if not wanted_names or unknown:
        raise UnknownPredicate(names="、".join(unknown) or "（未指定）")
    needs = [need for n in wanted_names for need in PREDICATES[n].needs]
    return wanted_names, needs, list(dict.fromkeys(need.partition(".")[0] for need in needs))


def predicates(
    uow: UnitOfWork,
    requester: Requester,
    *,
    holder_id: str,
    names: Sequence[str],
    purpose: str,
    case_number: str | None,
    legal_basis: str | None = None,
    at: datetime,
) -> dict[str, bool | None]:
    """最小必要: yes/no (None: data missing) for each named predicate; no value leaves."""
    wanted_names, needs, types = predicate_needs(names)
    when = at
    access = Access(
        holder_id,
        "predicate",
        {"predicates": wanted_names, "types": types},
        purpose or "",
        case_number,
        when,
    )
    grant_id, basis = _authorise(
        uow, requester, access, lambda g: g.covers_needs(requester, needs), legal_basis
    )
    held = latest_by_type(
        licence_port.holder_licences(
            uow.conn, holder_id, valid_on=china_date(when), type_codes=types
        )
    )
    facts: Facts = {t: dict(lic.fields) for t, lic in held.items()}
    answers = evaluate(wanted_names, facts, holder_id, china_date(when), district_of(uow.conn))
    _log_allowed(uow, requester, access, grant_id, basis)
    return answers
