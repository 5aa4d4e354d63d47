"""Delivering a result (C13, 结果包邮) and printing the acceptance receipt (受理回执).

Issuing a result arranges its delivery in the same transaction: electronic results are
delivered at once, a pickup gets a 6-digit code checked at a clerk of the chosen centre (locked
after 5 wrong tries), and a mailed result is booked with the courier, delivered when it confirms.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Select, select

from tongban.adapters.db.tables import case_events, cases, centres, users
from tongban.domain.cases.mail import parse_mail_address
from tongban.domain.cases.model import Case
from tongban.domain.cases.receipt import ReceiptData
from tongban.domain.cases.status import BEFORE_ACCEPTANCE, CaseStatus, DeliveryMethod
from tongban.domain.cases.values import Performer
from tongban.domain.errors import (
    Conflict,
    IllegalTransition,
    NotAuthenticated,
    PermissionDenied,
    TooManyAttempts,
    ValidationFailed,
)
from tongban.domain.people.model import Principal, Role
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.masking import mask_id_number, mask_phone
from tongban.i18n import gettext as _
from tongban.services.cases import repository as repo
from tongban.services.cases.intake import CaseRef, ref
from tongban.services.cases.lifecycle import _act
from tongban.services.cases.notify import Note, tell_applicant
from tongban.services.cases.queries import access_case
from tongban.services.cases.results import LicenceContent, issue_result_licence
from tongban.services.cases.roles import (
    APPLICANT,
    CLERK,
    DEPARTMENT_STAFF,
    SYSTEM,
    WINDOW_DECIDER,
    performer,
)
from tongban.services.catalogue.items import published_item
from tongban.services.platform.context import Actor
from tongban.services.platform.ports import Courier
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.supervision import tasks as inspection_tasks

MAX_PICKUP_ATTEMPTS = 5
CODE_HASH, CODE_SALT, ATTEMPTS, TRACKING = "code_sha256", "code_salt", "attempts", "tracking"
S = CaseStatus


class PickupCodeWrong(ValidationFailed):
    code = "pickup_code_wrong"
    template = "取件码不正确，还可尝试 {remaining} 次。"


class PickupCodeLocked(TooManyAttempts):
    code = "pickup_code_locked"
    template = "取件码已连续输错 5 次，已锁定：请申请人重新获取取件码。"


class WrongPickupCentre(PermissionDenied):
    code = "wrong_pickup_centre"
    template = "该结果须在申请人选择的中心（{centre}）领取。"


class PickupCodeMissing(Conflict):
    code = "pickup_code_missing"
    template = "该结果还没有有效的取件码：请申请人在“我的办件”中重新获取取件码，再凭新码领取。"


class NotYetDelivered(Conflict):
    code = "courier_not_delivered"
    template = "快递尚未签收：{tracking}。"


@dataclass(frozen=True)
class Dispatch:
    """What issuing a result arranged: the pickup code to tell the applicant, or the parcel."""

    ref: CaseRef
    pickup_code: str | None = None
    tracking_number: str | None = None


def _code_hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code.strip()}".encode()).hexdigest()


def _new_pickup_code(case: Case, by: Performer, at: datetime, event: str) -> str:
    # Stored salted and hashed so a screen or an export of the case never shows it; five tries
    # at the window are all a stranger gets.
    if case.delivery.pickup_centre_code is None:
        raise ValidationFailed(fields={"pickup_centre_code": "请选择领取结果的中心"})
    code, salt = f"{secrets.randbelow(10**6):06d}", secrets.token_hex(8)
    case.delivery_detail = {CODE_SALT: salt, CODE_HASH: _code_hash(salt, code), ATTEMPTS: "0"}
    case._record(event, case.status, case.status, by, at, detail={"centre": by.centre_code or ""})
    return code


def _ship(case: Case, by: Performer, at: datetime, courier: Courier) -> str:
    to = parse_mail_address(case.delivery.address)
    tracking = courier.book(
        reference=case.number, recipient=to.recipient, phone=to.phone, address=to.address
    )
    case.delivery_detail = {TRACKING: tracking}
    detail = {"tracking_number": tracking}
    case._record("CaseResultShipped", case.status, case.status, by, at, detail=detail)
    return tracking


def issue_result_and_dispatch(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    expected_version: int,
    courier: Courier,
    reference: str = "",
    *,
    keys: Any = None,
    licence: LicenceContent | None = None,
) -> Dispatch:
    """出具结果 and start its delivery as the applicant chose, in one transaction.

    An approved case of an item whose result is an e-licence needs ``licence`` (the content the
    officer confirmed) and the signing ``keys``: the licence is signed, stored and becomes the
    result's reference (``results.issue_result_licence``).  A 即办件 decided at the window is
    issued there by the same centre's clerk."""
    made: dict[str, str] = {}

    def change(case: Case, by: Performer) -> None:
        issued = issue_result_licence(uow, actor, keys, case, licence)
        approved = case.status is S.APPROVED
        case.issue_result(by=by, at=actor.at, reference=issued.id if issued else reference)
        if approved:
            # 批后监管: same transaction, so the task exists iff the approval's result does.
            inspection_tasks.open_for_result(
                uow.conn,
                actor,
                item_code=case.item_code,
                case_id=case.id,
                case_number=case.number,
                applicant_id=case.applicant_id,
                licence_id=issued.id if issued else None,
            )
        method = case.delivery.method
        if method is DeliveryMethod.ELECTRONIC:
            case.deliver(by=by, at=actor.at, detail={"channel": "online"})
        elif method is DeliveryMethod.PICKUP:
            made["code"] = _new_pickup_code(case, by, actor.at, "CasePickupCodeIssued")
        else:
            made["tracking"] = _ship(case, by, actor.at, courier)

    def tell_code(conn: Connection, case: Case) -> None:
        # The plain code exists only here: it goes to the applicant, never to the audit trail.
        if "code" in made:
            note = Note(
                _("取件码"),
                _("您的办件 {number}（{item}）结果已出，凭取件码 {code} 到所选服务中心领取。"),
                {"code": made["code"]},
            )
            tell_applicant(conn, case, note, f"case:{case.number}:pickup-code", actor.at)

    allowed = (DEPARTMENT_STAFF, WINDOW_DECIDER)
    done = _act(uow, actor, number, expected_version, allowed, change, tell_code)
    return Dispatch(done, made.get("code"), made.get("tracking"))


def _pending(case: Case, method: DeliveryMethod, action: str) -> None:
    if case.status is not S.RESULT_ISSUED or case.delivery.method is not method:
        raise IllegalTransition(status=case.status.label, action=action)


def _pickup_clerk(actor: Actor, case: Case) -> Performer:
    who = actor.principal
    if who is None:
        raise NotAuthenticated()
    mine = [a.centre_code for a in who.assignments(Role.CLERK) if a.centre_code]
    if not mine:
        raise PermissionDenied()
    centre = case.delivery.pickup_centre_code
    if centre not in mine:
        raise WrongPickupCentre(centre=centre or "—")
    return Performer(who.user_id, Role.CLERK.value, centre, request_id=actor.request_id)


def collect_result(uow: UnitOfWork, actor: Actor, number: str, code: str) -> CaseRef:
    """The applicant collects at a clerk of the chosen centre with the right pickup code.

    A wrong code is refused and counted (audited); the fifth locks the code.  The refusal is
    raised once the count's transaction has ended, so the count stands.
    """
    with uow.atomic():
        case = repo.get(uow.conn, number)
        by = _pickup_clerk(actor, case)
        _pending(case, DeliveryMethod.PICKUP, "凭取件码领取结果")
        detail = case.delivery_detail
        if CODE_HASH not in detail:  # issued before pickup codes existed, or by an import
            raise PickupCodeMissing()
        tries = int(detail.get(ATTEMPTS, "0"))
        if tries >= MAX_PICKUP_ATTEMPTS:
            raise PickupCodeLocked()
        if hmac.compare_digest(_code_hash(detail.get(CODE_SALT, ""), code), detail[CODE_HASH]):
            case.deliver(by=by, at=actor.at, detail={"collected_at": by.centre_code or ""})
            repo.save(uow.conn, case, actor.at)
            return ref(case)
        tries += 1
        case.delivery_detail = {**detail, ATTEMPTS: str(tries)}
        counted = {"attempts": tries}
        case._record(
            "CasePickupCodeRefused", case.status, case.status, by, actor.at, detail=counted
        )
        repo.save(uow.conn, case, actor.at)
    if tries >= MAX_PICKUP_ATTEMPTS:
        raise PickupCodeLocked()
    raise PickupCodeWrong(remaining=MAX_PICKUP_ATTEMPTS - tries, fields={"code": "取件码不正确"})


@atomic
def reissue_pickup_code(uow: UnitOfWork, actor: Actor, number: str) -> str:
    """The signed-in applicant gets a new code (lost or locked); the old one stops working."""
    case = repo.get(uow.conn, number)
    by = performer(actor, case, APPLICANT)
    _pending(case, DeliveryMethod.PICKUP, "重新获取取件码")
    code = _new_pickup_code(case, by, actor.at, "CasePickupCodeReissued")
    repo.save(uow.conn, case, actor.at)
    return code


@atomic
def confirm_mail_delivery(uow: UnitOfWork, actor: Actor, number: str, courier: Courier) -> CaseRef:
    """The courier reports the parcel signed for: the case is delivered (worker or staff)."""
    case = repo.get(uow.conn, number)
    by = performer(actor, case, SYSTEM, DEPARTMENT_STAFF, CLERK)
    _pending(case, DeliveryMethod.MAIL, "确认邮寄送达")
    tracking = case.delivery_detail.get(TRACKING, "")
    signed = courier.delivered_at(tracking)
    if signed is None:
        raise NotYetDelivered(tracking=tracking)
    case.deliver(by=by, at=actor.at, detail={TRACKING: tracking, "signed_at": signed.isoformat()})
    repo.save(uow.conn, case, actor.at)
    return ref(case)


def mailed_query() -> Select[Any]:
    """Mailed results not yet delivered, by case id (the worker sweep's key)."""
    return select(cases.c.id, cases.c.number).where(
        cases.c.status == S.RESULT_ISSUED.value,
        cases.c.delivery_method == DeliveryMethod.MAIL.value,
    )


def deliver_if_signed(uow: UnitOfWork, actor: Actor, number: str, courier: Courier) -> bool:
    """One mailed result: delivered if the courier reports it signed for, else left waiting."""
    try:
        # In a savepoint: not yet delivered leaves the other cases' deliveries standing.
        with uow.atomic(savepoint=True):
            confirm_mail_delivery(uow, actor, number, courier)
    except NotYetDelivered:
        return False
    return True


def sweep_mail_deliveries(uow: UnitOfWork, actor: Actor, courier: Courier) -> list[str]:
    """Every mailed result the courier has delivered becomes delivered (the worker's sweep
    pages through the same cases: ``mailed_query``, ``deliver_if_signed``)."""
    pending = uow.conn.execute(mailed_query()).all()
    return [r.number for r in pending if deliver_if_signed(uow, actor, r.number, courier)]


# --- the acceptance receipt (受理回执) ----------------------------------------------------------

_ACCEPTANCES = ("CaseAccepted", "CaseAcceptedWithMissingMaterials")


def _receipt_case(conn: Connection, principal: Principal | None, number: str) -> Case:
    """The applicant, or staff of the case's centres (accepting or pickup) or department."""
    case = access_case(conn, principal, number)
    assert principal is not None
    if case.applicant_id == principal.user_id:
        return case
    here = {case.accepting_centre_code, case.delivery.pickup_centre_code} - {None}
    for a in principal.roles:
        if a.role in (Role.CLERK, Role.CENTRE_MANAGER) and a.centre_code in here:
            return case
        if (
            a.role in (Role.REVIEWER, Role.SECTION_CHIEF)
            and a.department_code == case.department_code
        ):
            return case
    raise PermissionDenied()


def _names(conn: Connection, *codes: str | None) -> dict[str, str]:
    rows = conn.execute(select(centres.c.code, centres.c.name).where(centres.c.code.in_(codes)))
    return {r.code: r.name for r in rows}


def _delivery_text(case: Case, centre_names: dict[str, str]) -> str:
    method, centre = case.delivery.method, case.delivery.pickup_centre_code
    if method is DeliveryMethod.ELECTRONIC:
        return "电子送达（网上查看、下载）"
    if method is DeliveryMethod.PICKUP:
        return f"到{centre_names.get(centre or '', centre or '—')}凭取件码领取"
    try:
        to = parse_mail_address(case.delivery.address)
    except ValidationFailed:
        return "免费邮寄：" + case.delivery.address
    return f"免费邮寄：{to.recipient[:1]}*（{mask_phone(to.phone)}）{to.address}"


def delivery_summary(conn: Connection, case: Case) -> str:
    """How the result reaches the applicant, as pages show it (recipient and phone masked)."""
    return _delivery_text(case, _names(conn, case.delivery.pickup_centre_code))


def receipt_data(
    conn: Connection,
    principal: Principal | None,
    number: str,
    *,
    lookup_url: str = "",
    slip: bool = False,
) -> ReceiptData:
    """What the 受理回执 of an accepted case says; the ID number is masked.  ``slip``: a case
    received but not yet accepted gets its 申请回执 instead (a kiosk prints one)."""
    case = _receipt_case(conn, principal, number)
    if case.accepted_on is None:
        if slip and case.status in BEFORE_ACCEPTANCE:
            return _slip(conn, case, lookup_url)
        raise IllegalTransition(status=case.status.label, action="打印受理回执")
    item = published_item(conn, case.item_code, case.item_version)
    applicant = conn.execute(select(users).where(users.c.id == case.applicant_id)).one()
    clerk_id = conn.execute(
        select(case_events.c.actor_id)
        .where(case_events.c.case_id == case.id, case_events.c.type.in_(_ACCEPTANCES))
        .order_by(case_events.c.seq.desc())
        .limit(1)
    ).scalar()
    clerk = conn.execute(select(users.c.name).where(users.c.id == clerk_id)).scalar()
    names = _names(conn, case.accepting_centre_code, case.delivery.pickup_centre_code)
    return ReceiptData(
        number=case.number,
        item_name=item.spec.name,
        department_name=item.department_name,
        applicant_name=applicant.name,
        applicant_id_masked=applicant.credit_code
        or (mask_id_number(applicant.id_number) if applicant.id_number else ""),
        accepted_on=case.accepted_on,
        deadline=case.deadline,
        accepting_centre=names.get(case.accepting_centre_code or "", "—"),
        clerk_name=clerk or "—",
        materials_received=tuple(case.materials),
        materials_due=case.missing.names if case.missing else (),
        supply_by=case.missing.supply_by if case.missing else None,
        delivery=_delivery_text(case, names),
        qr_text=lookup_url or case.number,
    )


def _slip(conn: Connection, case: Case, lookup_url: str) -> ReceiptData:
    """申请回执: received on ``submitted_at``, where, and what is still to be handed in."""
    item = published_item(conn, case.item_code, case.item_version)
    applicant = conn.execute(select(users).where(users.c.id == case.applicant_id)).one()
    names = _names(conn, case.accepting_centre_code, case.delivery.pickup_centre_code)
    by = "—"
    if case.kiosk:
        by = "自助终端 " + case.kiosk
    elif case.assisted_by is not None:
        by = "网办辅导 " + case.assisted_by.name
    assert case.submitted_at is not None
    return ReceiptData(
        number=case.number,
        item_name=item.spec.name,
        department_name=item.department_name,
        applicant_name=applicant.name,
        applicant_id_masked=applicant.credit_code
        or (mask_id_number(applicant.id_number) if applicant.id_number else ""),
        accepted_on=None,
        deadline=None,
        accepting_centre=names.get(case.accepting_centre_code or "", "网上提交"),
        clerk_name=by,
        materials_received=tuple(case.materials),
        materials_due=tuple(case.absent_materials()),
        delivery=_delivery_text(case, names),
        qr_text=lookup_url or case.number,
        submitted_on=china_date(case.submitted_at),
    )


class ReceiptPrinter(Protocol):
    """Port: prints a 受理回执 (a PDF in the shipped adapter)."""

    def render(self, data: ReceiptData) -> bytes: ...


def receipt_pdf(
    conn: Connection,
    principal: Principal | None,
    number: str,
    *,
    printer: ReceiptPrinter,
    lookup_url: str = "",
    slip: bool = False,
) -> bytes:
    """The 受理回执 as PDF, for the applicant or the staff of the case's centre or department;
    ``slip``: the 申请回执 of a case not yet accepted."""
    data = receipt_data(conn, principal, number, lookup_url=lookup_url, slip=slip)
    return printer.render(data)
