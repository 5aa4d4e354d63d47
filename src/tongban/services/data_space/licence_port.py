"""The data space's view of the e-licence library: the holder's licences, and the known types.

The library lives in ``services.licences.library`` and ``domain.licences``; the data space reads it
only through these two functions, so the rest of the area depends on a small, stable surface.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

FALLBACK_TYPES: dict[str, str] = {
    "id_card": "居民身份证",
    "hukou": "居民户口簿",
    "marriage": "结婚证",
    "business_licence": "营业执照",
    "food_permit": "食品经营许可证",
    "property": "不动产权证书",
    "social_insurance": "社保参保证明",
    "senior_card": "老年人优待证",
    "birth_certificate": "出生医学证明",
    "residence_permit": "居住证",
    "birth_registration": "生育登记服务单",
    "longevity_allowance": "高龄津贴核定通知",
}
"""Licence types by code, used when the library's registry cannot be read."""


def holder_licences(
    conn: Connection,
    holder_id: str,
    *,
    valid_on: date | None,
    type_codes: Sequence[str] | None = None,
) -> list[Any]:
    """The licences held by ``holder_id`` (ID number or credit code), newest first."""
    from tongban.services.licences import library as licences

    found = licences.holder_licences(
        conn, holder_id, valid_on=valid_on, type_codes=list(type_codes) if type_codes else None
    )
    return sorted(found, key=lambda lic: lic.issued_at, reverse=True)


def licence_types() -> dict[str, str]:
    """Licence type code → Chinese name, from the library's registry."""
    try:
        from tongban.domain.licences.types import LICENCE_TYPES
    except ImportError:  # pragma: no cover - the library is part of the package
        return dict(FALLBACK_TYPES)
    return {t.code: t.name for t in LICENCE_TYPES}


def licence_fields() -> dict[str, list[tuple[str, str]]]:
    """Licence type code → its fields as (name, Chinese label), for the grant form."""
    try:
        from tongban.domain.licences.types import LICENCE_TYPES
    except ImportError:  # pragma: no cover
        return {code: [] for code in FALLBACK_TYPES}
    return {t.code: [(f.name, f.label) for f in t.fields] for t in LICENCE_TYPES}
