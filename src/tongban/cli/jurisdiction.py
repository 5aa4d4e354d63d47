"""``tongban init``: set the jurisdiction (辖区) the deployment serves.

Values come from ``--file jurisdiction.toml`` (the keys of ``domain.shared.jurisdiction``, the
towns as ``[[towns]]`` tables with ``code`` and ``name``), from ``--preset`` (the demo's
districts) or from options; an option given overrides the file's value.  Everything is checked
before anything is written.

Exit codes: 0 done; 2 bad input (nothing changed).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tongban.cli.app import cli_actor, container
from tongban.domain.shared.jurisdiction import InvalidJurisdiction, Jurisdiction
from tongban.i18n import gettext as _
from tongban.services.platform import jurisdiction as service

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _towns(entries: list[str]) -> list[dict[str, str]]:
    towns = []
    for entry in entries:
        code, sep, name = entry.partition("=")
        if not sep:
            err.print(
                _("镇街须写成 代码=名称，如 440605011=桂城街道：{entry}").format(entry=entry),
                soft_wrap=True,
            )
            raise typer.Exit(2)
        towns.append({"code": code.strip(), "name": name.strip()})
    return towns


def _read_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        err.print(_("找不到文件：{path}").format(path=path), soft_wrap=True)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as problem:
        err.print(_("不是有效的 TOML 文件：{problem}").format(problem=problem), soft_wrap=True)
    raise typer.Exit(2)


def show(value: Jurisdiction) -> None:
    out.print(
        _(
            "辖区已设置：{name}（行政区划代码 {code}），{towns} 个镇街，办件编号前缀 {prefix}。"
        ).format(
            name=value.full_name,
            code=value.region_code,
            towns=len(value.towns),
            prefix=value.case_prefix,
        ),
        soft_wrap=True,
    )


def init(
    region: Annotated[
        str | None, typer.Option(help="行政区划代码（GB/T 2260 县级），如 440605")
    ] = None,
    name: Annotated[str | None, typer.Option(help="区县名称，如 南海区")] = None,
    city: Annotated[str | None, typer.Option(help="地市名称，如 佛山市")] = None,
    province: Annotated[str | None, typer.Option(help="省级行政区名称，如 广东省")] = None,
    full_name: Annotated[str | None, typer.Option(help="辖区全称，默认 地市+区县")] = None,
    town: Annotated[
        list[str] | None, typer.Option(help="镇街，代码=名称，可重复，如 440605011=桂城街道")
    ] = None,
    case_prefix: Annotated[str | None, typer.Option(help="办件编号前缀，默认行政区划代码")] = None,
    issuer_name: Annotated[str | None, typer.Option(help="电子证照签发机关名称")] = None,
    issuer_code: Annotated[
        str | None, typer.Option(help="签发机关统一社会信用代码（GB 32100）")
    ] = None,
    ca_organisation: Annotated[str | None, typer.Option(help="CA 证书的机构名称")] = None,
    ca_common_name: Annotated[str | None, typer.Option(help="CA 证书的通用名称")] = None,
    title: Annotated[str | None, typer.Option(help="平台名称，默认 区县+一网通办")] = None,
    hotline: Annotated[str | None, typer.Option(help="服务热线，默认 12345")] = None,
    file: Annotated[Path | None, typer.Option(help="从 TOML 文件读取配置")] = None,
    preset: Annotated[
        str | None, typer.Option(help="演示辖区：nanhai（南海区）或 panyu（番禺区）")
    ] = None,
) -> None:
    """Set the jurisdiction the deployment serves (region code, names, towns, case-number
    prefix, licence issuer, CA subject, branding); bad input changes nothing."""
    values: dict[str, Any] = {}
    if preset is not None:
        from tongban.demo.jurisdictions import BY_NAME

        if preset not in BY_NAME:
            err.print(_("--preset 只能是 nanhai 或 panyu"), soft_wrap=True)
            raise typer.Exit(2)
        values.update(BY_NAME[preset])
    if file is not None:
        values.update(_read_file(file))
    given = {
        "region_code": region,
        "district": name,
        "city": city,
        "province": province,
        "full_name": full_name,
        "towns": _towns(town) if town else None,
        "case_prefix": case_prefix,
        "licence_issuer_name": issuer_name,
        "licence_issuer_code": issuer_code,
        "ca_organisation": ca_organisation,
        "ca_common_name": ca_common_name,
        "platform_title": title,
        "hotline": hotline,
    }
    values.update({k: v for k, v in given.items() if v is not None})
    c = container()
    try:
        with c.uow() as uow:
            value = service.configure(uow, cli_actor(c), values)
    except InvalidJurisdiction as error:
        err.print(f"[red]{_('辖区配置有误，未做任何更改：')}[/red]", soft_wrap=True)
        for field, message in error.fields.items():
            err.print(f"  {field}: {message}", soft_wrap=True)
        err.print(f"({error.code})", soft_wrap=True)
        raise typer.Exit(2) from None
    service.forget(c.engine)
    show(value)
