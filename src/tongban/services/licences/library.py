"""The e-licence library (电子证照): issue, read, revoke, render and verify licences.

Issuing signs an SD-JWT VC at once and stores it with the licence; the PDF is rendered and
PAdES-signed only when someone downloads it.  Verification (``licences.verify``) needs only
the published keys; the web verifier adds the revocation status from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Insert, RowMapping, bindparam, insert, or_, select, update

from tongban.adapters import sdjwt
from tongban.adapters.db.tables import departments, users
from tongban.adapters.db.tables_licences import licences
from tongban.domain.errors import ValidationFailed
from tongban.domain.licences.errors import (
    LicenceAlreadyRevoked,
    LicenceNotFound,
    LicenceValidityInvalid,
)
from tongban.domain.licences.model import Licence, LicenceStatus, check_holder, new_licence_id
from tongban.domain.licences.types import licence_type
from tongban.domain.shared.clock import china_date
from tongban.services.licences.verify import Verification, verify_credential, verify_pdf
from tongban.services.platform import audit, jurisdiction
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

if TYPE_CHECKING:
    from tongban.adapters.keys import KeyRing

__all__ = [
    "Verification",
    "get",
    "holder_licences",
    "issue",
    "present",
    "render_pdf",
    "revoke",
    "sign",
    "status_of",
    "store",
    "verify_credential",
    "verify_pdf",
]

VCT_PREFIX = "urn:tongban:licence:"


def _credential(
    keys: KeyRing,
    issuer: str,
    licence_id: str,
    type_code: str,
    department: str,
    holder_id: str,
    holder_name: str,
    fields: Mapping[str, Any],
    issued_at: datetime,
    valid_from: date,
    valid_until: date | None,
) -> str:
    public: dict[str, Any] = {
        "iss": issuer,
        "vct": VCT_PREFIX + type_code,
        "jti": licence_id,
        "iat": int(issued_at.timestamp()),
        "nbf_date": valid_from.isoformat(),
        "issuer_department": department,
    }
    if valid_until is not None:
        public["exp_date"] = valid_until.isoformat()
        # exp: the end of the last valid China day (UTC+8), as seconds since the epoch.
        end = datetime(valid_until.year, valid_until.month, valid_until.day) + timedelta(days=1)
        public["exp"] = int((end - timedelta(hours=8) - datetime(1970, 1, 1)).total_seconds())
    disclosable = {"holder_id": holder_id, "holder_name": holder_name, **fields}
    return sdjwt.issue(public, disclosable, keys.signer)


def sign(
    actor: Actor,
    keys: KeyRing,
    *,
    issuer: str,
    type_code: str,
    holder_id: str,
    holder_name: str,
    fields: Mapping[str, Any],
    case_number: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> Licence:
    """A new licence checked and its credential signed, not yet stored (see ``issue``)."""
    kind = licence_type(type_code)
    holder = check_holder(kind.holder_kind, holder_id, holder_name)
    cleaned = kind.clean_fields(fields)
    start = valid_from or china_date(actor.at)
    end = valid_until
    if end is None and kind.validity_days is not None:
        end = start + timedelta(days=kind.validity_days)
    if end is not None and end < start:
        raise LicenceValidityInvalid()
    licence_id = new_licence_id(type_code, china_date(actor.at))
    name = holder_name.strip()
    credential = _credential(
        keys, issuer, licence_id, type_code, kind.department_code, holder, name, cleaned, actor.at,
        start, end,
    )  # fmt: skip
    return Licence(
        id=licence_id,
        type_code=type_code,
        holder_id=holder,
        holder_name=name,
        fields=cleaned,
        valid_from=start,
        valid_until=end,
        issued_at=actor.at,
        issuer_department=kind.department_code,
        credential=credential,
        key_id=keys.current.kid,
        case_number=case_number,
        issued_by=actor.user_id,
    )


_INSERT = insert(licences)
"""Built once: no cache-key work per issued licence."""


def store(conn: Connection, licence: Licence) -> tuple[str, str, str, dict[str, Any]]:
    """Insert a signed licence (one statement); returns its audit entry for the caller to
    record in the same transaction."""
    conn.execute(*insert_of(licence))
    return audit_entry(licence)


def audit_entry(licence: Licence) -> tuple[str, str, str, dict[str, Any]]:
    """The audit entry of a stored licence (``licence.issue``)."""
    detail = {"type": licence.type_code, "case": licence.case_number, "kid": licence.key_id}
    return ("licence.issue", "licence", licence.id, detail)


def insert_of(licence: Licence) -> tuple[Insert, list[dict[str, Any]]]:
    """``store``'s insert and row, for a caller that sends it with its own inserts."""
    return _INSERT, [
        {
            "id": licence.id,
            "type_code": licence.type_code,
            "holder_id": licence.holder_id,
            "holder_name": licence.holder_name,
            "fields": licence.fields,
            "valid_from": licence.valid_from,
            "valid_until": licence.valid_until,
            "status": "valid",
            "issued_at": licence.issued_at,
            "issued_by": licence.issued_by,
            "issuer_department": licence.issuer_department,
            "case_number": licence.case_number,
            "credential": licence.credential,
            "key_id": licence.key_id,
            "issuer_region": licence.issuer_region,
            "issuer_name": licence.issuer_name or None,
        }
    ]


@atomic
def issue(
    uow: UnitOfWork,
    actor: Actor,
    keys: KeyRing,
    *,
    type_code: str,
    holder_id: str,
    holder_name: str,
    fields: Mapping[str, Any],
    case_number: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> Licence:
    """Issue a licence (出证): check the fields, sign its credential, store it with an audit entry.

    Called by another use case (a 秒批 decision), it joins that one's transaction.  Without
    ``valid_until`` the type's default term applies (none: long-term).
    """
    issuer = jurisdiction.current(uow.conn).credential_issuer
    licence = sign(
        actor, keys, issuer=issuer, type_code=type_code, holder_id=holder_id,
        holder_name=holder_name, fields=fields, case_number=case_number, valid_from=valid_from,
        valid_until=valid_until,
    )  # fmt: skip
    audit.record(uow.conn, actor, *store(uow.conn, licence))
    return licence


def _licence(row: RowMapping) -> Licence:
    return Licence(
        id=row["id"],
        type_code=row["type_code"],
        holder_id=row["holder_id"],
        holder_name=row["holder_name"],
        fields=dict(row["fields"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        issued_at=row["issued_at"],
        issuer_department=row["issuer_department"],
        credential=row["credential"],
        key_id=row["key_id"],
        case_number=row["case_number"],
        revoked_at=row["revoked_at"],
        revoke_reason=row["revoke_reason"],
        issued_by=row["issued_by"],
        issuer_region=row["issuer_region"],
        issuer_name=row["issuer_name"] or "",
    )


def get(conn: Connection, licence_id: str) -> Licence:
    """The licence with this id; ``LicenceNotFound`` (404 ``licence_not_found``) otherwise."""
    row = conn.execute(select(licences).where(licences.c.id == licence_id)).mappings().first()
    if row is None:
        raise LicenceNotFound(licence_id=licence_id[:60])
    return _licence(row)


def _holder_query(by_type: bool, valid_only: bool) -> Any:
    query = select(licences).where(licences.c.holder_id == bindparam("holder_id"))
    if by_type:
        query = query.where(licences.c.type_code.in_(bindparam("types", expanding=True)))
    if valid_only:
        query = query.where(licences.c.status == "valid")
    return query.order_by(licences.c.issued_at.desc(), licences.c.id)


_HOLDER_LICENCES = {(t, v): _holder_query(t, v) for t in (False, True) for v in (False, True)}
"""Built once, by (some types only, valid ones only): a decision reads a holder's licences."""


def holder_licences(
    conn: Connection,
    holder_id: str,
    *,
    valid_on: date | None,
    type_codes: Collection[str] | None = None,
) -> list[Licence]:
    """A holder's licences, newest first: those valid on ``valid_on``, or all when None."""
    query = _HOLDER_LICENCES[(type_codes is not None, valid_on is not None)]
    params: dict[str, Any] = {"holder_id": holder_id.strip().upper()}
    if type_codes is not None:
        params["types"] = list(type_codes)
    found = [_licence(row) for row in conn.execute(query, params).mappings()]
    if valid_on is not None:
        found = [lic for lic in found if lic.status_on(valid_on) is LicenceStatus.VALID]
    return found


@atomic
def revoke(uow: UnitOfWork, actor: Actor, licence_id: str, reason: str) -> Licence:
    """Revoke (注销) a licence: from the next verification on, it fails.  Commits.

    A conditional UPDATE on ``status = 'valid'``: of two revocations racing, exactly one wins;
    the other gets 409 ``licence_already_revoked``.
    """
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed(fields={"reason": "请填写注销原因（不超过500字）"})
    get(uow.conn, licence_id)
    done = uow.conn.execute(
        update(licences)
        .where(licences.c.id == licence_id, licences.c.status == "valid")
        .values(
            status="revoked", revoked_at=actor.at, revoked_by=actor.user_id, revoke_reason=reason
        )
    )
    if done.rowcount != 1:
        raise LicenceAlreadyRevoked(licence_id=licence_id)
    audit.record(uow.conn, actor, "licence.revoke", "licence", licence_id, {"reason": reason})
    return get(uow.conn, licence_id)


def status_of(conn: Connection) -> Callable[[str], str | None]:
    """A lookup of a licence's current status by id (None when the library does not hold it)."""

    def lookup(licence_id: str) -> str | None:
        row = conn.execute(
            select(licences.c.status, licences.c.valid_from, licences.c.valid_until).where(
                licences.c.id == licence_id
            )
        ).first()
        if row is None:
            return None
        if row.status == "revoked":
            return LicenceStatus.REVOKED.value
        return LicenceStatus.VALID.value

    return lookup


def holder_user_ids(conn: Connection, holder_id: str) -> tuple[int, ...]:
    """The accounts of a licence's holder (a person's ID number or a company's credit code):
    one, but a number other documents share (two countries' passports, 0046) may be
    several people's, and a read is then logged for each of them rather than for none."""
    found = conn.execute(
        select(users.c.id)
        .where(or_(users.c.id_number == holder_id, users.c.credit_code == holder_id))
        .order_by(users.c.id)
    ).scalars()
    return tuple(int(user_id) for user_id in found)


def department_name(conn: Connection, code: str) -> str:
    row = conn.execute(select(departments.c.name).where(departments.c.code == code)).first()
    return str(row.name) if row is not None else code


def present(licence: Licence, disclose: list[str]) -> str:
    """A presentation of the licence's credential disclosing only the named claims."""
    return sdjwt.present(licence.credential, disclose)


def render_pdf(
    licence: Licence,
    keys: KeyRing,
    *,
    verify_url: str | None = None,
    issuer_name: str = "",
    location: str = "",
) -> bytes:
    """The licence as a PAdES-signed PDF in Chinese, with a QR code to verify it; ``location``
    (the district's full name) goes into the signature."""
    from tongban.services.licences.pdf import render

    return render(licence, keys, verify_url=verify_url, issuer_name=issuer_name, location=location)
