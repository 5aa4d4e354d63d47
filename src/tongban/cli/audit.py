"""``tongban audit ...``: check that no case's audit trail was edited or cut.

Exit codes: 0 every chain intact; 1 at least one broken chain; 2 bad input (unknown case).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from tongban.bootstrap import Container
from tongban.domain.errors import DomainError
from tongban.i18n import gettext as _
from tongban.services.cases.audit import verify as verify_chains

app = typer.Typer(help="审计：核验办件审计记录的哈希链。", no_args_is_help=True)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _container() -> Container:
    from tongban.cli.app import container

    return container()


@app.command()
def verify(
    case: Annotated[str | None, typer.Option("--case", help="只核验这一个办件编号")] = None,
) -> None:
    """Recompute every case's hash chain; print OK, or each broken case and entry."""
    container = _container()
    try:
        with container.read() as uow:
            report = verify_chains(uow.conn, case)
    except DomainError as error:
        err.print(f"[red]{_(error.template).format(**error.params)}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    if report.ok:
        out.print(
            _("OK：{cases} 个办件、{entries} 条审计记录的哈希链完整。").format(
                cases=report.cases, entries=report.entries
            )
        )
        return
    for broken in report.breaks:
        out.print(
            _("损坏：办件 {number} 第 {seq} 条：{problem}").format(
                number=broken.number, seq=broken.seq, problem=broken.problem
            ),
            soft_wrap=True,
        )
    out.print(_("共 {count} 个办件的审计记录不完整。").format(count=len(report.breaks)))
    raise typer.Exit(1)
