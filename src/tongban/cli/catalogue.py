"""``tongban catalogue ...``: statistics, import and export of the catalogue."""

from __future__ import annotations

import typer

app = typer.Typer(help="事项目录：统计、导入、导出。", no_args_is_help=True)
