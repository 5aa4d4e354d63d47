"""The optional second factor of staff accounts: time-based one-time passwords (RFC 6238).

A staff member enrols on their account page (a new secret, confirmed with a code from their
authenticator app) and gets ten one-time recovery codes, shown once and stored as SHA-256.
From then on signing in asks for a code after the password.  A code is accepted once: the last
time step used is stored, and a code of that step or an earlier one is refused (no replay
within its 30-second window).  Time is the caller's clock (``now``), never the machine's.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import Connection, delete, insert, select, update

from tongban.adapters.db.tables import totp_recovery_codes, users
from tongban.config import Settings
from tongban.domain.errors import (
    DomainError,
    LoginFailed,
    TooManyAttempts,
    TotpAlreadyEnabled,
    TotpInvalid,
    TotpNotEnabled,
    UserNotFound,
    ValidationFailed,
)
from tongban.domain.people.model import Principal, Role, UserKind
from tongban.services.people import throttle
from tongban.services.people.accounts import account_key, verify_password
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

ISSUER = "通办"
RECOVERY_CODES = 10
VALID_WINDOW = 1
"""Steps either side of now accepted (clock drift of the phone): 30 seconds each way."""
_CODE_RE = re.compile(r"[0-9]{6}")
_RECOVERY_RE = re.compile(r"[a-z0-9]{5}-[a-z0-9]{5}")
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class Enrolment:
    """A secret waiting for its first code: shown as text and as an ``otpauth://`` URI."""

    secret: str
    uri: str


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _clean(code: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", code)).lower()


def _user(conn: Connection, user_id: int) -> Any:
    user = conn.execute(select(users).where(users.c.id == user_id)).first()
    if user is None or user.kind != UserKind.STAFF.value:
        raise UserNotFound()
    return user


def is_enabled(user: Any) -> bool:
    return user is not None and user.totp_enabled_at is not None and bool(user.totp_secret)


def required_for(principal: Principal, required_roles: list[str]) -> bool:
    """Whether the principal's roles oblige them to enrol (``settings.totp_required_roles``)."""
    wanted = {Role(r) for r in required_roles if r in Role._value2member_map_}
    return principal.is_staff and principal.has_role(*wanted) if wanted else False


def uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code ``code`` is, within the drift window, or None."""
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(candidate * totp.interval), code):
            return candidate
    return None


@atomic
def start_enrolment(uow: UnitOfWork, actor: Actor, user_id: int) -> Enrolment:
    """A new secret for the account (replacing an unconfirmed one); not in force until confirmed."""
    conn = uow.conn
    user = _user(conn, user_id)
    if is_enabled(user):
        raise TotpAlreadyEnabled()
    secret = pyotp.random_base32()
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(totp_secret=secret, totp_enabled_at=None, totp_last_step=None)
    )
    audit.record(conn, actor, "totp.enrolment_started", "user", str(user_id))
    return Enrolment(secret, uri(secret, user.username))


@atomic
def confirm_enrolment(uow: UnitOfWork, actor: Actor, user_id: int, code: str) -> list[str]:
    """Turn the second factor on with a first code from the app; returns the recovery codes
    (shown once: only their hashes are kept)."""
    conn = uow.conn
    user = _user(conn, user_id)
    if is_enabled(user):
        raise TotpAlreadyEnabled()
    if not user.totp_secret:
        raise TotpNotEnabled()
    value = _clean(code)
    step = _matching_step(user.totp_secret, value, actor.at) if _CODE_RE.fullmatch(value) else None
    if step is None:
        message = TotpInvalid.template
        raise ValidationFailed(message, fields={"code": message})
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(totp_enabled_at=actor.at, totp_last_step=step)
    )
    codes = _new_recovery_codes(conn, user_id)
    audit.record(conn, actor, "totp.enabled", "user", str(user_id))
    return codes


def _new_recovery_codes(conn: Connection, user_id: int) -> list[str]:
    conn.execute(delete(totp_recovery_codes).where(totp_recovery_codes.c.user_id == user_id))
    codes = [
        "-".join(
            "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _half in range(2)
        )
        for _n in range(RECOVERY_CODES)
    ]
    conn.execute(
        insert(totp_recovery_codes),
        [{"user_id": user_id, "code_hash": _digest(c)} for c in codes],
    )
    return codes


@dataclass(frozen=True)
class Status:
    """An account's second factor as its owner's page shows it."""

    enabled: bool
    pending: Enrolment | None
    recovery_left: int


def status(conn: Connection, user_id: int) -> Status:
    user = conn.execute(select(users).where(users.c.id == user_id)).first()
    pending_one = None
    if user is not None and not is_enabled(user) and user.totp_secret:
        pending_one = Enrolment(user.totp_secret, uri(user.totp_secret, user.username))
    return Status(is_enabled(user), pending_one, recovery_codes_left(conn, user_id))


def recovery_codes_left(conn: Connection, user_id: int) -> int:
    return len(
        conn.execute(
            select(totp_recovery_codes.c.id).where(
                totp_recovery_codes.c.user_id == user_id, totp_recovery_codes.c.used_at.is_(None)
            )
        ).all()
    )


def use_code(conn: Connection, user: Any, code: str, now: datetime) -> str | None:
    """Check a sign-in's code in the caller's transaction: a current TOTP code not used before,
    or an unused recovery code (used up here).  Returns ``"totp"`` or ``"recovery"``, or None."""
    value = _clean(code)
    if _CODE_RE.fullmatch(value):
        step = _matching_step(user.totp_secret, value, now)
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            return None
        # Claimed in one statement: two requests with one code cannot both pass.
        claimed = conn.execute(
            update(users)
            .where(
                users.c.id == user.id,
                (users.c.totp_last_step.is_(None)) | (users.c.totp_last_step < step),
            )
            .values(totp_last_step=step)
        ).rowcount
        return "totp" if claimed == 1 else None
    if _RECOVERY_RE.fullmatch(value):
        claimed = conn.execute(
            update(totp_recovery_codes)
            .where(
                totp_recovery_codes.c.user_id == user.id,
                totp_recovery_codes.c.code_hash == _digest(value),
                totp_recovery_codes.c.used_at.is_(None),
            )
            .values(used_at=now)
        ).rowcount
        return "recovery" if claimed == 1 else None
    return None


def disable(
    uow: UnitOfWork,
    actor: Actor,
    user_id: int,
    password: str,
    code: str,
    settings: Settings,
) -> None:
    """Turn the second factor off, with the password and a current code (or a recovery code).

    A wrong password or code counts as a failed log-in of the account (the same counter and the
    same lock): whoever holds a stolen session cannot guess them at leisure.  The failure is
    committed with its audit entry, then raised.
    """
    with uow.atomic(durable=True):
        failure = _disable(uow.conn, actor, user_id, password, code, settings)
    if failure is not None:
        raise failure


def _disable(
    conn: Connection, actor: Actor, user_id: int, password: str, code: str, settings: Settings
) -> DomainError | None:
    user = _user(conn, user_id)
    if not is_enabled(user):
        raise TotpNotEnabled()
    key = account_key(user_id)
    until = throttle.locked_until(conn, key, actor.at)
    if until is not None:
        minutes = max(1, math.ceil((until - actor.at).total_seconds() / 60))
        raise TooManyAttempts(minutes=minutes)
    failure: DomainError | None = None
    if not verify_password(user.password_hash, password):
        failure = LoginFailed(fields={"password": "密码错误"})
    elif use_code(conn, user, code, actor.at) is None:
        failure = TotpInvalid(fields={"code": TotpInvalid.template})
    if failure is None:
        clear(conn, user_id)
        audit.record(conn, actor, "totp.disabled", "user", str(user_id))
        return None
    count, _start = throttle.count_event(conn, key, actor.at, None)
    values: dict[str, Any] = {"failed_logins": count}
    if count >= settings.login_max_failures:
        values["locked_until"] = actor.at + timedelta(minutes=settings.lockout_minutes)
        throttle.lock(conn, key, values["locked_until"])
        failure = TooManyAttempts(minutes=settings.lockout_minutes)
    conn.execute(update(users).where(users.c.id == user_id).values(**values))
    audit.record(conn, actor, "totp.disable_refused", "user", str(user_id), {"failures": count})
    return failure


def clear(conn: Connection, user_id: int) -> None:
    """Remove the account's second factor and its recovery codes (the caller audits)."""
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(totp_secret=None, totp_enabled_at=None, totp_last_step=None)
    )
    conn.execute(delete(totp_recovery_codes).where(totp_recovery_codes.c.user_id == user_id))
