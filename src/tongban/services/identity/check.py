"""免证办: identify a person at a window or kiosk by one of three methods behind one interface —
the citizen code (a signed token on the citizen's phone, 2 minutes, single use), the ID-card
reader, or a face check against the holder's reference photo with a score threshold.

Each identification is written to ``identity_checks`` and, since the clerk then sees the full
ID number, to the data-access log.  A refused attempt (expired, replayed or forged code, a face
below the threshold) changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, delete, insert, select, update

from tongban.adapters.db.tables import users
from tongban.adapters.db.tables_data_space import citizen_codes, identity_checks
from tongban.domain.data_space.materials import licence_type_for
from tongban.domain.data_space.model import Grant, GrantTerms
from tongban.domain.data_space.prefill import sources
from tongban.domain.errors import DomainError, PermissionDenied
from tongban.domain.identity_check import model
from tongban.domain.identity_check.errors import (
    CitizenCodeExpired,
    CitizenCodeInvalid,
    CitizenCodeUsed,
    FaceMismatch,
    IdCardUnreadable,
    IdentifyFirst,
    NothingToConsentTo,
    PersonNotRegistered,
)
from tongban.domain.identity_check.model import CardData, CitizenCode, IdentifiedPerson, Method
from tongban.domain.people.model import Role, UserKind
from tongban.domain.shared.identity import parse_resident_id
from tongban.services.catalogue.items import published_item
from tongban.services.data_space import licence_port
from tongban.services.data_space.grants import insert_grant
from tongban.services.people.documents import holds_gb11643
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

DEFAULT_FACE_THRESHOLD = 0.80
CONSENT_WINDOW = timedelta(minutes=15)
"""How recently the clerk must have identified the person whose consent they record."""
CONSENT_LASTS = timedelta(days=1)
IDENTIFYING_ROLES = (Role.CLERK, Role.CENTRE_MANAGER, Role.KIOSK)
"""Who identifies people: window staff, and kiosks (自助终端) for their own visitors."""


class IdCardReader(Protocol):
    """Port: a resident ID-card reader; returns what the card's chip holds."""

    def read(self, payload: Mapping[str, Any]) -> CardData: ...


class FaceCamera(Protocol):
    """Port: a face camera comparing a probe with the holder's reference photo (0..1)."""

    def compare(self, id_number: str, probe: str) -> float: ...


def _holder(actor: Actor) -> int:
    principal = actor.principal
    if principal is None or principal.kind not in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        raise PermissionDenied()
    return principal.user_id


def _identifier(actor: Actor) -> None:
    principal = actor.principal
    if principal is None or not principal.has_role(*IDENTIFYING_ROLES):
        raise PermissionDenied()


@atomic
def issue_citizen_code(uow: UnitOfWork, actor: Actor, *, key: str) -> CitizenCode:
    """市民码: a fresh signed token for the signed-in citizen, valid 2 minutes, usable once."""
    user_id = _holder(actor)
    jti = model.new_jti()
    expires_at = (actor.at + model.CODE_LIFETIME).replace(microsecond=0)
    uow.conn.execute(
        insert(citizen_codes).values(
            jti=jti, user_id=user_id, issued_at=actor.at, expires_at=expires_at
        )
    )
    audit.record(uow.conn, actor, "citizen_code.issued", "citizen_code", jti, {"user_id": user_id})
    return CitizenCode(model.sign(key, jti, user_id, expires_at), jti, user_id, expires_at)


KEEP_CODES = timedelta(days=1)
"""Codes are kept a day past their expiry, so a late replay still hears "expired" or "used"."""


def codes_expired_before(before: datetime) -> ColumnElement[bool]:
    """Citizen codes that expired before ``before`` (the worker purges them in batches)."""
    return citizen_codes.c.expires_at < before


def purge_codes(conn: Connection, before: datetime) -> int:
    """Delete citizen codes that expired before ``before`` in one statement."""
    return conn.execute(delete(citizen_codes).where(codes_expired_before(before))).rowcount


@atomic
def redeem_citizen_code(uow: UnitOfWork, actor: Actor, token: str, *, key: str) -> IdentifiedPerson:
    """A clerk or kiosk scans a citizen code: genuine, unexpired and unused, or refused."""
    _identifier(actor)
    claims = model.verify(key, token)
    row = uow.conn.execute(select(citizen_codes).where(citizen_codes.c.jti == claims.jti)).first()
    if row is None or row.user_id != claims.user_id:
        raise CitizenCodeInvalid()
    if row.used_at is not None:
        raise CitizenCodeUsed()
    if row.expires_at <= actor.at:
        raise CitizenCodeExpired()
    # Single use: of two windows scanning the same code at once, exactly one wins.
    won = uow.conn.execute(
        update(citizen_codes)
        .where(
            citizen_codes.c.jti == claims.jti,
            citizen_codes.c.used_at.is_(None),
            citizen_codes.c.expires_at > actor.at,
        )
        .values(used_at=actor.at, used_by=actor.user_id)
    ).rowcount
    if not won:
        raise CitizenCodeUsed()
    return _identified(uow, actor, row.user_id, Method.CITIZEN_CODE)


def _person_by_number(conn: Connection, id_number: str) -> int:
    try:
        number = parse_resident_id(id_number).number
    except DomainError as error:
        raise IdCardUnreadable(reason=error.message) from None
    # A card's or a face check's number is GB 11643 (身份证, 居住证, 永居证): it names the
    # document alone, however many passports share some other number.
    found = conn.execute(select(users.c.id).where(holds_gb11643(number))).scalar()
    if found is None:
        raise PersonNotRegistered()
    return int(found)


@atomic
def read_id_card(
    uow: UnitOfWork,
    actor: Actor,
    device_payload: Mapping[str, Any],
    *,
    reader: IdCardReader,
) -> IdentifiedPerson:
    """读取身份证: the reader's chip data names a registered person (number and name agree)."""
    _identifier(actor)
    card = reader.read(device_payload)
    user_id = _person_by_number(uow.conn, card.id_number)
    name = uow.conn.execute(select(users.c.name).where(users.c.id == user_id)).scalar_one()
    if name != card.name:
        raise IdCardUnreadable(reason="证件上的姓名与登记信息不一致，请人工核验")
    return _identified(uow, actor, user_id, Method.ID_CARD)


@atomic
def face_check(
    uow: UnitOfWork,
    actor: Actor,
    *,
    id_number: str,
    probe: str,
    camera: FaceCamera,
    threshold: float = DEFAULT_FACE_THRESHOLD,
) -> IdentifiedPerson:
    """人脸核验: the camera's match score against the holder's photo must reach ``threshold``."""
    _identifier(actor)
    user_id = _person_by_number(uow.conn, id_number)
    score = camera.compare(id_number.strip().upper(), probe)
    if score < threshold:
        raise FaceMismatch(score=f"{score:.2f}", threshold=f"{threshold:.2f}")
    return _identified(uow, actor, user_id, Method.FACE, score)


def _identified(
    uow: UnitOfWork, actor: Actor, user_id: int, method: str, score: float | None = None
) -> IdentifiedPerson:
    conn = uow.conn
    person = conn.execute(
        select(
            users.c.id, users.c.name, users.c.kind, users.c.id_number, users.c.credit_code
        ).where(users.c.id == user_id, users.c.is_active.is_(True))
    ).first()
    if person is None:
        raise PersonNotRegistered()
    centre = None
    if actor.principal is not None:
        centre = next((a.centre_code for a in actor.principal.roles if a.centre_code), None)
    conn.execute(
        insert(identity_checks).values(
            at=actor.at,
            actor_id=actor.user_id,
            method=method,
            subject_id=user_id,
            score=score,
            centre_code=centre,
            request_id=actor.request_id,
        )
    )
    audit.record_data_access(conn, actor, user_id, f"identity:{method}", "核验办事人身份")
    return IdentifiedPerson(
        user_id=person.id,
        name=person.name,
        id_number=person.id_number or person.credit_code or "",
        kind=person.kind,
        method=method,
        score=score,
    )


def recent_identification(
    conn: Connection, actor: Actor, subject_id: int, *, method: str | None = None
) -> int | None:
    """The id of the latest identity check of ``subject_id`` by this actor in the last
    ``CONSENT_WINDOW`` (by ``method`` if given), or None: the person stood here just now."""
    query = select(identity_checks.c.id).where(
        identity_checks.c.actor_id == actor.user_id,
        identity_checks.c.subject_id == subject_id,
        identity_checks.c.at >= actor.at - CONSENT_WINDOW,
    )
    if method is not None:
        query = query.where(identity_checks.c.method == method)
    found = conn.execute(query.order_by(identity_checks.c.at.desc()).limit(1)).scalar()
    return None if found is None else int(found)


@atomic
def record_consent(uow: UnitOfWork, actor: Actor, *, subject_id: int, item_code: str) -> Grant:
    """当面授权: the person just identified at the window consents that this item's case take
    the e-licences it needs (材料秒报, 表单秒填); recorded as a one-day grant to the item."""
    _identifier(actor)
    conn = uow.conn
    if recent_identification(conn, actor, subject_id) is None:
        raise IdentifyFirst()
    person = conn.execute(
        select(users.c.id_number, users.c.credit_code).where(users.c.id == subject_id)
    ).one()
    item = published_item(conn, item_code.strip().upper())
    known = licence_port.licence_types()
    wanted = [licence_type_for(m, known) for m in item.spec.materials]
    wanted += [source.partition(".")[0] for source in sources(item.spec.form).values()]
    types = {t for t in wanted if t is not None and t in known}
    if not types:
        raise NothingToConsentTo()
    terms = GrantTerms(
        holder_id=person.credit_code or person.id_number,
        grantee_department=None,
        grantee_item=item.code,
        type_codes=sorted(types),
        fields=None,
        purpose="窗口当面授权：办理“" + item.spec.name + "”",
        expires_at=actor.at + CONSENT_LASTS,
        single_use=False,
    )
    return insert_grant(uow, actor, terms)
