"""People and permissions: staff, citizens and enterprises, their roles and passwords.

Every use case validates its input, writes the user and its audit entry in one transaction and
commits once.  Identity numbers and phones reach the audit log masked; passwords only as argon2id
hashes.  Callers authorise through ``services.platform.access`` (the routes' policies) before
calling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from tongban.adapters.db.tables import (
    centres,
    departments,
    login_throttle,
    password_history,
    role_assignments,
    users,
)
from tongban.domain.catalogue.model import Level
from tongban.domain.errors import (
    AccountExists,
    PasswordReused,
    UnknownCentre,
    UnknownDepartment,
    UserNotFound,
    ValidationFailed,
    WeakPassword,
)
from tongban.domain.people.model import STAFF_ROLES, Role, RoleAssignment, UserKind
from tongban.domain.shared.identity import (
    IdType,
    LatinName,
    parse_credit_code,
    parse_identity,
)
from tongban.domain.shared.masking import mask_document, mask_id_number, mask_phone
from tongban.i18n import gettext as _
from tongban.services.people import sessions
from tongban.services.people.documents import holds, refuse_shared_number
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

HASHER = PasswordHasher()
"""argon2id with the library's recommended parameters; hashes made with others are upgraded
at the next successful log-in.  Tests may swap in cheaper parameters."""

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
PASSWORD_HISTORY = 5
"""Recent passwords of an account never chosen again (default of ``TONGBAN_PASSWORD_HISTORY``)."""
USERNAME_RE = re.compile(r"[a-z][a-z0-9._-]{2,59}")
PHONE_RE = re.compile(r"1[3-9][0-9]{9}|\+[0-9]{6,15}")
"""A mainland mobile number, or an international one with its country code (+852...)."""

_dummy_hashes: dict[str, str] = {}


# --- passwords --------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def _hash_once(password: str, known_hash: str | None) -> str:
    """The caller's argon2 hash of ``password`` if given (bulk loads hash once), else a new one.

    Verifying it would cost as much as hashing, so a given hash is trusted: only code that
    made it from the same password passes one.
    """
    if known_hash is not None:
        if not known_hash.startswith("$argon2"):
            raise ValueError("password_hash must be an argon2 hash")
        return known_hash
    return hash_password(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Check ``password``; with no stored hash, verify against a dummy so timing stays alike."""
    target = stored or _dummy_hash()
    try:
        matched = HASHER.verify(target, password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and stored is not None


def needs_rehash(stored: str) -> bool:
    return HASHER.check_needs_rehash(stored)


def _dummy_hash() -> str:
    params = repr(
        (HASHER.time_cost, HASHER.memory_cost, HASHER.parallelism, HASHER.hash_len, HASHER.type)
    )
    if params not in _dummy_hashes:
        _dummy_hashes[params] = HASHER.hash("tongban-dummy-password")
    return _dummy_hashes[params]


def check_password_rules(password: str) -> None:
    """At least 8 characters and not digits only (so not a birthday or a phone number)."""
    reason = None
    if len(password) < MIN_PASSWORD_LENGTH:
        reason = _("密码至少需要 8 个字符")
    elif len(password) > MAX_PASSWORD_LENGTH:
        reason = _("密码不能超过 128 个字符")
    elif password.isdigit():
        reason = _("密码不能全部是数字，请加入字母或符号")
    elif not password.strip():
        reason = _("密码不能全部是空格")
    if reason is not None:
        raise WeakPassword(reason=reason, fields={"password": reason})


def account_key(user_id: int) -> str:
    """The ``login_throttle`` key counting one account's consecutive failed log-ins."""
    return f"account:{user_id}"


# --- normalising and validating input ---------------------------------------------------------


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().lower()


def _username(username: str) -> str:
    value = normalise_username(username)
    if not USERNAME_RE.fullmatch(value):
        message = _("用户名须以字母开头，由 3 至 60 个小写字母、数字、点、横线或下划线组成")
        raise ValidationFailed(message, fields={"username": message})
    return value


def _name(name: str, field: str = "name") -> str:
    value = unicodedata.normalize("NFKC", name).strip()
    if not value or len(value) > 100:
        message = _("请填写姓名或名称（不超过 100 个字）")
        raise ValidationFailed(message, fields={field: message})
    return value


def _phone(phone: str) -> str:
    value = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", phone))
    if not PHONE_RE.fullmatch(value):
        message = _("手机号码格式不正确：内地号码为 11 位，境外号码请以 + 和国家或地区代码开头")
        raise ValidationFailed(message, fields={"phone": message})
    return value


def check_username(username: str) -> str:
    """The normalised user name, or ``ValidationFailed`` saying what a user name must be."""
    return _username(username)


def check_phone(phone: str) -> str:
    """The normalised mobile number, or ``ValidationFailed`` saying what is wrong."""
    return _phone(phone)


def set_phone(conn: Connection, user_id: int, phone: str) -> None:
    """Record a (checked) mobile number on an account, in the caller's transaction."""
    conn.execute(update(users).where(users.c.id == user_id).values(phone=_phone(phone)))


def set_staff_id_number(conn: Connection, actor: Actor, user_id: int, number: str) -> None:
    """Record a (checked) 居民身份证号 on a staff account, in the caller's transaction; audited
    masked.  One number belongs to one staff member."""
    taken = conn.execute(
        select(users.c.id).where(users.c.staff_id_number == number, users.c.id != user_id)
    ).first()
    if taken is not None:
        message = _("该身份证号已属于另一名工作人员")
        raise ValidationFailed(message, fields={"id_number": message})
    conn.execute(update(users).where(users.c.id == user_id).values(staff_id_number=number))
    audit.record(
        conn,
        actor,
        "user.id_number_set",
        "user",
        str(user_id),
        {"id_number": mask_id_number(number)},
    )


def _exists(conn: Connection, column: str, value: str) -> bool:
    return conn.execute(select(users.c.id).where(users.c[column] == value)).first() is not None


def _resolve(conn: Connection, assignment: RoleAssignment) -> dict[str, Any]:
    """Turn centre and department codes into ids; a centre sets the assignment's level."""
    row: dict[str, Any] = {
        "role": assignment.role.value,
        "level": assignment.level.value,
        "centre_id": None,
        "department_id": None,
    }
    if assignment.centre_code:
        centre = conn.execute(
            select(centres.c.id, centres.c.level).where(centres.c.code == assignment.centre_code)
        ).first()
        if centre is None:
            raise UnknownCentre(code=assignment.centre_code)
        row.update(centre_id=centre.id, level=Level(centre.level).value)
    if assignment.department_code:
        dept = conn.execute(
            select(departments.c.id).where(departments.c.code == assignment.department_code)
        ).first()
        if dept is None:
            raise UnknownDepartment(code=assignment.department_code)
        row["department_id"] = dept.id
    return row


def _assignment_detail(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "role": assignment.role.value,
        "centre": assignment.centre_code,
        "department": assignment.department_code,
    }


def _insert_user(conn: Connection, actor: Actor, login: str, values: dict[str, Any]) -> int:
    try:
        stamped = {"password_changed_at": actor.at} if values.get("password_hash") else {}
        user_id: int = conn.execute(
            insert(users).values(created_at=actor.at, **stamped, **values).returning(users.c.id)
        ).scalar_one()
    except IntegrityError:
        raise AccountExists(login=login) from None
    return user_id


def _load_user(conn: Connection, user_id: int) -> Any:
    user = conn.execute(select(users).where(users.c.id == user_id)).first()
    if user is None:
        raise UserNotFound()
    return user


# --- use cases --------------------------------------------------------------------------------


@atomic
def create_staff(
    uow: UnitOfWork,
    actor: Actor,
    username: str,
    name: str,
    password: str,
    roles: Sequence[RoleAssignment],
    *,
    password_hash: str | None = None,
    must_change: bool = False,
) -> int:
    """Create a staff account with at least one staff role, each within its jurisdiction.
    ``must_change``: the password is a one-time one (its owner sets their own at sign-in).

    ``password_hash`` (an argon2 hash of ``password``) saves re-hashing a known password.
    """
    conn = uow.conn
    login = _username(username)
    check_password_rules(password)
    if not roles:
        raise ValidationFailed(_("工作人员至少需要一个角色"), fields={"roles": _("请选择角色")})
    if any(a.role not in STAFF_ROLES for a in roles):
        raise ValidationFailed(
            _("群众或企业角色不能分配给工作人员"), fields={"roles": _("角色无效")}
        )
    return create_account_with_roles(
        conn,
        actor,
        UserKind.STAFF,
        login,
        name,
        roles,
        password=password,
        password_hash=password_hash,
        must_change=must_change,
    )


def create_account_with_roles(
    conn: Connection,
    actor: Actor,
    kind: UserKind,
    username: str,
    name: str,
    roles: Sequence[RoleAssignment],
    *,
    password: str | None = None,
    password_hash: str | None = None,
    must_change: bool = False,
) -> int:
    """A staff or service account with its roles (checked by the caller), audited; with a
    password (hashed here, after the checks, unless ``password_hash`` is its known hash) or
    none (a service account)."""
    login = _username(username)
    resolved = [_resolve(conn, a) for a in roles]
    if _exists(conn, "username", login):
        raise AccountExists(login=login)
    if password is not None:
        password_hash = _hash_once(password, password_hash)
    user_id = _insert_user(
        conn,
        actor,
        login,
        {
            "kind": kind.value,
            "username": login,
            "name": _name(name),
            "password_hash": password_hash,
            "must_change_password": must_change,
        },
    )
    conn.execute(insert(role_assignments), [{"user_id": user_id, **row} for row in resolved])
    audit.record(
        conn,
        actor,
        "user.created",
        "user",
        str(user_id),
        {"kind": kind.value, "username": login, "roles": [_assignment_detail(a) for a in roles]},
    )
    return user_id


@atomic
def create_citizen(
    uow: UnitOfWork,
    actor: Actor,
    id_type: IdType | str,
    id_number: str,
    name: str,
    phone: str,
    password: str | None = None,
    *,
    nationality: str | None = None,
    password_hash: str | None = None,
    latin_name: LatinName | None = None,
) -> int:
    """Register a citizen (群众) by a validated identity document, stored normalised.

    Without a password the citizen signs in with an SMS code sent to ``phone``.  A foreign
    holder's ``latin_name`` is kept as the document orders it, and is their name when ``name``
    is empty; a passport's or 永居证's nationality is kept too.
    """
    conn = uow.conn
    identity = parse_identity(id_type, id_number, nationality=nationality)
    masked = mask_document(identity.id_type.value, identity.number)
    if password is not None:
        check_password_rules(password)
    mobile = _phone(phone)
    if latin_name is not None and not name.strip():
        name = latin_name.as_printed
    values = {
        "kind": UserKind.CITIZEN.value,
        "id_type": identity.id_type.value,
        "id_number": identity.number,
        "name": _name(name),
        "phone": mobile,
        "password_hash": _hash_once(password, password_hash) if password is not None else None,
        "nationality": identity.nationality,
        "surname": latin_name.surname if latin_name else None,
        "given_names": latin_name.given_names or None if latin_name else None,
    }
    # One account per document: a passport per nationality, any other per type (0046).
    held = holds(identity.number, identity.id_type, identity.nationality)
    if conn.execute(select(users.c.id).where(held)).first() is not None:
        raise AccountExists(login=masked)
    refuse_shared_number(conn, identity.number)
    user_id = _insert_user(conn, actor, masked, values)
    conn.execute(
        insert(role_assignments).values(
            user_id=user_id, role=Role.CITIZEN.value, level=Level.DISTRICT.value
        )
    )
    audit.record(
        conn,
        actor,
        "user.created",
        "user",
        str(user_id),
        {
            "kind": "citizen",
            "id_type": identity.id_type.value,
            "id_number": masked,
            "phone": mask_phone(mobile),
        },
    )
    return user_id


@atomic
def create_enterprise(
    uow: UnitOfWork,
    actor: Actor,
    credit_code: str,
    name: str,
    legal_representative: str,
    legal_representative_id: str,
    phone: str,
    password: str | None = None,
    *,
    legal_representative_id_type: IdType | str = IdType.RESIDENT_ID,
    password_hash: str | None = None,
) -> int:
    """Register an enterprise by its 统一社会信用代码 (GB 32100).

    A code failing only its final check character is accepted (pilot-era codes are in use) but
    the audit entry flags it for a clerk to verify against the public registry.
    """
    conn = uow.conn
    code = parse_credit_code(credit_code)
    representative = parse_identity(legal_representative_id_type, legal_representative_id)
    if password is not None:
        check_password_rules(password)
    mobile = _phone(phone)
    values = {
        "kind": UserKind.ENTERPRISE.value,
        "credit_code": code.code,
        "name": _name(name),
        "legal_representative": _name(legal_representative, "legal_representative"),
        "legal_representative_id": representative.number,
        "phone": mobile,
        "password_hash": _hash_once(password, password_hash) if password is not None else None,
    }
    if _exists(conn, "credit_code", code.code):
        raise AccountExists(login=code.code)
    user_id = _insert_user(conn, actor, code.code, values)
    conn.execute(
        insert(role_assignments).values(
            user_id=user_id, role=Role.ENTERPRISE.value, level=Level.DISTRICT.value
        )
    )
    audit.record(
        conn,
        actor,
        "user.created",
        "user",
        str(user_id),
        {
            "kind": "enterprise",
            "credit_code": code.code,
            "needs_manual_verification": code.needs_manual_verification,
            "legal_representative_id": mask_id_number(representative.number),
            "phone": mask_phone(mobile),
        },
    )
    return user_id


@atomic
def assign_role(uow: UnitOfWork, actor: Actor, user_id: int, assignment: RoleAssignment) -> bool:
    """Give a staff member one more role; assigning a role they already hold changes nothing.

    Returns whether a role was added.
    """
    conn = uow.conn
    user = _load_user(conn, user_id)
    if user.kind != UserKind.STAFF.value or assignment.role not in STAFF_ROLES:
        raise ValidationFailed(_("只能为工作人员分配工作人员角色"), fields={"role": _("角色无效")})
    row = _resolve(conn, assignment)
    held = conn.execute(
        select(role_assignments.c.id).where(
            role_assignments.c.user_id == user_id,
            role_assignments.c.role == row["role"],
            role_assignments.c.centre_id.is_(None)
            if row["centre_id"] is None
            else role_assignments.c.centre_id == row["centre_id"],
            role_assignments.c.department_id.is_(None)
            if row["department_id"] is None
            else role_assignments.c.department_id == row["department_id"],
        )
    ).first()
    if held is not None:
        return False
    conn.execute(insert(role_assignments).values(user_id=user_id, **row))
    audit.record(
        conn, actor, "user.role_assigned", "user", str(user_id), _assignment_detail(assignment)
    )
    return True


@atomic
def set_password(
    uow: UnitOfWork,
    actor: Actor,
    user_id: int,
    password: str,
    *,
    temporary: bool = False,
    keep: int = PASSWORD_HISTORY,
) -> None:
    """Set a new password: unlocks the account and ends every session of the user.
    ``temporary``: a one-time password someone else chose (changed at the next sign-in);
    none of the account's last ``keep`` passwords may be chosen again."""
    conn = uow.conn
    check_password_rules(password)
    _load_user(conn, user_id)
    store_password(conn, user_id, password, actor.at, must_change=temporary, keep=keep)
    conn.execute(
        update(users).where(users.c.id == user_id).values(failed_logins=0, locked_until=None)
    )
    conn.execute(delete(login_throttle).where(login_throttle.c.key == account_key(user_id)))
    sessions.end_all_sessions(conn, user_id)
    audit.record(conn, actor, "user.password_set", "user", str(user_id), {"temporary": temporary})


def store_password(
    conn: Connection,
    user_id: int,
    password: str,
    now: datetime,
    *,
    must_change: bool,
    keep: int = PASSWORD_HISTORY,
) -> None:
    """Replace the account's password (checked by the caller against the rules) unless it is
    one of its last ``keep``; the old one joins the history."""
    current = conn.execute(select(users.c.password_hash).where(users.c.id == user_id)).scalar()
    recent = [current] if current else []
    if keep > 1:
        recent += list(
            conn.execute(
                select(password_history.c.password_hash)
                .where(password_history.c.user_id == user_id)
                .order_by(password_history.c.set_at.desc(), password_history.c.id.desc())
                .limit(keep - 1)
            ).scalars()
        )
    if keep and any(verify_password(h, password) for h in recent[:keep]):
        raise PasswordReused(count=keep, fields={"password": f"不能与最近 {keep} 次的密码相同"})
    if current:
        conn.execute(
            insert(password_history).values(user_id=user_id, password_hash=current, set_at=now)
        )
        stale = select(password_history.c.id).where(password_history.c.user_id == user_id)
        kept = stale.order_by(password_history.c.set_at.desc(), password_history.c.id.desc())
        keep_ids = list(conn.execute(kept.limit(max(keep, 1))).scalars())
        conn.execute(
            delete(password_history).where(
                password_history.c.user_id == user_id, password_history.c.id.not_in(keep_ids)
            )
        )
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(
            password_hash=hash_password(password),
            password_changed_at=now,
            must_change_password=must_change,
        )
    )


@atomic
def deactivate_user(uow: UnitOfWork, actor: Actor, user_id: int) -> None:
    """Deactivate an account: it can no longer sign in and its sessions end at once."""
    conn = uow.conn
    user = _load_user(conn, user_id)
    if not user.is_active:
        return
    conn.execute(update(users).where(users.c.id == user_id).values(is_active=False))
    sessions.end_all_sessions(conn, user_id)
    audit.record(conn, actor, "user.deactivated", "user", str(user_id))
