"""The jurisdiction's settings: GB/T 2260 region codes, names, towns, defaults, every problem
reported at once."""

from __future__ import annotations

from typing import Any

import pytest

from tongban.demo.jurisdictions import NANHAI, PANYU
from tongban.domain.shared.jurisdiction import (
    PROVINCES,
    InvalidJurisdiction,
    check_jurisdiction,
    region_code_problem,
)


def test_both_demo_districts_are_valid_and_keep_their_names() -> None:
    nanhai = check_jurisdiction(NANHAI)
    assert nanhai.region_code == "440605" and len(nanhai.towns) == 7
    assert nanhai.ca_common_name == "南海区政务服务数据管理局 电子证照 CA"
    assert nanhai.credential_issuer == "urn:tongban:440605"
    panyu = check_jurisdiction(PANYU)
    # Defaults: the full name, the prefix, the CA's subject from the issuer.
    assert panyu.full_name == "广州市番禺区" and panyu.case_prefix == "440113"
    assert panyu.ca_organisation == "广州市番禺区政务服务和数据管理局"
    assert panyu.ca_common_name == "广州市番禺区政务服务和数据管理局 电子证照 CA"


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("44060", "6 位数字"),
        ("44060a", "6 位数字"),
        ("４４０６０５", "6 位数字"),
        ("990605", "没有代码为 99 的省级行政区"),
        ("100605", "没有代码为 10 的省级行政区"),
        ("440000", "不是县级行政区划代码"),
        ("440600", "不是县级行政区划代码"),
        ("810001", "未列出香港特别行政区"),
    ],
)
def test_a_code_that_is_not_a_county_level_gb_t_2260_code_is_refused(code: str, why: str) -> None:
    problem = region_code_problem(code)
    assert problem is not None and why in problem
    with pytest.raises(InvalidJurisdiction) as caught:
        check_jurisdiction({**NANHAI, "region_code": code})
    assert caught.value.code == "invalid_jurisdiction" and "region_code" in caught.value.fields


def test_county_level_codes_of_every_kind_pass() -> None:
    # A district of a municipality, a county-level city directly under a province, a county.
    for code in ("110101", "429004", "440113", "654028"):
        assert region_code_problem(code) is None
    assert len(PROVINCES) == 34


def test_every_problem_is_reported_at_once_in_chinese() -> None:
    values: dict[str, Any] = {
        **PANYU,
        "province": "福建省",
        "towns": [{"code": "440605011", "name": "桂城街道"}],
        "case_prefix": "番禺",
        "licence_issuer_code": "11440113006952141X",
        "hotline": "call us",
        "colour": "red",
    }
    with pytest.raises(InvalidJurisdiction) as caught:
        check_jurisdiction(values)
    fields = caught.value.fields
    assert set(fields) == {
        "_",
        "province",
        "towns",
        "case_prefix",
        "licence_issuer_code",
        "hotline",
    }
    assert "属于广东省" in fields["province"] and "440113" in fields["towns"]
    assert "colour" in fields["_"]
    assert caught.value.message.startswith("辖区配置有误，未做任何更改：")


def test_towns_must_be_unique_and_named() -> None:
    twice = [{"code": "440113001", "name": "市桥街道"}, {"code": "440113002", "name": "市桥街道"}]
    for towns in ([], twice, [{"code": "440113001", "name": ""}], "市桥街道"):
        with pytest.raises(InvalidJurisdiction) as caught:
            check_jurisdiction({**PANYU, "towns": towns})
        assert set(caught.value.fields) == {"towns"}


def test_an_address_loses_the_configured_province_city_and_district() -> None:
    from tongban.domain.network.gazetteer import address_prefixes, normalise

    panyu = address_prefixes("广东省", "广州市", "番禺区", "广州市番禺区")
    assert normalise("广东省广州市番禺区市桥街道光明北路 8 号", panyu) == "市桥街道光明北路8号"
    assert normalise("广州番禺区南村镇", panyu) == "南村镇"
    nanhai = address_prefixes("广东省", "佛山市", "南海区")
    assert normalise("佛山南海区南海大道北８８号", nanhai) == "南海大道北88号"
    assert normalise("佛山南海区南海大道北８８号", panyu) == "佛山南海区南海大道北88号"
