"""A bundle definition (一件事): its items, one shared form, shared materials and the policy.

One application fills the shared form once and hands each material in once; every item's own
form is filled from it (shared field → item field, or a constant) and each item receives the
materials it needs.  Up to 8 items are processed in parallel (the seed: "up to 8 items at once").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tongban.domain.catalogue.model import Audience, FormField

MAX_ITEMS = 8
"""联审联办: at most 8 items at once in one application."""

Code = Annotated[str, Field(pattern=r"^[A-Z0-9-]{2,40}$")]
NonEmpty = Annotated[str, Field(min_length=1, max_length=200)]
Constant = str | int | bool


class RejectionPolicy(StrEnum):
    """What a rejected sub-case does to the others."""

    CONTINUE = "continue"
    """The other sub-cases go on; the combined notice lists the rejection."""
    HALT = "halt"
    """A rejected key sub-case terminates the others still open."""

    @property
    def label(self) -> str:
        return POLICY_LABELS[self]


POLICY_LABELS = {
    RejectionPolicy.CONTINUE: "其余事项继续办理",
    RejectionPolicy.HALT: "关键事项不予许可时终止其余事项",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class BundleMaterial(_Model):
    """A material asked once and shared by every item that needs it."""

    name: NonEmpty
    note: str = ""
    shared_from: str | None = None
    """The item of this bundle whose result this is (e.g. the business licence): the issuing
    department shares it with the other items (材料秒报), so the applicant never hands it in."""


class BundleItem(_Model):
    """One item of the bundle and how the shared application fills it."""

    item_code: Code
    fields: dict[str, str] = Field(default_factory=dict)
    """Item form field → shared form field."""
    constants: dict[str, Constant] = Field(default_factory=dict)
    """Item form field → a fixed value (e.g. 主体业态 = 餐饮服务经营者 for a restaurant)."""
    materials: dict[str, str] = Field(default_factory=dict)
    """Item material name → bundle material name."""
    key: bool = False
    """Under the ``halt`` policy, a rejection of this item ends the bundle."""


class BundleDefinition(_Model):
    """一件事: the items, the shared form and materials, the rejection policy, the priority."""

    code: Code
    name: NonEmpty
    description: str = ""
    audience: Audience = Audience.BOTH
    form: tuple[FormField, ...] = ()
    materials: tuple[BundleMaterial, ...] = ()
    items: tuple[BundleItem, ...] = Field(min_length=2, max_length=MAX_ITEMS)
    policy: RejectionPolicy = RejectionPolicy.CONTINUE
    green_channel: bool = False
    """绿色通道: the sub-cases are queued before ordinary cases."""

    @property
    def priority(self) -> int:
        return 1 if self.green_channel else 0

    @property
    def item_codes(self) -> list[str]:
        return [i.item_code for i in self.items]

    @property
    def provided_materials(self) -> set[str]:
        """Materials the bundle provides itself (results shared between its items)."""
        return {m.name for m in self.materials if m.shared_from is not None}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[str] = []
        codes = self.item_codes
        if len(set(codes)) != len(codes):
            problems.append("事项重复")
        shared = {f.name for f in self.form}
        bundle_materials = {m.name for m in self.materials}
        used: set[str] = set()
        for item in self.items:
            unknown = sorted(set(item.fields.values()) - shared)
            if unknown:
                problems.append(
                    f"{item.item_code} 引用了共享表单中没有的字段：{'、'.join(unknown)}"
                )
            both = sorted(set(item.fields) & set(item.constants))
            if both:
                problems.append(f"{item.item_code} 的字段既映射又取常量：{'、'.join(both)}")
            missing = sorted(set(item.materials.values()) - bundle_materials)
            if missing:
                problems.append(f"{item.item_code} 引用了未定义的共享材料：{'、'.join(missing)}")
            used |= set(item.fields.values())
        for material in self.materials:
            if material.shared_from is not None and material.shared_from not in codes:
                problems.append(f"共享材料“{material.name}”的来源事项不在本一件事中")
        unused = sorted(shared - used)
        if unused:
            problems.append(f"共享表单字段未映射到任何事项：{'、'.join(unused)}")
        if self.policy is RejectionPolicy.HALT and not any(i.key for i in self.items):
            problems.append("“终止”策略须至少指定一个关键事项")
        if problems:
            raise ValueError("；".join(problems))
        return self


def item_form(item: BundleItem, shared: dict[str, Any]) -> dict[str, Any]:
    """The item's own form filled from the shared form (blank stays blank) and its constants."""
    form: dict[str, Any] = {}
    for item_field, shared_field in item.fields.items():
        value = shared.get(shared_field)
        if value is not None:
            form[item_field] = value
    form.update(item.constants)
    return form


def item_materials(item: BundleItem, given: set[str]) -> list[str]:
    """The item's materials covered by the bundle materials handed in."""
    return [name for name, shared in item.materials.items() if shared in given]
