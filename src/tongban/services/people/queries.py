"""Read side of people: finding the applicant a clerk serves, and an applicant as cases show it.

An applicant is a citizen (by an identity document) or an enterprise (by its 统一社会信用代码);
a staff account is never one, even when it holds the same number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, or_, select

from tongban.adapters.db.tables import users
from tongban.domain.errors import DomainError, UserNotFound, ValidationFailed
from tongban.domain.people.model import Principal, UserKind
from tongban.domain.shared.identity import (
    IdType,
    document_number,
    nationality_code,
    parse_credit_code,
    parse_resident_id,
)
from tongban.domain.shared.masking import mask_document, mask_name, mask_phone
from tongban.services.people.documents import citizen_holding, holds_gb11643

APPLICANT_KINDS = (UserKind.CITIZEN.value, UserKind.ENTERPRISE.value)

NOT_REGISTERED = "没有找到该申请人，请先为其注册账号"


@dataclass(frozen=True)
class Applicant:
    """A citizen's or an enterprise's account as a case shows it."""

    id: int
    kind: UserKind
    name: str
    id_number: str | None
    credit_code: str | None
    phone: str | None
    id_type: str | None = None
    """The citizen's identity document (``IdType`` value), which decides how it is masked."""

    @property
    def number(self) -> str | None:
        """The identity-document number of a citizen, the credit code of an enterprise."""
        return self.id_number or self.credit_code

    @property
    def masked_number(self) -> str | None:
        """The number as staff see it beside the name: an ID number masked, a credit code whole."""
        return self.masked().number

    def facts(self) -> dict[str, str | None]:
        """What an application form may take from the account (``ACCOUNT_SOURCES``)."""
        citizen = self.kind is UserKind.CITIZEN
        return {
            "person_name": self.name if citizen else None,
            "id_number": self.id_number if citizen else None,
            "enterprise_name": None if citizen else self.name,
            "credit_code": None if citizen else self.credit_code,
            "phone": self.phone,
        }

    def masked(self) -> Applicant:
        """As a list shows it: a citizen's name, the ID number and the phone masked; an
        enterprise's name and credit code are public (企业信用信息公示) and stay whole."""
        citizen = self.kind is UserKind.CITIZEN
        return replace(
            self,
            name=mask_name(self.name) if citizen else self.name,
            id_number=mask_document(self.id_type, self.id_number) if self.id_number else None,
            phone=mask_phone(self.phone) if self.phone else None,
        )


def _likely_resident_id(text: str) -> bool:
    """Which rejection to show when a number is valid as neither kind: 17 digits first read
    as an ID number, unless they start as an enterprise's credit code does (91, 92, 93)."""
    return text[:17].isdigit() and text[:2] not in ("91", "92", "93")


def find_applicant(
    conn: Connection,
    number: str,
    *,
    today: date,
    id_type: IdType | None = None,
    nationality: str | None = None,
    field: str = "id_number",
) -> int:
    """The applicant a clerk serves (窗口核验身份), by the number the applicant hands over.

    With ``id_type``, the number of that identity document, held by a citizen; a passport
    number two countries issued needs its ``nationality`` too (``DocumentAmbiguous``, else
    ignored).  Without, a
    GB 11643 number (身份证, 港澳台居民居住证 and the 2023 永居证 share it), held by a citizen,
    or a GB 32100 credit code, held by an enterprise; a number valid as both is looked up as
    both.  The number is validated first, so a typo is told apart from an unknown applicant
    (the error on ``field``); a staff account never matches; none: ``UserNotFound``.
    """
    text = number.strip().upper()
    if not text:
        raise ValidationFailed(fields={field: "请输入申请人的身份证号码或统一社会信用代码"})
    if id_type is not None:
        try:
            document = document_number(id_type, text, today=today)
            country = nationality_code(nationality) if id_type is IdType.PASSPORT else None
        except DomainError as error:
            raise _on_field(error, field) from None
        holder = citizen_holding(conn, document, id_type, country, columns=(users.c.id,))
        if holder is None:
            raise UserNotFound(fields={field: NOT_REGISTERED})
        return int(holder.id)
    as_id = as_code = None
    errors: list[DomainError] = []
    try:
        as_id = parse_resident_id(text, today=today).number
    except DomainError as error:
        errors.append(error)
    try:
        as_code = parse_credit_code(text).code
    except DomainError as error:
        errors.append(error)
    if as_id is None and as_code is None:
        raise _on_field(errors[0] if _likely_resident_id(text) else errors[1], field)
    return _registered(conn, field, citizen=as_id, enterprise=as_code)


def _on_field(error: DomainError, field: str) -> DomainError:
    """The rejection of a number, shown beside the field it was typed in."""
    error.fields.setdefault(field, error.message)
    return error


def _registered(
    conn: Connection, field: str, *, citizen: str | None = None, enterprise: str | None = None
) -> int:
    matches = []
    if citizen is not None:
        matches.append(holds_gb11643(citizen))
    if enterprise is not None:
        matches.append(
            (users.c.credit_code == enterprise) & (users.c.kind == UserKind.ENTERPRISE.value)
        )
    query = select(users.c.id).where(or_(*matches)).order_by(users.c.id).limit(1)
    found = conn.execute(query).scalar()
    if found is None:
        raise UserNotFound(fields={field: NOT_REGISTERED})
    return int(found)


def _applicant_query() -> Select[Any]:
    return select(
        users.c.id,
        users.c.kind,
        users.c.name,
        users.c.id_number,
        users.c.credit_code,
        users.c.phone,
        users.c.id_type,
    )


def applicants(conn: Connection, user_ids: Iterable[int]) -> dict[int, Applicant]:
    """The accounts of these users (the applicants of some cases), by id."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = conn.execute(_applicant_query().where(users.c.id.in_(wanted)))
    return {row.id: _applicant(row) for row in rows}


_APPLICANT = _applicant_query().where(
    users.c.id == bindparam("user_id"), users.c.kind.in_(APPLICANT_KINDS)
)
"""Built once (every submission and 秒批 decision reads it): no cache-key work per call."""


def applicant(conn: Connection, user_id: int) -> Applicant | None:
    """The citizen or enterprise with this id; None for anyone else (a staff account)."""
    row = conn.execute(_APPLICANT, {"user_id": user_id}).first()
    return _applicant(row) if row is not None else None


def applicant_of(principal: Principal) -> Applicant | None:
    """The signed-in applicant's account as read with their session (``Principal.contact``),
    without a read of its own; None for anyone else, or when the session read did not bring
    it (a principal made another way: then ``applicant``)."""
    if principal.contact is None or principal.kind.value not in APPLICANT_KINDS:
        return None
    return Applicant(
        id=principal.user_id,
        kind=principal.kind,
        name=principal.name,
        id_number=principal.id_number,
        credit_code=principal.credit_code,
        phone=principal.contact.phone,
        id_type=principal.contact.id_type,
    )


def _applicant(row: Row[Any]) -> Applicant:
    return Applicant(
        id=row.id,
        kind=UserKind(row.kind),
        name=row.name,
        id_number=row.id_number,
        credit_code=row.credit_code,
        phone=row.phone,
        id_type=row.id_type,
    )
