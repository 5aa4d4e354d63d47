"""``tongban licence verify FILE``: check an e-licence offline, with the published keys only.

FILE is a licence PDF or a text file holding a credential (SD-JWT VC).  No database is read:
the check covers the signature and the validity dates, and revocation only against a signed
revocation list given with ``--revocation-list`` (``/.well-known/licence-revocations.json``);
without one, use the verification page or API online.  Exit codes: 0 valid; 1 the licence
fails; 2 bad input (a list that is stale, tampered with or signed by an unknown key included).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tongban.bootstrap import clock_for
from tongban.config import Settings
from tongban.i18n import gettext as _
from tongban.services.licences import keys as key_service
from tongban.services.licences.revocations import BadRevocationList, check_list
from tongban.services.licences.verify import (
    RevokedSet,
    Verification,
    verify_credential,
    verify_pdf,
)

app = typer.Typer(help="电子证照：离线核验。", no_args_is_help=True)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


@app.callback()
def licence() -> None:
    """E-licences (电子证照)."""


def _published(jwks: Path | None, ca: Path | None) -> tuple[Any, bytes]:
    """The given public files, else the public halves of this installation's keys."""
    if jwks is not None and ca is not None:
        return json.loads(jwks.read_text()), ca.read_bytes()
    settings = Settings()
    ring = key_service.key_ring(
        settings.data_dir, create=False, directory=settings.resolved_keys_dir()
    )
    return (
        json.loads(jwks.read_text()) if jwks else ring.jwks(),
        ca.read_bytes() if ca else ring.ca_certificate_pem,
    )


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="电子证照 PDF，或保存了凭证文本的文件")],
    jwks: Annotated[Path | None, typer.Option("--jwks", help="公布的 jwks.json")] = None,
    ca: Annotated[Path | None, typer.Option("--ca", help="公布的 CA 证书 ca.pem")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果")] = False,
    revocation_list: Annotated[
        Path | None,
        typer.Option("--revocation-list", help="公布的注销证照清单 licence-revocations.json"),
    ] = None,
) -> None:
    """Verify the signature and the validity dates, and with ``--revocation-list`` that the
    licence is not on the signed list of revoked licences; otherwise revocation needs the
    online check."""
    if not file.is_file():
        err.print(_("找不到文件：{path}").format(path=file), soft_wrap=True)
        raise typer.Exit(2)
    try:
        keys, ca_pem = _published(jwks, ca)
    except (OSError, ValueError, key_service.KeysNotInitialised):
        err.print(_("读不到公钥：请用 --jwks 与 --ca 指定公布的 jwks.json 与 ca.pem。"))
        raise typer.Exit(2) from None
    data = file.read_bytes()
    clock = clock_for(Settings())
    today = clock.today()
    revoked = _revocations(revocation_list, keys, clock.now()) if revocation_list else None
    if data.lstrip()[:5] == b"%PDF-":
        result = verify_pdf(data, ca_pem, None, today=today, revocations=revoked)
    else:
        try:
            text = data.decode()
        except UnicodeDecodeError:
            text = ""
        result = verify_credential(text, keys, None, today=today, revocations=revoked)
    _show(result, as_json, with_list=revoked is not None)
    if result.code == "not_a_licence":
        raise typer.Exit(2)
    if not result.ok:
        raise typer.Exit(1)


REVOCATION_LIST_ERRORS = {
    "revocation_list_invalid": "注销证照清单格式不正确。",
    "unknown_key": "注销证照清单的签名密钥不在公布的密钥之列。",
    "bad_signature": "注销证照清单签名无效，内容可能已被篡改。",
    "revocation_list_stale": "注销证照清单已过下次更新时间，请下载最新清单。",
}


def _revocations(path: Path, keys: Any, now: datetime) -> RevokedSet:
    """The checked list, or exit 2 with why it cannot be used."""
    try:
        return check_list(path.read_bytes(), keys, now).for_verifier()
    except OSError:
        err.print(_("找不到文件：{path}").format(path=path), soft_wrap=True)
    except BadRevocationList as problem:
        err.print(_(REVOCATION_LIST_ERRORS[problem.code]), soft_wrap=True)
    raise typer.Exit(2)


def _show(result: Verification, as_json: bool, *, with_list: bool = False) -> None:
    if as_json:
        out.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    out.print(f"{result.code}: {_(result.message)}", soft_wrap=True)
    if result.licence_id:
        out.print(_("证照编号：{id}").format(id=result.licence_id))
        out.print(_("证照类型：{name}").format(name=result.type_name))
        until = result.valid_until.isoformat() if result.valid_until else _("长期")
        out.print(_("有效期至：{day}").format(day=until))
        out.print(_("签名密钥：{kid}").format(kid=result.key_id))
    if result.ok and not with_list:
        out.print(_("离线核验只检查签名与有效期，不能确认证照是否已被注销。"))
