"""``tongban calendar ...``: the working-day calendar.

Exit codes: 0 done; 1 a notice file was rejected (nothing imported); 2 bad input or a date
outside the known years.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from tongban.bootstrap import Container
from tongban.cli.app import cli_actor
from tongban.domain.errors import DomainError, ImportRejected
from tongban.domain.shared.calendar import DayKind
from tongban.i18n import gettext as _
from tongban.services.platform import calendar as calendar_service

app = typer.Typer(help="工作日历：导入放假安排、计算办理期限。", no_args_is_help=True)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

_WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
_COLUMN_LABELS = {"date": "日期", "kind": "类型", "name": "名称"}


def _container() -> Container:
    from tongban.cli.app import container

    return container()


def _fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[red]{message}[/red]", soft_wrap=True)
    raise typer.Exit(code)


def _translated(error: DomainError) -> str:
    if error.message == error.template.format(**error.params):
        return _(error.template).format(**error.params)
    return _(error.message)


def _domain_message(error: DomainError) -> str:
    message = _translated(error)
    details = "；".join(_(text) for text in error.fields.values())
    return f"{message}{details}" if details else message


def _parse_date(raw: str, what: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        _fail(
            _("{what}“{raw}”无效，应为 YYYY-MM-DD 格式，如 2026-02-13。").format(what=what, raw=raw)
        )


@app.command()
def seed(
    first_year: Annotated[int | None, typer.Option("--from", help="起始年份")] = None,
    last_year: Annotated[int | None, typer.Option("--to", help="结束年份")] = None,
) -> None:
    """Load the official holiday schedules for every year not yet in the calendar."""
    container = _container()
    try:
        with container.uow() as uow:
            added = calendar_service.seed_official(
                uow,
                cli_actor(container),
                first_year,
                last_year,
                source=container.official_schedules,
            )
            status = calendar_service.calendar_status(uow.conn, container.clock.today(), 1)
    except DomainError as error:
        _fail(_domain_message(error))
    if added:
        out.print(_("已写入 {days} 天的官方放假安排。").format(days=added))
    else:
        out.print(_("官方放假安排已全部在工作日历中，无需写入。"))
    _print_range(status)


@app.command(name="import")
def import_(
    file: Annotated[Path, typer.Argument(help="放假安排文件（CSV 或 JSON）", exists=False)],
) -> None:
    """Import one year's holiday notice, replacing that year; a bad file changes nothing."""
    try:
        data = file.read_bytes()
    except OSError:
        _fail(_("无法读取文件：{path}").format(path=str(file)))
    container = _container()
    try:
        text = calendar_service.decode_notice(data)
        with container.uow() as uow:
            summary = calendar_service.import_notice(uow, cli_actor(container), text, file.name)
    except ImportRejected as rejected:
        _print_import_errors(rejected)
        raise typer.Exit(1) from None
    except DomainError as error:
        _fail(_domain_message(error))
    verb = _("已替换") if summary.replaced else _("已导入")
    out.print(
        _("{verb} {year} 年放假安排：放假 {holidays} 天，调休上班 {makeup} 天。").format(
            verb=verb,
            year=summary.year,
            holidays=summary.holidays,
            makeup=summary.makeup_workdays,
        )
    )


def _print_import_errors(rejected: ImportRejected) -> None:
    table = Table(title=_translated(rejected), title_justify="left")
    table.add_column(_("行"), justify="right")
    table.add_column(_("列"))
    table.add_column(_("问题"))
    for error in rejected.errors:
        row = str(error["row"]) if error["row"] else _("（整个文件）")
        table.add_row(
            row, _(_COLUMN_LABELS.get(error["column"], error["column"])), error["message"]
        )
    err.print(table)


@app.command(context_settings={"ignore_unknown_options": True})
def deadline(
    start: Annotated[str, typer.Argument(help="起算日（受理日），YYYY-MM-DD")],
    n: Annotated[str, typer.Argument(help="期限：工作日天数")],
    stop: Annotated[
        list[str] | None,
        typer.Option(help="计时暂停 起始日:恢复日（恢复日留空表示仍在暂停），可多次给出"),
    ] = None,
) -> None:
    """Print only the deadline: the N-th working day after START, skipping clock stops."""
    start_day = _parse_date(start, _("起算日"))
    try:
        days = int(n.strip())
    except ValueError:
        _fail(_("期限“{raw}”无效，应为不小于 0 的整数（工作日天数）。").format(raw=n))
    if days < 0:
        _fail(_("期限不能为负数：{days}。").format(days=days))
    container = _container()
    try:
        stops = calendar_service.parse_stops(stop or [])
        with container.uow() as uow:
            if calendar_service.load_calendar(uow.conn).known_until is None:
                calendar_service.seed_official(
                    uow, cli_actor(container), source=container.official_schedules
                )
            result = calendar_service.deadline(uow.conn, start_day, days, stops)
    except DomainError as error:
        _fail(_domain_message(error))
    if result is None:
        err.print(_("计时仍处于暂停状态，期限尚未确定。"))
        return
    typer.echo(result.isoformat())


@app.command()
def show(year: Annotated[int, typer.Argument(help="年份，如 2026")]) -> None:
    """List the year's holidays and make-up working days."""
    container = _container()
    try:
        with container.uow() as uow:
            days = calendar_service.year_days(uow.conn, year)
    except DomainError as error:
        _fail(_domain_message(error))
    working = sum(1 for d in days if d.kind.is_working)
    out.print(
        _("{year} 年放假与调休上班安排（全年工作日 {working} 天）").format(
            year=year, working=working
        )
    )
    table = Table()
    table.add_column(_("日期"))
    table.add_column(_("星期"))
    table.add_column(_("类型"))
    table.add_column(_("名称"))
    for d in days:
        if d.kind in (DayKind.HOLIDAY, DayKind.MAKEUP_WORKDAY):
            weekday = _("星期") + _WEEKDAYS[d.day.weekday()]
            table.add_row(d.day.isoformat(), weekday, _(d.kind.label), d.name)
    out.print(table)


@app.command()
def status() -> None:
    """How far ahead the calendar is known, with a warning when that is too short."""
    container = _container()
    warn_days = container.settings.calendar_warn_days
    with container.uow() as uow:
        current = calendar_service.calendar_status(uow.conn, container.clock.today(), warn_days)
    _print_range(current)
    if current.warn:
        err.print(
            "[yellow]"
            + _(
                "警告：工作日历仅覆盖今后 {days} 天（少于 {warn} 天），请尽快导入下一年的放假安排。"
            ).format(days=current.days_known_ahead, warn=warn_days)
            + "[/yellow]"
        )


def _print_range(current: calendar_service.CalendarStatus) -> None:
    if current.known_from is None or current.known_until is None:
        out.print(_("工作日历为空：请运行 tongban calendar seed 或导入放假安排。"))
        return
    out.print(
        _("已知范围：{first} 至 {last}，今后 {days} 天可计算期限。").format(
            first=current.known_from.isoformat(),
            last=current.known_until.isoformat(),
            days=current.days_known_ahead,
        )
    )
    gaps = sorted(set(range(current.years[0], current.years[-1] + 1)) - set(current.years))
    if gaps:
        out.print(_("缺少年份：{years}").format(years="、".join(str(y) for y in gaps)))
