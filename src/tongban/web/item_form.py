"""The catalogue admin's item form: HTML form fields to a ``ServiceItemSpec`` and back.

Repeating parts (materials, fees, form fields) are rows of same-named inputs; lists of text
(legal basis, process, keywords, needs) are one entry per line of a textarea.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.domain.errors import ValidationFailed
from tongban.domain.validation import pydantic_fields

SCALARS = (
    "code",
    "name",
    "department_code",
    "level",
    "kind",
    "audience",
    "category",
    "conditions",
    "result_name",
    "consult_phone",
    "location_note",
    "rule_set",
)
INTEGERS = ("legal_limit_days", "promised_limit_days", "visits")
FLAGS = ("fully_online", "certificate_free", "smart_approval", "on_permit_list")
MULTI = ("handled_at", "channels", "scopes")
LINES = ("legal_basis", "process", "keywords", "needs")
BLANK_ROWS = 2
MATERIAL_COLUMNS = (
    "name",
    "key",
    "licence_type",
    "originals",
    "copies",
    "source",
    "notes",
    "when",
)
ALWAYS, AGENT_ACTS = "always", "agent"
"""A material's ``when``: always asked, or only when someone acts for the applicant."""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _rows(form: FormData, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    columns = {n: [str(v) for v in form.getlist(f"{prefix}_{n}")] for n in names}
    count = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(count):
        row = {n: (columns[n][i].strip() if i < len(columns[n]) else "") for n in names}
        if row.get("name"):
            rows.append(row)
    return rows


def spec_from_form(form: FormData) -> ServiceItemSpec:
    """Build the spec; a bad value is a ValidationFailed naming the field, in Chinese."""
    data: dict[str, Any] = {n: str(form.get(n, "")).strip() for n in SCALARS}
    data["rule_set"] = data["rule_set"] or None
    fields: dict[str, str] = {}
    for name in INTEGERS:
        raw = str(form.get(name, "")).strip()
        try:
            data[name] = int(raw)
        except ValueError:
            fields[name] = "应为整数"
    for name in FLAGS:
        data[name] = form.get(name) == "on"
    for name in MULTI:
        data[name] = [str(v) for v in form.getlist(name)]
    for name in LINES:
        data[name] = _lines(str(form.get(name, "")))
    data["materials"] = [
        {
            "name": r["name"],
            "key": r["key"] == "yes",
            "licence_type": r["licence_type"] or None,
            "originals": int(r["originals"] or 0) if r["originals"].isdigit() else -1,
            "copies": int(r["copies"] or 0) if r["copies"].isdigit() else -1,
            "source": r["source"],
            "notes": r["notes"],
            "only_by_agent": r["when"] == AGENT_ACTS,
        }
        for r in _rows(form, "material", MATERIAL_COLUMNS)
    ]
    data["fees"] = [
        {"name": r["name"], "amount_yuan": r["amount_yuan"] or "0", "basis": r["basis"]}
        for r in _rows(form, "fee", ("name", "amount_yuan", "basis"))
    ]
    data["form"] = [
        {
            "name": r["name"],
            "label": r["label"],
            "type": r["type"] or "text",
            "required": r["required"] == "yes",
            "options": [o.strip() for o in r["options"].replace("，", ",").split(",") if o.strip()],
            "source": r["source"] or None,
        }
        for r in _rows(form, "field", ("name", "label", "type", "required", "options", "source"))
    ]
    if fields:
        raise ValidationFailed(fields=fields)
    try:
        return ServiceItemSpec.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(fields=pydantic_fields(list(error.errors()))) from error


def values_from_spec(spec: ServiceItemSpec | None) -> dict[str, Any]:
    """What the form shows for ``spec`` (or an empty form), in the form's own shape."""
    if spec is None:
        return {
            **{n: "" for n in SCALARS + INTEGERS},
            **{n: False for n in FLAGS},
            "handled_at": ["town"],
            "channels": ["window"],
            "scopes": ["district_wide"],
            **{n: "" for n in LINES},
            "materials": [],
            "fees": [],
            "form": [],
        }
    data = spec.model_dump(mode="json")
    values: dict[str, Any] = {n: "" if data[n] is None else str(data[n]) for n in SCALARS}
    values.update({n: str(data[n]) for n in INTEGERS})
    values.update({n: bool(data[n]) for n in FLAGS})
    values.update({n: list(data[n]) for n in MULTI})
    values.update({n: "\n".join(data[n]) for n in LINES})
    values["materials"] = [
        {
            **m,
            "key": "yes" if m["key"] else "no",
            "licence_type": m["licence_type"] or "",
            "when": AGENT_ACTS if m["only_by_agent"] else ALWAYS,
        }
        for m in data["materials"]
    ]
    values["fees"] = data["fees"]
    values["form"] = [
        {
            **f,
            "required": "yes" if f["required"] else "no",
            "options": "，".join(f["options"]),
            "source": f.get("source") or "",
        }
        for f in data["form"]
    ]
    return values


def values_from_form(form: FormData) -> dict[str, Any]:
    """What the user typed, to show the form again after an error."""
    values: dict[str, Any] = {n: str(form.get(n, "")) for n in SCALARS + INTEGERS + LINES}
    values.update({n: form.get(n) == "on" for n in FLAGS})
    values.update({n: [str(v) for v in form.getlist(n)] for n in MULTI})
    values["materials"] = _rows(form, "material", MATERIAL_COLUMNS)
    values["fees"] = _rows(form, "fee", ("name", "amount_yuan", "basis"))
    values["form"] = _rows(
        form, "field", ("name", "label", "type", "required", "options", "source")
    )
    return values
