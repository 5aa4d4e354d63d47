"""``tongban demo``: load the Nanhai demonstration data."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from tongban.bootstrap import Container
from tongban.cli.app import console, container
from tongban.services.catalogue.stats import catalogue_figures


def demo(
    scale: Annotated[
        str, typer.Option(help="small：约 150 个手写事项；full：按南海区目录生成 2,155 个事项")
    ] = "small",
    if_empty: Annotated[bool, typer.Option(help="数据库已有事项时不做任何事")] = False,
    cases: Annotated[
        int, typer.Option("--cases", help="再生成多少件历史办件（含评价与整改），0 为不生成")
    ] = 0,
    seed: Annotated[
        int, typer.Option("--seed", help="历史办件的随机种子：同一种子生成同样的数据")
    ] = 1,
    years: Annotated[int, typer.Option("--years", help="历史办件覆盖今天之前的多少年")] = 3,
    jobs: Annotated[
        int, typer.Option("--jobs", help="生成历史办件的进程数，0 为每个 CPU 核一个")
    ] = 0,
    node: Annotated[
        str | None,
        typer.Option("--node", help="跨城通办演示：nanhai 或 panyu，并把本库初始化为该节点"),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="--node 时伙伴节点访问本节点的地址，默认南海 8001、番禺 8002"),
    ] = None,
) -> None:
    """Load the Nanhai demo data (centres, departments, people, calendar, catalogue), and with
    ``--cases N`` N cases of history over the past ``--years`` years.  ``--node panyu`` loads
    番禺's small catalogue instead; ``--node`` either way makes the database a 跨城通办 node."""
    from tongban.demo.loader import has_items, load_demo

    if node is not None:
        if node not in NODE_PORTS:
            console.print("[red]--node 只能是 nanhai 或 panyu[/red]")
            raise typer.Exit(2)
        if node == "panyu":
            _panyu(container(), base_url or f"http://127.0.0.1:{NODE_PORTS['panyu']}")
            return
    if scale not in ("small", "full"):
        console.print("[red]--scale 只能是 small 或 full[/red]")
        raise typer.Exit(2)
    if not 0 <= cases <= 20_000_000 or not 1 <= years <= 10 or not 0 <= jobs <= 64:
        console.print(
            "[red]--cases 须在 0 到 20,000,000 之间，--years 须在 1 到 10 之间，"
            "--jobs 须在 0 到 64 之间[/red]"
        )
        raise typer.Exit(2)
    c = container()
    if if_empty and has_items(c):
        console.print("数据库已有演示数据，跳过加载。")
        _top_up_calendar(c)
        _print_logins(c)
        return
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("发布事项", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = load_demo(c, scale, on_item=advance)  # type: ignore[arg-type]
    with c.uow() as uow:
        figures = catalogue_figures(uow.conn)
    console.print(
        f"演示数据已加载：{summary.centres} 个服务中心变更，"
        f"人口网格 {summary.population_cells:,} 格、地名 {summary.places} 个写入，"
        f"{summary.items_published} 个事项发布，"
        f"{summary.items_unchanged} 个未变；目录共 {figures.items:,} 个事项，"
        f"可网办率 {figures.online_capable_rate}%。"
    )
    parts = {"licences": "电子证照", "smart": "秒批", "projects": "代办项目", "bundles": "一件事"}
    parts["approval"] = "网上审批中心"
    written = "，".join(f"{parts.get(k, k)} {n}" for k, n in summary.extras.items())
    console.print(f"其余演示数据本次写入（条）：{written}。")
    if cases:
        _history(c, cases, seed, years, jobs)
    _print_logins(c)
    if node == "nanhai":
        _node(c, base_url or f"http://127.0.0.1:{NODE_PORTS['nanhai']}", "nanhai")


NODE_PORTS = {"nanhai": 8001, "panyu": 8002}


def _node(c: Container, url: str, name: str) -> None:
    from tongban.demo import federation
    from tongban.services.platform.context import Actor

    actor = Actor(request_id="demo", at=c.clock.now())
    offers = federation.nanhai_offers() if name == "nanhai" else list(federation.PANYU_OFFERS)
    setup = federation.make_node(c, actor, url, offers)
    other = "panyu" if name == "nanhai" else "nanhai"
    console.print(
        f"跨城通办节点 {setup.region_code}：{setup.base_url}，签名密钥 {setup.kid}，"
        f"允许伙伴代收的事项 {'、'.join(setup.items)}。"
    )
    console.print(
        f"另一节点（{other}）启动后：curl -s http://127.0.0.1:{NODE_PORTS[other]}"
        "/.well-known/tongban-node.json > partner.json，再运行 tongban node trust partner.json "
        "和 tongban node items sync（见 README“跨城通办演示”）。"
    )


def _panyu(c: Container, url: str) -> None:
    from tongban.demo import federation
    from tongban.demo.people import DEMO_PASSWORD
    from tongban.services.platform.context import Actor

    actor = Actor(request_id="demo", at=c.clock.now())
    published = federation.load_panyu(c, actor)
    console.print(f"番禺演示数据已加载：{published} 个事项发布。")
    table = Table(title=f"番禺演示账号（密码均为 {DEMO_PASSWORD}）")
    for column in ("登录名", "姓名"):
        table.add_column(column)
    for username, name, *_rest in federation.PANYU_STAFF:
        table.add_row(username, name)
    console.print(table)
    _node(c, url, "panyu")


def _history(c: Container, cases: int, seed: int, years: int, jobs: int) -> None:
    from tongban.demo import history_rows as history

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("生成历史办件", total=cases)
        summary = history.load(
            c,
            cases_wanted=cases,
            seed=seed,
            years=years,
            progress=lambda n: progress.advance(task, n),
            jobs=jobs or history.default_jobs(),
        )
    console.print(
        f"历史办件已生成：{summary.cases:,} 件（{summary.first_day} 至 {summary.last_day}），"
        f"事件 {summary.events:,} 条，评价 {summary.ratings:,} 条，"
        f"整改 {summary.rectifications:,} 件。"
    )


def _top_up_calendar(c: Container) -> None:
    """An existing demo started again in a new year still gets the example schedule it needs."""
    from tongban.demo.loader import demo_calendar
    from tongban.services.platform.context import Actor

    actor = Actor(request_id="demo", at=c.clock.now())
    with c.uow() as uow:
        added = demo_calendar(uow, actor, c.settings.calendar_warn_days)
    if added:
        console.print(f"官方放假安排不足，已为演示载入示例年份（{added} 天），页面上会标明“示例”。")


def _print_logins(c: object) -> None:
    from tongban.demo import people
    from tongban.web.labels import label

    table = Table(title=f"演示账号（密码均为 {people.DEMO_PASSWORD}）")
    for column in ("登录名", "身份", "姓名 / 名称"):
        table.add_column(column)
    for staff in people.DEMO_STAFF:
        table.add_row(staff.username, label(staff.role), staff.name)
    for citizen in people.DEMO_CITIZENS:
        table.add_row(citizen.id_number, "群众", citizen.name)
    for company in people.DEMO_ENTERPRISES:
        table.add_row(company.credit_code, "企业", company.name)
    from tongban.demo.smart import DEMO_LOGINS  # 秒批 demo applicants (pass and fail)

    for login, role, who in DEMO_LOGINS:
        table.add_row(login, role, who)
    console.print(table)
    console.print("打开 http://127.0.0.1:8000 ，工作人员用用户名登录，群众用身份证号码登录。")
