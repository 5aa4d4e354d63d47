"""Where measures come from: the totals of some measures over a period and a cut.

Case measures read the daily rollup (``indicator_case_daily``; for whole months, a quarter or
a year its monthly sums, ``indicator_case_monthly``, or by town, ``indicator_case_town_monthly``,
when only the town, department or channel is asked for), never the cases, and rating
measures the daily rating rollup (``indicator_rating_daily``), never the ratings; catalogue
measures the published items as they are now; ticket and hard-case measures their own tables,
by centre and day (small per centre and day, and indexed by time).  A period
without a single rating gives "no data", never a satisfaction of zero.  A dimension a source
cannot be cut by is the caller's to refuse (``model.check_spec`` and ``figures``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, select

from tongban.adapters.db.tables import centres, departments, service_items
from tongban.adapters.db.tables_indicators import indicator_case_daily as daily
from tongban.adapters.db.tables_indicators import indicator_case_monthly as monthly
from tongban.adapters.db.tables_indicators import indicator_case_town_monthly as case_town_monthly
from tongban.adapters.db.tables_indicators import indicator_rating_daily as rating_daily
from tongban.adapters.db.tables_indicators import (
    indicator_rating_town_monthly as rating_town_monthly,
)
from tongban.adapters.db.tables_service_desk import hard_cases
from tongban.adapters.db.tables_visits import queue_tickets
from tongban.domain.indicators.model import MEASURES, Dimension, Source
from tongban.domain.shared.clock import CHINA_TZ

Totals = dict[str, float | None]
Groups = dict[str, Totals]
"""Group key (the code of the ``by`` dimension; '' without one) → measure → total."""


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_TOWN_CUTS = {Dimension.TOWN, Dimension.DEPARTMENT, Dimension.CHANNEL}


def _town_month_totals(
    conn: Connection,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    by: Dimension | None,
    town_monthly: Any = case_town_monthly,
) -> Groups:
    """Whole months, whole or cut by town, department or channel: the town rows (no join)."""
    column = {
        Dimension.TOWN: town_monthly.c.town,
        Dimension.DEPARTMENT: town_monthly.c.department_code,
        Dimension.CHANNEL: town_monthly.c.channel,
    }
    key = column[by].label("key") if by else literal("").label("key")
    query = (
        select(key, *(func.coalesce(func.sum(town_monthly.c[m]), 0).label(m) for m in names))
        .where(town_monthly.c.month >= start, town_monthly.c.month <= end)
        .group_by(key)
    )
    for dimension, value in filters.items():
        query = query.where(column[dimension] == value)
    return {row.key: {m: float(row._mapping[m]) for m in names} for row in conn.execute(query)}


def whole_months(start: date, end: date) -> bool:
    """Whether ``start`` … ``end`` is whole months (a month, a quarter, a year)."""
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def _case_totals(
    conn: Connection,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    by: Dimension | None,
) -> Groups:
    """Whole months read the monthly rows, other periods the daily ones; the centres are joined
    only for the town (the rollup keeps the centre's code)."""
    if whole_months(start, end) and {*filters, *([by] if by else [])} <= _TOWN_CUTS:
        return _town_month_totals(conn, names, start, end, filters, by)
    return _case_cuts(conn, names, start, end, filters, (by,))[by]


def _case_cuts(
    conn: Connection,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    bys: tuple[Dimension | None, ...],
) -> dict[Dimension | None, Groups]:
    """The rows by item and centre (monthly for whole months, else daily), cut by each of
    ``bys`` in one pass."""
    if whole_months(start, end):
        table, when = monthly, monthly.c.month
    else:
        table, when = daily, daily.c.day
    column = {
        Dimension.TOWN: func.coalesce(centres.c.town, literal("")),
        Dimension.CENTRE: table.c.centre_code,
        Dimension.DEPARTMENT: table.c.department_code,
        Dimension.ITEM: table.c.item_code,
        Dimension.CHANNEL: table.c.channel,
    }
    source: Any = table
    if Dimension.TOWN in bys or Dimension.TOWN in filters:
        source = table.outerjoin(centres, centres.c.code == table.c.centre_code)
    sums = [func.coalesce(func.sum(table.c[m]), 0).label(m) for m in names]
    conditions = [when >= start, when <= end]
    conditions += [column[dimension] == value for dimension, value in filters.items()]
    return _cuts(conn, names, source, sums, conditions, column, bys)


def _cuts(
    conn: Connection,
    names: list[str],
    source: Any,
    sums: list[Any],
    conditions: list[Any],
    column: Mapping[Dimension, Any],
    bys: tuple[Dimension | None, ...],
    having: Any = None,
) -> dict[Dimension | None, Groups]:
    """``sums`` over ``source`` where ``conditions``, grouped by each of ``bys`` (None: the
    whole): one query for one cut; for several, one pass with ``GROUPING SETS`` on PostgreSQL
    (the rows are read once, not once per cut), one query per cut elsewhere."""
    if len(bys) > 1 and conn.dialect.name != "postgresql":
        out: dict[Dimension | None, Groups] = {}
        for by in bys:
            out |= _cuts(conn, names, source, sums, conditions, column, (by,), having)
        return out
    if len(bys) == 1:
        by = bys[0]
        key = column[by].label("key") if by else literal("").label("key")
        query = select(key, *sums).select_from(source).where(*conditions).group_by(key)
        if having is not None:
            query = query.having(having)
        return {
            by: {row.key: {m: float(row._mapping[m]) for m in names} for row in conn.execute(query)}
        }
    cuts = [b for b in bys if b is not None]
    assert len(cuts) == len(bys), "the whole is asked alone"
    keys = [column[b].label(f"k{i}") for i, b in enumerate(cuts)]
    flags = [func.grouping(column[b]).label(f"g{i}") for i, b in enumerate(cuts)]
    query = (
        select(*keys, *flags, *sums)
        .select_from(source)
        .where(*conditions)
        .group_by(func.grouping_sets(*(column[b] for b in cuts)))
    )
    if having is not None:
        query = query.having(having)
    found: dict[Dimension | None, Groups] = {b: {} for b in cuts}
    for row in conn.execute(query):
        # GROUPING(column) is 0 in the rows grouped by that column, 1 in the others
        i = next(i for i in range(len(cuts)) if row._mapping[f"g{i}"] == 0)
        found[cuts[i]][row._mapping[f"k{i}"]] = {m: float(row._mapping[m]) for m in names}
    return found


_ITEM_MEASURES = {
    "items_total": func.count(),
    "items_online_capable": _count(service_items.c.online_capable),
    "items_fully_online": _count(service_items.c.fully_online),
    "items_smart": _count(service_items.c.smart_approval),
    "items_certificate_free": _count(service_items.c.certificate_free),
    "items_immediate": _count(service_items.c.kind == "immediate"),
    "items_legal_days": func.coalesce(func.sum(service_items.c.legal_limit_days), 0),
    "items_promised_days": func.coalesce(func.sum(service_items.c.promised_limit_days), 0),
}


def _catalogue_totals(
    conn: Connection, names: list[str], filters: Mapping[Dimension, str], by: Dimension | None
) -> Groups:
    column = {Dimension.DEPARTMENT: departments.c.code, Dimension.ITEM: service_items.c.code}
    key = column[by].label("key") if by else literal("").label("key")
    query = (
        select(key, *(_ITEM_MEASURES[m].label(m) for m in names))
        .select_from(service_items.join(departments))
        .where(service_items.c.status == "published")
        .group_by(key)
    )
    for dimension, value in filters.items():
        query = query.where(column[dimension] == value)
    return {row.key: {m: float(row._mapping[m]) for m in names} for row in conn.execute(query)}


def china_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants of the China days ``start`` … ``end`` (end exclusive)."""
    first = datetime.combine(start, time(), CHINA_TZ)
    return first, datetime.combine(end + timedelta(days=1), time(), CHINA_TZ)


def _add(groups: Groups, key: str, names: Iterable[str], values: Mapping[str, float]) -> None:
    totals = groups.setdefault(key, dict.fromkeys(names, 0.0))
    for name, value in values.items():
        if name in totals:
            totals[name] = (totals[name] or 0.0) + value


def _ticket_totals(
    conn: Connection,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    by: Dimension | None,
) -> Groups:
    query = (
        select(
            centres.c.code.label("centre"),
            centres.c.town,
            queue_tickets.c.item_code,
            queue_tickets.c.taken_at,
            queue_tickets.c.called_at,
        )
        .select_from(queue_tickets.join(centres))
        .where(
            queue_tickets.c.day >= start,
            queue_tickets.c.day <= end,
            queue_tickets.c.called_at.is_not(None),
        )
    )
    groups: Groups = {}
    for row in conn.execute(query):
        values = {Dimension.TOWN: row.town, Dimension.CENTRE: row.centre}
        values[Dimension.ITEM] = row.item_code or ""
        if any(values[d] != v for d, v in filters.items()):
            continue
        wait = max((row.called_at - row.taken_at).total_seconds(), 0.0) / 60
        key = values[by] if by else ""
        _add(groups, key, names, {"tickets_called": 1.0, "ticket_wait_minutes": wait})
    return groups


def _hard_case_totals(
    conn: Connection,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    by: Dimension | None,
) -> Groups:
    column = {Dimension.TOWN: centres.c.town, Dimension.CENTRE: centres.c.code}
    key = column[by].label("key") if by else literal("").label("key")
    first, after = china_bounds(start, end)
    query = (
        select(
            key,
            func.count().label("hard_cases_raised"),
            _count(hard_cases.c.status == "resolved").label("hard_cases_resolved"),
        )
        .select_from(hard_cases.join(centres))
        .where(and_(hard_cases.c.raised_at >= first, hard_cases.c.raised_at < after))
        .group_by(key)
    )
    for dimension, value in filters.items():
        query = query.where(column[dimension] == value)
    return {row.key: {m: float(row._mapping[m]) for m in names} for row in conn.execute(query)}


def _rating_totals(
    conn: Connection,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    by: Dimension | None,
) -> Groups:
    """好差评 by the day each rating was given, from the daily rating rollup (a case's rating
    cut by the case's channel, a ticket's counted as window).  A cut without a single rating
    has no row: "no data"."""
    if whole_months(start, end) and {*filters, *([by] if by else [])} <= _TOWN_CUTS:
        return _town_month_totals(conn, names, start, end, filters, by, rating_town_monthly)
    return _rating_cuts(conn, names, start, end, filters, (by,))[by]


def _rating_cuts(
    conn: Connection,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    bys: tuple[Dimension | None, ...],
) -> dict[Dimension | None, Groups]:
    """The daily rating rows cut by each of ``bys`` in one pass (a group without a rating has
    no row)."""
    town = func.coalesce(centres.c.town, literal(""))
    column = {
        Dimension.TOWN: town,
        Dimension.CENTRE: rating_daily.c.centre_code,
        Dimension.DEPARTMENT: rating_daily.c.department_code,
        Dimension.ITEM: rating_daily.c.item_code,
        Dimension.CHANNEL: rating_daily.c.channel,
    }
    source: Any = rating_daily
    if Dimension.TOWN in bys or Dimension.TOWN in filters:
        source = rating_daily.outerjoin(centres, centres.c.code == rating_daily.c.centre_code)
    sums = [func.coalesce(func.sum(rating_daily.c[m]), 0).label(m) for m in names]
    conditions = [rating_daily.c.day >= start, rating_daily.c.day <= end]
    conditions += [column[dimension] == value for dimension, value in filters.items()]
    having = func.sum(rating_daily.c.ratings_total) > 0
    return _cuts(conn, names, source, sums, conditions, column, bys, having)


def totals(
    conn: Connection,
    source: Source,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    by: Dimension | None,
) -> Groups | None:
    """The measures' totals per group (a group without rows is absent: "no data")."""
    assert all(MEASURES[n].source is source for n in names)
    if source is Source.CASES:
        return _case_totals(conn, names, start, end, filters, by)
    if source is Source.CATALOGUE:
        return _catalogue_totals(conn, names, filters, by)
    if source is Source.TICKETS:
        return _ticket_totals(conn, names, start, end, filters, by)
    if source is Source.HARD_CASES:
        return _hard_case_totals(conn, names, start, end, filters, by)
    if source is Source.RATINGS:
        return _rating_totals(conn, names, start, end, filters, by)
    raise AssertionError(source)


FINE_CUTS = (Dimension.CENTRE, Dimension.ITEM)
"""The cuts only the rows by item and centre can give (no town-level rows hold them)."""


def fine_totals(
    conn: Connection,
    source: Source,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
) -> dict[Dimension, Groups]:
    """Case or rating measures cut by centre and by item (``FINE_CUTS``), the rows of the
    period read once for both on PostgreSQL: as ``totals`` with ``by`` each of them."""
    assert source in (Source.CASES, Source.RATINGS)
    assert all(MEASURES[n].source is source for n in names)
    cuts = _case_cuts if source is Source.CASES else _rating_cuts
    found = cuts(conn, names, start, end, filters, FINE_CUTS)
    return {by: found[by] for by in FINE_CUTS}


Months = dict[date, Totals]
"""First day of a month → measure → total."""


def _month_key(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _monthly_series(
    conn: Connection,
    table: Any,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
    column: Mapping[Dimension, Any],
    source: Any,
) -> Months:
    query = (
        select(table.c.month, *(func.coalesce(func.sum(table.c[m]), 0).label(m) for m in names))
        .select_from(source)
        .where(table.c.month >= start, table.c.month <= end)
        .group_by(table.c.month)
    )
    for dimension, value in filters.items():
        query = query.where(column[dimension] == value)
    return {
        _month_key(row.month): {m: float(row._mapping[m]) for m in names}
        for row in conn.execute(query)
    }


def monthly_totals(
    conn: Connection,
    source: Source,
    names: list[str],
    start: date,
    end: date,
    filters: Mapping[Dimension, str],
) -> Months | None:
    """The measures' totals for each month of whole months ``start`` … ``end`` in one query
    (a month without rows is absent), or None where the source has no monthly rows to read
    (tickets, hard cases, ratings cut by centre or item): then ask ``totals`` month by month.
    The catalogue has no period: its one total is every month's (key ``start``)."""
    assert whole_months(start, end)
    column: dict[Dimension, Any]
    if source is Source.CATALOGUE:
        return {start: _catalogue_totals(conn, names, filters, None).get("", {})}
    if source is Source.CASES and set(filters) <= _TOWN_CUTS:
        t = case_town_monthly
        column = {
            Dimension.TOWN: t.c.town, Dimension.DEPARTMENT: t.c.department_code,
            Dimension.CHANNEL: t.c.channel,
        }  # fmt: skip
        return _monthly_series(conn, t, names, start, end, filters, column, t)
    if source is Source.CASES:
        m = monthly
        column = {
            Dimension.TOWN: func.coalesce(centres.c.town, literal("")),
            Dimension.CENTRE: m.c.centre_code, Dimension.DEPARTMENT: m.c.department_code,
            Dimension.ITEM: m.c.item_code, Dimension.CHANNEL: m.c.channel,
        }  # fmt: skip
        joined: Any = m
        if Dimension.TOWN in filters:
            joined = m.outerjoin(centres, centres.c.code == m.c.centre_code)
        return _monthly_series(conn, m, names, start, end, filters, column, joined)
    if source is Source.RATINGS and set(filters) <= _TOWN_CUTS:
        r = rating_town_monthly
        column = {
            Dimension.TOWN: r.c.town, Dimension.DEPARTMENT: r.c.department_code,
            Dimension.CHANNEL: r.c.channel,
        }  # fmt: skip
        return _monthly_series(conn, r, names, start, end, filters, column, r)
    return None
