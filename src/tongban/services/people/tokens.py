"""Service accounts and their API tokens: how another system calls the API.

A **service account** (``users.kind = 'service'``) stands for a system, never a person: it has
staff roles within their jurisdictions, like a staff account, and no password.  It signs in
with **API tokens** sent as ``Authorization: Bearer tbk_<id>_<secret>``:

- a token is shown once, when issued; only the SHA-256 of its secret is stored;
- it carries **scopes**: the roles of its account it may use (all of them, or fewer), so one
  account can hold a read-only token for a dashboard and another for its writes;
- it **expires** (at most a year after issue) and can be **revoked** at once; a revoked or
  expired token is refused on its next request (401 ``token_invalid``);
- the access policies treat the request like one from a staff member with those roles; being
  sent explicitly, a token needs no CSRF token, and tokens are accepted on ``/api/v1`` only.

Issuing, revoking and creating accounts are audited.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from tongban.adapters.db.tables import api_tokens, role_assignments, users
from tongban.domain.errors import NotFound, TokenInvalid, ValidationFailed
from tongban.domain.people.model import STAFF_ROLES, Principal, Role, RoleAssignment, UserKind
from tongban.services.people import accounts
from tongban.services.people.sessions import load_principal
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

PREFIX = "tbk_"
MAX_DAYS = 366
TOUCH_EVERY = timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token (not on every request)."""
_TOKEN = re.compile(r"tbk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


class TokenNotFound(NotFound):
    code = "token_not_found"
    template = "找不到访问令牌 {token_id}。"


@dataclass(frozen=True)
class TokenInfo:
    """What is known of a token without its secret."""

    id: str
    account: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


# --- accounts ------------------------------------------------------------------------------------


@atomic
def create_service_account(
    uow: UnitOfWork, actor: Actor, username: str, name: str, roles: Sequence[RoleAssignment]
) -> int:
    """A service account with at least one staff role, each within its jurisdiction."""
    conn = uow.conn
    if not roles:
        raise ValidationFailed("服务账号至少需要一个角色", fields={"roles": "请指定角色"})
    if any(a.role not in STAFF_ROLES for a in roles):
        raise ValidationFailed("服务账号只能持有工作人员角色", fields={"roles": "角色无效"})
    return accounts.create_account_with_roles(conn, actor, UserKind.SERVICE, username, name, roles)


def _service_account(conn: Connection, username: str) -> Any:
    row = conn.execute(
        select(users.c.id, users.c.username, users.c.is_active).where(
            users.c.username == accounts.normalise_username(username),
            users.c.kind == UserKind.SERVICE.value,
        )
    ).first()
    if row is None:
        raise ValidationFailed(
            f"没有名为 {username} 的服务账号", fields={"account": "服务账号不存在"}
        )
    return row


# --- tokens --------------------------------------------------------------------------------------


@atomic
def issue_token(
    uow: UnitOfWork,
    actor: Actor,
    account: str,
    name: str,
    *,
    scopes: Sequence[str] | None = None,
    days: int = 90,
) -> tuple[str, TokenInfo]:
    """A new token for ``account``; returns the token (shown once) and what is stored of it.
    ``scopes``: role names of the account the token may use (default: all of them)."""
    conn = uow.conn
    row = _service_account(conn, account)
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(
            f"有效期须为 1 至 {MAX_DAYS} 天", fields={"days": f"1 至 {MAX_DAYS} 天"}
        )
    label = name.strip()
    if not label or len(label) > 100:
        raise ValidationFailed("请为令牌起一个名称（100 字以内）", fields={"name": "名称无效"})
    held = {
        r
        for r in conn.execute(
            select(role_assignments.c.role).where(role_assignments.c.user_id == row.id)
        ).scalars()
    }
    wanted = sorted(set(scopes) if scopes else held)
    beyond = [s for s in wanted if s not in held]
    if beyond:
        raise ValidationFailed(
            "令牌的范围超出了服务账号的角色：" + "、".join(beyond),
            fields={"scopes": "只能是该账号已有的角色：" + "、".join(sorted(held))},
        )
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    expires = actor.at + timedelta(days=days)
    conn.execute(
        insert(api_tokens).values(
            id=token_id,
            user_id=row.id,
            name=label,
            secret_hash=_digest(secret),
            scopes=wanted,
            created_at=actor.at,
            created_by=actor.user_id,
            expires_at=expires,
        )
    )
    detail = {"account": row.username, "name": label, "scopes": wanted, "days": days}
    audit.record(conn, actor, "token.issued", "api_token", token_id, detail)
    info = TokenInfo(token_id, row.username, label, tuple(wanted), actor.at, expires, None, None)
    return f"{PREFIX}{token_id}_{secret}", info


@atomic
def revoke_token(uow: UnitOfWork, actor: Actor, token_id: str) -> None:
    """Revoke at once; the token is refused from its next request on.  Revoking twice is a
    no-op (the first revocation stands)."""
    conn = uow.conn
    found = conn.execute(select(api_tokens.c.id).where(api_tokens.c.id == token_id)).first()
    if found is None:
        raise TokenNotFound(token_id=token_id)
    changed = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=actor.at, revoked_by=actor.user_id)
    ).rowcount
    if changed:
        audit.record(conn, actor, "token.revoked", "api_token", token_id, {})


def list_tokens(conn: Connection, account: str | None = None) -> list[TokenInfo]:
    query = (
        select(api_tokens, users.c.username)
        .join(users, users.c.id == api_tokens.c.user_id)
        .order_by(api_tokens.c.created_at, api_tokens.c.id)
    )
    if account:
        query = query.where(users.c.username == accounts.normalise_username(account))
    return [
        TokenInfo(
            r.id,
            r.username,
            r.name,
            tuple(r.scopes),
            r.created_at,
            r.expires_at,
            r.revoked_at,
            r.last_used_at,
        )
        for r in conn.execute(query)
    ]


# --- signing in with a token ---------------------------------------------------------------------


def read_token(engine: Engine, token: str, *, now: datetime) -> Principal:
    """The principal a bearer token stands for, with only its scopes' roles; ``TokenInvalid``
    for a malformed, unknown, revoked or expired token or a disabled account."""
    matched = _TOKEN.fullmatch(token.strip())
    if matched is None:
        raise TokenInvalid()
    token_id, secret = matched.groups()
    with engine.begin() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        if (
            row is None
            or not hmac.compare_digest(row.secret_hash, _digest(secret))
            or row.revoked_at is not None
            or row.expires_at <= now
        ):
            raise TokenInvalid()
        principal = load_principal(conn, row.user_id)
        if principal is None or principal.kind is not UserKind.SERVICE:
            raise TokenInvalid()
        if row.last_used_at is None or row.last_used_at <= now - TOUCH_EVERY:
            conn.execute(
                update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now)
            )
    scopes = {Role(s) for s in row.scopes}
    kept = tuple(a for a in principal.roles if a.role in scopes)
    return replace(principal, roles=kept, token_id=token_id)
