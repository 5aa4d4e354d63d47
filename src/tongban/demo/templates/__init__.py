"""Name templates for the generated part of the demo catalogue.

A real district catalogue reaches two thousand items because each licence, registration or
benefit is split into business items (业务办理项): 新办, 变更, 延续, 注销, 补证 and so on.
A ``Group`` lists the bases of one department that share a legal basis, a category and a
variant family; the generator expands every base with the family's variants.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongban.domain.catalogue.model import Audience


@dataclass(frozen=True)
class Variant:
    """One business item of a family, e.g. the 变更 of a licence."""

    template: str
    slug: str
    cap: int | None = None
    """Upper bound on the promised limit (a change is faster than a new licence)."""
    simple: bool = False
    """Simple enough for 秒批 and 全流程网办 when the figures call for it."""
    apply_doc: str = "申请书"
    extra: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    result: str = ""
    """Result name; ``{b}`` is the base, empty means the group's result."""
    primary: bool = False
    """The first-time item; skipped when the base is already hand-written."""


FAMILIES: dict[str, tuple[Variant, ...]] = {
    "ONE": (Variant("{b}", "main", primary=True),),
    "LIC": (
        Variant("{b}（新办）", "new", primary=True),
        Variant(
            "{b}（变更）",
            "change",
            cap=3,
            simple=True,
            apply_doc="变更申请书",
            extra=("变更事项相关证明材料",),
        ),
        Variant("{b}（延续）", "renewal", cap=5, apply_doc="延续申请书", extra=("原许可证件",)),
        Variant(
            "{b}（注销）",
            "cancellation",
            cap=1,
            simple=True,
            apply_doc="注销申请书",
            extra=("原许可证件正副本",),
            result="准予注销决定书",
        ),
        Variant(
            "{b}（补证）",
            "reissue",
            cap=1,
            simple=True,
            apply_doc="补证申请书",
            optional=("遗失声明",),
        ),
    ),
    "LIC3": (
        Variant("{b}（新办）", "new", primary=True),
        Variant(
            "{b}（变更）",
            "change",
            cap=3,
            simple=True,
            apply_doc="变更申请书",
            extra=("变更事项相关证明材料",),
        ),
        Variant(
            "{b}（注销）",
            "cancellation",
            cap=1,
            simple=True,
            apply_doc="注销申请书",
            result="准予注销决定书",
        ),
    ),
    "CERT": (
        Variant("{b}核发", "new", primary=True, result="{b}"),
        Variant(
            "{b}换发", "renewal", cap=3, apply_doc="换发申请表", extra=("原证件",), result="{b}"
        ),
        Variant(
            "{b}补发",
            "reissue",
            cap=1,
            simple=True,
            apply_doc="补发申请表",
            optional=("遗失声明",),
            result="{b}",
        ),
        Variant(
            "{b}注销",
            "cancellation",
            cap=1,
            simple=True,
            apply_doc="注销申请表",
            result="注销通知书",
        ),
    ),
    "REG": (
        Variant("{b}设立登记", "establishment", primary=True),
        Variant(
            "{b}变更登记",
            "change",
            cap=1,
            simple=True,
            apply_doc="变更登记申请书",
            extra=("依法作出的变更决议或决定",),
        ),
        Variant(
            "{b}注销登记",
            "deregistration",
            cap=1,
            simple=True,
            apply_doc="注销登记申请书",
            extra=("清算报告或债务清偿情况说明",),
            result="准予注销登记通知书",
        ),
        Variant(
            "{b}备案", "filing", cap=1, simple=True, apply_doc="备案申请书", result="备案通知书"
        ),
    ),
    "SORG": (
        Variant("{b}成立登记", "establishment", primary=True),
        Variant(
            "{b}变更登记",
            "change",
            cap=5,
            simple=True,
            apply_doc="变更登记申请表",
            extra=("会员（代表）大会或理事会决议",),
        ),
        Variant(
            "{b}注销登记",
            "deregistration",
            cap=5,
            apply_doc="注销登记申请表",
            extra=("清算报告",),
            result="注销登记证明",
        ),
        Variant(
            "{b}章程核准",
            "charter",
            cap=5,
            simple=True,
            apply_doc="章程核准申请表",
            extra=("章程修改稿及修改说明",),
            result="章程核准意见",
        ),
    ),
    "FILE": (
        Variant(
            "{b}备案", "filing", primary=True, simple=True, apply_doc="备案表", result="备案回执"
        ),
        Variant(
            "{b}变更备案", "filing-change", simple=True, apply_doc="变更备案表", result="备案回执"
        ),
        Variant(
            "{b}注销备案",
            "filing-cancellation",
            simple=True,
            apply_doc="注销备案表",
            result="注销备案回执",
        ),
    ),
    "BEN": (
        Variant("{b}申领", "claim", primary=True, apply_doc="申领表"),
        Variant(
            "{b}资格认证",
            "eligibility",
            cap=1,
            simple=True,
            apply_doc="资格认证表",
            result="资格认证结果",
        ),
        Variant(
            "{b}信息变更",
            "benefit-change",
            cap=1,
            simple=True,
            apply_doc="信息变更表",
            result="信息变更确认",
        ),
    ),
    "APPR": (
        Variant("{b}（新申请）", "new", primary=True),
        Variant(
            "{b}（变更）",
            "change",
            cap=3,
            simple=True,
            apply_doc="变更申请书",
            extra=("原批准文件",),
        ),
        Variant("{b}（延期）", "extension", cap=3, apply_doc="延期申请书", extra=("原批准文件",)),
    ),
    "RE": (
        Variant("{b}首次登记", "first-registration", primary=True),
        Variant(
            "{b}变更登记",
            "change",
            cap=3,
            simple=True,
            apply_doc="不动产登记申请书",
            extra=("变更的材料",),
        ),
        Variant(
            "{b}转移登记", "transfer", cap=5, apply_doc="不动产登记申请书", extra=("转移的材料",)
        ),
        Variant(
            "{b}注销登记",
            "deregistration",
            cap=1,
            simple=True,
            apply_doc="不动产登记申请书",
            result="不动产注销登记结果",
        ),
    ),
    "EXT": (
        Variant(
            "{b}（变更）",
            "change",
            cap=3,
            simple=True,
            apply_doc="变更申请书",
            extra=("原批准文件",),
        ),
        Variant("{b}（延期）", "extension", cap=3, apply_doc="延期申请书", extra=("原批准文件",)),
    ),
}

FAMILIES["LICX"] = FAMILIES["LIC"][1:]
"""A licence whose first-time item exists under another name (e.g. 设立审批)."""

SUB_VARIANT = Variant("{b}（{t}）", "main")
"""Items split by object type, e.g. 特种设备使用登记（电梯）."""


@dataclass(frozen=True)
class Group:
    """Bases of one department sharing a family, legal basis, category and audience."""

    dept: str
    family: str
    bases: tuple[str, ...]
    basis: tuple[str, ...]
    category: str
    audience: Audience = Audience.ENTERPRISE
    days: tuple[int, int] = (20, 10)
    result: str = ""
    docs: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    offline: bool = False
    """Needs the applicant in person (fingerprints, signatures, inspection of originals)."""
    community: bool = False
    kiosk: bool = False
    manual: bool = False
    """Needs human judgement, an exam or an inspection: never decided by 秒批."""


def g(
    dept: str,
    family: str,
    bases: str,
    basis: str | tuple[str, ...],
    category: str,
    audience: Audience = Audience.ENTERPRISE,
    days: tuple[int, int] = (20, 10),
    result: str = "",
    docs: str = "",
    types: str = "",
    offline: bool = False,
    community: bool = False,
    kiosk: bool = False,
    manual: bool = False,
) -> Group:
    """A group from whitespace-separated bases, documents and types."""
    return Group(
        dept=dept,
        family=family,
        bases=tuple(bases.split()),
        basis=(basis,) if isinstance(basis, str) else basis,
        category=category,
        audience=audience,
        days=days,
        result=result,
        docs=tuple(docs.split()),
        types=tuple(types.split()),
        offline=offline,
        community=community,
        kiosk=kiosk,
        manual=manual or offline,
    )


C, E, B = Audience.CITIZEN, Audience.ENTERPRISE, Audience.BOTH


def all_groups() -> tuple[Group, ...]:
    """Every group, department by department (imported lazily to keep import order simple)."""
    from . import business, city, culture, economy, justice, land, people, services, welfare

    return (
        *business.GROUPS,
        *economy.GROUPS,
        *people.GROUPS,
        *welfare.GROUPS,
        *services.GROUPS,
        *culture.GROUPS,
        *justice.GROUPS,
        *land.GROUPS,
        *city.GROUPS,
    )
