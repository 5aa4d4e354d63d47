"""The service network of Nanhai: the district centre, 7 town centres and 292 community centres.

Community centres (社区/村居行政服务中心) are laid out deterministically on a sunflower spiral
around their town's centre, so the same call always yields the same 292 points, each within
the town's radius (``TOWNS[..].radius_km``) and therefore inside ``town_bounds``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from tongban.domain.catalogue.model import Level
from tongban.domain.network.model import (
    Accessibility,
    Centre,
    GroupKind,
    ServiceWindow,
    WindowGroup,
)

HOTLINE = "12345"
"""佛山市政务服务便民热线."""

DISTRICT_CODE = "C-NH"
KM_PER_DEGREE_LAT = 111.0
GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))

ALL_FEATURES: tuple[Accessibility, ...] = tuple(Accessibility)
TOWN_FEATURES: tuple[Accessibility, ...] = (
    Accessibility.ELDERLY_SEATING,
    Accessibility.WHEELCHAIR_ACCESS,
    Accessibility.ACCESSIBLE_TOILET,
    Accessibility.READING_GLASSES,
    Accessibility.PRIORITY_WINDOW,
)


@dataclass(frozen=True)
class Town:
    """A town or street (镇街) and the layout of its community centres."""

    key: str
    name: str
    centre_name: str
    address: str
    latitude: float
    longitude: float
    radius_km: float
    communities: int
    windows: int
    opening_hours: str


_TOWN_HOURS = "周一至周五 09:00-12:00, 13:30-17:30; 周六 09:00-12:00"

TOWNS: tuple[Town, ...] = (
    Town(
        "GC",
        "桂城街道",
        "桂城街道行政服务中心",
        "佛山市南海区桂城街道南海大道北",
        23.0405,
        113.1520,
        4.5,
        50,
        80,
        "周一至周五 09:00-18:00; 周六 09:00-12:00, 14:00-17:00",
    ),
    Town(
        "JJ",
        "九江镇",
        "九江镇行政服务中心",
        "佛山市南海区九江镇儒林东路",
        22.8420,
        113.0320,
        5.5,
        20,
        30,
        _TOWN_HOURS,
    ),
    Town(
        "XQ",
        "西樵镇",
        "西樵镇行政服务中心",
        "佛山市南海区西樵镇樵金路",
        22.9400,
        112.9680,
        6.0,
        30,
        32,
        _TOWN_HOURS,
    ),
    Town(
        "DZ",
        "丹灶镇",
        "丹灶镇行政服务中心",
        "佛山市南海区丹灶镇金沙大道",
        23.0420,
        112.9200,
        6.0,
        17,
        26,
        _TOWN_HOURS,
    ),
    Town(
        "SS",
        "狮山镇",
        "狮山镇行政服务中心",
        "佛山市南海区狮山镇博爱中路",
        23.1320,
        113.0000,
        9.0,
        75,
        60,
        _TOWN_HOURS,
    ),
    Town(
        "DL",
        "大沥镇",
        "大沥镇行政服务中心",
        "佛山市南海区大沥镇广佛路",
        23.1010,
        113.1170,
        5.0,
        55,
        50,
        _TOWN_HOURS,
    ),
    Town(
        "LS",
        "里水镇",
        "里水镇行政服务中心",
        "佛山市南海区里水镇里水大道中",
        23.2000,
        113.1330,
        6.5,
        45,
        40,
        _TOWN_HOURS,
    ),
)
"""The 7 towns and streets; community counts add up to 292."""

# Real and real-sounding community (社区) and village (村) names per town. Where a town has more
# centres than names listed here, further names are built from place-name morphemes.
_COMMUNITY_NAMES: dict[str, tuple[str, ...]] = {
    "GC": (
        "东二社区",
        "叠滘社区",
        "叠南社区",
        "叠北社区",
        "平西社区",
        "平东社区",
        "平南社区",
        "平北社区",
        "平胜社区",
        "平洲社区",
        "夏北社区",
        "夏东社区",
        "夏西社区",
        "夏南一社区",
        "夏南二社区",
        "夏教社区",
        "东约社区",
        "南约社区",
        "石肯社区",
        "林岳社区",
        "三山社区",
        "江滨社区",
        "海三社区",
        "海五社区",
        "海六社区",
        "海七社区",
        "海八社区",
        "桂园社区",
        "桂江社区",
        "南海社区",
        "灯湖社区",
        "宝石社区",
        "翠影社区",
        "映月社区",
        "怡翠社区",
        "大德社区",
        "佛平社区",
        "锦园社区",
        "桂花社区",
        "天佑社区",
        "千灯湖社区",
        "凤鸣社区",
        "嘉怡社区",
        "金海社区",
        "湖景社区",
        "雷岗社区",
        "永胜社区",
        "瀚天社区",
    ),
    "SS": (
        "狮岭村",
        "山南村",
        "塘头村",
        "罗洞村",
        "黄洞村",
        "孔村村",
        "博爱社区",
        "官窑社区",
        "永和村",
        "大榄村",
        "七甲村",
        "新境社区",
        "生村村",
        "高边村",
        "小塘社区",
        "莲子塘村",
        "颜峰村",
        "五星村",
        "新城社区",
        "大圃村",
        "兴贤村",
        "松岗社区",
        "石泉村",
        "大涡村",
        "塘联村",
        "红沙村",
        "横岗村",
        "显纲村",
        "联星社区",
        "联和社区",
        "芦塘社区",
        "下柏村",
        "上柏村",
        "北湖村",
        "孝德村",
        "沙坑村",
        "南联村",
        "务庄村",
        "朗沙村",
        "大学城社区",
        "科技园社区",
        "石碣村",
        "沙水村",
        "瑶头村",
        "杨家村",
    ),
    "DL": (
        "沥东社区",
        "沥西社区",
        "钟边村",
        "奇槎村",
        "平地村",
        "河东村",
        "河西村",
        "联滘村",
        "太平村",
        "六联村",
        "雅瑶村",
        "水头村",
        "凤池社区",
        "谢边村",
        "东秀社区",
        "白沙村",
        "泌冲村",
        "联安社区",
        "曹边村",
        "鸿业社区",
        "嘉洲社区",
        "渦村村",
        "黄岐社区",
        "盐步社区",
        "横江村",
        "大镇村",
        "联表村",
        "沙溪村",
        "沥中社区",
        "城西社区",
        "岭南社区",
        "穗盐社区",
    ),
    "LS": (
        "里水社区",
        "和顺社区",
        "草场村",
        "沙涌村",
        "逢涌村",
        "赤山村",
        "甘蕉村",
        "汤村村",
        "邓岗村",
        "麻奢村",
        "河村村",
        "新兴村",
        "金溪村",
        "文教村",
        "北沙村",
        "大冲村",
        "鲁岗村",
        "岗联村",
        "宏岗村",
        "洲村村",
        "桃园社区",
        "鹤峰社区",
        "大石村",
        "旗峰村",
        "北涌村",
        "胜利村",
    ),
    "XQ": (
        "官山社区",
        "樵园社区",
        "江浦社区",
        "民乐村",
        "简村村",
        "大同村",
        "百西村",
        "百东村",
        "崇北村",
        "儒溪村",
        "松塘村",
        "上金瓯村",
        "新田村",
        "西岸村",
        "爱国村",
        "吉赞村",
        "七星村",
        "大岸村",
        "山根村",
        "海舟村",
        "平沙村",
        "朝山村",
        "河岗村",
        "福溪村",
    ),
    "JJ": (
        "儒林社区",
        "沙头社区",
        "下西村",
        "上西村",
        "南方村",
        "烟南村",
        "敦根村",
        "沙口村",
        "大谷村",
        "河清村",
        "明客村",
        "上东村",
        "下东村",
        "梅圳村",
        "沙咀村",
        "英明村",
        "大正村",
        "洛浦村",
        "鸿图社区",
        "镇南社区",
    ),
    "DZ": (
        "丹灶社区",
        "金沙社区",
        "西城村",
        "仙岗村",
        "罗行村",
        "石联村",
        "苏村村",
        "东联村",
        "沙滘村",
        "荷村村",
        "塱心村",
        "良登村",
        "联沙村",
        "上安村",
        "劳边村",
        "金宁村",
        "南沙社区",
    ),
}

_MORPHEME_FIRST = ("金", "华", "永", "富", "龙", "凤", "桥", "沙", "岗", "榕", "锦", "德")
_MORPHEME_SECOND = ("安", "兴", "和", "源", "岭", "涌", "溪", "洲", "冲", "边", "塘", "园")


def _morpheme_stream(taken: set[str]) -> Iterator[str]:
    """Place names like 金安社区, 华涌村 in a fixed order, skipping any name already taken."""
    for index in range(len(_MORPHEME_FIRST) * len(_MORPHEME_SECOND)):
        first = _MORPHEME_FIRST[index % len(_MORPHEME_FIRST)]
        second = _MORPHEME_SECOND[(index * 5 + index // len(_MORPHEME_FIRST)) % 12]
        name = f"{first}{second}{'社区' if index % 2 == 0 else '村'}"
        if any(n.startswith(first + second) for n in taken):
            continue
        taken.add(name)
        yield name


@cache
def _names_by_town() -> dict[str, tuple[str, ...]]:
    taken = {name for names in _COMMUNITY_NAMES.values() for name in names}
    stream = _morpheme_stream(taken)
    result: dict[str, tuple[str, ...]] = {}
    for town in TOWNS:
        listed = _COMMUNITY_NAMES[town.key][: town.communities]
        extra = [next(stream) for _ in range(town.communities - len(listed))]
        result[town.key] = (*listed, *extra)
    return result


def community_names(town: Town) -> tuple[str, ...]:
    """Exactly ``town.communities`` names for the town's community centres, unique district-wide."""
    return _names_by_town()[town.key]


def town_bounds(town: Town) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of the square around the town's radius."""
    dlat = town.radius_km / KM_PER_DEGREE_LAT
    dlon = town.radius_km / (KM_PER_DEGREE_LAT * math.cos(math.radians(town.latitude)))
    lat, lon = town.latitude, town.longitude
    return (lat - dlat, lat + dlat, lon - dlon, lon + dlon)


def _spiral_point(town: Town, index: int) -> tuple[float, float]:
    """The ``index``-th point of a sunflower spiral filling the town's disc evenly."""
    radius = town.radius_km * 0.95 * math.sqrt((index + 0.5) / town.communities)
    angle = index * GOLDEN_ANGLE
    north_km, east_km = radius * math.sin(angle), radius * math.cos(angle)
    lat = town.latitude + north_km / KM_PER_DEGREE_LAT
    lon = town.longitude + east_km / (KM_PER_DEGREE_LAT * math.cos(math.radians(town.latitude)))
    return round(lat, 6), round(lon, 6)


ENTERPRISE_DEPARTMENTS = ("SCJGJ", "SWJ", "FGJ", "GXJ", "ZJSLJ", "STHJJ", "XFJY", "RFB")
"""The departments whose items the enterprise windows (企业开办 / 益晒你) serve."""

_GENERAL = WindowGroup(code="A", name="综合窗口")
_ENTERPRISE = WindowGroup(code="B", name="企业开办专区", departments=ENTERPRISE_DEPARTMENTS)
_SOCIAL = WindowGroup(code="C", name="社保医保公积金", departments=("RSJ", "YBJ", "GJJ"))
_PROPERTY = WindowGroup(code="D", name="不动产登记", departments=("ZRZYJ",))
_HARD = WindowGroup(code="H", name="办不成事反映窗口", kind=GroupKind.HARD_CASE)
_ASSISTED = WindowGroup(code="W", name="网办辅导区", kind=GroupKind.ASSISTED)


def _windows(allocation: list[tuple[str, int]]) -> tuple[ServiceWindow, ...]:
    """Numbered windows, group by group in the order given; window 1 is the priority window."""
    windows: list[ServiceWindow] = []
    for code, count in allocation:
        for _ in range(count):
            number = len(windows) + 1
            windows.append(ServiceWindow(number=number, groups=(code,), priority=number == 1))
    return tuple(windows)


def town_layout(total: int) -> tuple[tuple[WindowGroup, ...], tuple[ServiceWindow, ...]]:
    """A town centre's windows: the hard-case window, two assisted-filing desks, enterprise,
    social-insurance and property windows (15 %, 15 % and 10 %, at least one each), and the
    general windows (综合窗口, 一窗通办) for the rest."""
    special = [("B", max(1, total * 15 // 100)), ("C", max(1, total * 15 // 100))]
    special += [("D", max(1, total // 10)), ("H", 1), ("W", 2)]
    general = total - sum(n for _, n in special)
    groups = (_GENERAL, _ENTERPRISE, _SOCIAL, _PROPERTY, _HARD, _ASSISTED)
    return groups, _windows([("A", general), *special])


def community_layout(total: int) -> tuple[tuple[WindowGroup, ...], tuple[ServiceWindow, ...]]:
    """A community centre: general windows only."""
    return (_GENERAL,), _windows([("A", total)])


def district_layout(total: int) -> tuple[tuple[WindowGroup, ...], tuple[ServiceWindow, ...]]:
    """The district centre: no general collection windows after the flattening reform; the
    enterprise service centre (益晒你), the hard-case window and assisted filing."""
    groups = (_ENTERPRISE, _HARD, _ASSISTED)
    return groups, _windows([("B", total - 4), ("H", 2), ("W", 2)])


def district_centre() -> Centre:
    """南海区行政服务中心: after the flattening reform it keeps no general collection windows;
    its desks serve the enterprise service centre (益晒你) and the online approval centre."""
    return Centre(
        code=DISTRICT_CODE,
        name="南海区行政服务中心",
        level=Level.DISTRICT,
        parent_code=None,
        town="",
        address="佛山市南海区桂城街道南海大道北（区行政服务中心大楼）",
        latitude=23.0300,
        longitude=113.1500,
        opening_hours="周一至周五 09:00-12:00, 14:00-17:30",
        phone=HOTLINE,
        windows=20,
        accessibility=TOWN_FEATURES,
        window_groups=district_layout(20)[0],
        service_windows=district_layout(20)[1],
    )


def town_centre(town: Town) -> Centre:
    """The town's 行政服务中心; 桂城 is the 适老化/适残化 pilot and has every feature."""
    return Centre(
        code=f"C-{town.key}",
        name=town.centre_name,
        level=Level.TOWN,
        parent_code=DISTRICT_CODE,
        town=town.name,
        address=town.address,
        latitude=town.latitude,
        longitude=town.longitude,
        opening_hours=town.opening_hours,
        phone=HOTLINE,
        windows=town.windows,
        accessibility=ALL_FEATURES if town.key == "GC" else TOWN_FEATURES,
        window_groups=town_layout(town.windows)[0],
        service_windows=town_layout(town.windows)[1],
    )


def district_and_town_centres() -> list[Centre]:
    """The district centre followed by the 7 town centres."""
    return [district_centre(), *(town_centre(t) for t in TOWNS)]


def _community_features(index: int) -> tuple[Accessibility, ...]:
    features = [Accessibility.ELDERLY_SEATING, Accessibility.PRIORITY_WINDOW]
    if index % 2 == 0:
        features.append(Accessibility.WHEELCHAIR_ACCESS)
    if index % 3 == 0:
        features.append(Accessibility.READING_GLASSES)
    if index % 5 == 0:
        features.append(Accessibility.ACCESSIBLE_TOILET)
    return tuple(features)


def _community_centres(town: Town) -> list[Centre]:
    centres: list[Centre] = []
    for index, name in enumerate(community_names(town)):
        lat, lon = _spiral_point(town, index)
        centres.append(
            Centre(
                code=f"C-{town.key}-{index + 1:03d}",
                name=f"{town.name}{name}行政服务中心",
                level=Level.COMMUNITY,
                parent_code=f"C-{town.key}",
                town=town.name,
                address=f"佛山市南海区{town.name}{name}党群服务中心",
                latitude=lat,
                longitude=lon,
                opening_hours="周一至周五 08:30-12:00, 14:30-17:30",
                phone=HOTLINE,
                windows=2 + (index * 7) % 4,
                accessibility=_community_features(index),
                window_groups=community_layout(2 + (index * 7) % 4)[0],
                service_windows=community_layout(2 + (index * 7) % 4)[1],
            )
        )
    return centres


def community_centres() -> list[Centre]:
    """The 292 community centres (社区/村居行政服务中心), town by town."""
    return [c for town in TOWNS for c in _community_centres(town)]


def all_centres() -> list[Centre]:
    """The whole network: district, towns, then communities."""
    return [*district_and_town_centres(), *community_centres()]
