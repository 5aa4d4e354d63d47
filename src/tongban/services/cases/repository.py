"""Storing cases: load by number, insert, and save with a compare-and-set on ``lock_version``.

A save and the audit entries it appends happen on the caller's connection, so they commit
together or not at all.  Exactly one of two concurrent writers of a case wins: the loser's
``UPDATE ... WHERE lock_version = <read>`` matches no row and raises ``StaleVersion``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tongban.adapters.db.tables import (
    case_events,
    case_number_counters,
    cases,
    centres,
    departments,
    service_items,
    users,
)
from tongban.adapters.db.tables_indicators import indicator_case_facts
from tongban.domain.cases.chain import entry_hash
from tongban.domain.cases.model import Case
from tongban.domain.cases.numbers import format_number, normalise_number
from tongban.domain.cases.status import CaseStatus, Channel, Decision, DeliveryMethod
from tongban.domain.cases.values import (
    Agent,
    AssistedBy,
    CorrectionRequest,
    Delivery,
    ItemTerms,
    MissingMaterials,
    RejectionProposal,
)
from tongban.domain.catalogue.model import ItemKind
from tongban.domain.errors import CaseNotFound, StaleVersion, UnknownCentre
from tongban.domain.indicators.facts import CaseFact
from tongban.domain.shared.calendar import ClockStop, WorkingCalendar
from tongban.services.cases import facts
from tongban.services.platform import jurisdiction
from tongban.services.platform.together import Part, write_returning, write_together

_accepting = centres.alias("accepting_centre")
_pickup = centres.alias("pickup_centre")


RESERVE = {
    name: dialect.insert(case_number_counters)
    .values(day=bindparam("day"), last=bindparam("count"))
    .on_conflict_do_update(
        index_elements=["day"],
        set_={"last": case_number_counters.c.last + bindparam("count_again")},
    )
    .returning(case_number_counters.c.last)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def reserve_numbers(conn: Connection, day: date, count: int) -> int:
    """Reserve the next ``count`` sequence numbers of ``day``; returns the last of them.

    One statement: ``INSERT ... ON CONFLICT (day) DO UPDATE SET last = last + count RETURNING
    last`` creates the day's row or bumps it, holding its row lock until the transaction ends,
    so two processes can never reserve the same numbers.
    """
    params = {"day": day, "count": count, "count_again": count}
    return int(conn.execute(RESERVE[conn.dialect.name], params).scalar_one())


def next_number(conn: Connection, day: date) -> str:
    """The next case number of ``day`` from its counter (see ``reserve_numbers``)."""
    return format_number(case_prefix(conn), day, reserve_numbers(conn, day, 1))


def case_prefix(conn: Connection) -> str:
    """The jurisdiction's case-number prefix."""
    return jurisdiction.current(conn).case_prefix


def _id_of(table: Any, code_param: str) -> Any:
    """The id of ``table``'s row whose code is the parameter ``code_param``, looked up inside
    the write itself (no round trip of its own); NULL for a missing or unknown code."""
    return select(table.c.id).where(table.c.code == bindparam(code_param)).scalar_subquery()


_CENTRE_IDS = {
    "accepting_centre_id": _id_of(centres, "code_accepting_centre"),
    "pickup_centre_id": _id_of(centres, "code_pickup_centre"),
}
# Built once: a statement built per call makes SQLAlchemy recompute its cache key, which for
# these costs more than the round trip.  The other columns come with each execution.
_INSERT = (
    insert(cases)
    .values(department_id=_id_of(departments, "code_department"), **_CENTRE_IDS)
    .returning(cases.c.id, cases.c.accepting_centre_id, cases.c.pickup_centre_id)
)
_UPDATE = (
    update(cases)
    .where(cases.c.id == bindparam("key_id"), cases.c.lock_version == bindparam("key_read"))
    .values(**_CENTRE_IDS)
    .returning(cases.c.accepting_centre_id, cases.c.pickup_centre_id)
)
_INSERT_EVENTS = insert(case_events)
"""RETURNING makes SQLAlchemy send several events as one multi-row INSERT."""


def _check_centres(case: Case, row: Row[Any]) -> None:
    """After an insert or update returning the centre ids: every named centre was found (an
    unknown one raises before the commit, so the write rolls back with the transaction)."""
    for code, found in (
        (case.accepting_centre_code, row.accepting_centre_id),
        (case.delivery.pickup_centre_code, row.pickup_centre_id),
    ):
        if code is not None and found is None:
            raise UnknownCentre(code=code)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _agent_data(agent: Agent) -> dict[str, Any]:
    return {
        "name": agent.name,
        "id_type": agent.id_type,
        "id_number": agent.id_number,
        "staff_id": agent.staff_id,
    }


def _agent(data: dict[str, Any] | None) -> Agent | None:
    """The stored agent; cases stored before agents were recorded have none."""
    if not data:
        return None
    return Agent(data["name"], data["id_type"], data["id_number"], data.get("staff_id"))


def _data(case: Case) -> dict[str, Any]:
    """Everything the queues do not filter on, as one JSON document."""
    missing, correction, proposal = case.missing, case.correction, case.proposal
    return {
        "terms": {
            "kind": case.terms.kind.value,
            "promised_days": case.terms.promised_days,
            "materials": [[name, key] for name, key in case.terms.materials],
            "result_name": case.terms.result_name,
            "agent_only": sorted(case.terms.agent_only),
        },
        "materials": list(case.materials),
        "agent": None if case.agent is None else _agent_data(case.agent),
        "missing": None
        if missing is None
        else {
            "names": list(missing.names),
            "supply_by": missing.supply_by.isoformat(),
            "commitment": missing.commitment,
        },
        "correction": None
        if correction is None
        else {
            "requested_on": correction.requested_on.isoformat(),
            "needed": list(correction.needed),
            "reasons": correction.reasons,
            "return_to": correction.return_to.value,
        },
        "stops": [[s.stopped_on.isoformat(), _iso(s.resumed_on)] for s in case.stops],
        "address": case.delivery.address,
        "decision_reasons": case.decision_reasons,
        "decided_on": _iso(case.decided_on),
        "proposal": None
        if proposal is None
        else {
            "reasons": proposal.reasons,
            "proposed_by": proposal.proposed_by,
            "proposed_at": proposal.proposed_at.isoformat(),
        },
        "result_reference": case.result_reference,
        "delivery_detail": dict(case.delivery_detail),
        "closing_reason": case.closing_reason,
        "material_sources": dict(case.material_sources),
        "disputes": list(case.disputes),
        **_filed_with(case),
    }


def _filed_with(case: Case) -> dict[str, Any]:
    """网办辅导 and 自助办, kept only when they apply (older cases' documents stay as they were)."""
    found: dict[str, Any] = {}
    if case.assisted_by is not None:
        helper = case.assisted_by
        found["assisted_by"] = {
            "user_id": helper.user_id,
            "name": helper.name,
            "centre_code": helper.centre_code,
            "consent": helper.consent,
        }
        if helper.signature_sha256:
            found["assisted_by"]["signature_sha256"] = helper.signature_sha256
    if case.kiosk:
        found["kiosk"] = case.kiosk
    if case.received_from:
        found["received_from"] = case.received_from
    return found


def _assisted_by(data: dict[str, Any]) -> AssistedBy | None:
    helper = data.get("assisted_by")
    if not helper:
        return None
    return AssistedBy(
        helper["user_id"],
        helper["name"],
        helper["centre_code"],
        helper["consent"],
        helper.get("signature_sha256"),
    )


def _columns(conn: Connection, case: Case, at: datetime) -> dict[str, Any]:
    return {
        "status": case.status.value,
        "form": dict(case.form),
        "submitted_at": case.submitted_at,
        "accepted_on": case.accepted_on,
        "deadline": case.deadline,
        # the centres' ids, by code (see _INSERT and _UPDATE; unknown: _check_centres)
        "code_accepting_centre": case.accepting_centre_code,
        "code_pickup_centre": case.delivery.pickup_centre_code,
        "delivery_method": case.delivery.method.value,
        "decision": case.decision.value if case.decision else None,
        "data": _data(case),
        "updated_at": at,
    }


def _from_row(row: Row[Any]) -> Case:
    data = row.data
    terms = data["terms"]
    missing, correction, proposal = data["missing"], data["correction"], data["proposal"]
    return Case(
        id=row.id,
        number=row.number,
        item_code=row.item_code,
        item_version=row.item_version,
        terms=ItemTerms(
            kind=ItemKind(terms["kind"]),
            promised_days=terms["promised_days"],
            materials=tuple((name, bool(key)) for name, key in terms["materials"]),
            result_name=terms.get("result_name", ""),
            agent_only=frozenset(terms.get("agent_only") or ()),
        ),
        agent=_agent(data.get("agent")),
        applicant_id=row.applicant_id,
        channel=Channel(row.channel),
        department_code=row.department_code,
        status=CaseStatus(row.status),
        version=row.lock_version,
        form=dict(row.form),
        materials=list(data["materials"]),
        missing=None
        if missing is None
        else MissingMaterials(
            tuple(missing["names"]), date.fromisoformat(missing["supply_by"]), missing["commitment"]
        ),
        correction=None
        if correction is None
        else CorrectionRequest(
            date.fromisoformat(correction["requested_on"]),
            tuple(correction["needed"]),
            correction["reasons"],
            CaseStatus(correction["return_to"]),
        ),
        stops=[ClockStop(date.fromisoformat(s), _day(r)) for s, r in data["stops"]],
        accepting_centre_code=row.accepting_centre_code,
        delivery=Delivery(
            DeliveryMethod(row.delivery_method), row.pickup_centre_code, data["address"]
        ),
        submitted_at=row.submitted_at,
        accepted_on=row.accepted_on,
        deadline=row.deadline,
        decision=Decision(row.decision) if row.decision else None,
        decision_reasons=data["decision_reasons"],
        decided_on=_day(data["decided_on"]),
        proposal=None
        if proposal is None
        else RejectionProposal(
            proposal["reasons"],
            proposal["proposed_by"],
            datetime.fromisoformat(proposal["proposed_at"]),
        ),
        result_reference=data["result_reference"],
        delivery_detail=dict(data["delivery_detail"]),
        closing_reason=data["closing_reason"],
        material_sources=dict(data.get("material_sources") or {}),
        disputes=list(data.get("disputes") or []),
        assisted_by=_assisted_by(data),
        kiosk=data.get("kiosk"),
        received_from=data.get("received_from"),
        priority=row.priority,
        audit_seq=row.audit_seq,
        audit_head=row.audit_head,
    )


def case_select() -> Any:
    """The cases row with the codes the aggregate speaks in (item, department, centres)."""
    return select(
        cases,
        service_items.c.code.label("item_code"),
        departments.c.code.label("department_code"),
        _accepting.c.code.label("accepting_centre_code"),
        _pickup.c.code.label("pickup_centre_code"),
    ).select_from(
        cases.join(service_items, service_items.c.id == cases.c.item_id)
        .join(departments, departments.c.id == cases.c.department_id)
        .outerjoin(_accepting, _accepting.c.id == cases.c.accepting_centre_id)
        .outerjoin(_pickup, _pickup.c.id == cases.c.pickup_centre_id)
    )


_GET = case_select().where(cases.c.number == bindparam("number"))
"""Built once, like ``_INSERT``: a five-table select built per call costs its cache key."""


def get(conn: Connection, number: str) -> Case:
    """The case numbered ``number``; ``CaseNotFound`` if there is none."""
    row = conn.execute(_GET, {"number": normalise_number(number)}).first()
    if row is None:
        raise CaseNotFound(number=number)
    return _from_row(row)


@dataclass(frozen=True)
class ForChange:
    """A case read by a step that changes it, with what its save and its notifications would
    otherwise read with statements of their own."""

    case: Case
    fact: CaseFact | None
    """The case's stored statistics fact (``save(..., fact=...)``)."""
    contacts: tuple[str, str | None]
    """The item's name and the applicant's phone (``notify``'s ``known``)."""


_applicant = users.alias("applicant")
_GET_FOR_CHANGE = (
    case_select()
    .add_columns(
        *facts.STORED_FACT,
        service_items.c.name.label("item_name"),
        _applicant.c.phone.label("applicant_phone"),
    )
    .outerjoin(indicator_case_facts, indicator_case_facts.c.case_id == cases.c.id)
    .outerjoin(_applicant, _applicant.c.id == cases.c.applicant_id)
    .where(cases.c.number == bindparam("number"))
)


def get_for_change(conn: Connection, number: str) -> ForChange:
    """``get``, with the case's stored statistics fact, its item's name and its applicant's
    phone in the same statement, for a step that saves the case and tells people."""
    row = conn.execute(_GET_FOR_CHANGE, {"number": normalise_number(number)}).first()
    if row is None:
        raise CaseNotFound(number=number)
    case = _from_row(row)
    phone = str(row.applicant_phone) if row.applicant_phone else None
    return ForChange(case, facts.stored_fact(row), (str(row.item_name or case.item_code), phone))


def add(
    conn: Connection,
    case: Case,
    item_id: int,
    at: datetime,
    *,
    calendar: WorkingCalendar | None = None,
    also: Sequence[Part] = (),
    returning: Part | None = None,
) -> list[Any]:
    """Insert a new case (version 1) with its pending events; ``calendar``: the one the caller
    read in this transaction already (else it is read when the case's fact needs it); ``also``:
    independent inserts (its notifications) to send with the events; ``returning``: one more,
    an insert with RETURNING (a decision's consent grants), whose rows are returned."""
    entries = _chain(case)
    values = {
        "number": case.number,
        "item_id": item_id,
        "item_version": case.item_version,
        "applicant_id": case.applicant_id,
        "channel": case.channel.value,
        "lock_version": 1,
        # The item's department: it exists (a published item refers to it).
        "code_department": case.department_code,
        "priority": case.priority,
        "audit_seq": case.audit_seq,
        "audit_head": case.audit_head,
        "created_at": at,
        **_columns(conn, case, at),
    }
    row = conn.execute(_INSERT, values).one()
    _check_centres(case, row)
    case.id = row.id
    case.version = 1
    # the fact before _append clears the pending events; one statement with the events
    changes = facts.changes(conn, case, new=True, calendar=calendar)
    return _append(conn, case, entries, [*also, *changes], returning)


def save(
    conn: Connection,
    case: Case,
    at: datetime,
    *,
    also: Sequence[Part] = (),
    fact: CaseFact | facts.Unread | None = facts.UNREAD,
) -> None:
    """Compare-and-set on ``lock_version`` and append the pending events, in one transaction;
    ``also``: independent inserts (its notifications) to send with the events; ``fact``: the
    case's stored fact as ``get_for_change`` read it with the case (else it is read here)."""
    assert case.id is not None, "save() is for stored cases; use add() for a new one"
    read = case.version
    entries = _chain(case)
    values = {
        "key_id": case.id,
        "key_read": read,
        "lock_version": read + 1,
        "audit_seq": case.audit_seq,
        "audit_head": case.audit_head,
        **_columns(conn, case, at),
    }
    row = conn.execute(_UPDATE, values).first()
    if row is None:
        current = conn.execute(select(cases.c.lock_version).where(cases.c.id == case.id)).scalar()
        raise StaleVersion(current=current)
    _check_centres(case, row)
    case.version = read + 1
    writes = facts.changes(conn, case, stored=fact)  # before clear
    _append(conn, case, entries, [*also, *writes])


def _chain(case: Case) -> list[dict[str, Any]]:
    """The pending events as audit rows, numbered and hash-chained after the stored ones."""
    rows: list[dict[str, Any]] = []
    for event in case.events:
        entry: dict[str, Any] = {
            "case": case.number,
            "seq": case.audit_seq + 1,
            "type": event.type,
            "from_status": event.from_status.value if event.from_status else None,
            "to_status": event.to_status.value,
            "at": event.at,
            "actor_id": event.actor_id,
            "role": event.role,
            "centre_code": event.centre_code,
            "reason": event.reason,
            "detail": dict(event.detail),
            "request_id": event.request_id,
        }
        entry["prev_hash"] = case.audit_head
        entry["hash"] = entry_hash(case.audit_head, entry)
        case.audit_seq, case.audit_head = entry["seq"], entry["hash"]
        rows.append(entry)
    return rows


def _append(
    conn: Connection,
    case: Case,
    entries: list[dict[str, Any]],
    fact_writes: list[Part],
    returning: Part | None = None,
) -> list[Any]:
    """The events' rows and the case's fact and rollup changes, in one statement on
    PostgreSQL (none of them reads another), with ``returning`` (see ``add``)."""
    rows = [{"case_id": case.id, **{k: v for k, v in e.items() if k != "case"}} for e in entries]
    parts = [*fact_writes, (_INSERT_EVENTS, rows)]
    found = [] if returning is None else write_returning(conn, returning, parts)
    if returning is None:
        write_together(conn, parts)
    case.events.clear()
    return found
