"""``tongban calendar ...``: the working-day calendar.

Exit codes: 0 done; 1 a notice file was rejected (nothing imported), or ``status`` found the
official calendar known fewer than ``TONGBAN_CALENDAR_WARN_DAYS`` days ahead (for cron); 2 bad
input or a date outside the known years.
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
from tongban.cli.calendar_views import changes_table, legend, year_grid
from tongban.domain.errors import DomainError, ImportRejected
from tongban.domain.shared.calendar import DayKind
from tongban.domain.shared.calendar_notice import blank_template
from tongban.i18n import gettext as _
from tongban.services.platform import calendar as calendar_service
from tongban.services.platform import calendar_import as notices

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


@app.command()
def template(
    year: Annotated[int, typer.Argument(help="年份，如 2027")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="写入的文件；默认 calendar-年份.csv")
    ] = None,
    force: Annotated[bool, typer.Option(help="文件已存在时覆盖")] = False,
) -> None:
    """Write a blank notice file for YEAR to fill in from the State Council's notice."""
    if not 1900 <= year <= 2200:
        _fail(_("年份“{year}”无效，应为如 2027。").format(year=year))
    path = output or Path(f"calendar-{year}.csv")
    if path.exists() and not force:
        _fail(_("文件已存在：{path}。如需覆盖请加 --force。").format(path=str(path)))
    try:
        path.write_text(blank_template(year), encoding="utf-8")
    except OSError:
        _fail(_("无法写入文件：{path}").format(path=str(path)))
    out.print(
        _(
            "已写入 {year} 年的空白模板：{path}。按正式通知填写后先运行 "
            "tongban calendar import {path} --dry-run 预览。"
        ).format(year=year, path=str(path))
    )


@app.command(name="import")
def import_(
    file: Annotated[Path, typer.Argument(help="放假安排文件（CSV 或 JSON）", exists=False)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只显示月历和将发生的变更，不写入任何数据")
    ] = False,
    example: Annotated[
        bool, typer.Option("--example", help="允许导入标为示例的文件（仅限演示），该年标为示例")
    ] = False,
) -> None:
    """Import one year's holiday notice, replacing that year; a bad file changes nothing."""
    try:
        data = file.read_bytes()
    except OSError:
        _fail(_("无法读取文件：{path}").format(path=str(file)))
    container = _container()
    try:
        text = notices.decode_notice(data)
        if dry_run:
            notice = notices.read_checked(text, file.name, allow_example=example)
            with container.read() as uow:
                preview = notices.preview_notice(uow.conn, notice)
            _print_preview(preview)
            return
        with container.uow() as uow:
            summary = notices.import_notice(
                uow, cli_actor(container), text, file.name, allow_example=example
            )
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
    if summary.carried:
        days = "、".join(day.isoformat() for day in summary.carried)
        out.print(_("上一年 12 月调为上班的日子：{days}。").format(days=days))
    if summary.example:
        err.print(
            "[yellow]" + _("注意：该年来自示例文件，已在工作日历中标为示例年份。") + "[/yellow]"
        )


def _print_preview(preview: notices.NoticePreview) -> None:
    notice = preview.notice
    out.print(_("预览（未写入任何数据）：{year} 年放假安排").format(year=notice.year))
    if notice.reference or notice.published:
        published = notice.published.isoformat() if notice.published else _("未填写")
        out.print(
            _("来源：{reference}，发布日期 {published}").format(
                reference=notice.reference or _("未填写文号"), published=published
            )
        )
    else:
        out.print(_("文件未填写通知文号和发布日期（@notice、@published），建议填写以便核对来源。"))
    if notice.example:
        out.print("[yellow]" + _("这是示例文件：导入后该年将标为示例年份。") + "[/yellow]")
    out.print(legend())
    for line in year_grid(notice.year, notice.days):
        out.print(line)
    if notice.carried:
        out.print(_("上一年 12 月调为上班的日子："))
        for entry in notice.carried:
            out.print(f"  {entry.day.isoformat()} {entry.name}")
    if preview.replaced:
        note = _("{year} 年已在工作日历中，导入将整体替换该年。").format(year=notice.year)
        if preview.was_example:
            note += _("（现存的是示例年份）")
        out.print(note)
    if preview.changes:
        out.print(changes_table(preview.changes))
    else:
        out.print(_("与已存内容相同，导入不会改变任何日期。"))
    out.print(_("去掉 --dry-run 即可正式导入。"))


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
    """How far ahead the calendar is known; exits 1 when the official years reach fewer than
    the warning days ahead (``TONGBAN_CALENDAR_WARN_DAYS``), so cron can alert."""
    container = _container()
    warn_days = container.settings.calendar_warn_days
    with container.uow() as uow:
        current = calendar_service.calendar_status(uow.conn, container.clock.today(), warn_days)
    _print_range(current)
    if current.example_years:
        years = "、".join(str(year) for year in current.example_years)
        err.print(
            "[yellow]"
            + _("注意：{years} 年来自示例文件，并非正式通知，不能用于实际办件。").format(
                years=years
            )
            + "[/yellow]"
        )
    if current.warn:
        err.print(
            "[yellow]"
            + _(
                "警告：正式工作日历仅覆盖今后 {days} 天（少于 {warn} 天），"
                "请尽快导入下一年的放假安排：tongban calendar template、tongban calendar import。"
            ).format(days=current.official_days_ahead, warn=warn_days)
            + "[/yellow]"
        )
        raise typer.Exit(1)


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
    out.print(
        _("正式放假安排（不含示例年份）最后已知日：{last}，今后已知 {days} 天。").format(
            last=(current.official_until or current.known_until).isoformat(),
            days=current.official_days_ahead,
        )
    )
    gaps = sorted(set(range(current.years[0], current.years[-1] + 1)) - set(current.years))
    if gaps:
        out.print(_("缺少年份：{years}").format(years="、".join(str(y) for y in gaps)))
