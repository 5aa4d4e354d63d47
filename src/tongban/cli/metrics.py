"""``tongban metrics ...``: check the indicator rollups against the raw rows, or rebuild them.

Exit codes: 0 every rollup equals its recomputation (verify) or was rebuilt; 1 differences.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from tongban.bootstrap import Container
from tongban.i18n import gettext as _
from tongban.services.indicators import definitions
from tongban.services.indicators import metrics as svc

app = typer.Typer(help="指标：核验或重建指标汇总表。", no_args_is_help=True)
out = Console(highlight=False)


def _container() -> Container:
    from tongban.cli.app import container

    return container()


def _bar(total: int) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=out,
        transient=False,
        disable=not out.is_terminal and total == 0,
    )


@app.command()
def verify(
    limit: Annotated[int, typer.Option("--show", help="最多列出多少处差异")] = 50,
) -> None:
    """Recompute every rollup from the raw rows; print OK, or each difference (exit 1)."""
    container = _container()
    with container.read() as uow:
        total = svc.case_count(uow.conn)
        with _bar(total) as bar:
            task = bar.add_task(_("核验办件"), total=total)
            report = svc.verify(uow.conn, lambda n: bar.advance(task, n))
    if report.ok:
        out.print(
            _("OK：{cases} 个办件、{rows} 行日汇总与原始数据一致。").format(
                cases=report.cases, rows=report.rollup_rows
            )
        )
        out.print(_("评价日汇总 {rows} 行，与原始评价一致。").format(rows=report.rating_rows))
        return
    for diff in report.differences[:limit]:
        out.print(
            _("差异：{table} {key} {measure}：存储 {stored}，应为 {expected}").format(
                table=diff.table,
                key=diff.key,
                measure=diff.measure,
                stored=diff.stored,
                expected=diff.expected,
            ),
            soft_wrap=True,
        )
    out.print(
        _("共 {count} 处差异；用 tongban metrics rebuild 重建。").format(
            count=len(report.differences)
        )
    )
    raise typer.Exit(1)


@app.command()
def rebuild() -> None:
    """Rebuild the case facts and the daily case and rating rollups from the raw rows, in one
    transaction."""
    from tongban.cli.app import cli_actor

    container = _container()
    with container.read() as uow:
        total = svc.case_count(uow.conn)
    actor = cli_actor(container)
    with _bar(total) as bar, container.uow() as uow:
        task = bar.add_task(_("重建汇总"), total=total)
        report = svc.rebuild(uow, actor, lambda n: bar.advance(task, n))
    out.print(
        _("已重建：{cases} 个办件、{rows} 行日汇总。").format(
            cases=report.cases, rows=report.rollup_rows
        )
    )
    out.print(_("评价日汇总已重建：{rows} 行。").format(rows=report.rating_rows))


@app.command()
def seed() -> None:
    """Create and publish the standard indicators that are missing."""
    from tongban.cli.app import cli_actor

    container = _container()
    with container.uow() as uow:
        added = definitions.seed(uow, cli_actor(container))
    out.print(_("已添加 {count} 个标准指标。").format(count=added))
