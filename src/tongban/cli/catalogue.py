"""``tongban catalogue ...``: statistics, import and export of the catalogue.

Exit codes: 0 done; 1 an import file was rejected (nothing imported); 2 bad arguments.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tongban.cli.app import cli_actor, console, container
from tongban.domain.errors import ImportRejected
from tongban.services.catalogue.import_export import (
    export_json,
    export_xlsx,
    import_catalogue,
    read_file,
)
from tongban.services.catalogue.stats import (
    Figures,
    GroupFigures,
    catalogue_figures,
    figures_by_department,
    figures_by_level,
)
from tongban.services.platform import audit

app = typer.Typer(help="事项目录：统计、导入、导出。", no_args_is_help=True)
err = Console(stderr=True, highlight=False)
"""Progress and errors go to stderr, so stdout carries only results."""

FIGURE_LABELS: dict[str, str] = {
    "items": "事项总数",
    "online_capable": "网上可办",
    "online_capable_rate": "可网办率",
    "fully_online": "全流程网办",
    "fully_online_enterprise": "全流程网办（企业）",
    "smart_approval": "秒批事项",
    "certificate_free": "免证办事项",
    "immediate": "即办件",
}
SHORT_LABELS = ("事项", "可网办", "网办率", "全流程", "企业全程", "秒批", "免证", "即办")
"""Column headers of the grouped tables, short enough for an 80-column terminal."""
MAX_ERRORS_SHOWN = 200


class GroupBy(StrEnum):
    DEPARTMENT = "department"
    LEVEL = "level"


def _cells(figures: Figures) -> list[str]:
    values = figures.as_dict()
    cells = {name: f"{value:,}" for name, value in values.items() if isinstance(value, int)}
    cells["online_capable_rate"] = f"{figures.online_capable_rate}%"
    return [cells[name] for name in FIGURE_LABELS]


@app.command()
def stats(
    by: Annotated[GroupBy | None, typer.Option("--by", help="按部门或层级分组")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """Print the catalogue figures (可网办率 and the rest) of the published items."""
    with container().engine.connect() as conn:
        figures = catalogue_figures(conn)
        groups: list[GroupFigures] = []
        if by is GroupBy.DEPARTMENT:
            groups = figures_by_department(conn)
        elif by is GroupBy.LEVEL:
            groups = figures_by_level(conn)
    if as_json:
        data: dict[str, Any] = {"figures": figures.as_dict()}
        if by is not None:
            data["by"] = by.value
            data["groups"] = [
                {"key": g.key, "label": g.label, "figures": g.figures.as_dict()} for g in groups
            ]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if by is None:
        table = Table(title="事项目录统计")
        table.add_column("指标")
        table.add_column("数值", justify="right")
        for label, value in zip(FIGURE_LABELS.values(), _cells(figures), strict=True):
            table.add_row(label, value)
    else:
        grouped = "部门" if by is GroupBy.DEPARTMENT else "层级"
        table = Table(title=f"事项目录统计（按{grouped}）")
        table.add_column(grouped, overflow="fold", min_width=8)
        for label in SHORT_LABELS:
            table.add_column(label, justify="right", no_wrap=True)
        for group in groups:
            table.add_row(group.label, *_cells(group.figures))
        table.add_section()
        table.add_row("合计", *_cells(figures))
    console.print(table)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".json 或 .xlsx 文件")],
    note: Annotated[str, typer.Option(help="版本说明")] = "导入",
) -> None:
    """Import a catalogue file: all items are published, or none if any row is wrong."""
    data = file.read_bytes()
    try:
        with err.status("正在读取文件…"):
            specs = read_file(file.name, data)
        c = container()
        with c.uow() as uow, _progress() as bar:
            task = bar.add_task("发布事项", total=len(specs))
            summary = import_catalogue(
                uow,
                cli_actor(c),
                specs,
                note,
                progress=lambda done, _total: bar.update(task, completed=done),
            )
    except ImportRejected as error:
        _print_errors(error)
        raise typer.Exit(1) from None
    console.print(
        f"导入完成：共 {summary.total} 个事项，新增 {summary.created}，"
        f"更新 {summary.updated}，未变 {summary.unchanged}。"
    )


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def _print_errors(error: ImportRejected) -> None:
    table = Table(title=error.message, title_style="bold red")
    for header in ("工作表", "行", "列", "错误"):
        table.add_column(header)
    for row in error.errors[:MAX_ERRORS_SHOWN]:
        table.add_row(
            *(
                str(row[k]) if row[k] not in (None, "", 0) else "—"
                for k in ("sheet", "row", "column")
            ),
            str(row["message"]),
        )
    err.print(table)
    hidden = len(error.errors) - MAX_ERRORS_SHOWN
    if hidden > 0:
        err.print(f"……另有 {hidden} 处错误未列出。")


@app.command()
def export(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="目标文件：.json 或 .xlsx")],
) -> None:
    """Export the published catalogue; the format follows the file's extension."""
    suffix = file.suffix.lower()
    if suffix not in (".json", ".xlsx"):
        raise typer.BadParameter("仅支持 .json 或 .xlsx 文件", param_hint="FILE")
    c = container()
    with c.engine.connect() as conn:
        data = export_json(conn, c.clock.now()) if suffix == ".json" else export_xlsx(conn)
        count = catalogue_figures(conn).items
    file.write_bytes(data)
    console.print(f"已导出 {count} 个事项到 {file}。")


@app.command()
def reindex() -> None:
    """Rebuild the search index of every published item (after the synonym table changes)."""
    from tongban.services.catalogue import search

    c = container()
    with c.uow() as uow, uow.atomic():
        count = search.reindex_all(uow.conn)
        audit.record(
            uow.conn,
            cli_actor(c),
            "search.reindexed",
            "catalogue",
            "items",
            {"items": count},
        )
    console.print(f"已重建 {count} 个事项的搜索索引。")
