"""The SMS rating link: when a case finishes, its applicant gets an SMS with a signed link
that opens the rating form without logging in.  The link is bound to the case, expires after
``rating_link_days`` and works once; a rating given through it is the applicant's own.

The invitations are queued by a worker sweep over recently finished cases (one link per case:
``rating_links.case_id`` is unique and the SMS has a dedup key), so a repeated run sends
nothing twice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Row, Select, and_, exists, select, update

from tongban.adapters.db.tables import cases, service_items, users
from tongban.adapters.db.tables_evaluation import rating_links, ratings
from tongban.domain.evaluation import links as tokens
from tongban.domain.evaluation.errors import (
    RatingLinkExpired,
    RatingLinkInvalid,
    RatingLinkUsed,
)
from tongban.domain.evaluation.model import (
    FINISHED_CASE_STATUSES,
    RatingChannel,
    Subject,
    check_marks,
)
from tongban.i18n import gettext as _
from tongban.services.cases.notify import SMS_SIGNATURE
from tongban.services.evaluation import ratings as rating_cases
from tongban.services.evaluation import records
from tongban.services.platform import audit, outbox
from tongban.services.platform.batches import sweep_in_batches
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, UnitsOfWork, atomic

RECENT = timedelta(days=3)
"""How far back the sweep looks for finished cases (a worker down longer loses nothing but
the SMS: the case can still be rated from 我的办件)."""
BATCH = 500


class LinkSettings(Protocol):
    @property
    def rating_link_days(self) -> int: ...

    @property
    def public_url(self) -> str: ...

    @property
    def sweep_batch_size(self) -> int: ...


class SignedPorts(UnitsOfWork, Protocol):
    """The container, as the invitation sweep needs it: units of work, the secret key and the
    link's lifetime."""

    @property
    def secret_key(self) -> str: ...

    @property
    def settings(self) -> LinkSettings: ...


def link_path(token: str) -> str:
    return f"/rate/{token}"


@dataclass(frozen=True)
class LinkedCase:
    """What the rating form of a link shows: the case and its item, never the person."""

    number: str
    item_name: str
    status: str
    expires_at: datetime
    rated: bool


def uninvited_query(since: datetime) -> Select[Any]:
    """Cases finished since ``since``, neither invited nor rated, with the applicant's phone
    and the item's name; the case's id is the worker sweep's key."""
    return (
        select(cases.c.id, cases.c.number, users.c.phone, service_items.c.name)
        .join(users, users.c.id == cases.c.applicant_id)
        .join(service_items, service_items.c.id == cases.c.item_id)
        .where(
            cases.c.status.in_(sorted(FINISHED_CASE_STATUSES)),
            cases.c.updated_at >= since,
            ~exists().where(rating_links.c.case_id == cases.c.id),
            ~exists().where(ratings.c.case_id == cases.c.id),
        )
    )


@dataclass(frozen=True)
class Invitation:
    """What every link of a run is made with: the signing key, lifetime and public address."""

    key: str
    link_days: int
    base_url: str = ""


def invite_one(conn: Connection, actor: Actor, invitation: Invitation, row: Row[Any]) -> bool:
    """One finished case gets its link (one per case: ``rating_links.case_id`` is unique) and
    its applicant one SMS; False if another run got there first or there is no phone."""
    jti = tokens.new_jti()
    expires = actor.at + timedelta(days=invitation.link_days)
    values = {"jti": jti, "case_id": row.id, "created_at": actor.at, "expires_at": expires}
    if not outbox.insert_or_ignore(conn, rating_links, ["case_id"], values):
        return False  # another worker got there first
    if not row.phone:
        return False
    url = invitation.base_url.rstrip("/") + link_path(tokens.sign(invitation.key, jti, expires))
    text = _("您的办件 {number}（{item}）已办结，请对本次服务进行评价：{url}").format(
        number=row.number, item=row.name, url=url
    )
    message = outbox.sms(row.phone, SMS_SIGNATURE + text, dedup_key=f"rating_link:{row.number}")
    outbox.enqueue_many(conn, [message], now=actor.at)
    return True


@atomic
def invite_finished(
    uow: UnitOfWork, actor: Actor, key: str, *, link_days: int, base_url: str = ""
) -> int:
    """Each case finished lately and neither invited nor rated gets one link and one SMS (at
    most ``BATCH`` a call; the worker's sweep pages through them all); returns how many were
    queued."""
    conn = uow.conn
    invitation = Invitation(key, link_days, base_url)
    query = uninvited_query(actor.at - RECENT).order_by(cases.c.id).limit(BATCH)
    return sum(invite_one(conn, actor, invitation, row) for row in conn.execute(query).all())


def _link_row(conn: Connection, key: str, token: str, now: datetime) -> Row[Any]:
    claims = tokens.verify(key, token)
    row = conn.execute(
        select(rating_links, cases.c.number)
        .join(cases, cases.c.id == rating_links.c.case_id)
        .where(rating_links.c.jti == claims.jti)
    ).first()
    if row is None or abs((row.expires_at - claims.expires_at).total_seconds()) >= 1:
        raise RatingLinkInvalid()
    if row.used_at is not None:
        raise RatingLinkUsed()
    if now >= row.expires_at:
        raise RatingLinkExpired()
    return row


def open_link(conn: Connection, key: str, token: str, now: datetime) -> LinkedCase:
    """The case a genuine, unexpired, unused link is bound to."""
    link = _link_row(conn, key, token, now)
    case = records.case_row(conn, link.number)
    return LinkedCase(
        case.number,
        case.item_name,
        case.status,
        link.expires_at,
        records.exists_for(conn, Subject.CASE, case.id),
    )


@atomic
def rate_by_link(
    uow: UnitOfWork,
    actor: Actor,
    key: str,
    token: str,
    level: str,
    dimensions: Mapping[str, object] | None,
    comment: str | None,
    *,
    rectification_days: int,
) -> rating_cases.RatingRef:
    """短信评价: the link stands for its case's applicant; it is used up by the rating (a
    conditional UPDATE: of two submissions at once one rates)."""
    marks = check_marks(level, dimensions, comment)
    conn = uow.conn
    link = _link_row(conn, key, token, actor.at)
    case = records.case_row(conn, link.number)
    row = rating_cases.check_rateable(conn, case.number, case.applicant_id)
    used = conn.execute(
        update(rating_links)
        .where(and_(rating_links.c.id == link.id, rating_links.c.used_at.is_(None)))
        .values(used_at=actor.at)
    ).rowcount
    if used != 1:
        raise RatingLinkUsed()
    audit.record(conn, actor, "rating.link_used", records.RATING, case.number)
    return rating_cases.give_case_rating(
        conn, actor, row, case.applicant_id, marks, RatingChannel.SMS, rectification_days
    )


def invite_sweep(ports: SignedPorts, now: datetime) -> int:
    """The worker's sweep (``rating_link_invitations``): invite the applicants of cases
    finished lately, in keyset pages of ``sweep_batch_size`` shared by the workers."""
    settings = ports.settings
    actor = Actor(request_id="sweep:rating_links", at=now)
    invitation = Invitation(ports.secret_key, settings.rating_link_days, settings.public_url)
    report = sweep_in_batches(
        ports,
        "rating_link_invitations",
        uninvited_query(now - RECENT),
        cases.c.id,
        lambda uow, row: invite_one(uow.conn, actor, invitation, row),
        now,
        batch=settings.sweep_batch_size,
        lock=cases,
    )
    return report.changed
