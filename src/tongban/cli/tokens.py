"""``tongban service-account ...`` and ``tongban token ...``: other systems' access to the API.

Exit codes: 0 done; 2 bad input (unknown account or token, a scope beyond the account's roles,
a bad role or jurisdiction), nothing changed.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from tongban.bootstrap import Container
from tongban.domain.catalogue.model import Level
from tongban.domain.errors import DomainError
from tongban.domain.people.model import Role, RoleAssignment
from tongban.i18n import gettext as _
from tongban.services.people import tokens

accounts_app = typer.Typer(help="服务账号：其他系统调用接口的身份。", no_args_is_help=True)
tokens_app = typer.Typer(help="访问令牌：服务账号调用接口的凭据。", no_args_is_help=True)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _container() -> Container:
    from tongban.cli.app import container

    return container()


def _fail(error: DomainError) -> typer.Exit:
    message = _(error.template).format(**error.params) if error.params else _(error.message)
    details = "；".join(_(text) for text in error.fields.values())
    err.print(f"[red]{message}{'（' + details + '）' if details else ''}[/red]", soft_wrap=True)
    return typer.Exit(2)


def _role(text: str) -> RoleAssignment:
    """``ROLE``, ``ROLE:DEPARTMENT`` or ``ROLE@CENTRE``."""
    name, _sep, centre = text.partition("@")
    name, _sep, department = name.partition(":")
    try:
        role = Role(name.strip())
    except ValueError:
        known = "、".join(r.value for r in Role)
        raise typer.BadParameter(f"未知角色 {name}；可用：{known}") from None
    return RoleAssignment(
        role=role,
        level=Level.DISTRICT,
        centre_code=centre.strip().upper() or None,
        department_code=department.strip().upper() or None,
    )


@accounts_app.command("add")
def add_account(
    username: Annotated[str, typer.Argument(help="账号名，如 city-dashboard")],
    name: Annotated[str, typer.Argument(help="系统名称，如 市数据共享平台")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="角色，可重复：ROLE、ROLE:部门编码 或 ROLE@服务中心编码"),
    ],
) -> None:
    """Create a service account with its roles (no password: it signs in with tokens)."""
    from tongban.cli.app import cli_actor

    container = _container()
    assignments = [_role(r) for r in role]
    try:
        with container.uow() as uow:
            user_id = tokens.create_service_account(
                uow, cli_actor(container), username, name, assignments
            )
    except DomainError as error:
        raise _fail(error) from None
    out.print(f"已创建服务账号 {username}（用户 {user_id}）。用 tongban token issue 签发令牌。")


@tokens_app.command("issue")
def issue(
    account: Annotated[str, typer.Argument(help="服务账号名")],
    name: Annotated[str, typer.Option("--name", help="令牌用途，如 大屏只读")],
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="可用的角色，可重复；默认账号的全部角色")
    ] = None,
    days: Annotated[int, typer.Option("--days", help="有效天数（1–366）")] = 90,
) -> None:
    """Issue a token; it is printed once and never shown again."""
    from tongban.cli.app import cli_actor

    container = _container()
    try:
        with container.uow() as uow:
            token, info = tokens.issue_token(
                uow, cli_actor(container), account, name, scopes=scope, days=days
            )
    except DomainError as error:
        raise _fail(error) from None
    err.print(
        f"令牌 {info.id}（{', '.join(info.scopes)}）有效至 {info.expires_at:%Y-%m-%d %H:%M} UTC；"
        "只显示这一次，请妥善保存："
    )
    print(token)


@tokens_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="令牌编号（tbk_ 之后的 12 位）")]) -> None:
    """Revoke a token at once."""
    from tongban.cli.app import cli_actor

    container = _container()
    try:
        with container.uow() as uow:
            tokens.revoke_token(uow, cli_actor(container), token_id)
    except DomainError as error:
        raise _fail(error) from None
    out.print(f"令牌 {token_id} 已吊销。")


@tokens_app.command("list")
def list_tokens(
    account: Annotated[str | None, typer.Argument(help="只列这个服务账号的")] = None,
) -> None:
    """Every token (never its secret): account, scopes, expiry, state, last use."""
    container = _container()
    now = container.clock.now()
    with container.read() as uow:
        found = tokens.list_tokens(uow.conn, account)
    table = Table("账号", "名称", "范围", "到期", "状态", "最近使用")
    table.columns.insert(0, Column("编号", no_wrap=True, min_width=12))
    states = {"active": "有效", "expired": "已过期", "revoked": "已吊销"}
    for t in found:
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-"
        table.add_row(
            t.id,
            t.account,
            t.name,
            ", ".join(t.scopes),
            f"{t.expires_at:%Y-%m-%d}",
            states[t.state(now)],
            used,
        )
    out.print(table)
