"""Minimal disclosure (最小必要): yes/no answers computed from a holder's licences, so a rule
that needs "aged 18 or over" or "household in the district" never receives the birth date or
address.  The district is the configured jurisdiction's (``District``); the predicates' names
(``household_in_nanhai``, ``has_property_in_nanhai``) are the stable identifiers rule sets use.

Each predicate names the licence fields it reads; a grant must cover those fields for it to
run.  An answer is ``None`` when the data it needs is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from tongban.domain.errors import DomainError
from tongban.domain.shared.identity import parse_resident_id

Facts = Mapping[str, Mapping[str, Any]]
"""Licence type code → fields of the holder's current valid licence of that type."""


@dataclass(frozen=True)
class District:
    """What "in the district" means: its region code, and the names an address may carry."""

    region_code: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, region_code: str, city: str, district: str) -> District:
        """南海区 of 佛山市: 440605, 南海区 or 佛山市南海 (an address without 区)."""
        names = [district]
        if len(district) > 2 and district[-1] in "区县市":
            names.append(city + district[:-1])
        return cls(region_code, tuple(names))


@dataclass(frozen=True)
class Predicate:
    label: str
    needs: tuple[str, ...]
    """``type.field`` pairs the predicate reads (a bare type: only whether one is held)."""
    test: Callable[[Facts, str, date, District], bool | None]

    @property
    def type_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n.partition(".")[0] for n in self.needs))


def _field(facts: Facts, type_code: str, *names: str) -> Any:
    fields = facts.get(type_code)
    if fields is None:
        return None
    for name in names:
        value = fields.get(name)
        if value not in (None, ""):
            return value
    return None


def birth_date(facts: Facts, holder_id: str) -> date | None:
    """From the e-ID, or else from the holder's own ID number (GB 11643 encodes it)."""
    value = _field(facts, "id_card", "birth_date", "birthday")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    try:
        return parse_resident_id(holder_id).birth_date
    except DomainError:
        return None


def age_on(born: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (born.month, born.day)
    return day.year - born.year - int(before_birthday)


def _age_at_least(years: int) -> Callable[[Facts, str, date, District], bool | None]:
    def test(facts: Facts, holder_id: str, today: date, where: District) -> bool | None:
        born = birth_date(facts, holder_id)
        return None if born is None else age_on(born, today) >= years

    return test


def in_district(fields: Mapping[str, Any] | None, where: District) -> bool | None:
    if fields is None:
        return None
    region = str(fields.get("region_code") or "")
    if region:
        return region == where.region_code
    address = str(
        fields.get("household_address") or fields.get("location") or fields.get("address") or ""
    )
    if not address:
        return None
    return any(name in address for name in where.names)


def _household_in_district(
    facts: Facts, holder_id: str, today: date, where: District
) -> bool | None:
    if "hukou" not in facts:
        return None
    return in_district(facts["hukou"], where)


def _holds(type_code: str) -> Callable[[Facts, str, date, District], bool | None]:
    """Whether a valid licence of ``type_code`` is held: its absence is itself the answer."""

    def test(facts: Facts, holder_id: str, today: date, where: District) -> bool | None:
        return type_code in facts

    return test


def _property_in_district(
    facts: Facts, holder_id: str, today: date, where: District
) -> bool | None:
    if "property" not in facts:
        return False
    return bool(in_district(facts["property"], where))


def _insured(facts: Facts, holder_id: str, today: date, where: District) -> bool | None:
    # The 参保证明 is issued for 90 days: a valid one says the person is insured now.
    return "social_insurance" in facts


PREDICATES: dict[str, Predicate] = {
    "age_at_least_18": Predicate("年满18周岁", ("id_card.birth_date",), _age_at_least(18)),
    "age_at_least_60": Predicate("年满60周岁", ("id_card.birth_date",), _age_at_least(60)),
    "age_at_least_80": Predicate("年满80周岁", ("id_card.birth_date",), _age_at_least(80)),
    "household_in_nanhai": Predicate(
        "户籍在本区", ("hukou.household_address",), _household_in_district
    ),
    "has_id_card": Predicate("持有有效的居民身份证", ("id_card",), _holds("id_card")),
    "resident_permit_valid": Predicate(
        "持有有效居住证", ("residence_permit",), _holds("residence_permit")
    ),
    "married": Predicate("已登记结婚", ("marriage",), _holds("marriage")),
    "has_business_licence": Predicate(
        "持有有效营业执照", ("business_licence",), _holds("business_licence")
    ),
    "has_food_permit": Predicate("持有有效食品经营许可证", ("food_permit",), _holds("food_permit")),
    "has_property_in_nanhai": Predicate(
        "在本区有不动产", ("property.location",), _property_in_district
    ),
    "insured_social": Predicate("正常参加社会保险", ("social_insurance.status",), _insured),
}
"""Registry: name → (Chinese label, licence fields needed, function)."""


def evaluate(
    names: list[str], facts: Facts, holder_id: str, today: date, where: District
) -> dict[str, bool | None]:
    return {name: PREDICATES[name].test(facts, holder_id, today, where) for name in names}
