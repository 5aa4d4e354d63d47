"""The catalogue admin's item form: a material's submission condition survives an edit."""

from __future__ import annotations

from starlette.datastructures import FormData

from tongban.domain.catalogue.model import Material, ServiceItemSpec
from tongban.web.item_form import spec_from_form, values_from_spec

AGENT = Material(name="委托书及受托人身份证件", key=False, only_by_agent=True)
SPEC = ServiceItemSpec(
    code="SCJGJ-0001",
    name="个体工商户设立登记",
    department_code="SCJGJ",
    level="district",
    legal_limit_days=15,
    promised_limit_days=1,
    legal_basis=("《促进个体工商户发展条例》",),
    materials=(Material(name="经营者身份证明"), AGENT),
)


def posted(values: dict[str, object]) -> FormData:
    """The edit form as the browser posts it: one input per scalar, one per row and column."""
    items: list[tuple[str, str]] = []
    for name, value in values.items():
        if name in ("materials", "fees", "form"):
            for row in value:  # type: ignore[attr-defined]
                prefix = {"materials": "material", "fees": "fee", "form": "field"}[name]
                items += [(f"{prefix}_{k}", str(v)) for k, v in row.items()]
        elif isinstance(value, bool):
            if value:
                items.append((name, "on"))
        elif isinstance(value, list):
            items += [(name, str(v)) for v in value]
        else:
            items.append((name, str(value)))
    return FormData(items)


def test_a_material_asked_only_when_an_agent_acts_keeps_its_condition_through_the_form() -> None:
    values = values_from_spec(SPEC)
    assert [m["when"] for m in values["materials"]] == ["always", "agent"]
    assert spec_from_form(posted(values)) == SPEC


def test_choosing_agent_only_in_the_form_marks_the_material() -> None:
    values = values_from_spec(SPEC)
    values["materials"][0]["when"] = "agent"
    back = spec_from_form(posted(values))
    assert [m.only_by_agent for m in back.materials] == [True, True]
