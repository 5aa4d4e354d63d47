"""Signing in: passwords, SMS codes, lock-out and throttling, and the session that follows.

Counters live in ``login_throttle`` so that every app process sees the same ones: per account
(consecutive failures, then a lock of ``settings.lockout_minutes``), per IP address (failures in
a window) and per identity number for SMS codes.  Unknown accounts cost the same hash check and
give the same error as a wrong password, and lock the same way, so nobody learns who is registered.
A number two registered documents share (two countries' passports, a passport and a 台胞证) is
the one exception: the holder is asked which document (``DocumentAmbiguous``), as the
registration page would tell anyone that each of them exists.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import Connection, delete, or_, select, update

from tongban.adapters.db.tables import login_throttle, sms_codes, users
from tongban.config import Settings
from tongban.domain.errors import (
    DocumentAmbiguous,
    IpThrottled,
    LoginFailed,
    NotAuthenticated,
    PasswordChangeRequired,
    PasswordReused,
    SmsCodeInvalid,
    SmsDailyLimit,
    SmsTooFrequent,
    TooManyAttempts,
    TotpInvalid,
    TotpRequired,
)
from tongban.domain.people.model import UserKind
from tongban.domain.shared.identity import CREDIT_CODE_ALPHABET, IdType, nationality_code
from tongban.domain.shared.masking import mask_id_number, mask_text
from tongban.i18n import gettext as _
from tongban.services.people import sessions, throttle, totp
from tongban.services.people.accounts import (
    account_key,
    check_password_rules,
    hash_password,
    needs_rehash,
    store_password,
    verify_password,
)
from tongban.services.people.documents import holds
from tongban.services.people.throttle import count_event, locked_until
from tongban.services.platform import audit, outbox
from tongban.services.platform.context import Actor
from tongban.services.platform.ports import SmsSender
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

IP_MAX_FAILURES = 50
IP_WINDOW = timedelta(minutes=15)
"""At most ``IP_MAX_FAILURES`` failed log-ins per address in this window, then a pause as long."""

SMS_CODE_TTL = timedelta(minutes=5)
SMS_CODE_MAX_ATTEMPTS = 5
SMS_MIN_INTERVAL = timedelta(seconds=60)
SMS_DAILY_LIMIT = 10
SMS_IP_HOURLY_LIMIT = 30

_ID_SHAPE_RE = re.compile(r"[0-9]{17}[0-9X]")
_SMS_CODE_RE = re.compile(r"[0-9]{6}")


def normalise_login(login: str) -> str:
    """Full-width folded and trimmed; 18-character numbers upper-case, anything else lower."""
    value = unicodedata.normalize("NFKC", login).strip()
    if len(value) == 18 and all(c in CREDIT_CODE_ALPHABET for c in value.upper()):
        return value.upper()
    return value.lower()


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _minutes(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


# --- finding the account ----------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """Which identity document a log-in's number is, when the holder says (both optional)."""

    id_type: IdType | None = None
    nationality: str | None = None

    @classmethod
    def named(cls, id_type: IdType | str | None, nationality: str | None) -> Document:
        """As typed: an unknown type is ignored, a bad nationality refused
        (``InvalidNationality``)."""
        kind = IdType(id_type) if id_type in {t.value for t in IdType} else None
        return cls(kind, nationality_code(nationality) if kind is IdType.PASSPORT else None)


def find_user(
    conn: Connection, login: str, kind: UserKind | None = None, document: Document | None = None
) -> Any:
    """The user a login names: a staff username, an identity-document number (citizen) or a
    credit code (enterprise).  Usernames and credit codes are unique; a number is unique per
    document (0046), so one that two citizens' documents share needs ``document`` to name
    one: ``DocumentAmbiguous`` without.  A staff or enterprise match comes first."""
    value = normalise_login(login)
    if not value:
        return None
    named = document or Document()
    condition = or_(
        (users.c.username == value.lower()) & (users.c.kind == UserKind.STAFF.value),
        holds(value.upper(), named.id_type, named.nationality),
        (users.c.credit_code == value.upper()) & (users.c.kind == UserKind.ENTERPRISE.value),
    )
    # At most one staff and one enterprise row, then the citizens: two of them are ambiguous.
    query = select(users).where(condition).order_by(users.c.kind.desc(), users.c.id).limit(4)
    if kind is not None:
        query = query.where(users.c.kind == kind.value)
    rows = conn.execute(query).all()
    if len(rows) > 1 and rows[0].kind == UserKind.CITIZEN.value:
        raise DocumentAmbiguous(
            fields={"id_type": _("请选择证件类型"), "nationality": _("持护照的，请填写国籍")}
        )
    return rows[0] if rows else None


def shown_login(value: str, user: Any = None) -> str:
    """The login as logs may show it: ID numbers masked, usernames and credit codes in full."""
    if user is not None and user.kind == UserKind.STAFF.value:
        return str(user.username)
    if user is not None and user.kind == UserKind.ENTERPRISE.value:
        return str(user.credit_code)
    if user is not None or _ID_SHAPE_RE.fullmatch(value) or sum(c.isdigit() for c in value) >= 6:
        return mask_id_number(value)
    return mask_text(value)[:60]


# --- one log-in attempt -----------------------------------------------------------------------


class _Refused(Exception):
    """A refusal whose counters and audit entry must stand: ``_Attempt.run`` lets the attempt's
    transaction commit, then raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error


@dataclass
class _Attempt:
    """One log-in attempt: its checks, and the counters and audit entry it leaves behind."""

    uow: UnitOfWork
    login: str
    ip: str
    now: datetime
    settings: Settings
    method: str
    request_id: str = ""
    user: Any = field(default=None)
    document: Document | None = None

    @property
    def conn(self) -> Connection:
        return self.uow.conn

    @property
    def ip_key(self) -> str:
        return f"ip:{self.ip[:64]}"

    @property
    def account(self) -> str:
        if self.user is not None:
            return account_key(self.user.id)
        return f"account:?{_digest(self.login)[:40]}"

    def find(self, kind: UserKind | None = None) -> None:
        """The account the login names; a number two documents share is refused, audited,
        without counting as a failure (``DocumentAmbiguous``)."""
        try:
            self.user = find_user(self.conn, self.login, kind, self.document)
        except DocumentAmbiguous as error:
            self.refuse("login.document_ambiguous", error)

    def check_ip(self) -> None:
        until = locked_until(self.conn, self.ip_key, self.now)
        if until is not None:
            self.refuse("login.throttled", IpThrottled(minutes=_minutes(until, self.now)))

    def check_account(self) -> None:
        until = locked_until(self.conn, self.account, self.now)
        if until is not None:
            self.refuse("login.refused_locked", TooManyAttempts(minutes=_minutes(until, self.now)))

    def fail(self, error: LoginFailed) -> NoReturn:
        """Count the failure for the address and the account; lock the account at the limit."""
        ip_count, _start = count_event(self.conn, self.ip_key, self.now, IP_WINDOW)
        if ip_count >= IP_MAX_FAILURES:
            throttle.lock(self.conn, self.ip_key, self.now + IP_WINDOW)
        count, _start = count_event(self.conn, self.account, self.now, None)
        values: dict[str, Any] = {"failed_logins": count}
        if count >= self.settings.login_max_failures:
            until = self.now + timedelta(minutes=self.settings.lockout_minutes)
            throttle.lock(self.conn, self.account, until)
            values["locked_until"] = until
            self._update_user(values)
            minutes = self.settings.lockout_minutes
            self.refuse("login.locked", TooManyAttempts(minutes=minutes), failures=count)
        self._update_user(values)
        self.refuse("login.failed", error, failures=count)

    def run(self, check: Callable[[], int]) -> int:
        """Run the attempt's ``check`` in one transaction; returns the user id signed in.

        A refusal commits too, with its counters and audit entry (they must outlive it), and
        its error is raised after the commit.
        """
        with self.uow.atomic():
            try:
                return check()
            except _Refused as refused:
                error = refused.error
        raise error

    def succeed(self) -> int:
        """Reset the account's counter and record the log-in; returns the user id."""
        self.conn.execute(delete(login_throttle).where(login_throttle.c.key == self.account))
        self._update_user({"failed_logins": 0, "locked_until": None, "last_login_at": self.now})
        user_id = int(self.user.id)
        self._audit("login.succeeded", {})
        return user_id

    def refuse(self, action: str, error: Exception, **detail: Any) -> NoReturn:
        """Audit the refusal; ``run`` commits it with the counters, then raises ``error``."""
        self._audit(action, detail)
        raise _Refused(error)

    def _update_user(self, values: dict[str, Any]) -> None:
        if self.user is not None:
            self.conn.execute(update(users).where(users.c.id == self.user.id).values(**values))

    def _audit(self, action: str, detail: dict[str, Any]) -> None:
        actor = Actor(request_id=self.request_id, ip=self.ip, at=self.now)
        kind, key = ("user", str(self.user.id)) if self.user is not None else ("login", "")
        shown = shown_login(self.login, self.user)
        audit.record(
            self.conn,
            actor,
            action,
            kind,
            key or shown,
            {"login": shown, "method": self.method, "ip": self.ip, **detail},
        )


def login_with_password(
    uow: UnitOfWork,
    *,
    login: str,
    password: str,
    ip: str,
    now: datetime,
    settings: Settings,
    request_id: str = "",
    new_password: str | None = None,
    totp_code: str | None = None,
    document: Document | None = None,
) -> int:
    """Check a password for a username, identity-document number (of ``document`` when the
    holder names it) or credit code; returns the user id.

    Raises ``LoginFailed`` for any wrong or unknown account and ``TooManyAttempts`` while the
    account or the address is locked, even when the password is right.  A right password that
    must be replaced (a one-time password, or a staff password past
    ``password_max_age_days``) raises ``PasswordChangeRequired`` unless ``new_password`` is
    given, which then replaces it (the rules and the history apply) and signs in.  An account
    with a TOTP second factor then needs ``totp_code`` (``TotpRequired`` without one); a wrong
    or reused code counts as a failed log-in (``TotpInvalid``), as a wrong password does.
    """
    attempt = _Attempt(uow, normalise_login(login), ip, now, settings, "password", request_id)
    attempt.document = document
    return attempt.run(lambda: _check_password(attempt, password, new_password, totp_code))


def _change_due(user: Any, settings: Settings, now: datetime) -> str | None:
    """Why the account's password must be changed before it signs in, or None."""
    if user.must_change_password:
        return "这是他人为您设置的一次性密码，"
    max_age = settings.password_max_age_days
    changed = user.password_changed_at
    if user.kind == "staff" and max_age and changed and changed <= now - timedelta(days=max_age):
        return f"密码已使用超过 {max_age} 天，"
    return None


def _check_password(
    attempt: _Attempt,
    password: str,
    new_password: str | None = None,
    totp_code: str | None = None,
) -> int:
    attempt.check_ip()
    attempt.find()
    attempt.check_account()
    user = attempt.user
    stored = user.password_hash if user is not None and user.is_active else None
    if not verify_password(stored, password):
        attempt.fail(LoginFailed())
    assert stored is not None
    second_factor = totp.is_enabled(user)
    if second_factor and not totp_code:
        attempt.refuse("login.totp_required", TotpRequired())
    reason = _change_due(user, attempt.settings, attempt.now)
    if reason is not None and new_password is None:
        # Before the code is used up: the next attempt, with a new password, may send it again.
        attempt.refuse("login.password_change_required", PasswordChangeRequired(reason=reason))
    if second_factor:
        used = totp.use_code(attempt.conn, user, totp_code or "", attempt.now)
        if used is None:
            attempt.fail(TotpInvalid())
        if used == "recovery":
            attempt._audit("totp.recovery_code_used", {})
    if reason is not None and new_password is not None:
        if new_password == password:
            raise PasswordReused(count=1, fields={"new_password": "新密码不能与原密码相同"})
        check_password_rules(new_password)
        store_password(
            attempt.conn,
            user.id,
            new_password,
            attempt.now,
            must_change=False,
            keep=attempt.settings.password_history,
        )
        attempt._audit("user.password_changed", {"reason": "at_sign_in"})
    elif needs_rehash(stored):
        attempt.conn.execute(
            update(users).where(users.c.id == user.id).values(password_hash=hash_password(password))
        )
    return attempt.succeed()


# --- SMS codes --------------------------------------------------------------------------------


def _hash_code(code: str, salt: str) -> str:
    return f"{salt}${hashlib.sha256(f'{salt}:{code}'.encode()).hexdigest()}"


def _check_sms_rate(conn: Connection, number: str, ip: str, now: datetime) -> None:
    """1 code a minute and 10 a day per identity number, 30 an hour per address."""
    digest = _digest(number)
    count, start = count_event(conn, f"sms-minute:{digest}", now, SMS_MIN_INTERVAL)
    if count > 1:
        seconds = max(1, math.ceil((start + SMS_MIN_INTERVAL - now).total_seconds()))
        raise SmsTooFrequent(seconds=seconds)
    count, _start = count_event(conn, f"sms-day:{digest}", now, timedelta(days=1))
    if count > SMS_DAILY_LIMIT:
        raise SmsDailyLimit()
    count, start = count_event(conn, f"sms-ip:{ip[:64]}", now, timedelta(hours=1))
    if count > SMS_IP_HOURLY_LIMIT:
        raise IpThrottled(minutes=_minutes(start + timedelta(hours=1), now))


@atomic
def request_sms_code(
    uow: UnitOfWork,
    sms: SmsSender,
    *,
    id_number: str,
    ip: str,
    now: datetime,
    request_id: str = "",
    document: Document | None = None,
) -> None:
    """Send a 6-digit log-in code, valid 5 minutes, to the phone of a registered citizen.

    Answers alike for unregistered numbers (nothing is sent); a new code replaces older ones.
    The SMS goes through the outbox, so it exists only if the code commits; it is delivered at
    once after the commit, and by the worker should that fail.
    """
    conn = uow.conn
    number = normalise_login(id_number)
    _check_sms_rate(conn, number, ip, now)
    user = find_user(conn, number, UserKind.CITIZEN, document)
    actor = Actor(request_id=request_id, ip=ip, at=now)
    if user is None or not user.is_active or not user.phone:
        audit.record(conn, actor, "sms_code.not_sent", "login", shown_login(number), {"ip": ip})
        return
    conn.execute(
        update(sms_codes)
        .where(sms_codes.c.user_id == user.id, sms_codes.c.used_at.is_(None))
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    conn.execute(
        sms_codes.insert().values(
            user_id=user.id,
            code_hash=_hash_code(code, secrets.token_hex(8)),
            created_at=now,
            expires_at=now + SMS_CODE_TTL,
        )
    )
    audit.record(conn, actor, "sms_code.sent", "user", str(user.id), {"ip": ip})
    phone = str(user.phone)
    text = _("【通办】您的登录验证码为 {code}，5 分钟内有效。如非本人操作，请忽略本短信。")
    message_id = outbox.enqueue_sms(conn, phone, text.format(code=code), now=now)
    ports = outbox.Ports(uow.engine, sms)
    uow.after_commit(lambda: outbox.deliver_now(ports, message_id, now))


def login_with_sms_code(
    uow: UnitOfWork,
    *,
    id_number: str,
    code: str,
    ip: str,
    now: datetime,
    settings: Settings,
    request_id: str = "",
    document: Document | None = None,
) -> int:
    """Sign a citizen in with the latest code sent to them; each code works once, for 5 minutes.

    Wrong codes count as failed log-ins; a code is void after 5 wrong tries.
    """
    attempt = _Attempt(uow, normalise_login(id_number), ip, now, settings, "sms", request_id)
    attempt.document = document
    return attempt.run(lambda: _check_sms_code(attempt, code))


def _check_sms_code(attempt: _Attempt, code: str) -> int:
    attempt.check_ip()
    attempt.find(UserKind.CITIZEN)
    attempt.check_account()
    if attempt.user is None or not attempt.user.is_active:
        attempt.fail(SmsCodeInvalid())
    conn = attempt.conn
    now = attempt.now
    row = conn.execute(
        select(sms_codes)
        .where(
            sms_codes.c.user_id == attempt.user.id,
            sms_codes.c.used_at.is_(None),
            sms_codes.c.expires_at > now,
        )
        .order_by(sms_codes.c.created_at.desc(), sms_codes.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        attempt.fail(SmsCodeInvalid())
    value = unicodedata.normalize("NFKC", code).strip()
    expected = _hash_code(value, row.code_hash.partition("$")[0])
    if not _SMS_CODE_RE.fullmatch(value) or not hmac.compare_digest(row.code_hash, expected):
        void = row.attempts + 1 >= SMS_CODE_MAX_ATTEMPTS
        conn.execute(
            update(sms_codes)
            .where(sms_codes.c.id == row.id)
            .values(attempts=sms_codes.c.attempts + 1, used_at=now if void else None)
        )
        attempt.fail(SmsCodeInvalid())
    # Only one request may use the code, even when two arrive at once.
    claimed = conn.execute(
        update(sms_codes)
        .where(sms_codes.c.id == row.id, sms_codes.c.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        attempt.fail(SmsCodeInvalid())
    return attempt.succeed()


# --- sessions ---------------------------------------------------------------------------------


@atomic
def start_session(
    uow: UnitOfWork,
    user_id: int,
    *,
    now: datetime,
    settings: Settings,
    ip: str = "",
    agent: str = "",
    replaces: str | None = None,
) -> tuple[str, str]:
    """Open a session after a log-in (ending the one it replaces); returns (token, CSRF token)."""
    if replaces:
        sessions.end_session(uow.conn, replaces)
    token, csrf = sessions.create_session(
        uow.conn, user_id, now=now, hours=settings.session_hours, ip=ip, agent=agent
    )
    return token, csrf


@atomic
def logout(uow: UnitOfWork, actor: Actor, token: str | None) -> None:
    """End the session of ``token`` everywhere at once."""
    if token:
        sessions.end_session(uow.conn, token)
    if actor.principal is not None:
        audit.record(uow.conn, actor, "logout", "user", str(actor.principal.user_id))


@atomic
def end_other_sessions(uow: UnitOfWork, actor: Actor) -> int:
    """下线其他设备: end every session of the actor's account but the one in use (all of
    them for a request without a session); audited.  Returns how many ended."""
    principal = actor.principal
    if principal is None:
        raise NotAuthenticated()
    ended = sessions.end_other_sessions(uow.conn, principal.user_id, principal.session_id)
    audit.record(
        uow.conn, actor, "session.ended_others", "user", str(principal.user_id), {"ended": ended}
    )
    return ended
