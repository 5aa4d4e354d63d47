"""The e-licence (电子证照) value object and its identifier.

A licence is valid from ``valid_from`` to ``valid_until`` (inclusive, China dates) unless it is
revoked; "expired" is never stored, it follows from the dates.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tongban.domain.licences.errors import LicenceHolderInvalid
from tongban.domain.licences.trust import TrustLevel
from tongban.domain.licences.types import HolderKind, find_type, type_name
from tongban.domain.shared.identity import parse_credit_code, parse_resident_id
from tongban.domain.shared.masking import mask_id_number

ID_PREFIX = "DZZZ"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U


class LicenceStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[LicenceStatus, str] = {
    LicenceStatus.VALID: "有效",
    LicenceStatus.REVOKED: "已注销",
    LicenceStatus.EXPIRED: "已过期",
    LicenceStatus.NOT_YET_VALID: "尚未生效",
}


def new_licence_id(type_code: str, day: date) -> str:
    """A readable, unguessable identifier: ``DZZZ-id_card-20261127-7K3QX9MA``."""
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{ID_PREFIX}-{type_code}-{day:%Y%m%d}-{tail}"


def looks_like_licence_id(text: str) -> bool:
    parts = text.split("-")
    return len(parts) == 4 and parts[0] == ID_PREFIX and len(text) <= 60


def check_holder(kind: HolderKind, holder_id: str, holder_name: str) -> str:
    """The holder's number normalised: a person's 18-digit ID is checked (GB 11643), other
    identity documents only for their shape; an enterprise's credit code (GB 32100)."""
    number = holder_id.strip().upper()
    if not holder_name.strip() or len(holder_name) > 100:
        raise LicenceHolderInvalid(reason="请填写持证人名称（不超过100字）")
    if kind is HolderKind.ENTERPRISE:
        return parse_credit_code(number).code
    if len(number) == 18:
        return parse_resident_id(number).number
    if not (5 <= len(number) <= 40 and number.isascii() and number.isalnum()):
        raise LicenceHolderInvalid(reason="证件号码应为5至40位字母或数字")
    return number


@dataclass(frozen=True)
class Licence:
    """One issued e-licence with its signed credential (SD-JWT VC text)."""

    id: str
    type_code: str
    holder_id: str
    holder_name: str
    fields: dict[str, Any]
    valid_from: date
    valid_until: date | None
    issued_at: datetime
    issuer_department: str
    credential: str
    key_id: str
    case_number: str | None = None
    revoked_at: datetime | None = None
    revoke_reason: str = ""
    issued_by: int | None = field(default=None, compare=False)
    issuer_region: str | None = None
    """A partner node's region code when that node issued the licence (跨城通办); None: ours."""
    issuer_name: str = ""
    """That node's name (佛山市南海区), shown as the issuer."""

    @property
    def issued_elsewhere(self) -> bool:
        """Issued by a partner node and verified here with its published keys: no department
        here issued it, none here may revoke it (the issuer's revocation list says)."""
        return self.issuer_region is not None

    @property
    def type_name(self) -> str:
        return type_name(self.type_code)

    @property
    def trust_level(self) -> TrustLevel:
        """Issued by the implementing agency and signed: usable as is (A)."""
        return TrustLevel.A

    def status_on(self, day: date) -> LicenceStatus:
        if self.revoked_at is not None:
            return LicenceStatus.REVOKED
        if day < self.valid_from:
            return LicenceStatus.NOT_YET_VALID
        if self.valid_until is not None and day > self.valid_until:
            return LicenceStatus.EXPIRED
        return LicenceStatus.VALID

    @property
    def holder_kind(self) -> HolderKind:
        found = find_type(self.type_code)
        return found.holder_kind if found else HolderKind.PERSON

    @property
    def holder_id_masked(self) -> str:
        """A person's number masked; an enterprise's credit code is public and shown whole."""
        if self.holder_kind is HolderKind.ENTERPRISE:
            return self.holder_id
        return mask_id_number(self.holder_id)
