"""Submitting a case (收件): online, at any window, or by mail; every channel creates the same
case, pinned to the item version published at that moment, with a number from the daily counter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tongban.domain.cases.forms import (
    fill_from_account,
    require_checked_credit_codes,
    validate_form,
)
from tongban.domain.cases.mail import mail_address
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import CaseStatus, Channel, DeliveryMethod
from tongban.domain.cases.values import Agent, Delivery, ItemTerms, Performer
from tongban.domain.catalogue.model import Channel as ItemChannel
from tongban.domain.errors import MaterialFileRequired, PermissionDenied, ValidationFailed
from tongban.domain.shared.clock import china_date
from tongban.services.cases import numbers as case_numbers
from tongban.services.cases import repository as repo
from tongban.services.cases.notify import notification_writes
from tongban.services.cases.roles import APPLICANT, CLERK, performer
from tongban.services.catalogue.items import ItemView, published_item
from tongban.services.people import queries as people
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic


@dataclass(frozen=True)
class Application:
    """What an applicant hands in, on any channel: the item, its form and the materials."""

    item_code: str
    form: Mapping[str, Any]
    materials: Sequence[str] = ()
    delivery_method: DeliveryMethod = DeliveryMethod.PICKUP
    pickup_centre_code: str | None = None
    """Where the applicant collects the result (any centre); the accepting centre if None."""
    recipient: str = ""
    phone: str = ""
    address: str = ""
    """结果包邮: recipient, mainland mobile and one-line address; asked for (and kept) only
    when the result is mailed."""

    def delivery(
        self, accepting_centre: str | None, account: Mapping[str, str | None] | None = None
    ) -> Delivery:
        """The checked delivery choice; a mailed result needs all three address parts, the
        recipient and phone defaulting to the applicant's account (``Applicant.facts``)."""
        mailed = ""
        if self.delivery_method is DeliveryMethod.MAIL:
            facts = account or {}
            recipient = self.recipient.strip() or facts.get("person_name") or ""
            recipient = recipient or facts.get("enterprise_name") or ""
            phone = self.phone.strip() or facts.get("phone") or ""
            mailed = mail_address(recipient, phone, self.address).as_text()
        return Delivery(self.delivery_method, self.pickup_centre_code or accepting_centre, mailed)

    agent: Agent | None = None
    """委托代理人 handing the application in (at a window or by post); None: the applicant."""


@dataclass(frozen=True)
class CaseRef:
    """The number, new lock version and status a write leaves the case in."""

    number: str
    version: int
    status: CaseStatus


def ref(case: Case) -> CaseRef:
    return CaseRef(case.number, case.version, case.status)


# --- submission: every channel creates the same case ---------------------------------------------


def new_case(
    uow: UnitOfWork,
    actor: Actor,
    by: Performer,
    applicant_id: int,
    channel: Channel,
    application: Application,
    *,
    number: str | None = None,
    item: ItemView | None = None,
    account: people.Applicant | None = None,
) -> tuple[Case, ItemView]:
    """A new draft case; ``number`` when the caller took one already (else the next one),
    ``item`` when the caller has read the item's published version already, ``account`` the
    applicant's (``applicant_id``'s) when the caller has read it already."""
    if item is None or item.code != application.item_code.strip().upper():
        item = published_item(uow.conn, application.item_code)
    if channel is Channel.ONLINE and ItemChannel.ONLINE not in item.spec.channels:
        raise ValidationFailed(fields={"item_code": "该事项不能网上申请，请到窗口办理"})
    if channel is Channel.SELF_SERVICE and ItemChannel.SELF_SERVICE not in item.spec.channels:
        raise ValidationFailed(fields={"item_code": "该事项不能在自助终端办理，请到窗口办理"})
    via = actor.via
    assisted = via is not None and via.assisted_by is not None
    if account is None or account.id != applicant_id:
        account = _account(uow, applicant_id)
    facts = account.facts() if account is not None else {}
    delivery = application.delivery(by.centre_code, facts)
    assert item.version is not None
    case = Case.start(
        by=by,
        at=actor.at,
        number=number or case_numbers.take(uow, china_date(actor.at)),
        item_code=item.code,
        item_version=item.version,
        terms=ItemTerms.from_spec(item.spec),
        applicant_id=applicant_id,
        channel=channel,
        department_code=item.spec.department_code,
        form=fill_from_account(item.spec.form, application.form, facts),
        materials=list(dict.fromkeys(m.strip() for m in application.materials if m.strip())),
        agent=application.agent,
        # 网办辅导: an online application helped at a centre's desk is still an online one,
        # accepted where online applications are; the desk's centre is in its events.
        accepting_centre_code=None if assisted else by.centre_code,
        delivery=delivery,
        assisted_by=via.assisted_by if via is not None else None,
        kiosk=via.kiosk if via is not None else None,
    )
    return case, item


def submit_checked(case: Case, item: ItemView, by: Performer, actor: Actor) -> None:
    case.form = validate_form(item.spec.form, case.form)
    case.submit(by=by, at=actor.at)


def _account(uow: UnitOfWork, applicant_id: int) -> people.Applicant | None:
    """The applicant's account, read once per use case however many steps need it."""
    key = ("applicant", applicant_id)
    if key not in uow.memo:
        uow.memo[key] = people.applicant(uow.conn, applicant_id)
    found: people.Applicant | None = uow.memo[key]
    return found


def check_applicant(uow: UnitOfWork, applicant_id: int) -> people.Applicant:
    """The identified applicant's account (a citizen's or an enterprise's), or a refusal."""
    account = _account(uow, applicant_id)
    if account is None:
        raise ValidationFailed(fields={"applicant_id": "请先核验申请人身份"})
    return account


def _store(uow: UnitOfWork, actor: Actor, case: Case, item: ItemView) -> None:
    """Queue the case's notifications and insert it: the item's name and the applicant's phone
    are known already (read by ``new_case``), so nothing is read again."""
    account = _account(uow, case.applicant_id)
    phone = account.phone if account is not None else None
    messages = notification_writes(uow.conn, case, actor.at, known=(item.spec.name, phone))
    repo.add(uow.conn, case, item.id, actor.at, also=messages)


def _online(application: Application) -> None:
    """Online, the signed-in applicant applies in their own name (an agent hands an application
    in at a window, or by post), and hands each material in by uploading its file: a material
    merely listed (a ticked box) is refused, never taken as received."""
    if application.agent is not None:
        raise ValidationFailed(
            fields={"agent": "网上申请由申请人本人提交；委托他人办理的，请代理人到窗口办理"}
        )
    claimed = [m.strip() for m in application.materials if m.strip()]
    if claimed:
        raise MaterialFileRequired(
            names="、".join(claimed),
            fields={"materials": "请为每份材料上传文件（PDF、JPEG 或 PNG）"},
        )


@atomic
def save_draft(uow: UnitOfWork, actor: Actor, application: Application) -> CaseRef:
    """An applicant saves an online application unfinished; the form is checked on submit, the
    materials' files are uploaded to the draft (``cases.attachments``)."""
    _online(application)
    by = performer(actor, None, APPLICANT)
    assert by.user_id is not None
    case, item = new_case(uow, actor, by, by.user_id, Channel.ONLINE, application)
    _store(uow, actor, case, item)
    return ref(case)


@atomic
def submit_online(uow: UnitOfWork, actor: Actor, application: Application) -> CaseRef:
    """网上申请: a citizen or enterprise applies for an online-capable item."""
    _online(application)
    by = performer(actor, None, APPLICANT)
    assert by.user_id is not None
    case, item = new_case(uow, actor, by, by.user_id, Channel.ONLINE, application)
    submit_checked(case, item, by, actor)
    _store(uow, actor, case, item)
    return ref(case)


@atomic
def submit_at_window(
    uow: UnitOfWork,
    actor: Actor,
    applicant_id: int,
    application: Application,
    *,
    accept: bool = False,
    prepare: Callable[[UnitOfWork, Case], object] | None = None,
    credit_codes_checked: bool = False,
) -> CaseRef:
    """窗口收件: a clerk at any centre files any item for an identified applicant (一窗通办),
    and may accept it at once when the materials are complete.

    ``prepare`` (免证办) completes the new case in the same transaction before it is checked
    and submitted: form values and materials from the applicant's e-licences, say.  Should it
    raise, nothing is written."""
    by = performer(actor, None, CLERK)
    account = check_applicant(uow, applicant_id)
    case, item = new_case(
        uow, actor, by, applicant_id, Channel.WINDOW, application, account=account
    )
    if prepare is not None:
        prepare(uow, case)
    submit_checked(case, item, by, actor)
    if accept:
        require_checked_credit_codes(item.spec.form, case.form, credit_codes_checked)
        case.accept(by=by, at=actor.at, calendar=load_calendar(uow.conn))
    _store(uow, actor, case, item)
    return ref(case)


@atomic
def submit_self_service(
    uow: UnitOfWork,
    actor: Actor,
    application: Application,
    *,
    prepare: Callable[[UnitOfWork, Case], object] | None = None,
) -> CaseRef:
    """自助办: the applicant, identified at a kiosk of a centre, files for themself there; the
    case is the kiosk's centre's to accept.  ``prepare`` as at the window (免证办)."""
    if actor.via is None or not actor.via.kiosk:
        raise PermissionDenied()
    by = performer(actor, None, APPLICANT)
    assert by.user_id is not None
    case, item = new_case(uow, actor, by, by.user_id, Channel.SELF_SERVICE, application)
    if prepare is not None:
        prepare(uow, case)
    submit_checked(case, item, by, actor)
    _store(uow, actor, case, item)
    return ref(case)


@atomic
def submit_by_mail(
    uow: UnitOfWork, actor: Actor, applicant_id: int, application: Application
) -> CaseRef:
    """信函申请: a clerk registers an application received by post; the day of receipt counts."""
    by = performer(actor, None, CLERK)
    account = check_applicant(uow, applicant_id)
    case, item = new_case(uow, actor, by, applicant_id, Channel.MAIL, application, account=account)
    submit_checked(case, item, by, actor)
    _store(uow, actor, case, item)
    return ref(case)
