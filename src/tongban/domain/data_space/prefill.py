"""表单秒填: which form fields come from which licence, and what filling them gives.

A form field with ``source = "<licence type>.<field>"`` is filled from the holder's current
licence of that type and locked; a value the licence lacks is reported missing, and the
applicant fills it in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tongban.domain.catalogue.model import FormField


@dataclass(frozen=True)
class PrefillResult:
    """Values filled in, the names locked, and the sources missing (field → source)."""

    values: dict[str, Any] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    missing: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    """Field name → its ``type.field`` source, for every sourced field of the form."""


def sources(form: Sequence[FormField]) -> dict[str, str]:
    """Field → its e-licence source (``account.*`` fields come from the account, not here)."""
    return {f.name: f.source for f in form if f.source and f.account_fact is None}


def needs_by_type(form: Sequence[FormField]) -> dict[str, list[str]]:
    """Licence type → the fields of it the form reads."""
    needed: dict[str, list[str]] = {}
    for source in sources(form).values():
        type_code, _, name = source.partition(".")
        needed.setdefault(type_code, [])
        if name not in needed[type_code]:
            needed[type_code].append(name)
    return needed


def fill(form: Sequence[FormField], data: Mapping[str, Mapping[str, Any]]) -> PrefillResult:
    """Fill each sourced field from ``data`` (type → fields read); lock what was filled."""
    values: dict[str, Any] = {}
    missing: dict[str, str] = {}
    for name, source in sources(form).items():
        type_code, _, field_name = source.partition(".")
        value = data.get(type_code, {}).get(field_name)
        if value in (None, ""):
            missing[name] = source
        else:
            values[name] = value
    return PrefillResult(values, frozenset(values), missing, sources(form))


def locked_changes(
    result: PrefillResult, submitted: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Locked fields whose submitted value differs from the licence: field → (licence, sent)."""
    changed: dict[str, tuple[Any, Any]] = {}
    for name in result.locked:
        if name in submitted and str(submitted[name]) != str(result.values[name]):
            changed[name] = (result.values[name], submitted[name])
    return changed
