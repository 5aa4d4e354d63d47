"""Bundles (一件事一次办, 联审联办): definitions, one application creating every sub-case at
once, and the combined status and result notice.

An application creates all its sub-cases in ONE transaction, each routed to its own department
and processed there in parallel: either every sub-case exists or none does.  ``refresh_bundle``
applies the rejection policy and queues the one combined result notice once every sub-case is
done; the worker's ``bundle_refresh`` sweep calls it for applications whose sub-cases changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, exists, insert, select, update

from tongban.adapters.db.tables import cases, service_items
from tongban.adapters.db.tables_bundles import (
    bundle_applications,
    bundle_cases,
    bundle_definitions,
)
from tongban.domain.bundles.check import check_application
from tongban.domain.bundles.errors import BundleNotFound
from tongban.domain.bundles.model import BundleDefinition, item_form, item_materials
from tongban.domain.bundles.progress import BundleState, SubCase, progress, to_halt
from tongban.domain.cases.forms import fill_from_account
from tongban.domain.cases.status import BEFORE_ACCEPTANCE, CaseStatus, Channel, Decision
from tongban.domain.cases.status import DeliveryMethod as Delivery
from tongban.domain.catalogue.model import Audience
from tongban.domain.errors import PermissionDenied
from tongban.domain.people.model import UserKind
from tongban.domain.shared.masking import mask_text
from tongban.i18n import gettext as _
from tongban.services.cases import repository as repo
from tongban.services.cases.intake import Application, new_case, submit_checked
from tongban.services.cases.notify import SMS_SIGNATURE, applicant_phone, notify
from tongban.services.cases.roles import APPLICANT, SYSTEM, performer
from tongban.services.people import queries as people
from tongban.services.platform import audit, outbox
from tongban.services.platform.batches import SweepPorts, sweep_in_batches
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

PREFIX = "YJS"
"""一件事: the prefix of an application number."""


def bundle_number(first_case: str) -> str:
    """An application's number: ``YJS-`` and its first case's number (numbers given before the
    jurisdiction became configuration read ``YJS`` + date + ``-`` + 6 digits)."""
    return f"{PREFIX}-{first_case}"


def application_link(number: str) -> str:
    return f"/bundles/applications/{number}"


# --- definitions ---------------------------------------------------------------------------------


@atomic
def save_definition(uow: UnitOfWork, actor: Actor, definition: BundleDefinition) -> bool:
    """Create or replace a bundle definition (the catalogue admin's edit); True if it changed."""
    conn = uow.conn
    spec = definition.model_dump(mode="json")
    row = conn.execute(
        select(bundle_definitions.c.id, bundle_definitions.c.spec).where(
            bundle_definitions.c.code == definition.code
        )
    ).first()
    if row is not None and row.spec == spec:
        return False
    values = {
        "name": definition.name,
        "description": definition.description,
        "spec": spec,
        "priority": definition.priority,
        "updated_at": actor.at,
        "updated_by": actor.user_id,
    }
    if row is None:
        conn.execute(insert(bundle_definitions).values(code=definition.code, **values))
    else:
        conn.execute(
            update(bundle_definitions).where(bundle_definitions.c.id == row.id).values(**values)
        )
    audit.record(
        conn, actor, "bundle.save", "bundle", definition.code, {"items": definition.item_codes}
    )
    return True


def load_definition(conn: Connection, code: str) -> tuple[int, BundleDefinition]:
    """The active definition coded ``code`` and its row id; ``BundleNotFound`` otherwise."""
    row = conn.execute(
        select(bundle_definitions.c.id, bundle_definitions.c.spec).where(
            bundle_definitions.c.code == code.strip().upper(),
            bundle_definitions.c.is_active.is_(True),
        )
    ).first()
    if row is None:
        raise BundleNotFound(code=code)
    return int(row.id), BundleDefinition.model_validate(row.spec)


# --- applying: every sub-case at once, in one transaction --------------------------------------


@dataclass(frozen=True)
class BundleApplicationIn:
    """What the applicant hands in once: the shared form and the shared materials."""

    form: Mapping[str, Any]
    materials: Sequence[str] = ()
    delivery_method: Delivery = Delivery.PICKUP
    pickup_centre_code: str | None = None
    recipient: str = ""
    phone: str = ""
    address: str = ""
    """Recipient, mobile and address when the results are mailed (one parcel per result)."""


@dataclass(frozen=True)
class BundleRef:
    number: str
    status: BundleState
    case_numbers: tuple[str, ...]


def _check_audience(definition: BundleDefinition, kind: UserKind | None) -> None:
    wanted = {Audience.CITIZEN: UserKind.CITIZEN, Audience.ENTERPRISE: UserKind.ENTERPRISE}
    needed = wanted.get(definition.audience)
    if needed is not None and kind is not needed:
        raise PermissionDenied(
            "该“一件事”面向" + ("个人" if needed is UserKind.CITIZEN else "企业") + "办理。"
        )


@atomic
def apply(uow: UnitOfWork, actor: Actor, code: str, given: BundleApplicationIn) -> BundleRef:
    """一件事一次办: one application creates every sub-case at once, routed in parallel to the
    items' departments; a bad field for any item fails the whole application, writing nothing."""
    conn = uow.conn
    by = performer(actor, None, APPLICANT)
    assert by.user_id is not None and actor.principal is not None
    definition_id, definition = load_definition(conn, code)
    _check_audience(definition, actor.principal.kind)
    # Each sub-case is drafted from the shared form (new_case pins the item's published version
    # and draws its number), then every item's form is checked at once: one error lists every
    # problem, and the transaction, counter included, is rolled back.
    account = people.applicant(conn, by.user_id)
    form = fill_from_account(definition.form, given.form, account.facts() if account else {})
    values = {k: v for k, v in form.items() if k in {f.name for f in definition.form}}
    materials = {m.strip() for m in given.materials} | definition.provided_materials
    drafted = []
    for bundle_item in definition.items:
        application = Application(
            item_code=bundle_item.item_code,
            form=item_form(bundle_item, values),
            materials=item_materials(bundle_item, materials),
            delivery_method=given.delivery_method,
            pickup_centre_code=given.pickup_centre_code,
            recipient=given.recipient,
            phone=given.phone,
            address=given.address,
        )
        drafted.append(new_case(uow, actor, by, by.user_id, Channel.ONLINE, application))
    specs = {item.code: item.spec for _case, item in drafted}
    check_application(definition, specs, form, given.materials)
    created = []
    for case, item in drafted:
        case.priority = definition.priority
        submit_checked(case, item, by, actor)
        repo.add(conn, case, item.id, actor.at)
        created.append(case)
    number = bundle_number(created[0].number)
    application_id = conn.execute(
        insert(bundle_applications)
        .values(
            number=number,
            definition_id=definition_id,
            applicant_id=by.user_id,
            status=BundleState.IN_PROGRESS.value,
            form=dict(given.form),
            materials=list(given.materials),
            created_at=actor.at,
            refreshed_at=actor.at,
        )
        .returning(bundle_applications.c.id)
    ).scalar_one()
    conn.execute(
        insert(bundle_cases),
        [
            {"application_id": application_id, "case_id": case.id, "position": n}
            for n, case in enumerate(created, start=1)
        ],
    )
    numbers = tuple(c.number for c in created)
    _tell_submitted(conn, by.user_id, definition, number, len(numbers), actor.at)
    audit.record(
        conn,
        actor,
        "bundle.apply",
        "bundle_application",
        number,
        {"bundle": definition.code, "cases": list(numbers)},
    )
    return BundleRef(number, BundleState.IN_PROGRESS, numbers)


def _tell(
    conn: Connection, user_id: int, title: str, body: str, number: str, key: str, now: datetime
) -> None:
    """One in-app message and one SMS to the applicant, each once per ``key``."""
    title, body = mask_text(title), mask_text(body)
    link = application_link(number)
    outbox.enqueue_inbox(conn, user_id, title, body, link=link, dedup_key=f"{key}:inbox", now=now)
    phone = applicant_phone(conn, user_id)
    if phone:
        outbox.enqueue_sms(conn, phone, SMS_SIGNATURE + body, dedup_key=f"{key}:sms", now=now)


def _tell_submitted(
    conn: Connection,
    user_id: int,
    definition: BundleDefinition,
    number: str,
    count: int,
    now: datetime,
) -> None:
    # One message for the whole bundle instead of one per sub-case.
    body = _("您申请的“{name}”已提交，共 {count} 个事项同步办理，申请编号 {number}。")
    body = body.format(name=definition.name, count=count, number=number)
    _tell(conn, user_id, _("一件事申请已提交"), body, number, f"bundle:{number}:submitted", now)


# --- the combined status, the rejection policy and the result notice ----------------------------


def sub_cases(conn: Connection, application_id: int) -> list[SubCase]:
    """The application's sub-cases in the order they were created."""
    query = (
        select(cases.c.number, service_items.c.code, cases.c.status, cases.c.decision)
        .select_from(
            bundle_cases.join(cases, cases.c.id == bundle_cases.c.case_id).join(
                service_items, service_items.c.id == cases.c.item_id
            )
        )
        .where(bundle_cases.c.application_id == application_id)
        .order_by(bundle_cases.c.position)
    )
    return [
        SubCase(
            r.number, r.code, CaseStatus(r.status), Decision(r.decision) if r.decision else None
        )
        for r in conn.execute(query)
    ]


def _halt(conn: Connection, number: str, bundle_name: str, now: datetime) -> None:
    """Terminate (or, not yet accepted, refuse) one open sub-case as the bundle's policy says."""
    actor = Actor(request_id=f"bundle:{number}", at=now)
    case = repo.get(conn, number)
    by = performer(actor, case, SYSTEM)
    reasons = _("“{name}”的关键事项不予许可，按该一件事的办理规则终止本事项。").format(
        name=bundle_name
    )
    if case.status in BEFORE_ACCEPTANCE:
        case.refuse_acceptance(by=by, at=now, reasons=reasons)
    else:
        case.terminate(by=by, at=now, reasons=reasons)
    notify(conn, case, now)
    repo.save(conn, case, now)


def refresh_bundle(conn: Connection, bundle_id: int, now: datetime) -> BundleState:
    """Apply the rejection policy, store the combined status and, once every sub-case is done,
    queue the one combined result notice (exactly once: a conditional UPDATE claims it)."""
    row = conn.execute(
        select(bundle_applications, bundle_definitions.c.spec)
        .join(bundle_definitions, bundle_definitions.c.id == bundle_applications.c.definition_id)
        .where(bundle_applications.c.id == bundle_id)
    ).one()
    definition = BundleDefinition.model_validate(row.spec)
    subs = sub_cases(conn, bundle_id)
    halting = to_halt(definition, subs)
    for sub in halting:
        _halt(conn, sub.number, definition.name, now)
    if halting:
        subs = sub_cases(conn, bundle_id)
    state = progress(definition, subs).state
    t = bundle_applications
    conn.execute(update(t).where(t.c.id == bundle_id).values(status=state.value, refreshed_at=now))
    if state.is_final:
        claimed = conn.execute(
            update(t).where(t.c.id == bundle_id, t.c.notified_at.is_(None)).values(notified_at=now)
        ).rowcount
        if claimed == 1:
            _tell_result(conn, row.applicant_id, definition, row.number, subs, state, now)
    return state


def _item_names(conn: Connection, codes: Sequence[str]) -> dict[str, str]:
    query = select(service_items.c.code, service_items.c.name).where(
        service_items.c.code.in_(codes)
    )
    return {code: name for code, name in conn.execute(query).all()}


def _tell_result(
    conn: Connection,
    user_id: int,
    definition: BundleDefinition,
    number: str,
    subs: Sequence[SubCase],
    state: BundleState,
    now: datetime,
) -> None:
    names = _item_names(conn, [s.item_code for s in subs])
    granted = "、".join(names[s.item_code] for s in subs if s.granted) or _("无")
    refused = [f"{names[s.item_code]}（{_(s.status.label)}）" for s in subs if s.refused]
    body = _("您申请的“{name}”（申请编号 {number}）已{state}。办结：{granted}。").format(
        name=definition.name, number=number, state=_(state.label), granted=granted
    )
    if refused:
        body += _("未予办理：{refused}。").format(refused="、".join(refused))
    title = _("一件事办理结果：{name}").format(name=definition.name)
    _tell(conn, user_id, title, body, number, f"bundle:{number}:result", now)


# --- the worker's sweep ------------------------------------------------------------------------


def changed_query() -> Select[Any]:
    """Open applications with a sub-case changed since their last refresh, by id (the sweep's
    key)."""
    t = bundle_applications
    changed = exists(
        select(bundle_cases.c.id)
        .join(cases, cases.c.id == bundle_cases.c.case_id)
        .where(bundle_cases.c.application_id == t.c.id, cases.c.updated_at > t.c.refreshed_at)
    )
    return select(t.c.id).where(t.c.status == BundleState.IN_PROGRESS.value, changed)


def refresh_sweep(ports: SweepPorts, now: datetime) -> int:
    """``bundle_refresh``: refresh every application whose sub-cases moved, in keyset pages of
    ``sweep_batch_size`` shared by the workers, each in its own savepoint; one that a clerk
    changed meanwhile (stale version) waits for the next run.  Once refreshed an application
    leaves the set (``refreshed_at``), so a second worker or run never refreshes it again."""
    report = sweep_in_batches(
        ports,
        "bundle_refresh",
        changed_query(),
        bundle_applications.c.id,
        lambda uow, row: _refreshed(uow.conn, row.id, now),
        now,
        batch=ports.settings.sweep_batch_size,
    )
    return report.changed


def _refreshed(conn: Connection, bundle_id: int, now: datetime) -> bool:
    refresh_bundle(conn, bundle_id, now)
    return True
