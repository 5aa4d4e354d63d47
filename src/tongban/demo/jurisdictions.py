"""The demo's jurisdictions: Nanhai (the full demo) and a small Panyu (a second district).

The names are the districts' own; the town codes follow the 统计用区划代码 shape (region code +
three digits) and the licence issuers' credit codes are made up with valid check characters
(GB 32100): demonstration values, not the authorities' registrations.
"""

from __future__ import annotations

from typing import Any

NANHAI: dict[str, Any] = {
    "region_code": "440605",
    "province": "广东省",
    "city": "佛山市",
    "district": "南海区",
    "full_name": "佛山市南海区",
    "towns": [
        {"code": "440605011", "name": "桂城街道"},
        {"code": "440605121", "name": "九江镇"},
        {"code": "440605122", "name": "西樵镇"},
        {"code": "440605123", "name": "丹灶镇"},
        {"code": "440605124", "name": "狮山镇"},
        {"code": "440605125", "name": "大沥镇"},
        {"code": "440605126", "name": "里水镇"},
    ],
    "case_prefix": "440605",
    "licence_issuer_name": "佛山市南海区政务服务数据管理局",
    "licence_issuer_code": "114406050071842368",
    "ca_organisation": "佛山市南海区政务服务数据管理局",
    "ca_common_name": "南海区政务服务数据管理局 电子证照 CA",
    "platform_title": "南海区一网通办",
    "hotline": "12345",
}
"""佛山市南海区: the configuration ``tongban demo`` initialises when none is set."""

PANYU: dict[str, Any] = {
    "region_code": "440113",
    "province": "广东省",
    "city": "广州市",
    "district": "番禺区",
    "full_name": "广州市番禺区",
    "towns": [
        {"code": "440113001", "name": "市桥街道"},
        {"code": "440113002", "name": "沙头街道"},
        {"code": "440113003", "name": "东环街道"},
        {"code": "440113101", "name": "南村镇"},
    ],
    "licence_issuer_name": "广州市番禺区政务服务和数据管理局",
    "licence_issuer_code": "11440113006952141M",
    "platform_title": "番禺区一网通办",
    "hotline": "12345",
}
"""广州市番禺区, a few streets: the second district (``--node panyu``)."""

BY_NAME: dict[str, dict[str, Any]] = {"nanhai": NANHAI, "panyu": PANYU}
