"""The Typer application and the commands that belong to no single area."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tongban.bootstrap import Container, build_container, configure_logging
from tongban.config import Settings
from tongban.services.platform.context import Actor

app = typer.Typer(
    name="tongban",
    help="通办 — 一网通办政务服务平台 / one-stop government-service platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()


def container() -> Container:
    """Build the container from the environment (TONGBAN_* variables)."""
    configure_logging("WARNING")
    return build_container(Settings())


def cli_actor(container: Container) -> Actor:
    """The operator at the shell, acting now by the container's clock."""
    return Actor(request_id="cli", at=container.clock.now())


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="目标版本，默认最新")] = "head",
) -> None:
    """Bring the database schema up to date (Alembic)."""
    from tongban.adapters.db import migrate as migrations

    c = container()
    migrations.upgrade(c.engine, revision)
    console.print(f"数据库已迁移到 {migrations.current(c.engine)}（{c.engine.dialect.name}）")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(help="进程数（PostgreSQL 上可多进程）")] = 1,
    reload: Annotated[bool, typer.Option(help="开发模式：代码变动时重启")] = False,
    healthcheck_timeout: Annotated[
        int, typer.Option(help="多进程时工作进程健康检查的超时秒数，超时即重启该进程")
    ] = 30,
) -> None:
    """Serve the web app and API with uvicorn."""
    import uvicorn

    settings = Settings()
    if workers > 1 and settings.resolved_database_url().startswith("sqlite"):
        # One app process per SQLite file: several would queue on its write lock and time
        # out under load. The worker beside it is fine: it writes in short batches.
        refusal = "SQLite 只支持一个应用进程：多进程请使用 PostgreSQL（见 docs/operations.md）。"
        console.print(f"[red]{refusal}[/red]")
        raise typer.Exit(2)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several app processes: each writes its metrics to files that /metrics adds up.
        shared = Path(settings.data_dir) / "metrics"
        shutil.rmtree(shared, ignore_errors=True)
        shared.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
    uvicorn.run(
        "tongban.asgi:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
        # The app logs every request itself (JSON with the request context, see
        # services/platform/telemetry.py) and configures the loggers in each process.
        access_log=False,
        log_config=None,
        # uvicorn's default (5 s) restarts busy workers on a saturated machine, dropping the
        # requests they were serving.
        timeout_worker_healthcheck=healthcheck_timeout,
        **proxy_options(settings),
    )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn trusts X-Forwarded-* from loopback by default; tongban only from the proxies
    named in TONGBAN_TRUSTED_PROXIES."""
    trusted = list(settings.trusted_proxies)
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None}


def _register() -> None:
    from tongban.cli import (
        audit,
        calendar,
        catalogue,
        demo,
        jurisdiction,
        keys,
        licence,
        metrics,
        node,
        supervision,
        tokens,
        users,
        worker,
    )

    app.add_typer(audit.app, name="audit")
    app.add_typer(calendar.app, name="calendar")
    app.add_typer(catalogue.app, name="catalogue")
    app.add_typer(keys.app, name="keys")
    app.add_typer(licence.app, name="licence")
    app.add_typer(tokens.accounts_app, name="service-account")
    app.add_typer(tokens.tokens_app, name="token")
    app.add_typer(users.app, name="users")
    app.add_typer(supervision.app, name="supervision")
    app.add_typer(metrics.app, name="metrics")
    app.add_typer(node.app, name="node")
    app.command(name="init")(jurisdiction.init)
    app.command(name="demo")(demo.demo)
    app.command(name="worker")(worker.worker)


_register()
