"""Checking one bundle application against every item's form before anything is written.

Each item's form is filled from the shared form and checked by the item's own schema; a
problem is reported on the shared field (``form.<shared field>``) with the items that need it
named, so the applicant fixes everything in one go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tongban.domain.bundles.model import BundleDefinition, BundleItem, item_form, item_materials
from tongban.domain.cases.forms import validate_form
from tongban.domain.catalogue.model import Channel, ServiceItemSpec
from tongban.domain.errors import ValidationFailed


@dataclass(frozen=True)
class ItemApplication:
    """What one sub-case receives: its item, its own (checked) form and its materials."""

    item_code: str
    form: dict[str, Any]
    materials: list[str]


def _shared_key(item: BundleItem, field: str) -> str:
    """``form.<item field>`` → ``form.<shared field>``; constants keep the item's key."""
    name = field.removeprefix("form.")
    shared = item.fields.get(name)
    if shared is not None:
        return f"form.{shared}"
    return f"items.{item.item_code}.{field}"


def check_application(
    definition: BundleDefinition,
    specs: Mapping[str, ServiceItemSpec],
    shared: Mapping[str, Any],
    materials: Iterable[str],
) -> list[ItemApplication]:
    """Every item's application, or ``ValidationFailed`` listing every problem at once."""
    problems: dict[str, list[tuple[str, str]]] = {}
    known = {f.name for f in definition.form}
    for name in shared:
        if name not in known:
            problems.setdefault(f"form.{name}", []).append(("", "该“一件事”的表单没有此项"))
    given = {m.strip() for m in materials if m.strip()}
    stray = sorted(given - {m.name for m in definition.materials})
    if stray:
        text = "不是该“一件事”要求的材料：" + "、".join(stray)
        problems.setdefault("materials", []).append(("", text))
    given |= definition.provided_materials
    values = {k: v for k, v in shared.items() if k in known}
    applications: list[ItemApplication] = []
    for item in definition.items:
        spec = specs[item.item_code]
        if Channel.ONLINE not in spec.channels:
            key = f"items.{item.item_code}"
            problems.setdefault(key, []).append((spec.name, "该事项不能网上申请，请到窗口办理"))
            continue
        form = item_form(item, values)
        try:
            cleaned = validate_form(spec.form, form)
        except ValidationFailed as error:
            for field, message in error.fields.items():
                problems.setdefault(_shared_key(item, field), []).append((spec.name, message))
            continue
        applications.append(ItemApplication(item.item_code, cleaned, item_materials(item, given)))
    if problems:
        raise ValidationFailed(
            "申请表填写有误，请按提示修改；所有事项均未提交。",
            fields={key: _message(found) for key, found in problems.items()},
        )
    return applications


def _message(found: list[tuple[str, str]]) -> str:
    """One message per field: the first problem, with every item that has it named."""
    items = [name for name, _ in found if name]
    first = found[0][1]
    if not items:
        return first
    return "、".join(dict.fromkeys(items)) + "：" + first
