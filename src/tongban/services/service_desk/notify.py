"""Who the service desk tells, and how: in-app messages (and an SMS to the person concerned)
written to the outbox on the use case's own connection, so a message exists iff the change
commits.  Every message has a dedup key, so a retried change or a second sweep queues nothing
new.  Texts never show an ID or mobile number (``mask_text``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import centres, role_assignments, users
from tongban.domain.people.model import Role
from tongban.domain.shared.masking import mask_text
from tongban.services.cases.notify import SMS_SIGNATURE, department_staff
from tongban.services.platform import outbox


def centre_managers(conn: Connection, centre_id: int) -> list[int]:
    """The active managers of the centre; a community centre without one is looked after by
    the manager of the centre above it, so an alert always reaches someone who can act."""
    current: int | None = centre_id
    while current is not None:
        query = (
            select(role_assignments.c.user_id)
            .join(users, users.c.id == role_assignments.c.user_id)
            .where(
                role_assignments.c.centre_id == current,
                role_assignments.c.role == Role.CENTRE_MANAGER.value,
                users.c.is_active.is_(True),
            )
            .distinct()
            .order_by(role_assignments.c.user_id)
        )
        found = [int(u) for u in conn.execute(query).scalars()]
        if found:
            return found
        current = conn.execute(select(centres.c.parent_id).where(centres.c.id == current)).scalar()
    return []


def department_desk(conn: Connection, department_code: str) -> list[int]:
    """The department's reviewers and section chiefs: those who answer its questions."""
    found = department_staff(conn, department_code, Role.SECTION_CHIEF)
    found += department_staff(conn, department_code, Role.REVIEWER)
    return list(dict.fromkeys(found))


def phone_of(conn: Connection, user_id: int) -> str | None:
    phone = conn.execute(select(users.c.phone).where(users.c.id == user_id)).scalar()
    return str(phone) if phone else None


def tell(
    conn: Connection,
    recipients: Iterable[int],
    title: str,
    body: str,
    values: Mapping[str, object],
    *,
    link: str,
    key: str,
    now: datetime,
    sms_to: int | None = None,
) -> int:
    """An in-app message to each recipient (once per ``key`` and recipient), and an SMS to
    ``sms_to``'s phone when given; returns how many messages were queued."""
    text = mask_text(body.format_map(dict(values)))
    heading = mask_text(title)
    messages = [
        outbox.inbox(user_id, heading, text, link=link, dedup_key=f"{key}:inbox:{user_id}")
        for user_id in dict.fromkeys(recipients)
    ]
    if sms_to is not None and (phone := phone_of(conn, sms_to)):
        messages.append(outbox.sms(phone, SMS_SIGNATURE + text, dedup_key=f"{key}:sms"))
    outbox.enqueue_many(conn, messages, now=now)
    return len(messages)
