"""The full demo catalogue: the hand-written items completed, deterministically, to the seed's
2,155 items with exactly the seed's figures (2,016 online-capable, 93.55%; 340 fully-online
enterprise items; 51 smart-approval items; 618 certificate-free items).

Generated items come from department templates (``tongban.demo.templates``): each base is
expanded into its business items (新办, 变更, 注销 ...). Flags are then given to evenly spaced
items of the most plausible candidates (simple items for 秒批, citizen items for 免证办, items
needing presence for window-only), so that every figure is met exactly and spread across
departments. No randomness is involved: two calls return equal catalogues.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from tongban.domain.catalogue.model import (
    Audience,
    Channel,
    ItemKind,
    Level,
    Material,
    ServiceItemSpec,
    ServiceScope,
)

from .departments import DEPARTMENTS
from .items import HAND_WRITTEN_ITEMS
from .items._build import (
    AGENT,
    DEFAULT_LOCATION,
    PROCESS_FILING,
    PROCESS_IMMEDIATE,
    PROCESS_PROMISED,
    mat,
    opt,
)
from .templates import FAMILIES, SUB_VARIANT, Group, Variant, all_groups


@dataclass(frozen=True)
class Targets:
    """The seed's figures (seed/000: 南海区政协调研南海政务服务)."""

    items: int = 2155
    online_capable: int = 2016
    fully_online_enterprise: int = 340
    smart_approval: int = 51
    certificate_free: int = 618
    fully_online: int = 640
    """Not a seed figure: all fully-online items, enterprise and citizen (about 30%)."""


TARGETS = Targets()
CROSS_CITY_DEPARTMENTS = frozenset({"RSJ", "YBJ", "GJJ", "SWJ"})
LICENCE_OF = {"居民户口簿": "居民户口簿", "不动产权证书": "不动产权证书", "营业执照": "营业执照"}
"""Group documents an e-licence can replace."""
NOT_DECISIONS = ("预约", "查询", "报名", "健康证明")
FIRST_TIME = frozenset({"new", "first-registration", "establishment"})
GENERIC_RULE_SETS = {
    "main": "generic-instant",
    "change": "generic-change",
    "cancellation": "generic-cancellation",
    "reissue": "generic-reissue",
    "eligibility": "generic-eligibility",
    "benefit-change": "generic-change",
    "deregistration": "generic-cancellation",
    "filing": "generic-filing",
    "filing-change": "generic-filing",
    "filing-cancellation": "generic-filing",
    "charter": "generic-change",
}
"""Shared rule sets of generated 秒批 items: identity verified, data complete, no conflicts."""
_SHORT_NAMES = {d.code: d.short_name for d in DEPARTMENTS}


@dataclass
class _Draft:
    """A generated item before its flags are settled."""

    group: Group
    variant: Variant
    base: str
    name: str
    online: bool = True
    smart: bool = False
    full: bool = False
    cert_free: bool = False

    @property
    def dept(self) -> str:
        return self.group.dept

    @property
    def days(self) -> tuple[int, int]:
        legal, promised = self.group.days
        cap = self.variant.cap
        if promised == 0 or cap is None:
            return legal, promised
        return legal, max(1, min(promised, cap))

    @property
    def simple(self) -> bool:
        return self.variant.simple or self.days[1] <= 1

    @property
    def decidable(self) -> bool:
        """Simple, rule-checkable and a decision at all (not a booking or a query)."""
        return (
            self.simple
            and not self.group.manual
            and not any(word in self.name for word in NOT_DECISIONS)
        )

    @property
    def inspected(self) -> bool:
        """A first-time licence or approval, usually with an on-site inspection."""
        return self.variant.slug in FIRST_TIME and not self.simple

    @property
    def for_enterprise(self) -> bool:
        return self.group.audience in (Audience.ENTERPRISE, Audience.BOTH)

    @property
    def citizen(self) -> bool:
        return self.group.audience is Audience.CITIZEN


def _expand(group: Group, hand_names: frozenset[str]) -> Iterable[_Draft]:
    for base in group.bases:
        if group.types:
            for kind in group.types:
                name = SUB_VARIANT.template.format(b=base, t=kind)
                yield _Draft(group, SUB_VARIANT, base, name)
            continue
        for variant in FAMILIES[group.family]:
            name = variant.template.format(b=base)
            if variant.primary and (base in hand_names or name in hand_names):
                continue
            yield _Draft(group, variant, base, name)


def _candidates() -> dict[str, list[_Draft]]:
    """All generated candidates, by department, in template order, with unique names."""
    seen = {spec.name for spec in HAND_WRITTEN_ITEMS}
    hand_names = frozenset(seen)
    by_dept: dict[str, list[_Draft]] = defaultdict(list)
    for group in all_groups():
        for draft in _expand(group, hand_names):
            if draft.name in seen:
                continue
            seen.add(draft.name)
            by_dept[draft.dept].append(draft)
    return by_dept


def _trim(by_dept: dict[str, list[_Draft]], need: int) -> list[_Draft]:
    """Keep ``need`` candidates, each department in proportion to its pool (largest
    remainder), taking each department's first ones; the result is ordered by department."""
    total = sum(len(pool) for pool in by_dept.values())
    if total < need:
        raise ValueError(f"templates yield {total} items, {need} needed")
    quotas = {dept: len(pool) * need // total for dept, pool in by_dept.items()}
    by_remainder = sorted(by_dept, key=lambda d: (-(len(by_dept[d]) * need % total), d))
    for dept in by_remainder[: need - sum(quotas.values())]:
        quotas[dept] += 1
    order = [d.code for d in DEPARTMENTS if d.code in by_dept]
    return [draft for dept in order for draft in by_dept[dept][: quotas[dept]]]


def _evenly(pool: Sequence[_Draft], count: int) -> list[_Draft]:
    """``count`` items spread evenly over ``pool`` (which keeps department order)."""
    if count < 0 or count > len(pool):
        raise ValueError(f"cannot choose {count} of {len(pool)} candidates")
    return [pool[i * len(pool) // count] for i in range(count)]


def _choose(
    drafts: Sequence[_Draft],
    count: int,
    eligible: Callable[[_Draft], bool],
    preferred: Callable[[_Draft], bool],
) -> list[_Draft]:
    """Evenly chosen eligible drafts, preferred ones first."""
    first = [d for d in drafts if eligible(d) and preferred(d)]
    if count <= len(first):
        return _evenly(first, count)
    rest = [d for d in drafts if eligible(d) and not preferred(d)]
    return first + _evenly(rest, count - len(first))


def _settle_flags(drafts: list[_Draft], hand: Sequence[ServiceItemSpec]) -> None:
    """Give flags to generated drafts so that hand-written plus generated meet ``TARGETS``."""
    t = TARGETS
    offline = (t.items - t.online_capable) - sum(not s.online_capable for s in hand)
    for d in _choose(
        drafts, offline, lambda d: d.group.offline or d.inspected, lambda d: d.group.offline
    ):
        d.online = False

    smart = t.smart_approval - sum(s.smart_approval for s in hand)
    for d in _choose(drafts, smart, lambda d: d.online and d.decidable, lambda d: d.citizen):
        d.smart = d.full = d.cert_free = True

    enterprise_full = (
        t.fully_online_enterprise
        - sum(s.fully_online and s.for_enterprise for s in hand)
        - sum(d.full and d.for_enterprise for d in drafts)
    )
    for d in _choose(
        drafts,
        enterprise_full,
        lambda d: d.online and d.for_enterprise and not d.full,
        lambda d: d.simple,
    ):
        d.full = True

    citizen_full = t.fully_online - sum(s.fully_online for s in hand) - sum(d.full for d in drafts)
    for d in _choose(
        drafts, citizen_full, lambda d: d.online and d.citizen and not d.full, lambda d: d.simple
    ):
        d.full = True

    cert_free = (
        t.certificate_free
        - sum(s.certificate_free for s in hand)
        - sum(d.cert_free for d in drafts)
    )
    for d in _choose(drafts, cert_free, lambda d: not d.cert_free, lambda d: d.citizen):
        d.cert_free = True


def _identity(group: Group) -> list[Material]:
    if group.audience is Audience.CITIZEN:
        return [mat("申请人居民身份证", lic="居民身份证", orig=1, copies=1, src="公安机关")]
    if group.audience is Audience.ENTERPRISE:
        return [
            mat("营业执照", lic="营业执照", orig=1, copies=1, src="市场监管部门"),
            mat("经办人身份证件", lic="居民身份证", copies=1),
        ]
    return [mat("申请人身份证件或营业执照", lic="居民身份证", orig=1, copies=1)]


def _materials(d: _Draft) -> tuple[Material, ...]:
    materials = [
        mat(d.variant.apply_doc, orig=1, copies=0, src="窗口领取或网上填报"),
        *_identity(d.group),
    ]
    if d.variant.primary or d.variant is SUB_VARIANT:
        materials += [mat(name, lic=LICENCE_OF.get(name)) for name in d.group.docs]
    materials += [mat(name) for name in d.variant.extra]
    materials += [opt(name) for name in d.variant.optional]
    materials.append(AGENT)
    unique: dict[str, Material] = {}
    for material in materials:
        unique.setdefault(material.name, material)
    return tuple(unique.values())


def _result(d: _Draft) -> str:
    if d.variant.result:
        return d.variant.result.format(b=d.base)
    if d.group.result:
        return d.group.result
    base = d.base.removesuffix("核发")
    if base.endswith("证"):
        return base
    return base + "证" if base.endswith("许可") else "批准文件"


def _conditions(d: _Draft) -> str:
    if d.variant.slug.startswith("filing"):
        return "按规定如实提交备案信息，对信息真实性作出承诺。"
    return f"符合{d.group.basis[0]}等规定的条件，申请材料齐全、符合法定形式。"


def _spec(d: _Draft, code: str) -> ServiceItemSpec:
    legal, promised = d.days
    kind = ItemKind.IMMEDIATE if promised == 0 else ItemKind.PROMISED
    channels = [Channel.ONLINE] if d.online else []
    channels += [Channel.WINDOW, Channel.APPOINTMENT]
    if d.group.kiosk and d.online:
        channels.append(Channel.SELF_SERVICE)
    if promised > 0:
        channels.append(Channel.MAIL)
    if kind is ItemKind.IMMEDIATE:
        process = PROCESS_IMMEDIATE
    elif d.variant.slug.startswith("filing"):
        process = PROCESS_FILING
    else:
        process = PROCESS_PROMISED
    scopes = [ServiceScope.DISTRICT_WIDE]
    if d.dept in CROSS_CITY_DEPARTMENTS and d.citizen:
        scopes.append(ServiceScope.CROSS_CITY)
    keywords = tuple(dict.fromkeys(k for k in (d.base, _SHORT_NAMES[d.dept]) if k != d.name))
    return ServiceItemSpec(
        code=code,
        name=d.name,
        department_code=d.dept,
        level=Level.DISTRICT,
        handled_at=(Level.TOWN, Level.COMMUNITY) if d.group.community else (Level.TOWN,),
        kind=kind,
        audience=d.group.audience,
        category=d.group.category,
        legal_limit_days=legal,
        promised_limit_days=promised,
        legal_basis=d.group.basis,
        conditions=_conditions(d),
        process=process,
        result_name=_result(d),
        channels=tuple(channels),
        fully_online=d.full,
        visits=0 if d.full else 1,
        materials=_materials(d),
        certificate_free=d.cert_free,
        smart_approval=d.smart,
        rule_set=GENERIC_RULE_SETS.get(d.variant.slug, "generic-instant") if d.smart else None,
        scopes=tuple(scopes),
        keywords=keywords,
        consult_phone="12345",
        location_note=DEFAULT_LOCATION,
    )


@cache
def _generated() -> tuple[ServiceItemSpec, ...]:
    drafts = _trim(_candidates(), TARGETS.items - len(HAND_WRITTEN_ITEMS))
    _settle_flags(drafts, HAND_WRITTEN_ITEMS)
    numbers: dict[str, int] = defaultdict(lambda: 1000)
    specs: list[ServiceItemSpec] = []
    for draft in drafts:
        numbers[draft.dept] += 1
        specs.append(_spec(draft, f"{draft.dept}-{numbers[draft.dept]:04d}"))
    return tuple(specs)


def full_catalogue() -> list[ServiceItemSpec]:
    """All 2,155 items: the hand-written ones, then the generated ones."""
    return [*HAND_WRITTEN_ITEMS, *_generated()]


def small_catalogue() -> list[ServiceItemSpec]:
    """The hand-written items only, for fast tests and small demos."""
    return list(HAND_WRITTEN_ITEMS)


def catalogue_figures(items: Sequence[ServiceItemSpec]) -> dict[str, int | Decimal]:
    """The seed's figures computed from a catalogue; the rate is a percentage to 2 places."""
    count = len(items)
    online = sum(i.online_capable for i in items)
    rate = Decimal(online * 100) / Decimal(count) if count else Decimal(0)
    return {
        "items": count,
        "online_capable": online,
        "online_capable_rate": rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        "fully_online": sum(i.fully_online for i in items),
        "fully_online_enterprise": sum(i.fully_online and i.for_enterprise for i in items),
        "smart_approval": sum(i.smart_approval for i in items),
        "certificate_free": sum(i.certificate_free for i in items),
    }
