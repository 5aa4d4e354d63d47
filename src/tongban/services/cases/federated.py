"""跨城通办 at the deciding node: a case handed over by a partner's window becomes a case
here, and the corrections the applicant answered there reach it.

The case is made as a window case filed for the applicant (found by their identity document,
or registered from the hand-over) and submitted, so this node's clerks accept, correct, decide
and issue it as any other; ``federation.casework`` tells the partner of each step.  Its result
is electronic here: the applicant collects it at the partner's window, or by mail from there.
Anything that keeps the message from being applied (an unknown item, a form that does not
validate, a case in no state for it) is a ``CannotApply`` refusal: nothing is kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from tongban.adapters.db.tables import cases, users
from tongban.adapters.db.tables_federation import federation_cases
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import Channel, DeliveryMethod
from tongban.domain.cases.values import SYSTEM_ROLE, Performer
from tongban.domain.errors import DocumentNumberShared, DomainError
from tongban.domain.federation.envelope import Envelope
from tongban.domain.federation.errors import CannotApply, MessageRefused
from tongban.domain.federation.handover import MaterialFile, listing, received_materials
from tongban.domain.people.model import UserKind
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.identity import parse_identity
from tongban.services.cases import repository as repo
from tongban.services.cases import review_steps
from tongban.services.cases.attachments import EXTENSIONS, sniff
from tongban.services.cases.intake import Application, new_case, submit_checked
from tongban.services.cases.notify import notify
from tongban.services.federation import casework, messages
from tongban.services.federation.handover import keep_materials
from tongban.services.people.documents import holds, refuse_shared_number
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.ports import FileStore
from tongban.services.platform.unit_of_work import UnitOfWork


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CannotApply(reason=f"缺少{what}")
    return value.strip()


def _applicant_id(conn: Connection, applicant: dict[str, Any], actor: Actor) -> int:
    """The citizen holding this identity document here, registered (without a password: they
    sign in by real-name verification) when they have never used this node.  The document is
    checked here too, by its type (居民身份证, 居住证, 回乡证, 台胞证, passport, 永居证)."""
    nationality = applicant.get("nationality")
    try:
        identity = parse_identity(
            _text(applicant.get("id_type"), "证件类型"),
            _text(applicant.get("id_number"), "申请人证件号码"),
            nationality=nationality if isinstance(nationality, str) else None,
            today=china_date(actor.at),
        )
    except MessageRefused:
        raise
    except DomainError as problem:
        raise CannotApply(reason=problem.message) from None
    held = holds(identity.number, identity.id_type, identity.nationality)
    found = conn.execute(select(users.c.id).where(held)).scalar()
    if found is not None:
        return int(found)
    try:
        refuse_shared_number(conn, identity.number)
    except DocumentNumberShared as shared:
        raise CannotApply(reason=shared.message) from None
    return int(
        conn.execute(
            insert(users)
            .values(
                kind=UserKind.CITIZEN.value,
                id_type=identity.id_type.value,
                id_number=identity.number,
                nationality=identity.nationality,
                name=_text(applicant.get("name"), "申请人姓名"),
                created_at=actor.at,
            )
            .returning(users.c.id)
        ).scalar_one()
    )


def _file_them(
    conn: Connection,
    case: Case,
    files: FileStore | None,
    received: list[MaterialFile],
    by: Performer,
    actor: Actor,
) -> None:
    """Put the received materials where the case's own files are (the file store, by the same
    SHA-256 the partner signed) and record each on the case as received, so reviewers see and
    open them like any material; without a file store they stay in ``federation_materials``."""
    if files is None:
        keep_materials(conn, received, actor.at)
        return
    for file in received:
        sha256, size = files.put([file.content])
        if sha256 != file.sha256:  # checked against the signed hash already: a store fault
            raise RuntimeError(f"the file store keeps {file.name} under another hash")
        content_type = sniff(file.content) or "application/octet-stream"
        extension = EXTENSIONS.get(content_type, "")
        detail = {"sha256": sha256, "size": size, "content_type": content_type,
                  "filename": f"{file.name}{extension}", "from_partner": True}  # fmt: skip
        case.receive_material_file(file.name, detail, by, actor.at)


def receive_handover(
    uow: UnitOfWork, envelope: Envelope, actor: Actor, files: FileStore | None = None
) -> None:
    """``case.handover``: the partner's window accepted a case for an item of this node."""
    conn = uow.conn
    body = envelope.document["body"]
    received = received_materials(body)
    applicant = body.get("applicant")
    form = body.get("form")
    if not isinstance(applicant, dict) or not isinstance(form, dict):
        raise CannotApply(reason="缺少申请人或表单")
    by = Performer(None, SYSTEM_ROLE, request_id=actor.request_id)
    try:
        applicant_id = _applicant_id(conn, applicant, actor)
        application = Application(
            item_code=envelope.item,
            form=form,
            materials=[f.name for f in received],
            delivery_method=DeliveryMethod.ELECTRONIC,
        )
        case, item = new_case(uow, actor, by, applicant_id, Channel.WINDOW, application)
        case.received_from = envelope.sender
        submit_checked(case, item, by, actor)
        _file_them(conn, case, files, received, by, actor)
        notify(conn, case, actor.at)
        repo.add(conn, case, item.id, actor.at)
    except MessageRefused:
        raise
    except DomainError as problem:
        raise CannotApply(reason=problem.message) from None
    conn.execute(
        insert(federation_cases).values(
            role="in",
            partner=envelope.sender,
            case_ref=envelope.case_ref,
            item_code=envelope.item,
            case_id=case.id,
            applicant_name=str(applicant.get("name", "")),
            applicant_id_type=str(applicant.get("id_type", "")),
            applicant_id_number=str(applicant.get("id_number", "")),
            applicant_nationality=str(applicant.get("nationality") or "")[:3] or None,
            form=form,
            materials=listing(received),
            consent=body.get("consent") or {},
            clerk=body.get("clerk") or {},
            status="received",
            remote_status=case.status.value,
            remote_detail={"number": case.number, "delivery": body.get("delivery") or {}},
            created_at=actor.at,
            updated_at=actor.at,
        )
    )


def _received_number(conn: Connection, envelope: Envelope) -> str:
    """The number of the case made here of the hand-over ``envelope`` belongs to."""
    number = conn.execute(
        select(cases.c.number)
        .select_from(federation_cases.join(cases, cases.c.id == federation_cases.c.case_id))
        .where(
            federation_cases.c.partner == envelope.sender,
            federation_cases.c.case_ref == envelope.case_ref,
            federation_cases.c.role == "in",
        )
    ).scalar()
    if number is None:
        raise CannotApply(reason=f"本节点没有收到过办件 {envelope.case_ref}")
    return str(number)


def receive_correction(
    uow: UnitOfWork, envelope: Envelope, actor: Actor, files: FileStore | None = None
) -> None:
    """``case.correction_answered``: the corrections reached the partner's window."""
    conn = uow.conn
    body = envelope.document["body"]
    received = received_materials(body)
    number = _received_number(conn, envelope)
    by = Performer(None, SYSTEM_ROLE, request_id=actor.request_id)
    try:
        case = repo.get(conn, number)
        calendar = load_calendar(conn)
        before = list(case.stops)
        case.supply_correction(
            by=by,
            at=actor.at,
            calendar=calendar,
            materials=[f.name for f in received],
            note=str(body.get("note") or ""),
        )
        _file_them(conn, case, files, received, by, actor)
        review_steps.resume_after_stops(conn, case, before, calendar)
        notify(conn, case, actor.at)
        casework.note_change(conn, case, actor.at)
        repo.save(conn, case, actor.at)
    except DomainError as problem:
        raise CannotApply(reason=problem.message) from None


def receive_withdrawal(
    uow: UnitOfWork, envelope: Envelope, actor: Actor, _files: FileStore | None = None
) -> None:
    """``case.withdrawn``: the applicant withdrew at the partner's window (or the partner
    cancelled a message of the case it could not resend): the case here is withdrawn with the
    reason, as if the applicant had withdrawn here.  Not told back: the acknowledgement is the
    answer.  A case already decided here cannot be withdrawn: refused, for the partner to see."""
    conn = uow.conn
    body = envelope.document["body"]
    reason = _text(body.get("reason"), "撤回原因")[:500]
    number = _received_number(conn, envelope)
    by = Performer(None, SYSTEM_ROLE, request_id=actor.request_id)
    try:
        case = repo.get(conn, number)
        case.withdraw(by=by, at=actor.at, reason=f"申请人在受理地撤回：{reason}")
        notify(conn, case, actor.at)
        repo.save(conn, case, actor.at)
    except DomainError as problem:
        raise CannotApply(reason=problem.message) from None
    conn.execute(
        update(federation_cases)
        .where(federation_cases.c.case_id == case.id)
        .values(remote_status=case.status.value, updated_at=actor.at)
    )


messages.register("case.handover")(receive_handover)
messages.register("case.correction_answered")(receive_correction)
messages.register("case.withdrawn")(receive_withdrawal)
