"""Grants (授权) and who asks: a holder lets a department or an item read some licence types
(or only some fields of them) for a purpose, until an expiry, once or repeatedly.

Fields in a grant are either plain (``birth_date``: that field of any granted type) or
qualified (``id_card.birth_date``: that field of that type only).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from tongban.domain.errors import ValidationFailed

MAX_GRANT_DAYS = 366
"""A grant lasts at most a year; a longer need is a new grant the holder sees again."""
SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Requester:
    """Who asks to read a holder's data: a department or an item, a person or the system."""

    department_code: str | None
    item_code: str | None
    user_id: int | None
    role: str
    """The requester's role (``clerk``, ``reviewer`` ...), ``system`` for automated decisions,
    ``citizen``/``enterprise`` when the holder reads their own data."""


@dataclass(frozen=True)
class Grant:
    """授权: the holder's scoped, time-limited permission to a department or an item."""

    id: int
    holder_id: str
    grantee_department: str | None
    grantee_item: str | None
    type_codes: tuple[str, ...]
    fields: tuple[str, ...] | None
    purpose: str
    expires_at: datetime
    single_use: bool
    created_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def status(self, at: datetime) -> str:
        """``revoked``, ``used`` (a consumed single-use grant), ``expired`` or ``active``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.single_use and self.used_at is not None:
            return "used"
        if self.expires_at <= at:
            return "expired"
        return "active"

    def is_active(self, at: datetime) -> bool:
        return self.status(at) == "active"

    def names(self, requester: Requester) -> bool:
        """Whether the grant is to the requester's department or to the item it acts for."""
        by_department = (
            self.grantee_department is not None
            and self.grantee_department == requester.department_code
        )
        by_item = self.grantee_item is not None and self.grantee_item == requester.item_code
        return by_department or by_item

    def covers_field(self, type_code: str, name: str) -> bool:
        if type_code not in self.type_codes:
            return False
        if self.fields is None:
            return True
        return name in self.fields or f"{type_code}.{name}" in self.fields

    def covers(
        self, requester: Requester, type_codes: Iterable[str], fields: Sequence[str] | None
    ) -> bool:
        """Whether this grant lets ``requester`` read ``fields`` (None: all) of ``type_codes``."""
        if not self.names(requester):
            return False
        types = list(type_codes)
        if any(t not in self.type_codes for t in types):
            return False
        if fields is None:
            return self.fields is None
        return all(any(self.covers_field(t, f) for t in types) for f in plain_fields(fields))

    def covers_needs(self, requester: Requester, needs: Iterable[str]) -> bool:
        """Whether this grant covers ``type.field`` needs (a bare type: only holding one)."""
        if not self.names(requester):
            return False
        for need in needs:
            type_code, _, name = need.partition(".")
            if type_code not in self.type_codes:
                return False
            if name and not self.covers_field(type_code, name):
                return False
        return True


@dataclass(frozen=True)
class GrantTerms:
    """What a holder grants (授权): to a department or an item, which licence types (and
    fields; None: all of them), for what purpose, until when, once or repeatedly."""

    holder_id: str
    grantee_department: str | None
    grantee_item: str | None
    type_codes: Sequence[str]
    fields: Sequence[str] | None
    purpose: str
    expires_at: datetime
    single_use: bool

    def __post_init__(self) -> None:
        # Stored as tuples whatever the caller passed, so the terms stay immutable.
        object.__setattr__(self, "type_codes", tuple(self.type_codes))
        if self.fields is not None:
            object.__setattr__(self, "fields", tuple(self.fields))

    def checked(self, *, known_types: Iterable[str], at: datetime) -> GrantTerms:
        """The terms validated (every problem at once, ``ValidationFailed``) and normalised."""
        values = check_new_grant(
            grantee_department=self.grantee_department,
            grantee_item=self.grantee_item,
            type_codes=self.type_codes,
            known_types=known_types,
            fields=self.fields,
            purpose=self.purpose,
            expires_at=self.expires_at,
            at=at,
        )
        return replace(self, **values)

    def as_grant(self, *, id: int, at: datetime, used_at: datetime | None = None) -> Grant:
        """The grant these terms make, given at ``at``."""
        return Grant(
            id=id,
            holder_id=self.holder_id,
            grantee_department=self.grantee_department,
            grantee_item=self.grantee_item,
            type_codes=tuple(self.type_codes),
            fields=None if self.fields is None else tuple(self.fields),
            purpose=self.purpose,
            expires_at=self.expires_at,
            single_use=self.single_use,
            created_at=at,
            used_at=used_at,
        )


def plain_fields(fields: Iterable[str]) -> list[str]:
    """Field names as asked; a qualified ``type.field`` keeps its qualification."""
    return [f.strip() for f in fields if f.strip()]


def wanted(type_code: str, fields: Sequence[str] | None) -> set[str] | None:
    """The fields of ``type_code`` a request asks for (None: every field)."""
    if fields is None:
        return None
    found: set[str] = set()
    for name in fields:
        if "." in name:
            kind, _, field_name = name.partition(".")
            if kind == type_code:
                found.add(field_name)
        else:
            found.add(name)
    return found


def check_new_grant(
    *,
    grantee_department: str | None,
    grantee_item: str | None,
    type_codes: Sequence[str],
    known_types: Iterable[str],
    fields: Sequence[str] | None,
    purpose: str,
    expires_at: datetime,
    at: datetime,
) -> dict[str, Any]:
    """Validate a grant the holder is about to give; returns its normalised values."""
    errors: dict[str, str] = {}
    department = (grantee_department or "").strip() or None
    item = (grantee_item or "").strip() or None
    if department is None and item is None:
        errors["grantee"] = "请选择被授权的部门或事项"
    types = list(dict.fromkeys(t.strip() for t in type_codes if t.strip()))
    known = set(known_types)
    if not types:
        errors["type_codes"] = "请至少选择一种电子证照"
    elif known and any(t not in known for t in types):
        unknown = "、".join(t for t in types if t not in known)
        errors["type_codes"] = "未知的电子证照类型：" + unknown
    names = None if fields is None else plain_fields(fields)
    if names is not None and not names:
        names = None
    if names is not None:
        bad = [n for n in names if "." in n and n.partition(".")[0] not in types]
        if bad:
            errors["fields"] = "字段不属于所选证照：" + "、".join(bad)
    text = (purpose or "").strip()
    if not text:
        errors["purpose"] = "请写明授权用途"
    elif len(text) > 200:
        errors["purpose"] = "用途不超过200字"
    if expires_at.tzinfo is None or expires_at <= at:
        errors["expires_at"] = "授权期限应晚于现在"
    elif expires_at > at + timedelta(days=MAX_GRANT_DAYS):
        errors["expires_at"] = "授权期限最长一年"
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "grantee_department": department,
        "grantee_item": item,
        "type_codes": types,
        "fields": names,
        "purpose": text,
    }
