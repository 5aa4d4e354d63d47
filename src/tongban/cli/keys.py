"""``tongban keys ...``: the e-licence CA and signing keys under ``TONGBAN_KEYS_DIR``
(``{data_dir}/keys`` by default).

Exit codes: 0 done; 2 bad input.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from tongban.config import Settings
from tongban.i18n import gettext as _
from tongban.services.licences import keys as svc

app = typer.Typer(help="电子证照密钥：生成 CA 与签名密钥、轮换签名密钥。", no_args_is_help=True)
out = Console(highlight=False)


@app.command()
def init() -> None:
    """Create the CA (named after the jurisdiction's licence authority) and a first signing key
    unless they exist (safe to run again)."""
    from tongban.cli.app import container
    from tongban.services.platform.jurisdiction import configured

    c = container()
    with c.read() as uow:
        subject = svc.ca_subject(configured(uow.conn))
    ring, made = svc.initialise(
        c.settings.data_dir, subject, directory=c.settings.resolved_keys_dir()
    )
    if made:
        out.print(
            _("已生成电子证照 CA 与签名密钥：{dir}").format(dir=ring.directory), soft_wrap=True
        )
    else:
        out.print(_("密钥已存在，未做改动：{dir}").format(dir=ring.directory), soft_wrap=True)
    out.print(_("当前签名密钥：{kid}").format(kid=ring.current.kid))


@app.command()
def rotate() -> None:
    """Add a new signing key and make it current; old keys stay published in the JWKS."""
    settings = Settings()
    ring = svc.rotate(settings.data_dir, directory=settings.resolved_keys_dir())
    out.print(
        _("新的签名密钥：{kid}（共 {n} 个公钥，旧证照仍可核验）").format(
            kid=ring.current.kid, n=len(ring.keys)
        )
    )
    out.print(_("请重启正在运行的服务进程，使其改用新密钥签发。"))


@app.command()
def export(
    directory: Annotated[str, typer.Argument(help="导出到此目录：jwks.json 与 ca.pem")],
) -> None:
    """Write the published keys (jwks.json, ca.pem) for offline verifiers."""
    import json
    from pathlib import Path

    settings = Settings()
    ring = svc.key_ring(settings.data_dir, directory=settings.resolved_keys_dir())
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    (target / "jwks.json").write_text(json.dumps(ring.jwks(), ensure_ascii=False, indent=2))
    (target / "ca.pem").write_bytes(ring.ca_certificate_pem)
    out.print(_("已导出公钥：{dir}").format(dir=target), soft_wrap=True)
