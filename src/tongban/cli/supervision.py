"""``tongban supervision draw replay NUMBER``: recompute a recorded 双随机 draw and compare.

The draw's seed and pool snapshots are read from the database; the pools are checked against
their stored SHA-256 hashes and the outcome recomputed from the seed.  Exit codes: 0 the record
holds; 1 it does not (a pool or the outcome was changed); 2 bad input (no such draw).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from tongban.bootstrap import Container
from tongban.domain.errors import DomainError
from tongban.i18n import gettext as _
from tongban.services.supervision.draws import replay_draw

app = typer.Typer(help="批后监管：双随机抽查记录的复算核对。", no_args_is_help=True)
draw_app = typer.Typer(help="双随机抽查记录。", no_args_is_help=True)
app.add_typer(draw_app, name="draw")
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _container() -> Container:
    from tongban.cli.app import container

    return container()


@draw_app.command()
def replay(
    number: Annotated[str, typer.Argument(help="抽查编号，如 CQ000001")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果")] = False,
) -> None:
    """Recompute the draw from its seed and pools; compare hashes and outcome."""
    try:
        with _container().read() as uow:
            found = replay_draw(uow.conn, number)
    except DomainError as error:
        err.print(_(error.template).format(**error.params), soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        body = {
            "ok": found.ok,
            "subject_pool_ok": found.subject_pool_ok,
            "inspector_pool_ok": found.inspector_pool_ok,
            "outcome_ok": found.outcome_ok,
            "recomputed": [p.as_dict() for p in found.recomputed],
        }
        out.print_json(json.dumps(body, ensure_ascii=False))
    else:
        yes, no = _("一致"), _("不一致")
        out.print(_("检查对象名录摘要：{r}").format(r=yes if found.subject_pool_ok else no))
        out.print(_("检查人员名录摘要：{r}").format(r=yes if found.inspector_pool_ok else no))
        out.print(_("抽取结果复算：{r}").format(r=yes if found.outcome_ok else no))
        out.print(_("核对通过。") if found.ok else _("核对未通过：抽查记录已被改动。"))
    if not found.ok:
        raise typer.Exit(1)
