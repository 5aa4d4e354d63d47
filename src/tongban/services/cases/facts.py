"""What each case counts for in the statistics, kept current in the case's own transaction.

Every insert and save of a case (``repository.add``/``save``) calls ``changes``: the case's new
fact replaces its stored one in ``indicator_case_facts``, and the difference is appended to the
rollups' ledger ``indicator_case_pending`` (one plain multi-row insert, one row per daily key it
changes), so no two case writes ever touch the same row; ``services/indicators/ledger.fold``
moves the ledger into ``indicator_case_daily``, ``indicator_case_monthly`` and
``indicator_case_town_monthly`` (the worker, and every read of the figures on the primary).
The demo's bulk filing (``record_new``, ``apply_delta``) adds to the rollups directly by
``UPDATE ... SET n = n + delta`` (an upsert), so two writers add without losing each other's
counts.  ``recompute`` derives the facts from the raw rows, for ``tongban metrics verify`` and
``rebuild``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from enum import Enum
from typing import Any, Final

from sqlalchemy import Connection, Row, RowMapping, bindparam, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from tongban.adapters.db.tables import case_events, cases, centres
from tongban.adapters.db.tables_indicators import (
    CASE_DAILY_MEASURES,
    indicator_case_daily,
    indicator_case_facts,
    indicator_case_monthly,
    indicator_case_pending,
    indicator_case_town_monthly,
)
from tongban.domain.cases.model import Case
from tongban.domain.indicators.facts import (
    CaseFact,
    CaseState,
    RollupKey,
    contributions,
    delta,
    fact_of,
)
from tongban.domain.shared.calendar import WorkingCalendar
from tongban.domain.shared.clock import china_date
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.together import Part, write_together

AUTOMATED = "AutomatedDecision"
"""The event a 秒批 decision records (domain.rules.decision.conclude)."""

_FACT_MEASURES = (
    "received",
    "online",
    "certificate_free",
    "visits",
    "finished",
    "on_time",
    "immediate",
    "smart",
    "working_days_used",
    "promised_days",
)
_KEY = ("day", "item_code", "department_code", "centre_code", "channel")


_MONTH_KEY = ("month", *_KEY[1:])


def adding_upserts(table: Any, key: tuple[str, ...], measures: Iterable[str]) -> dict[str, Any]:
    """By dialect name, the insert of a rollup row that adds each measure to the stored row of
    the same ``key`` (``ON CONFLICT DO UPDATE SET n = n + excluded.n``): two writers add without
    losing each other's counts."""
    out: dict[str, Any] = {}
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite)):
        stmt = dialect.insert(table)
        out[name] = stmt.on_conflict_do_update(
            index_elements=list(key),
            set_={m: table.c[m] + stmt.excluded[m] for m in measures},
        )
    return out


_TOWN_KEY = ("month", "department_code", "town", "channel")
_ADD = adding_upserts(indicator_case_daily, _KEY, CASE_DAILY_MEASURES)
_ADD_MONTHLY = adding_upserts(indicator_case_monthly, _MONTH_KEY, CASE_DAILY_MEASURES)
_ADD_TOWN_MONTHLY = adding_upserts(indicator_case_town_monthly, _TOWN_KEY, CASE_DAILY_MEASURES)
_PENDING = insert(indicator_case_pending)
TownKey = tuple[date, str, str, str]
"""Month, department code, town, channel."""
_FACT_COLUMNS = (
    "item_code",
    "department_code",
    "centre_code",
    "channel",
    "received_on",
    "finished_on",
    *_FACT_MEASURES,
)


def _fact_upserts() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite)):
        stmt = dialect.insert(indicator_case_facts)
        out[name] = stmt.on_conflict_do_update(
            index_elements=["case_id"], set_={c: stmt.excluded[c] for c in _FACT_COLUMNS}
        )
    return out


_PUT_FACT = _fact_upserts()
_GET_FACT = select(indicator_case_facts).where(indicator_case_facts.c.case_id == bindparam("id"))


class Unread(Enum):
    """``changes``' default: the case's stored fact was not read by the caller."""

    UNREAD = "unread"


UNREAD: Final = Unread.UNREAD
_PREFIX = "fact_"
STORED_FACT = tuple(column.label(_PREFIX + column.name) for column in indicator_case_facts.c)
"""The stored fact's columns, for a read of the case that brings its fact along (outer-joined
on ``case_id``); ``stored_fact`` makes the fact of such a row."""


def stored_fact(row: Row[Any]) -> CaseFact | None:
    """The fact of a row read with ``STORED_FACT`` (None: the case has none)."""
    data = row._mapping
    if data[_PREFIX + "case_id"] is None:
        return None
    return fact_from_row({c.name: data[_PREFIX + c.name] for c in indicator_case_facts.c})


def state_of(case: Case, smart: bool) -> CaseState:
    """The parts of the aggregate the fact depends on."""
    assert case.id is not None
    return CaseState(
        case_id=case.id,
        item_code=case.item_code,
        department_code=case.department_code,
        centre_code=case.accepting_centre_code,
        channel=case.channel.value,
        status=case.status.value,
        submitted_on=None if case.submitted_at is None else china_date(case.submitted_at),
        accepted_on=case.accepted_on,
        decided_on=case.decided_on,
        decision=None if case.decision is None else case.decision.value,
        deadline=case.deadline,
        kind=case.terms.kind.value,
        promised_days=case.terms.promised_days,
        delivery_method=case.delivery.method.value,
        stops=list(case.stops),
        from_licences=bool(case.material_sources),
        smart=smart,
    )


def fact_from_row(row: Row[Any] | Mapping[str, Any]) -> CaseFact:
    data = row._mapping if isinstance(row, Row) else row
    return CaseFact(
        case_id=data["case_id"],
        item_code=data["item_code"],
        department_code=data["department_code"],
        centre_code=data["centre_code"],
        channel=data["channel"],
        received_on=data["received_on"],
        finished_on=data["finished_on"],
        received=data["received"],
        online=data["online"],
        certificate_free=data["certificate_free"],
        visits=data["visits"],
        finished=data["finished"],
        on_time=data["on_time"],
        immediate=data["immediate"],
        smart=data["smart"],
        working_days_used=data["working_days_used"],
        promised_days=data["promised_days"],
    )


def fact_row(fact: CaseFact) -> dict[str, Any]:
    measures = fact.measures()
    return {
        "case_id": fact.case_id,
        "item_code": fact.item_code,
        "department_code": fact.department_code,
        "centre_code": fact.centre_code,
        "channel": fact.channel,
        "received_on": fact.received_on,
        "finished_on": fact.finished_on,
        "received": fact.received,
        "online": fact.online,
        "certificate_free": fact.certificate_free,
        "visits": measures["visits"],
        "finished": fact.finished,
        "on_time": fact.on_time,
        "immediate": fact.immediate,
        "smart": fact.smart,
        "working_days_used": fact.working_days_used,
        "promised_days": fact.promised_days,
    }


def _calendar(conn: Connection, case: Case) -> WorkingCalendar | None:
    return load_calendar(conn) if case.decided_on is not None else None


def _decided_by_rules(case: Case) -> bool:
    return any(event.type == AUTOMATED for event in case.events)


def by_month(rows: Mapping[RollupKey, Mapping[str, int]]) -> dict[RollupKey, dict[str, int]]:
    """Daily rollup rows summed by month (the key's day becomes the month's first day), in key
    order."""
    out: dict[RollupKey, dict[str, int]] = {}
    for key, values in rows.items():
        month = (key[0].replace(day=1), *key[1:])
        total = out.setdefault(month, dict.fromkeys(CASE_DAILY_MEASURES, 0))
        for m, v in values.items():
            total[m] += v
    return {k: out[k] for k in sorted(out)}


_TOWNS = select(centres.c.code, centres.c.town).where(
    centres.c.code.in_(bindparam("codes", expanding=True))
)
"""Built once (a statement built per call costs SQLAlchemy its cache key)."""


def towns_of(
    conn: Connection, codes: Iterable[str], known: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The town of each centre code ('' for no centre, or a centre without a town); ``known``:
    the towns of some of them, read in this transaction already (not read again)."""
    found: dict[str, str] = {}
    missing: set[str] = set()
    for code in codes:
        if known and code in known:
            found[code] = known[code]
        elif code:
            missing.add(code)
    wanted = sorted(missing)
    for start in range(0, len(wanted), 500):
        rows = conn.execute(_TOWNS, {"codes": wanted[start : start + 500]})
        found.update({row.code: row.town or "" for row in rows})
    return found


def by_town_month(
    rows: Mapping[RollupKey, Mapping[str, int]],
    towns: Mapping[str, str],
    measures: Iterable[str] = CASE_DAILY_MEASURES,
) -> dict[TownKey, dict[str, int]]:
    """Daily (or monthly) rollup rows summed by month × department × town × channel, in key
    order (the case rollup's, or with ``measures`` the rating rollup's)."""
    out: dict[TownKey, dict[str, int]] = {}
    names = tuple(measures)
    for (day, _item, department, centre, channel), values in rows.items():
        key = (day.replace(day=1), department, towns.get(centre, ""), channel)
        total = out.setdefault(key, dict.fromkeys(names, 0))
        for m, v in values.items():
            total[m] += v
    return {k: out[k] for k in sorted(out)}


def delta_parts(
    conn: Connection,
    change: Mapping[RollupKey, Mapping[str, int]],
    towns: Mapping[str, str] | None = None,
) -> list[Part]:
    """The upserts that add ``change`` to the daily rollup rows, to their months' rows and to
    their months' town rows (created at zero when missing); ``towns``: centres' towns known
    already (``towns_of``).  For bulk writes (the demo): a case write appends to the ledger
    instead (``ledger_parts``)."""
    if not change:
        return []
    dialect = conn.dialect.name
    rows = [dict(zip(_KEY, key, strict=True)) | dict(values) for key, values in change.items()]
    months = by_month(change)
    by_town = by_town_month(months, towns_of(conn, [key[3] for key in months], towns))
    return [
        (_ADD[dialect], rows),
        (
            _ADD_MONTHLY[dialect],
            [dict(zip(_MONTH_KEY, key, strict=True)) | values for key, values in months.items()],
        ),
        (
            _ADD_TOWN_MONTHLY[dialect],
            [dict(zip(_TOWN_KEY, key, strict=True)) | values for key, values in by_town.items()],
        ),
    ]


def ledger_parts(change: Mapping[RollupKey, Mapping[str, int]]) -> list[Part]:
    """The insert that appends ``change`` to the rollups' ledger (``indicator_case_pending``),
    one row per daily key: no ``ON CONFLICT``, so concurrent writers share no row."""
    if not change:
        return []
    rows = [dict(zip(_KEY, key, strict=True)) | dict(values) for key, values in change.items()]
    return [(_PENDING, rows)]


def apply_delta(conn: Connection, change: Mapping[RollupKey, Mapping[str, int]]) -> None:
    """Add ``change`` to the daily, monthly and town rollups (one statement on PostgreSQL): the
    demo's bulk writes, which no concurrent case write contends with."""
    write_together(conn, delta_parts(conn, change))


def changes(
    conn: Connection,
    case: Case,
    *,
    new: bool = False,
    calendar: WorkingCalendar | None = None,
    stored: CaseFact | Unread | None = UNREAD,
) -> list[Part]:
    """The writes that replace the case's fact and append the difference to the rollups'
    ledger, for the caller to send with its own (``write_together``); call it in the
    transaction that writes the case, with its pending events still on it.  ``calendar``: the
    one the caller has read already in this transaction; ``stored``: the case's stored fact,
    when the caller read it with the case in this transaction (``STORED_FACT``)."""
    assert case.id is not None
    old: CaseFact | None = None
    if new:
        pass
    elif stored is UNREAD:
        row = conn.execute(_GET_FACT, {"id": case.id}).first()
        old = None if row is None else fact_from_row(row)
    else:
        old = stored
    smart = _decided_by_rules(case) or (old is not None and old.smart == 1)
    if calendar is None or case.decided_on is None:
        calendar = _calendar(conn, case)
    fact = fact_of(state_of(case, smart), calendar)
    change = delta(contributions(old), contributions(fact))
    parts: list[Part] = []
    if fact is not None and fact != old:
        parts.append((_PUT_FACT[conn.dialect.name], [fact_row(fact)]))
    elif fact is None and old is not None:
        conn.execute(delete(indicator_case_facts).where(indicator_case_facts.c.case_id == case.id))
    return parts + ledger_parts(change)


def record(
    conn: Connection, case: Case, *, new: bool = False, calendar: WorkingCalendar | None = None
) -> None:
    """Replace the case's fact and append the difference to the rollups' ledger; call it in
    the transaction that writes the case, with its pending events still on it."""
    write_together(conn, changes(conn, case, new=new, calendar=calendar))


def record_new(conn: Connection, stored: Iterable[Case]) -> None:
    """The facts of newly inserted cases, in bulk (the demo files thousands at once), added to
    the rollups directly (``apply_delta``)."""
    calendar: WorkingCalendar | None = None
    facts: list[CaseFact] = []
    for case in stored:
        if calendar is None and case.decided_on is not None:
            calendar = load_calendar(conn)
        fact = fact_of(state_of(case, _decided_by_rules(case)), calendar)
        if fact is not None:
            facts.append(fact)
    if not facts:
        return
    conn.execute(_PUT_FACT[conn.dialect.name], [fact_row(f) for f in facts])
    total: dict[RollupKey, dict[str, int]] = {}
    for fact in facts:
        for key, values in contributions(fact).items():
            row = total.setdefault(key, dict.fromkeys(CASE_DAILY_MEASURES, 0))
            for m, v in values.items():
                row[m] += v
    apply_delta(conn, delta({}, total))


def recompute(conn: Connection, batch: int = 2000) -> Iterator[CaseFact]:
    """Every case's fact derived afresh from ``cases`` and ``case_events`` (the raw rows)."""
    # The repository imports this module (it calls ``record``): read its rows lazily.
    from tongban.services.cases.repository import _from_row, case_select

    calendar = load_calendar(conn)
    smart_ids = set(
        conn.execute(
            select(case_events.c.case_id).where(case_events.c.type == AUTOMATED).distinct()
        )
        .scalars()
        .all()
    )
    last = 0
    while True:
        rows = conn.execute(
            case_select().where(cases.c.id > last).order_by(cases.c.id).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            case = _from_row(row)
            fact = fact_of(state_of(case, row.id in smart_ids), calendar)
            if fact is not None:
                yield fact
        last = rows[-1].id


def rollup_of(facts: Iterable[CaseFact]) -> dict[RollupKey, dict[str, int]]:
    """The rollup rows the facts add up to."""
    total: dict[RollupKey, dict[str, int]] = {}
    for fact in facts:
        for key, values in contributions(fact).items():
            row = total.setdefault(key, dict.fromkeys(CASE_DAILY_MEASURES, 0))
            for m, v in values.items():
                row[m] += v
    return total


def _as_date(value: date | str) -> date:
    """A stored day or month: a ``date`` on PostgreSQL, an ISO string on SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _rollup_key(row: RowMapping, first: str) -> RollupKey:
    """The daily (or monthly) rollup key of a stored row whose period column is ``first``."""
    return (
        _as_date(row[first]),
        row["item_code"],
        row["department_code"],
        row["centre_code"],
        row["channel"],
    )


def stored_town_rollup(
    conn: Connection, table: Any = indicator_case_town_monthly, measures: Iterable[str] = ()
) -> dict[TownKey, dict[str, int]]:
    """The stored town rows of the case rollup (or of ``table`` with its ``measures``)."""
    names = tuple(measures) or CASE_DAILY_MEASURES
    out: dict[TownKey, dict[str, int]] = {}
    for row in conn.execute(select(table)).mappings():
        key: TownKey = (
            _as_date(row["month"]),
            row["department_code"],
            row["town"],
            row["channel"],
        )
        out[key] = {m: int(row[m]) for m in names}
    return out


def stored_rollup(conn: Connection, *, monthly: bool = False) -> dict[RollupKey, dict[str, int]]:
    """The stored daily rows (or, ``monthly``, the monthly rows keyed by the month's first day)."""
    table, first = (indicator_case_monthly, "month") if monthly else (indicator_case_daily, "day")
    out: dict[RollupKey, dict[str, int]] = {}
    for row in conn.execute(select(table)).mappings():
        out[_rollup_key(row, first)] = {m: int(row[m]) for m in CASE_DAILY_MEASURES}
    return out


def pending_rollup(conn: Connection) -> dict[RollupKey, dict[str, int]]:
    """The ledger's rows not yet folded into the rollups, summed by daily key."""
    out: dict[RollupKey, dict[str, int]] = {}
    for row in conn.execute(select(indicator_case_pending)).mappings():
        total = out.setdefault(_rollup_key(row, "day"), dict.fromkeys(CASE_DAILY_MEASURES, 0))
        for m in CASE_DAILY_MEASURES:
            total[m] += int(row[m])
    return out
