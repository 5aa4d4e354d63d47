"""用户管理: the district user administrator's work on staff accounts.

Enable and disable, reset a password (a one-time one, shown once) or a second factor, grant
and revoke roles with their jurisdiction.  Each use case writes its audit entry in its own
transaction.  A user administrator never acts on their own account here (``OwnAccount``), so
nobody grants themself a role or lifts their own lock: another administrator does it.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from tongban.adapters.db.tables import role_assignments, users
from tongban.domain.errors import LastRole, OwnAccount, RoleNotHeld, UserNotFound
from tongban.domain.people.model import RoleAssignment, UserKind
from tongban.services.people import accounts, sessions, staff_import, totp
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

ADMIN_ACTIONS = (
    "user.created",
    "user.deactivated",
    "user.reactivated",
    "user.password_set",
    "user.role_assigned",
    "user.role_revoked",
    "user.totp_reset",
)
"""The audit actions shown as the page's recent changes."""


def _staff(uow: UnitOfWork, actor: Actor, user_id: int) -> None:
    """The account must be a staff member's, and not the actor's own."""
    kind = uow.conn.execute(select(users.c.kind).where(users.c.id == user_id)).scalar()
    if kind != UserKind.STAFF.value:
        raise UserNotFound()
    if actor.user_id == user_id:
        raise OwnAccount()


@atomic
def set_active(uow: UnitOfWork, actor: Actor, user_id: int, active: bool) -> bool:
    """停用 / 启用: a disabled account cannot sign in and its sessions end at once.
    Returns whether anything changed."""
    _staff(uow, actor, user_id)
    conn = uow.conn
    current = conn.execute(select(users.c.is_active).where(users.c.id == user_id)).scalar()
    if bool(current) == active:
        return False
    if not active:
        accounts.deactivate_user(uow, actor, user_id)
        return True
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(is_active=True, failed_logins=0, locked_until=None)
    )
    audit.record(conn, actor, "user.reactivated", "user", str(user_id))
    return True


@atomic
def reset_password(uow: UnitOfWork, actor: Actor, user_id: int, *, keep: int) -> str:
    """A new one-time password (returned once); its owner replaces it at the next sign-in.
    Unlocks the account and ends its sessions."""
    _staff(uow, actor, user_id)
    password = staff_import.one_time_password()
    accounts.set_password(uow, actor, user_id, password, temporary=True, keep=keep)
    return password


@atomic
def grant_role(uow: UnitOfWork, actor: Actor, user_id: int, assignment: RoleAssignment) -> bool:
    """One more role within its jurisdiction; returns False when it was already held."""
    _staff(uow, actor, user_id)
    added = accounts.assign_role(uow, actor, user_id, assignment)
    if added:
        sessions.end_all_sessions(uow.conn, user_id)  # roles are read at sign-in
    return added


@atomic
def revoke_role(uow: UnitOfWork, actor: Actor, user_id: int, assignment_id: int) -> None:
    """Take one role away; the last one stays (disable the account instead)."""
    _staff(uow, actor, user_id)
    conn = uow.conn
    row = conn.execute(
        select(role_assignments).where(
            role_assignments.c.id == assignment_id, role_assignments.c.user_id == user_id
        )
    ).first()
    if row is None:
        raise RoleNotHeld()
    held = conn.execute(
        select(func.count()).where(role_assignments.c.user_id == user_id)
    ).scalar_one()
    if held <= 1:
        raise LastRole()
    conn.execute(delete(role_assignments).where(role_assignments.c.id == assignment_id))
    sessions.end_all_sessions(conn, user_id)
    audit.record(
        conn,
        actor,
        "user.role_revoked",
        "user",
        str(user_id),
        {"role": row.role, "centre_id": row.centre_id, "department_id": row.department_id},
    )


@atomic
def reset_totp(uow: UnitOfWork, actor: Actor, user_id: int) -> None:
    """Remove a staff member's second factor (a lost phone); they may enrol again."""
    _staff(uow, actor, user_id)
    totp.clear(uow.conn, user_id)
    sessions.end_all_sessions(uow.conn, user_id)
    audit.record(uow.conn, actor, "user.totp_reset", "user", str(user_id))
