"""Notifications of a case (C18): written to the outbox in the transaction of the change.

``notify`` turns the case's pending events into in-app messages and SMS before the save, queued
with one multi-row insert, so a message exists iff the change commits; each key carries the
audit ``seq`` the event is about to take, so a retried transition never doubles a message.
Texts show the case number and the item name and never an ID number (``mask_text``); the phone
number is only the SMS's address.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from tongban.adapters.db.tables import centres, departments, role_assignments, service_items, users
from tongban.domain.cases.model import Case
from tongban.domain.cases.values import CaseEvent
from tongban.domain.people.model import Role
from tongban.domain.shared.masking import mask_text
from tongban.i18n import gettext as _
from tongban.services.platform import outbox
from tongban.services.platform.together import Part

SMS_SIGNATURE = "【通办】"


@dataclass(frozen=True)
class Note:
    """One message: a title and a body template; ``fill`` adds ``{number}`` and ``{item}``."""

    title: str
    body: str
    values: Mapping[str, object] = field(default_factory=dict)


def _applicant_note(event: CaseEvent) -> Note | None:
    """What the applicant is told of ``event``; None when it does not concern them."""
    detail, reason = event.detail, event.reason
    match event.type:
        case "CaseSubmitted":
            return Note(_("申请已提交"), _("您申请的“{item}”已提交，办件编号 {number}。"))
        case "CaseAccepted":
            body = _("您申请的“{item}”（办件编号 {number}）已受理，承诺于 {deadline} 前办结。")
            return Note(_("办件已受理"), body, dict(deadline=detail.get("deadline")))
        case "CaseDeemedAccepted":
            body = _(
                "您申请的“{item}”（办件编号 {number}）依《行政许可法》第三十二条自 {received} "
                "起视为受理，承诺于 {deadline} 前办结。"
            )
            values = dict(received=detail.get("received_on"), deadline=detail.get("deadline"))
            return Note(_("办件视为受理"), body, values)
        case "CaseAcceptedWithMissingMaterials":
            body = _(
                "您申请的“{item}”（办件编号 {number}）已容缺受理。请于 {supply_by} 前补交："
                "{names}；逾期未补交将按您的承诺终止办理。"
            )
            values = dict(supply_by=detail.get("supply_by"), names=_names(detail.get("missing")))
            return Note(_("办件已容缺受理"), body, values)
        case "CaseNotAccepted":
            body = _("您申请的“{item}”（办件编号 {number}）不予受理，理由：{reasons}")
            return Note(_("办件不予受理"), body, dict(reasons=reason))
        case "CaseCorrectionRequested":
            body = _("您申请的“{item}”（办件编号 {number}）需要补正：{needed}。原因：{reasons}")
            values = dict(needed=_names(detail.get("needed")), reasons=reason)
            return Note(_("请补正材料"), body, values)
        case "CaseRejected":  # signed by the section chief: the reviewer's reasons stand
            body = _(
                "您申请的“{item}”（办件编号 {number}）不予许可，理由：{reasons}。如不服，可依法申请"
                "行政复议或者提起行政诉讼。"
            )
            return Note(_("办件不予许可"), body, dict(reasons=detail.get("reasons") or reason))
        case "CaseResultIssued":
            body = _("您申请的“{item}”（办件编号 {number}）已出具办理结果，请留意送达。")
            return Note(_("办理结果已出具"), body)
        case "CaseDelivered":
            return Note(_("办理结果已送达"), _("您申请的“{item}”（办件编号 {number}）结果已送达。"))
        case "CaseTerminated":
            body = _("您申请的“{item}”（办件编号 {number}）已终止办理，原因：{reasons}")
            return Note(_("办件已终止办理"), body, dict(reasons=reason))
    return None


def _staff_note(event: CaseEvent) -> tuple[Role, Note] | None:
    """Which role of the competent department is told of ``event`` (否决权上移, 补正)."""
    if event.type == "CaseRejectionProposed":
        body = _("办件 {number}（{item}）拟不予许可，理由：{reasons}。请签发或退回。")
        note = Note(_("待签发：拟不予许可"), body, dict(reasons=event.reason))
        return Role.SECTION_CHIEF, note
    if event.type == "CaseCorrectionSupplied":
        body = _("办件 {number}（{item}）申请人已提交补正材料，办理时限恢复计算。")
        return Role.REVIEWER, Note(_("补正材料已提交"), body)
    return None


def _names(value: object) -> str:
    return "、".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value or "")


def case_link(number: str) -> str:
    """The applicant's page of the case."""
    return f"/my/cases/{number}"


def review_link(number: str) -> str:
    """The back office's page of the case (reviewers and section chiefs)."""
    return f"/review/cases/{number}"


def fill(note: Note, number: str, item: str) -> Note:
    """The final texts, with personal data masked wherever free text might carry it."""
    body = note.body.format_map({**note.values, "number": number, "item": item})
    return Note(mask_text(note.title), mask_text(body))


# --- lookups -----------------------------------------------------------------------------------


def item_name(conn: Connection, code: str) -> str:
    name = conn.execute(select(service_items.c.name).where(service_items.c.code == code)).scalar()
    return str(name or code)


def applicant_phone(conn: Connection, user_id: int) -> str | None:
    phone = conn.execute(select(users.c.phone).where(users.c.id == user_id)).scalar()
    return str(phone) if phone else None


def department_staff(conn: Connection, department_code: str, role: Role) -> list[int]:
    """Active holders of ``role`` in the department (reviewers, section chiefs)."""
    query = (
        select(role_assignments.c.user_id)
        .join(departments, departments.c.id == role_assignments.c.department_id)
        .join(users, users.c.id == role_assignments.c.user_id)
        .where(departments.c.code == department_code, role_assignments.c.role == role.value)
        .where(users.c.is_active.is_(True))
        .distinct()
        .order_by(role_assignments.c.user_id)
    )
    return [int(u) for u in conn.execute(query).scalars()]


def role_holders(conn: Connection, role: Role) -> list[int]:
    """Active holders of ``role`` anywhere (the catalogue admins who keep the calendar)."""
    query = (
        select(role_assignments.c.user_id)
        .join(users, users.c.id == role_assignments.c.user_id)
        .where(role_assignments.c.role == role.value, users.c.is_active.is_(True))
        .distinct()
        .order_by(role_assignments.c.user_id)
    )
    return [int(u) for u in conn.execute(query).scalars()]


def centre_managers(conn: Connection, centre_code: str | None) -> list[int]:
    """Active managers of the accepting centre (none for a case not yet accepted anywhere)."""
    if centre_code is None:
        return []
    query = (
        select(role_assignments.c.user_id)
        .join(centres, centres.c.id == role_assignments.c.centre_id)
        .join(users, users.c.id == role_assignments.c.user_id)
        .where(centres.c.code == centre_code)
        .where(role_assignments.c.role == Role.CENTRE_MANAGER.value)
        .where(users.c.is_active.is_(True))
        .distinct()
        .order_by(role_assignments.c.user_id)
    )
    return [int(u) for u in conn.execute(query).scalars()]


# --- writing to the outbox -----------------------------------------------------------------------


def tell_applicant(conn: Connection, case: Case, note: Note, key: str, now: datetime) -> None:
    """An in-app message and an SMS to the applicant's phone, each once per ``key``."""
    text = fill(note, case.number, item_name(conn, case.item_code))
    outbox.enqueue_inbox(
        conn,
        case.applicant_id,
        text.title,
        text.body,
        link=case_link(case.number),
        dedup_key=f"{key}:inbox",
        now=now,
    )
    phone = applicant_phone(conn, case.applicant_id)
    if phone:
        sms = SMS_SIGNATURE + text.body
        outbox.enqueue_sms(conn, phone, sms, dedup_key=f"{key}:sms", now=now)


def tell_staff(
    conn: Connection,
    case: Case,
    note: Note,
    users_: Iterable[int],
    key: str,
    now: datetime,
    link: str | None = None,
) -> int:
    """An in-app message to each of ``users_``, once per ``key`` and user; returns how many."""
    text = fill(note, case.number, item_name(conn, case.item_code))
    count = 0
    for user_id in dict.fromkeys(users_):
        outbox.enqueue_inbox(
            conn,
            user_id,
            text.title,
            text.body,
            link=review_link(case.number) if link is None else link,
            dedup_key=f"{key}:inbox:{user_id}",
            now=now,
        )
        count += 1
    return count


_ITEM_NAME = (
    select(service_items.c.name)
    .where(service_items.c.code == bindparam("item_code"))
    .scalar_subquery()
)
_PHONE = select(users.c.phone).where(users.c.id == bindparam("user_id")).scalar_subquery()
_ITEM_ONLY = select(_ITEM_NAME)
_ITEM_AND_PHONE = select(_ITEM_NAME, _PHONE)


def _item_and_phone(conn: Connection, code: str, user_id: int | None) -> tuple[str, str | None]:
    """The item's name and (when ``user_id`` is given) the user's phone, in one query."""
    if user_id is None:
        found = conn.execute(_ITEM_ONLY, {"item_code": code}).scalar()
        return str(found or code), None
    row = conn.execute(_ITEM_AND_PHONE, {"item_code": code, "user_id": user_id}).one()
    return str(row[0] or code), (str(row[1]) if row[1] else None)


def notify(
    conn: Connection,
    case: Case,
    now: datetime,
    *,
    known: tuple[str, str | None] | None = None,
) -> None:
    """Queue what the case's pending events tell the applicant and the staff; call before save.

    At most three statements whatever the events: the item's name with the applicant's phone
    (none when the caller ``known`` them already: the published item's name and the
    applicant's phone), the department's staff when a note is for them, and one multi-row
    insert into the outbox.
    """
    outbox.enqueue_many(conn, _messages(conn, case, known), now=now)


def notification_writes(
    conn: Connection,
    case: Case,
    now: datetime,
    *,
    known: tuple[str, str | None] | None = None,
) -> list[Part]:
    """``notify``'s outbox insert as a write for the caller to send with the case's own
    (``write_together``: nothing reads the outbox in the change); call before save."""
    messages = _messages(conn, case, known)
    return [outbox.queued(conn.dialect.name, messages, now=now)] if messages else []


def _messages(
    conn: Connection, case: Case, known: tuple[str, str | None] | None
) -> list[outbox.Pending]:
    """The messages the case's pending events send (their names and numbers read if need be)."""
    notes: list[tuple[str, Note | None, tuple[Role, Note] | None]] = []
    for seq, event in enumerate(case.events, start=case.audit_seq + 1):
        applicant, staff = _applicant_note(event), _staff_note(event)
        if applicant is not None or staff is not None:
            notes.append((f"case:{case.number}:{seq}", applicant, staff))
    if not notes:
        return []
    to_applicant = any(applicant is not None for _, applicant, _ in notes)
    if known is not None:
        item, phone = known
    else:
        item, phone = _item_and_phone(
            conn, case.item_code, case.applicant_id if to_applicant else None
        )
    staff_of: dict[Role, list[int]] = {}
    messages: list[outbox.Pending] = []
    for key, applicant, staff in notes:
        if applicant is not None:
            text = fill(applicant, case.number, item)
            link = case_link(case.number)
            messages.append(
                outbox.inbox(
                    case.applicant_id, text.title, text.body, link=link, dedup_key=f"{key}:inbox"
                )
            )
            if phone:
                messages.append(
                    outbox.sms(phone, SMS_SIGNATURE + text.body, dedup_key=f"{key}:sms")
                )
        if staff is not None:
            role, staff_note = staff
            if role not in staff_of:
                staff_of[role] = department_staff(conn, case.department_code, role)
            text = fill(staff_note, case.number, item)
            for user_id in dict.fromkeys(staff_of[role]):
                messages.append(
                    outbox.inbox(
                        user_id,
                        text.title,
                        text.body,
                        link=review_link(case.number),
                        dedup_key=f"{key}:inbox:{user_id}",
                    )
                )
    return messages
