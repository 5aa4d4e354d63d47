"""``tongban worker``: deliver notifications (SMS, in-app inbox) and run the periodic sweeps.

Run one or more next to the app processes (several on PostgreSQL); ``--once`` makes a single
pass and exits, for cron and tests.  Exit code 0, also after SIGTERM or SIGINT.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from tongban.bootstrap import build_container, configure_logging
from tongban.config import Settings
from tongban.i18n import gettext as _

out = Console(highlight=False)


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="只执行一轮后退出（用于 cron 与测试）")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="两轮之间等待的秒数")
    ] = 2.0,
    batch: Annotated[int, typer.Option("--batch", min=1, max=1000, help="每批认领的消息数")] = 50,
) -> None:
    """Deliver the outbox (SMS, in-app messages) and run the periodic sweeps."""
    from tongban.worker import Worker

    container = build_container(Settings())
    configure_logging(container.settings.log_level, container.settings.log_format)
    runner = Worker(container, batch=batch, interval=interval)
    try:
        if once:
            report = runner.run_once()
            sweeps = "、".join(report.sweeps) or _("无")
            out.print(
                _(
                    "已发送 {sent} 条，待重试 {retried} 条，失败 {failed} 条；定期任务：{sweeps}"
                ).format(
                    sent=report.sent, retried=report.retried, failed=report.failed, sweeps=sweeps
                )
            )
            return
        with runner.stopping_on_signals():
            runner.run_forever()
    finally:
        container.engine.dispose()
