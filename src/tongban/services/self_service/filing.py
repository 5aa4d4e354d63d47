"""自助办: what a visitor identified at a kiosk applies for, as themself, on the self-service
channel: the items offered, the form filled from their account and e-licences (表单秒填), the
filing (材料秒报 from their licences; a 秒批 item decided at once) and the receipt to print.

The visitor's own licences are read for their own application (本人, logged in their data
space with the kiosk named in the purpose).  Filing and closing the visit are one transaction:
a case is filed exactly when the visit ends with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from tongban.domain.cases.forms import account_fields, fill_from_account
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import BEFORE_ACCEPTANCE, CaseStatus, Channel, DeliveryMethod
from tongban.domain.catalogue.model import Channel as ItemChannel
from tongban.domain.errors import ItemNotFound
from tongban.domain.self_service.errors import NoReceipt, NotSelfService, NoVisit, VisitExpired
from tongban.domain.self_service.model import Kiosk, VisitState
from tongban.domain.shared.masking import mask_by_type, mask_name
from tongban.services.cases import delivery
from tongban.services.cases.intake import Application, submit_self_service
from tongban.services.catalogue import channels
from tongban.services.catalogue.items import ItemView, published_item
from tongban.services.data_space import licence_materials, prefill
from tongban.services.data_space import reads as data_space
from tongban.services.people import queries as people
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.self_service import visits
from tongban.services.smart import approval as smart


@dataclass(frozen=True)
class KioskForm:
    """An item's application form as the kiosk shows it to its visitor."""

    item: ItemView
    locked: dict[str, str]
    """Field → the value the server fills in at submission (from the account or a licence),
    masked as a passer-by may see it; the page never sends these back."""
    defaults: dict[str, str] = field(default_factory=dict)
    """Field → the account's value (masked) a blank field takes, e.g. the phone on file."""
    values: dict[str, str] = field(default_factory=dict)
    """What the visitor typed before (a form shown again with its errors)."""
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    from_licences: list[str] = field(default_factory=list)
    """Materials the visitor's e-licences supply (材料秒报)."""
    mail_defaults: dict[str, str] = field(default_factory=dict)
    """结果包邮: the recipient and mobile a blank mail field takes (the account's, masked)."""
    still_needed: list[str] = field(default_factory=list)
    """Materials to hand in after filing (the centre will say how)."""

    @property
    def smart(self) -> bool:
        return self.item.spec.smart_approval


@dataclass(frozen=True)
class Filed:
    """The case a visit filed, and what its receipt will be."""

    number: str
    status: CaseStatus
    accepted: bool
    """Accepted at once (a 秒批 item): the receipt is the 受理回执, else a 申请回执."""


def offered_items(conn: Connection, kind: str) -> list[ItemView]:
    """The self-service items a citizen (or enterprise) may file at a kiosk, by code."""
    return channels.for_audience(channels.self_service_items(conn), kind)


def kiosk_item(conn: Connection, code: str) -> ItemView:
    """A published item a kiosk may file; another is ``NotSelfService``."""
    try:
        item = published_item(conn, code)
    except ItemNotFound:
        raise NotSelfService() from None
    if ItemChannel.SELF_SERVICE not in item.spec.channels:
        raise NotSelfService()
    return item


def _purpose(kiosk: Kiosk, item: ItemView) -> str:
    return f"自助终端 {kiosk.code}：办理“{item.spec.name}”"


@atomic
def application_form(uow: UnitOfWork, actor: Actor, code: str) -> KioskForm:
    """表单秒填 at the kiosk: the form filled from the visitor's account and own e-licences
    (each read logged for them), what they typed before, and the materials their licences
    supply.  Opening it counts as an action: the visit goes on."""
    conn = uow.conn
    kiosk, visit = visits.live_visit(conn, actor)
    item = kiosk_item(conn, code)
    visitor = visits.visitor_actor(conn, actor, kiosk, visit)
    principal = visitor.principal
    if item.spec.smart_approval:
        filled = smart.prefill_for(uow, visitor, item)
    else:
        filled = prefill.prefill(
            uow,
            data_space.requester_for(principal, item_code=item.code),
            holder_id=data_space.holder_id_of(principal),
            form_schema=item.spec.form,
            purpose=_purpose(kiosk, item),
            at=actor.at,
        )
    specs = {f.name: f for f in item.spec.form}
    locked = {
        name: str(mask_by_type(specs[name].type.value, value))
        for name, value in filled.values.items()
        if name in filled.locked and name in specs
    }
    account = people.applicant(conn, visit.subject_id)
    facts = account.facts() if account is not None else {}
    defaults: dict[str, str] = {}
    for name, shown in account_fields(item.spec.form, facts).items():
        if shown.locked:
            locked.setdefault(name, shown.shown)
        else:
            defaults[name] = shown.shown
    draft = visit.draft if visit.draft and visit.draft.get("item") == item.code else {}
    recipient = facts.get("person_name") or facts.get("enterprise_name") or ""
    mail_defaults = {
        "recipient": mask_name(recipient) if recipient else "",
        "phone": str(mask_by_type("phone", facts.get("phone") or "")),
    }
    wanted = licence_materials.wanted_materials(item.spec)
    held = _held_types(uow, visitor, kiosk, item, sorted(set(wanted.values())))
    supplied = [name for name, type_code in wanted.items() if type_code in held]
    visits.touch(conn, kiosk, visit, actor.at)
    return KioskForm(
        item=item,
        locked=locked,
        defaults=defaults,
        values=dict(draft.get("values") or {}),
        errors=dict(draft.get("errors") or {}),
        message=str(draft.get("message") or ""),
        from_licences=supplied,
        mail_defaults={k: v for k, v in mail_defaults.items() if v},
        still_needed=[m.name for m in item.spec.materials if m.name not in supplied],
    )


def _held_types(
    uow: UnitOfWork, visitor: Actor, kiosk: Kiosk, item: ItemView, types: list[str]
) -> set[str]:
    """Which of ``types`` the visitor holds a licence of (their own read, logged)."""
    if not types:
        return set()
    _data, held = data_space.read_licences(
        uow,
        data_space.requester_for(visitor.principal, item_code=item.code),
        holder_id=data_space.holder_id_of(visitor.principal),
        type_codes=types,
        fields=[],
        purpose=_purpose(kiosk, item),
        case_number=None,
        kind="material",
        at=visitor.at,
    )
    return set(held)


def _take_own_licences(
    visitor: Actor, kiosk: Kiosk, item: ItemView
) -> Callable[[UnitOfWork, Case], None]:
    """免证办 for one's own application: the locked form values and the materials from the
    visitor's own licences, both read with the case number."""

    def prepare(uow: UnitOfWork, case: Case) -> None:
        principal = visitor.principal
        requester = data_space.requester_for(principal, item_code=item.code)
        holder_id = data_space.holder_id_of(principal)
        filled = prefill.prefill(
            uow,
            requester,
            holder_id=holder_id,
            form_schema=item.spec.form,
            purpose=_purpose(kiosk, item),
            case_number=case.number,
            at=visitor.at,
        )
        case.form = {**case.form, **filled.values}
        licence_materials.attach_licences(
            uow, visitor, case, requester, holder_id=holder_id, purpose=_purpose(kiosk, item)
        )

    return prepare


@atomic
def file_application(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    form: Mapping[str, Any],
    *,
    keys: Any,
    consent: bool = False,
    delivery_method: DeliveryMethod = DeliveryMethod.PICKUP,
    mail: Mapping[str, str] | None = None,
) -> Filed:
    """提交: the visitor files the item as themself on the self-service channel; a 秒批 item is
    decided at once (on their consent to the reads it needs).  The result is collected at the
    kiosk's centre, delivered electronically, or mailed (结果包邮) to ``mail``'s recipient,
    mobile and address (the first two default to the visitor's account).  The visit then acts
    for no one; only its receipt may be printed.  Bad input files nothing and the visit goes
    on."""
    conn = uow.conn
    kiosk, visit = visits.live_visit(conn, actor)
    item = kiosk_item(conn, code)
    visitor = visits.visitor_actor(conn, actor, kiosk, visit)
    account = people.applicant(conn, visit.subject_id)
    # A blank field the account has a value for (the phone on file) takes it, on every path.
    form = fill_from_account(item.spec.form, form, account.facts() if account else {})
    if item.spec.smart_approval:
        decision = smart.apply(
            uow, visitor, keys, item.code, form, consent=consent, channel=Channel.SELF_SERVICE
        )
        number, status = decision.number, decision.status
    else:
        to = mail or {}
        application = Application(
            item_code=item.code,
            form=dict(form),
            delivery_method=delivery_method,
            pickup_centre_code=kiosk.centre_code,
            recipient=str(to.get("recipient") or ""),
            phone=str(to.get("phone") or ""),
            address=str(to.get("address") or ""),
        )
        prepare = _take_own_licences(visitor, kiosk, item)
        ref = submit_self_service(uow, visitor, application, prepare=prepare)
        number, status = ref.number, ref.status
    visits.mark_submitted(conn, kiosk, visit, number, actor.at)
    detail = {"kiosk": kiosk.code, "case": number}
    audit.record(conn, actor, "kiosk.visit_submitted", "kiosk_visit", str(visit.id), detail)
    return Filed(number, status, accepted=status not in BEFORE_ACCEPTANCE)


@atomic
def receipt_pdf(
    uow: UnitOfWork, actor: Actor, *, printer: delivery.ReceiptPrinter, lookup_url: str = ""
) -> tuple[str, bytes]:
    """打印回执: the case number and the receipt of the case the kiosk's visit just filed (受理
    回执 if accepted at once, else 申请回执); only until the visit's idle time passes."""
    conn = uow.conn
    try:
        kiosk, visit = visits.live_visit(conn, actor, VisitState.RECEIPT)
    except (NoVisit, VisitExpired):
        raise NoReceipt() from None
    assert visit.case_number is not None
    visitor = visits.visitor_actor(conn, actor, kiosk, visit)
    pdf = delivery.receipt_pdf(
        conn,
        visitor.principal,
        visit.case_number,
        printer=printer,
        lookup_url=lookup_url,
        slip=True,
    )
    return visit.case_number, pdf
