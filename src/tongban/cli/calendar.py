"""``tongban calendar ...``: the working-day calendar."""

from __future__ import annotations

import typer

app = typer.Typer(help="工作日历：导入放假安排、计算办理期限。", no_args_is_help=True)
