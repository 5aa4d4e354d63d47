"""``tongban node ...``: this deployment as a 跨城通办 node and the partner nodes it trusts.

Exit codes: 0 done; 1 the exchange log is broken (``log verify``); 2 bad input (nothing
changed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tongban.adapters import node_keys
from tongban.domain.errors import DomainError
from tongban.domain.federation.node import load_node_document
from tongban.i18n import gettext as _
from tongban.services.federation import node as svc

app = typer.Typer(
    help="跨城通办节点：本节点身份与密钥、信任的伙伴节点、交换日志。", no_args_is_help=True
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _fail(error: DomainError) -> typer.Exit:
    err.print(
        f"[red]{_(error.template).format(**error.params)}[/red]（{error.code}）", soft_wrap=True
    )
    return typer.Exit(2)


@app.command()
def init(
    base_url: Annotated[
        str | None, typer.Option(help="伙伴节点访问本节点的地址，默认 TONGBAN_PUBLIC_URL")
    ] = None,
    item: Annotated[
        list[str] | None, typer.Option(help="允许伙伴节点代收的本节点事项编码，可重复")
    ] = None,
) -> None:
    """Make this node's Ed25519 key (unless it exists) and set its base URL and items."""
    from tongban.cli.app import cli_actor, container

    c = container()
    url = base_url if base_url is not None else c.settings.public_url
    try:
        with c.uow() as uow:
            kid, made = svc.initialise(uow, cli_actor(c), c.node_key_store, url, item)
    except DomainError as error:
        raise _fail(error) from None
    if made:
        out.print(_("已生成节点签名密钥：{kid}").format(kid=kid))
    else:
        out.print(_("节点签名密钥已存在，未做改动：{kid}").format(kid=kid))
    show()


@app.command()
def show() -> None:
    """Print this node's published document and the partners it trusts."""
    from tongban.cli.app import container

    c = container()
    try:
        ring = node_keys.load(c.settings.resolved_keys_dir())
        with c.read() as uow:
            document = svc.node_document(uow.conn, ring, c.keys.jwks())
            partners = svc.partners(uow.conn)
    except node_keys.NodeKeysMissing:
        err.print(_("本节点尚未初始化，请先运行 tongban node init。"))
        raise typer.Exit(2) from None
    except DomainError as error:
        raise _fail(error) from None
    out.print(json.dumps(document, ensure_ascii=False, indent=2), soft_wrap=True)
    if not partners:
        out.print(_("尚未信任任何伙伴节点。"))
    for partner in partners:
        out.print(
            _("伙伴节点：{name}（{code}）{url}，{keys} 个公钥，代收事项 {items} 项").format(
                name=partner.name,
                code=partner.region_code,
                url=partner.base_url,
                keys=len(partner.keys),
                items=len(partner.items),
            ),
            soft_wrap=True,
        )


@app.command()
def trust(
    file: Annotated[Path, typer.Argument(help="伙伴节点发布的节点文件（tongban-node.json）")],
) -> None:
    """Trust the partner node whose published document is saved in FILE."""
    from tongban.cli.app import cli_actor, container

    try:
        content = file.read_bytes()
    except OSError:
        err.print(_("找不到文件：{path}").format(path=file), soft_wrap=True)
        raise typer.Exit(2) from None
    c = container()
    try:
        document = load_node_document(content)
        with c.uow() as uow:
            partner = svc.trust(uow, cli_actor(c), document)
    except DomainError as error:
        raise _fail(error) from None
    out.print(
        _("已信任伙伴节点：{name}（{code}），{keys} 个公钥。").format(
            name=partner.name, code=partner.region_code, keys=len(partner.keys)
        ),
        soft_wrap=True,
    )


@app.command()
def untrust(
    code: Annotated[str, typer.Argument(help="伙伴节点的行政区划代码")],
    reason: Annotated[str, typer.Option(help="不再信任的原因（必填，记入审计日志）")] = "",
) -> None:
    """Stop trusting a partner node, for the reason given: its messages are refused from now
    on."""
    from tongban.cli.app import cli_actor, container

    c = container()
    try:
        with c.uow() as uow:
            svc.untrust(uow, cli_actor(c), code, reason)
    except DomainError as error:
        for problem in (error.fields or {}).values():
            err.print(f"[red]{_(str(problem))}[/red]", soft_wrap=True)
        raise _fail(error) from None
    out.print(_("已不再信任节点 {code}。").format(code=code))


@app.command(name="rotate-key")
def rotate_key() -> None:
    """Add a new node signing key and make it current; old keys stay published."""
    from tongban.cli.app import cli_actor, container

    c = container()
    try:
        with c.uow() as uow:
            kid = svc.rotate_key(uow, cli_actor(c), c.node_key_store)
    except DomainError as error:
        raise _fail(error) from None
    published = len(node_keys.load(c.settings.resolved_keys_dir()).public_keys)
    out.print(_("新的节点签名密钥：{kid}（共 {n} 个公钥）").format(kid=kid, n=published))
    out.print(_("请重启正在运行的服务进程，并请伙伴节点重新获取本节点文件。"))


STATUS_LABELS = {"pending": "待确认", "acknowledged": "已确认", "refused": "被拒收"}


@app.command()
def sent(
    status: Annotated[
        str | None, typer.Option(help="只列出此状态：pending、acknowledged 或 refused")
    ] = None,
) -> None:
    """List the messages sent to partners, newest first, with each refusal's code and reason."""
    from tongban.cli.app import container
    from tongban.services.federation import delivery

    if status is not None and status not in STATUS_LABELS:
        err.print(_("状态只能是 pending、acknowledged 或 refused"))
        raise typer.Exit(2)
    c = container()
    with c.read() as uow:
        rows = delivery.sent_messages(uow.conn, status)
    if not rows:
        out.print(_("没有已发送的消息。"))
    for row in rows:
        answer = row.answer or {}
        out.print(
            f"{row.message_id} → {row.receiver} {row.case_ref}#{row.seq} {row.type} "
            f"{_(STATUS_LABELS[row.status])}"
            + (f" {answer.get('code')}：{answer.get('reason')}" if row.status == "refused" else ""),
            soft_wrap=True,
        )


log_app = typer.Typer(help="交换日志：本节点收发的每条消息，哈希链相连。", no_args_is_help=True)
app.add_typer(log_app, name="log")


@log_app.command(name="verify")
def log_verify() -> None:
    """Walk the exchange log's hash chain; exit 1 naming the first broken entry."""
    from tongban.cli.app import container
    from tongban.services.federation import exchange_log

    c = container()
    with c.read() as uow:
        report = exchange_log.verify(uow.conn)
    if report.ok:
        out.print(_("OK：交换日志 {n} 条记录的哈希链完整。").format(n=report.entries))
        return
    out.print(
        _("损坏：交换日志第 {seq} 条：{problem}").format(
            seq=report.broken_at, problem=report.problem
        ),
        soft_wrap=True,
    )
    raise typer.Exit(1)


items_app = typer.Typer(help="伙伴节点发布的事项版本（材料、表单、收费）。", no_args_is_help=True)
app.add_typer(items_app, name="items")


@items_app.command(name="sync")
def items_sync(
    code: Annotated[str | None, typer.Argument(help="伙伴节点的行政区划代码，默认全部")] = None,
) -> None:
    """Fetch the partners' signed item versions and keep those this node may accept."""
    from tongban.adapters.federation_http import HttpTransport
    from tongban.cli.app import cli_actor, container
    from tongban.services.federation import items

    c = container()
    with c.read() as uow:
        codes = [code] if code else [p.region_code for p in svc.partners(uow.conn)]
    if not codes:
        out.print(_("尚未信任任何伙伴节点。"))
    failed = False
    for partner in codes:
        try:
            with c.uow() as uow:
                kept = items.sync(uow, cli_actor(c), HttpTransport(), partner)
        except DomainError as error:
            err.print(f"{partner}：{_(error.template).format(**error.params)}（{error.code}）")
            failed = True
            continue
        except OSError as error:
            err.print(_("{code}：无法连接（{error}）").format(code=partner, error=error))
            failed = True
            continue
        out.print(_("{code}：已同步 {n} 个事项").format(code=partner, n=len(kept)))
        for item in kept:
            out.print(f"  {item['code']} v{item.get('version')} {item.get('name')}")
    if failed:
        raise typer.Exit(2)


@app.command()
def cases(
    role: Annotated[
        str | None, typer.Option(help="out：本节点移交出去的；in：本节点收到的")
    ] = None,
) -> None:
    """List the cases handed over and received, newest first, with their remote status."""
    from tongban.cli.app import container
    from tongban.services.federation import handover

    c = container()
    with c.read() as uow:
        rows = handover.federated_cases(uow.conn, role)
    if not rows:
        out.print(_("没有跨城通办办件。"))
    for row in rows:
        arrow = "→" if row.role == "out" else "←"
        out.print(
            f"{row.case_ref} {arrow} {row.partner} {row.item_code} {row.applicant_name} "
            f"{row.status} / {row.remote_status}",
            soft_wrap=True,
        )


refused_app = typer.Typer(
    help="被拒收的消息：列出、重新发送或撤销（已在对方的办件随之撤回）。",
    no_args_is_help=False,
)
app.add_typer(refused_app, name="refused")


@refused_app.callback(invoke_without_command=True)
def refused(ctx: typer.Context) -> None:
    """List the refused messages no one has resolved yet, with the refusal's code and reason."""
    if ctx.invoked_subcommand is not None:
        return
    from tongban.cli.app import container
    from tongban.services.federation import refusals

    c = container()
    with c.read() as uow:
        rows = refusals.unresolved(uow.conn)
    if not rows:
        out.print(_("没有待处理的被拒消息。"))
    for row in rows:
        out.print(
            f"{row['message_id']} → {row['receiver']} {row['case_ref']}#{row['seq']} "
            f"{row['type']} {row['code']}：{row['reason']}",
            soft_wrap=True,
        )


def _resolve(message_id: str, action: str, note: str) -> None:
    from tongban.cli.app import cli_actor, container
    from tongban.services.federation import refusals

    c = container()
    try:
        with c.uow() as uow:
            new_id = refusals.resolve(
                uow, cli_actor(c), c.node_keys, message_id, action, note, operator=True
            )
    except DomainError as error:
        for problem in (error.fields or {}).values():
            err.print(f"[red]{_(str(problem))}[/red]", soft_wrap=True)
        raise _fail(error) from None
    if action == refusals.RESEND:
        out.print(_("已重新发送，新消息 {id}。").format(id=new_id), soft_wrap=True)
    elif new_id is not None:
        out.print(_("已撤销；已通知对方撤回办件，消息 {id}。").format(id=new_id), soft_wrap=True)
    else:
        out.print(_("已撤销。"))


@refused_app.command("resend")
def refused_resend(
    message_id: Annotated[str, typer.Argument(help="被拒收消息的编号")],
    note: Annotated[str, typer.Option(help="处理说明")] = "",
) -> None:
    """Send a refused message again under its number, once its cause is fixed."""
    _resolve(message_id, "resend", note)


@refused_app.command("cancel")
def refused_cancel(
    message_id: Annotated[str, typer.Argument(help="被拒收消息的编号")],
    note: Annotated[str, typer.Option(help="撤销的原因（必填）")] = "",
) -> None:
    """Cancel a refused message: a hand-over is cancelled here; a later message of a case the
    partner has withdraws that case there (``case.withdrawn``)."""
    _resolve(message_id, "cancel", note)
