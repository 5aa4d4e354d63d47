"""Screening a business scope against the negative list (负面清单), for the 秒批 rules.

The list's entries are sentences; each entry the screen knows is matched by keywords of the
activity it prohibits or restricts.  A match does not reject: the rule sends the application to
a person, who reads the entry (a restricted activity may still be licensed).
"""

from __future__ import annotations

from collections.abc import Iterable

SCREENED: dict[str, tuple[str, ...]] = {
    "NEG-005": ("网吧", "上网服务", "网咖"),
    "NEG-006": ("歌舞", "KTV", "卡拉OK", "夜总会"),
    "NEG-009": ("淘汰", "落后工艺"),
    "NEG-010": ("餐饮", "食品销售", "小吃", "奶茶", "饮品"),
    "NEG-011": ("药品", "药店"),
    "NEG-012": ("危险化学品", "烟花爆竹"),
    "NEG-014": ("住宿", "沐浴", "足浴", "美容", "美发", "游泳"),
}


def matches(scope: str, listed: Iterable[str]) -> list[str]:
    """Codes of the listed entries whose activity the business scope names."""
    text = scope.upper()
    return [code for code in listed if any(word.upper() in text for word in SCREENED.get(code, ()))]
