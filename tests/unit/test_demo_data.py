"""The Nanhai demo data: departments, the service network, the catalogue and the three lists."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from tongban.demo import centres
from tongban.demo.departments import DEPARTMENT_CODES, DEPARTMENTS
from tongban.demo.generate import catalogue_figures, full_catalogue, small_catalogue
from tongban.demo.items import HAND_WRITTEN_ITEMS
from tongban.demo.lists import DEMO_LIST_ENTRIES
from tongban.domain.catalogue.model import ItemKind, Level, ListKind
from tongban.domain.network.model import Accessibility

NAMED_ITEMS = (
    "个体工商户设立登记",
    "企业设立登记",
    "食品经营许可",
    "药品经营许可",
    "公共场所卫生许可",
    "医疗机构执业登记",
    "城乡居民基本养老保险参保登记",
    "社会保障卡申领",
    "失业保险金申领",
    "高龄津贴申领",
    "结婚登记",
    "居住证签注",
    "户籍迁入",
    "机动车驾驶证换证",
    "生育登记",
    "老年人优待证办理",
    "建设工程施工许可证核发",
    "建设工程规划许可证核发",
    "建设用地规划许可证核发",
    "施工图设计文件审查",
    "房屋建筑和市政基础设施工程竣工验收备案",
    "特殊建设工程消防设计审查",
    "排污许可证核发",
    "道路货物运输经营许可",
    "民办学校办学许可",
    "出版物零售单位设立审批",
    "互联网上网服务营业场所设立审批",
    "城市建筑垃圾处置核准",
    "城镇污水排入排水管网许可",
    "户外广告设施设置审批",
    "结合民用建筑修建防空地下室审批",
    "住房公积金提取",
    "残疾人证办理",
    "档案查询",
    "雷电防护装置设计审核",
)
SMART_ITEMS = (
    "高龄津贴申领",
    "城乡居民基本养老保险参保登记",
    "个体工商户设立登记",
    "老年人优待证办理",
    "生育登记",
    "居住证签注",
)


@pytest.fixture(scope="module")
def catalogue() -> list:
    return full_catalogue()


def by_name(items: list) -> dict:
    return {item.name: item for item in items}


def test_there_are_28_departments_with_unique_codes() -> None:
    assert len(DEPARTMENTS) == 28
    assert len(DEPARTMENT_CODES) == 28
    assert len({d.name for d in DEPARTMENTS}) == 28


def test_the_district_and_the_7_towns_have_one_centre_each() -> None:
    top = centres.district_and_town_centres()
    assert len(top) == 8
    assert top[0].level is Level.DISTRICT and top[0].parent_code is None
    assert [c.town for c in top[1:]] == [t.name for t in centres.TOWNS]
    assert all(c.level is Level.TOWN and c.parent_code == top[0].code for c in top[1:])


def test_guicheng_is_the_accessibility_pilot_with_every_feature() -> None:
    guicheng = next(c for c in centres.district_and_town_centres() if c.town == "桂城街道")
    assert set(guicheng.accessibility) == set(Accessibility)


def test_there_are_exactly_292_community_centres_with_unique_codes_and_names() -> None:
    communities = centres.community_centres()
    assert len(communities) == 292
    assert len({c.code for c in communities}) == 292
    assert len({c.name for c in communities}) == 292
    assert all(c.level is Level.COMMUNITY for c in communities)
    assert not any(name.endswith(("社区1", "村1")) for name in (c.name for c in communities))


def test_each_community_centre_lies_inside_its_towns_bounding_box() -> None:
    towns = {f"C-{t.key}": t for t in centres.TOWNS}
    per_town = Counter(c.parent_code for c in centres.community_centres())
    assert per_town == {code: town.communities for code, town in towns.items()}
    for centre in centres.community_centres():
        town = towns[centre.parent_code or ""]
        min_lat, max_lat, min_lon, max_lon = centres.town_bounds(town)
        assert centre.town == town.name
        assert min_lat <= centre.latitude <= max_lat, centre.name
        assert min_lon <= centre.longitude <= max_lon, centre.name


def test_the_network_is_the_same_on_every_call() -> None:
    assert centres.all_centres() == centres.all_centres()


def test_at_least_150_hand_written_items_cover_at_least_25_departments() -> None:
    assert len(HAND_WRITTEN_ITEMS) >= 150
    assert len({item.department_code for item in HAND_WRITTEN_ITEMS}) >= 25
    assert small_catalogue() == list(HAND_WRITTEN_ITEMS)


def test_every_department_code_used_exists(catalogue: list) -> None:
    assert {item.department_code for item in catalogue} <= DEPARTMENT_CODES
    assert {entry.department_code for entry in DEMO_LIST_ENTRIES} <= DEPARTMENT_CODES


def test_item_codes_start_with_their_department_code(catalogue: list) -> None:
    for item in catalogue:
        assert item.code.rsplit("-", 1)[0] == item.department_code


def test_the_full_catalogue_has_exactly_the_seed_figures(catalogue: list) -> None:
    figures = catalogue_figures(catalogue)
    assert figures["items"] == 2155
    assert figures["online_capable"] == 2016
    assert figures["online_capable_rate"] == Decimal("93.55")
    assert figures["fully_online_enterprise"] == 340
    assert figures["smart_approval"] == 51
    assert 600 < figures["certificate_free"] <= 700


def test_the_full_catalogue_is_the_same_on_every_call(catalogue: list) -> None:
    assert full_catalogue() == catalogue


def test_names_and_codes_are_unique(catalogue: list) -> None:
    assert len({item.name for item in catalogue}) == len(catalogue)
    assert len({item.code for item in catalogue}) == len(catalogue)


def test_generated_names_are_never_numbered(catalogue: list) -> None:
    assert not any(item.name.startswith("事项") for item in catalogue)
    assert not any(item.name[-1].isdigit() for item in catalogue)


def test_the_named_items_exist(catalogue: list) -> None:
    names = by_name(catalogue)
    missing = [name for name in NAMED_ITEMS if name not in names]
    assert missing == []


def test_the_required_smart_approval_items_have_rule_sets() -> None:
    names = by_name(list(HAND_WRITTEN_ITEMS))
    for name in SMART_ITEMS:
        assert names[name].smart_approval and names[name].rule_set, name
    smart = [item for item in HAND_WRITTEN_ITEMS if item.smart_approval]
    assert len(smart) >= len(SMART_ITEMS) + 2
    assert all(item.rule_set for item in full_catalogue() if item.smart_approval)


def test_opening_a_milk_tea_shop_finds_the_licence_and_the_food_permit() -> None:
    names = by_name(list(HAND_WRITTEN_ITEMS))
    assert "开奶茶店" in names["个体工商户设立登记"].needs
    assert "开奶茶店" in names["食品经营许可"].needs
    assert "办社保卡" in names["社会保障卡申领"].needs
    assert "领结婚证" in names["结婚登记"].needs


def test_immediate_items_have_no_promised_days_and_promised_items_have_some(
    catalogue: list,
) -> None:
    for item in catalogue:
        if item.kind is ItemKind.IMMEDIATE:
            assert item.promised_limit_days == 0
        else:
            assert 1 <= item.promised_limit_days <= item.legal_limit_days


def test_non_key_materials_make_accepting_with_missing_materials_meaningful() -> None:
    with_optional = [i for i in HAND_WRITTEN_ITEMS if any(not m.key for m in i.materials)]
    assert len(with_optional) >= 50
    replaceable = {m.licence_type for i in HAND_WRITTEN_ITEMS for m in i.materials}
    assert {"居民身份证", "居民户口簿", "营业执照", "结婚证", "不动产权证书"} <= replaceable


def test_materials_only_an_agent_brings_are_marked_so_wherever_an_item_lists_them(
    catalogue: list,
) -> None:
    # "委托他人办理的，提交授权委托书及受托人身份证件": never asked of an applicant who comes.
    agents = [(i.code, m) for i in catalogue for m in i.materials if "受托人" in m.name]
    assert len(agents) > 100
    assert all(m.only_by_agent and m.licence_type is None for _code, m in agents)
    archive = next(i for i in HAND_WRITTEN_ITEMS if i.code == "DAG-0001")
    assert [m.name for m in archive.materials if m.only_by_agent] == ["委托书及受托人身份证件"]
    # A company's own clerk (经办人) is no agent of it: still asked every time.
    assert not any(m.only_by_agent for i in catalogue for m in i.materials if "经办人" in m.name)


def test_the_permit_list_has_one_entry_per_permit_item() -> None:
    permits = [e for e in DEMO_LIST_ENTRIES if e.kind is ListKind.PERMIT]
    permit_items = {i.code for i in HAND_WRITTEN_ITEMS if i.on_permit_list}
    assert {e.item_code for e in permits} == permit_items
    assert len(permits) == len(permit_items)


def test_the_negative_and_supervision_lists_are_realistic_in_size() -> None:
    kinds = Counter(e.kind for e in DEMO_LIST_ENTRIES)
    assert 12 <= kinds[ListKind.NEGATIVE] <= 20
    assert 18 <= kinds[ListKind.SUPERVISION] <= 25
    codes = {i.code for i in HAND_WRITTEN_ITEMS}
    supervised = [e for e in DEMO_LIST_ENTRIES if e.kind is ListKind.SUPERVISION]
    assert all(e.item_code in codes and e.frequency for e in supervised)
    assert len({e.code for e in DEMO_LIST_ENTRIES}) == len(DEMO_LIST_ENTRIES)


def test_a_smart_items_rule_set_issues_the_licence_its_item_says_its_result_is() -> None:
    # A 秒批 item decided by a person (a rule failed) must issue the same licence as its rules.
    from tongban.demo.rules import rule_files

    items = {i.code: i for i in HAND_WRITTEN_ITEMS}
    pairs = {
        f.item_code: (f.spec.result.licence_type, items[f.item_code].result_licence_type)
        for f in rule_files()
        if f.spec.result is not None and f.item_code in items
    }
    assert pairs and all(rules == item for rules, item in pairs.values()), pairs
    issuing = [i for i in full_catalogue() if i.result_licence_type]
    assert {i.result_licence_type for i in issuing} >= {"business_licence", "food_permit"}
