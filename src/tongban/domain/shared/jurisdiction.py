"""The jurisdiction a deployment serves (辖区): one district's codes, names and branding.

Nothing about the district is written into the code: the region code, its names, its towns and
streets, the case-number prefix, the licence issuer, the CA's subject and the platform's title
are one validated value, stored in the ``jurisdiction`` table by ``tongban init`` and read
through ``services/platform/jurisdiction.py``.

The region code is checked against the structure of GB/T 2260 (县级行政区划代码): six digits,
a province-level prefix from the standard's table of 34 provinces, a city part and a county
part that are not ``00`` (a county-level code, not a province's or a city's).  The full table
of some 2,800 county codes changes every year and is not shipped: a code with a real province
prefix and the right structure is accepted, and the province name given must be that prefix's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from tongban.domain.errors import ValidationFailed
from tongban.domain.shared.identity import parse_credit_code

PROVINCES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}
"""The province-level codes of GB/T 2260 (the first two digits of every region code)."""

NO_COUNTIES = frozenset({"71", "81", "82"})
"""Provinces whose county-level divisions GB/T 2260 does not list."""

_REGION_RE = re.compile(r"[0-9]{6}")
_TOWN_CODE_RE = re.compile(r"[0-9]{9}")
_PREFIX_RE = re.compile(r"[0-9A-Z]{2,8}")
_HOTLINE_RE = re.compile(r"[0-9][0-9-]{2,19}")
_NAME_MAX = 60
MAX_TOWNS = 200


class InvalidJurisdiction(ValidationFailed):
    """The jurisdiction settings are refused: ``fields`` says which and why."""

    code = "invalid_jurisdiction"
    template = "辖区配置有误，未做任何更改：{summary}"


class JurisdictionNotConfigured(ValidationFailed):
    code = "jurisdiction_not_configured"
    status = 503
    template = "尚未配置辖区：请先运行 tongban init（见 docs/operations.md）。"


class Town(BaseModel):
    """A town or street (镇街): its 9-digit code (the region code and three digits) and name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    name: str


class Jurisdiction(BaseModel):
    """One district as a deployment serves it; build it with ``check_jurisdiction``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    region_code: str
    """GB/T 2260 county-level code, e.g. 440605."""
    province: str
    city: str
    district: str
    full_name: str
    """How documents name the district in full, e.g. 佛山市南海区."""
    towns: tuple[Town, ...]
    case_prefix: str
    """The first part of every case number (by default the region code)."""
    licence_issuer_name: str
    licence_issuer_code: str
    """统一社会信用代码 (GB 32100) of the authority that signs the e-licences."""
    ca_organisation: str
    ca_common_name: str
    platform_title: str
    """Shown in every page's title and header, e.g. 南海区一网通办."""
    hotline: str

    @property
    def credential_issuer(self) -> str:
        """``iss`` of the district's credentials and revocation lists."""
        return f"urn:tongban:{self.region_code}"

    @property
    def town_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.towns)

    def as_document(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _text(values: Mapping[str, Any], key: str, label: str, errors: dict[str, str]) -> str:
    value = values.get(key)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        errors[key] = f"请填写{label}"
    elif len(text) > _NAME_MAX:
        errors[key] = f"{label}不能超过 {_NAME_MAX} 个字"
    return text


def region_code_problem(code: str) -> str | None:
    """Why ``code`` is not a GB/T 2260 county-level code, or None when it is one."""
    if not _REGION_RE.fullmatch(code):
        return "行政区划代码须为 6 位数字（GB/T 2260），如 440605"
    province = code[:2]
    if province not in PROVINCES:
        return f"{code} 不是 GB/T 2260 行政区划代码：没有代码为 {province} 的省级行政区"
    if province in NO_COUNTIES:
        return f"GB/T 2260 未列出{PROVINCES[province]}的县级行政区划代码"
    if code[2:4] == "00" or code[4:] == "00":
        return (
            f"{code} 不是县级行政区划代码：须为县、县级市或市辖区的代码"
            "（中间两位与后两位都不能为 00）"
        )
    return None


def _towns(raw: Any, region: str, errors: dict[str, str]) -> tuple[Town, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        errors["towns"] = "请至少填写一个镇街（代码与名称）"
        return ()
    if len(raw) > MAX_TOWNS:
        errors["towns"] = f"镇街不能超过 {MAX_TOWNS} 个"
        return ()
    towns: list[Town] = []
    for n, entry in enumerate(raw, 1):
        code = str(entry.get("code", "")).strip() if isinstance(entry, Mapping) else ""
        name = str(entry.get("name", "")).strip() if isinstance(entry, Mapping) else ""
        if not _TOWN_CODE_RE.fullmatch(code) or (region and not code.startswith(region)):
            errors["towns"] = f"第 {n} 个镇街的代码须为 9 位数字，以行政区划代码 {region} 开头"
            return ()
        if not name or len(name) > _NAME_MAX:
            errors["towns"] = f"第 {n} 个镇街须有名称（不超过 {_NAME_MAX} 个字）"
            return ()
        towns.append(Town(code=code, name=name))
    if len({t.code for t in towns}) != len(towns) or len({t.name for t in towns}) != len(towns):
        errors["towns"] = "镇街的代码和名称都不能重复"
        return ()
    return tuple(towns)


def check_jurisdiction(values: Mapping[str, Any]) -> Jurisdiction:
    """The jurisdiction of ``values``, every field checked at once; ``InvalidJurisdiction``
    lists every problem, in Chinese, by field.

    Defaults: ``full_name`` is city + district, ``case_prefix`` the region code,
    ``platform_title`` district + 一网通办, the CA's common name the issuer's name + 电子证照 CA,
    the CA's organisation the licence issuer's name, the hotline 12345.
    """
    errors: dict[str, str] = {}
    unknown = set(values) - set(Jurisdiction.model_fields)
    if unknown:
        errors["_"] = "不认识的配置项：" + "、".join(sorted(unknown))
    region = str(values.get("region_code") or "").strip()
    problem = region_code_problem(region)
    if problem:
        errors["region_code"] = problem
    province = _text(values, "province", "省级行政区名称", errors)
    if not problem and province and PROVINCES[region[:2]] != province:
        errors["province"] = (
            f"行政区划代码 {region} 属于{PROVINCES[region[:2]]}，与所填省份“{province}”不符"
        )
    city = _text(values, "city", "地市名称", errors)
    district = _text(values, "district", "区县名称", errors)
    defaults = {
        "full_name": city + district,
        "case_prefix": region,
        "platform_title": f"{district}一网通办",
        "hotline": "12345",
    }
    filled = {k: v for k, v in values.items() if v not in (None, "")}
    merged = {**defaults, **filled}
    full_name = _text(merged, "full_name", "辖区全称", errors)
    issuer = _text(merged, "licence_issuer_name", "电子证照签发机关名称", errors)
    merged.setdefault("ca_organisation", issuer)
    merged.setdefault("ca_common_name", f"{issuer} 电子证照 CA" if issuer else "")
    ca_org = _text(merged, "ca_organisation", "CA 证书的机构名称", errors)
    ca_cn = _text(merged, "ca_common_name", "CA 证书的通用名称", errors)
    title = _text(merged, "platform_title", "平台名称", errors)
    prefix = str(merged.get("case_prefix", "")).strip().upper()
    if not _PREFIX_RE.fullmatch(prefix):
        errors["case_prefix"] = "办件编号前缀须为 2 至 8 位大写字母或数字"
    hotline = str(merged.get("hotline", "")).strip()
    if not _HOTLINE_RE.fullmatch(hotline):
        errors["hotline"] = "服务热线须为数字（可含连字符），如 12345"
    issuer_code = str(merged.get("licence_issuer_code", "")).strip().upper()
    try:
        parsed = parse_credit_code(issuer_code)
        issuer_code = parsed.code
        valid = not parsed.needs_manual_verification  # a configured code has its check char
    except ValidationFailed:
        valid = False
    if not valid:
        errors["licence_issuer_code"] = "签发机关代码须为有效的统一社会信用代码（GB 32100，18 位）"
    towns = _towns(values.get("towns"), "" if problem else region, errors)
    if errors:
        raise InvalidJurisdiction(fields=errors, summary="；".join(errors.values()))
    return Jurisdiction(
        region_code=region,
        province=province,
        city=city,
        district=district,
        full_name=full_name,
        towns=towns,
        case_prefix=prefix,
        licence_issuer_name=issuer,
        licence_issuer_code=issuer_code,
        ca_organisation=ca_org,
        ca_common_name=ca_cn,
        platform_title=title,
        hotline=hotline,
    )
