"""The indicators every installation starts with (SPEC C15), stated in plain words.

Rates are percentages (``100 * part / whole``); an indicator of ratings has no data until
好差评 feeds its rollup, and then shows figures without a change here.
"""

# ruff: noqa: E501  (each definition is one line of data, its words kept whole)
from __future__ import annotations

from tongban.domain.indicators.model import Dimension, Direction, IndicatorSpec

_ALL = tuple(Dimension)
_ITEMS = (Dimension.DEPARTMENT, Dimension.ITEM)
_CENTRES = (Dimension.TOWN, Dimension.CENTRE)
_TICKETS = (Dimension.TOWN, Dimension.CENTRE, Dimension.ITEM)
UP, DOWN = Direction.HIGHER, Direction.LOWER


def _s(
    code: str,
    name: str,
    definition: str,
    formula: str,
    unit: str,
    direction: Direction,
    target: float | None,
    dimensions: tuple[Dimension, ...],
) -> IndicatorSpec:
    return IndicatorSpec(code, name, definition, formula, unit, direction, target, dimensions)


SEED: tuple[IndicatorSpec, ...] = (
    _s("volume", "办件量", "期间内提交的办件数，不含草稿。", "sum(cases_received)", "件", UP, None, _ALL),
    _s(
        "online_capable_rate", "可网办率", "已发布事项中可以网上办理的事项所占比例。",
        "100 * sum(items_online_capable) / sum(items_total)", "%", UP, 90, _ITEMS,
    ),
    _s(
        "fully_online_rate", "全流程网办率", "已发布事项中申请、审批、结果全程网上完成的事项所占比例。",
        "100 * sum(items_fully_online) / sum(items_total)", "%", UP, None, _ITEMS,
    ),
    _s(
        "smart_item_count", "秒批事项数", "支持秒批（系统按规则自动审批）的已发布事项数。",
        "sum(items_smart)", "个", UP, None, _ITEMS,
    ),
    _s(
        "smart_item_share", "秒批事项占比", "支持秒批的事项占已发布事项的比例。",
        "100 * sum(items_smart) / sum(items_total)", "%", UP, None, _ITEMS,
    ),
    _s(
        "smart_case_share", "秒批办件占比", "办结的办件中由系统按规则自动准予的比例。",
        "100 * sum(cases_smart) / sum(cases_finished)", "%", UP, None, _ALL,
    ),
    _s(
        "certificate_free_item_share", "免证办事项占比", "支持免证办的事项占已发布事项的比例。",
        "100 * sum(items_certificate_free) / sum(items_total)", "%", UP, None, _ITEMS,
    ),
    _s(
        "certificate_free_case_share", "免证办办件占比", "提交的办件中以电子证照代替纸质材料的比例。",
        "100 * sum(cases_certificate_free) / sum(cases_received)", "%", UP, None, _ALL,
    ),
    _s(
        "average_days", "平均办理时间", "办结的办件从受理到办结平均用了多少个工作日（补正期间不计）。",
        "sum(working_days_used) / sum(cases_finished)", "工作日", DOWN, None, _ALL,
    ),
    _s(
        "legal_days", "平均法定时限", "已发布事项的法定办理时限的平均值。",
        "sum(items_legal_days) / sum(items_total)", "工作日", DOWN, None, _ITEMS,
    ),
    _s(
        "promised_days", "平均承诺时限", "已发布事项的承诺办理时限的平均值。",
        "sum(items_promised_days) / sum(items_total)", "工作日", DOWN, None, _ITEMS,
    ),
    _s(
        "time_compression", "时限压缩率", "承诺时限比法定时限缩短的比例，如社保审批从 5 个工作日压缩到 1 个即为 80%。",
        "100 * (sum(items_legal_days) - sum(items_promised_days)) / sum(items_legal_days)",
        "%", UP, 50, _ITEMS,
    ),
    _s(
        "on_time_rate", "按时办结率", "办结的办件中在承诺期限内办结的比例。",
        "100 * sum(cases_finished_on_time) / sum(cases_finished)", "%", UP, 100, _ALL,
    ),
    _s(
        "immediate_rate", "即办件率", "办结的办件中即办件（当场办结）所占比例。",
        "100 * sum(cases_immediate) / sum(cases_finished)", "%", UP, None, _ALL,
    ),
    _s(
        "visits_per_case", "平均跑动次数", "每件办件申请人到服务中心的平均次数：全程网办为 0，窗口或自助提交一次、窗口取件一次。",
        "sum(visits) / sum(cases_received)", "次", DOWN, 1, _ALL,
    ),
    _s(
        "satisfaction", "满意率", "好差评中“非常满意”“满意”“基本满意”所占比例。",
        "100 * sum(ratings_satisfied) / sum(ratings_total)", "%", UP, 95, _ALL,
    ),
    _s(
        "poor_call_back_rate", "差评回访率", "差评中已回访申请人的比例。",
        "100 * sum(ratings_poor_called_back) / sum(ratings_poor)", "%", UP, 100, _ALL,
    ),
    _s(
        "hard_cases_resolved", "办不成事解决数", "期间内登记到办不成事窗口、已经解决的问题数。",
        "sum(hard_cases_resolved)", "件", UP, None, _CENTRES,
    ),
    _s(
        "waiting_minutes", "平均等候时间", "服务中心取号后到首次叫号的平均分钟数。",
        "sum(ticket_wait_minutes) / sum(tickets_called)", "分钟", DOWN, 15, _TICKETS,
    ),
)  # fmt: skip
