"""``tongban users ...``: the district's staff accounts from the shell.

``add`` and ``import`` print each new account's one-time password once (to hand over in
person); ``reset-password`` gives a new one and ends the person's sessions.

Exit codes: 0 done; 2 bad input (an unknown account, role, centre or department, a bad row of
an import file: every error is printed and nothing is imported).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tongban.bootstrap import Container
from tongban.domain.errors import DomainError, ImportRejected
from tongban.domain.shared.clock import china_date
from tongban.i18n import gettext as _
from tongban.services.people import accounts, staff_import

app = typer.Typer(
    help="工作人员账号：新增、批量导入、停用、重置密码、授予角色。", no_args_is_help=True
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _container() -> Container:
    from tongban.cli.app import container

    return container()


def _fail(error: DomainError) -> typer.Exit:
    message = _(error.template).format(**error.params) if error.params else _(error.message)
    if isinstance(error, ImportRejected):
        err.print(f"[red]{message}[/red]", soft_wrap=True)
        for e in error.errors:
            where = f"第 {e['row']} 行" + (f"（{e['column']}）" if e.get("column") else "")
            err.print(f"  {where}：{e['message']}", soft_wrap=True)
        return typer.Exit(2)
    details = "；".join(_(text) for text in error.fields.values() if text != message)
    err.print(f"[red]{message}{'（' + details + '）' if details else ''}[/red]", soft_wrap=True)
    return typer.Exit(2)


def _print_created(created: list[staff_import.Created]) -> None:
    table = Table("账号", "一次性密码", title="请当面交给本人；此密码只显示这一次")
    for c in created:
        table.add_row(c.username, c.one_time_password)
    out.print(table)


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="账号，如 wang.jh")],
    name: Annotated[str, typer.Argument(help="姓名")],
    role: Annotated[
        list[str], typer.Option("--role", help="角色，可重复：ROLE、ROLE:部门编码 或 ROLE@中心编码")
    ],
    phone: Annotated[str, typer.Option("--phone", help="手机号码")] = "",
    id_number: Annotated[str, typer.Option("--id-number", help="居民身份证号")] = "",
) -> None:
    """Add one staff member; prints a one-time password."""
    from tongban.cli.app import cli_actor

    container = _container()
    try:
        roles = staff_import.parse_roles(";".join(role))
    except ValueError as problem:
        err.print(f"[red]{problem}[/red]")
        raise typer.Exit(2) from None
    try:
        with container.uow() as uow:
            created = staff_import.add_staff(
                uow, cli_actor(container), username, name, roles, phone=phone, id_number=id_number
            )
    except DomainError as error:
        raise _fail(error) from None
    _print_created([created])


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".csv 或 .xlsx")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不导入")] = False,
) -> None:
    """Import staff from a file: every row checked first; one bad row imports nothing."""
    from tongban.cli.app import cli_actor

    container = _container()
    try:
        rows = staff_import.read_table(file.name, file.read_bytes())
        if dry_run:
            today = china_date(container.clock.now())
            with container.read() as uow:
                checked = staff_import.check_rows(uow.conn, rows, today)
            out.print(f"检查通过：{len(checked)} 行，可以导入（未做任何改动）。")
            return
        with container.uow() as uow:
            created = staff_import.import_staff(uow, cli_actor(container), rows)
    except DomainError as error:
        raise _fail(error) from None
    _print_created(created)
    out.print(f"已导入 {len(created)} 名工作人员。")


@app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="账号")]) -> None:
    """Disable an account: it cannot sign in and its sessions end at once."""
    from tongban.cli.app import cli_actor

    container = _container()
    try:
        with container.uow() as uow:
            user_id = staff_import.find_staff(uow.conn, username)
            accounts.deactivate_user(uow, cli_actor(container), user_id)
    except DomainError as error:
        raise _fail(error) from None
    out.print(f"账号 {username} 已停用，其会话已全部结束。")


@app.command("reset-password")
def reset_password(username: Annotated[str, typer.Argument(help="账号")]) -> None:
    """Give a new one-time password (unlocks the account, ends its sessions)."""
    from tongban.cli.app import cli_actor

    container = _container()
    password = staff_import.one_time_password()
    try:
        with container.uow() as uow:
            user_id = staff_import.find_staff(uow.conn, username)
            accounts.set_password(
                uow,
                cli_actor(container),
                user_id,
                password,
                temporary=True,
                keep=container.settings.password_history,
            )
    except DomainError as error:
        raise _fail(error) from None
    _print_created([staff_import.Created(user_id, username, password)])


@app.command("grant-role")
def grant_role(
    username: Annotated[str, typer.Argument(help="账号")],
    role: Annotated[str, typer.Argument(help="ROLE、ROLE:部门编码 或 ROLE@中心编码")],
) -> None:
    """Give a staff member one more role (audited); a role already held changes nothing."""
    from tongban.cli.app import cli_actor

    container = _container()
    try:
        (assignment,) = staff_import.parse_roles(role)
    except ValueError as problem:
        err.print(f"[red]{problem}[/red]")
        raise typer.Exit(2) from None
    try:
        with container.uow() as uow:
            user_id = staff_import.find_staff(uow.conn, username)
            added = accounts.assign_role(uow, cli_actor(container), user_id, assignment)
    except DomainError as error:
        raise _fail(error) from None
    out.print(f"已授予 {username} 角色 {role}。" if added else f"{username} 已有角色 {role}。")
