"""``tongban metrics verify | rebuild``: the rollups against a recomputation from raw rows.

``verify`` derives every case's fact from ``cases`` and ``case_events`` afresh and the daily
rollup and its monthly sums (by item and centre, and by town) from those facts, and the daily
rating rollup and its town rows from ``ratings`` and ``rectifications``, and reports each
stored row that differs (or is missing, or should not be there).  The stored case rollups are
the rollup tables with the ledger's rows not yet folded added (``indicator_case_pending``, see
``ledger``), read in the same statement as the raw rows, so a case written or a fold made
meanwhile never shows as a difference.  ``rebuild`` replaces the six tables with the
recomputation in one transaction, and empties the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text

from tongban.adapters.db.tables import cases
from tongban.adapters.db.tables_indicators import (
    CASE_DAILY_MEASURES,
    RATING_DAILY_MEASURES,
    indicator_case_daily,
    indicator_case_facts,
    indicator_case_monthly,
    indicator_case_pending,
    indicator_case_town_monthly,
    indicator_rating_daily,
    indicator_rating_town_monthly,
)
from tongban.domain.indicators.facts import CaseFact
from tongban.services.cases import facts as case_facts
from tongban.services.evaluation import rollup as rating_rollup
from tongban.services.indicators import recount
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

Progress = Callable[[int], None]
"""Called with the number of cases just processed."""


@dataclass(frozen=True)
class Difference:
    table: str
    key: str
    measure: str
    stored: int | str | None
    expected: int | str | None


@dataclass
class Report:
    cases: int = 0
    rollup_rows: int = 0
    rating_rows: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def case_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(cases)).scalar_one())


def _recomputed(conn: Connection, progress: Progress | None) -> list[CaseFact]:
    found: list[CaseFact] = []
    seen = 0
    for fact in case_facts.recompute(conn):
        found.append(fact)
        seen += 1
        if progress is not None and seen % 500 == 0:
            progress(500)
    if progress is not None and seen % 500:
        progress(seen % 500)
    return found


def _key_text(key: tuple[Any, ...]) -> str:
    return "/".join(part.isoformat() if isinstance(part, date) else part or "-" for part in key)


_DAY_KEY = ("day", "item_code", "department_code", "centre_code", "channel")
_MONTH_KEY = ("month", *_DAY_KEY[1:])
_TOWN_KEY = ("month", "department_code", "town", "channel")
_STORED = {
    "sd": "indicator_case_daily",
    "sm": "indicator_case_monthly",
    "st": "indicator_case_town_monthly",
}
"""The ``_with_pending`` clause of each stored case rollup."""


def _with_pending(conn: Connection) -> str:
    """``WITH`` clauses (after others) giving ``sd``, ``sm`` and ``st``: the stored daily,
    monthly and town case rollups with the ledger's unfolded rows added (``p`` summed by
    day, ``pm`` by month, ``pt`` by town, as ``ledger.fold`` would add them)."""
    month = (
        "date_trunc('month', day)::date"
        if conn.dialect.name == "postgresql"
        else "date(day, 'start of month')"
    )
    keys = "item_code, department_code, centre_code, channel"
    sums = ", ".join(f"sum({m}) AS {m}" for m in CASE_DAILY_MEASURES)
    town = ", ".join(f"sum(pm.{m}) AS {m}" for m in CASE_DAILY_MEASURES)
    clauses = [
        f"p AS MATERIALIZED (SELECT day, {keys}, {sums} FROM indicator_case_pending "
        f"GROUP BY day, {keys})",
        f"pm AS MATERIALIZED (SELECT {month} AS month, {keys}, {sums} FROM p "
        f"GROUP BY {month}, {keys})",
        "pt AS MATERIALIZED (SELECT pm.month, pm.department_code, coalesce(ce.town, '') AS town, "
        f"pm.channel, {town} FROM pm LEFT JOIN centres ce ON ce.code = pm.centre_code "
        "AND pm.centre_code <> '' "
        "GROUP BY pm.month, pm.department_code, coalesce(ce.town, ''), pm.channel)",
    ]
    for (name, table), pending, key in zip(
        _STORED.items(), ("p", "pm", "pt"), (_DAY_KEY, _MONTH_KEY, _TOWN_KEY), strict=True
    ):
        on = " AND ".join(f"x.{k} = s.{k}" for k in key)
        added = ", ".join(f"s.{m} + coalesce(x.{m}, 0) AS {m}" for m in CASE_DAILY_MEASURES)
        columns = ", ".join((*key, *CASE_DAILY_MEASURES))
        clauses.append(
            f"{name} AS (SELECT {', '.join(f's.{k}' for k in key)}, {added} "
            f"FROM {table} s LEFT JOIN {pending} x ON {on} "
            f"UNION ALL SELECT {columns} FROM {pending} x "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE {on}))"
        )
    return ",\n" + ",\n".join(clauses)


def verify(conn: Connection, progress: Progress | None = None) -> Report:
    """Compare the stored facts and rollups with a recomputation from the raw rows, derived
    once and compared in the database in one statement (``recount``): only differing rows
    reach Python."""
    recount.tune_for_verify(conn)
    report = Report(cases=submitted_count(conn))
    ctes = recount.facts_cte(conn) + recount.case_rollup_ctes(conn) + _with_pending(conn)
    fact_pairs, cases_found = recount.compare(
        conn,
        ctes,
        (("d", "sd", _DAY_KEY), ("m", "sm", _MONTH_KEY), ("t", "st", _TOWN_KEY)),
        CASE_DAILY_MEASURES,
        facts="f",
    )
    for want, have in fact_pairs:
        case_id = (want or have or {})["case_id"]
        for name in recount.FACT_COLUMNS:
            a = None if have is None else _plain(have[name])
            b = None if want is None else _plain(want[name])
            if a != b:
                report.differences.append(
                    Difference("indicator_case_facts", str(case_id), name, a, b)
                )
    if progress is not None:
        progress(report.cases)
    for stored, (count, found) in cases_found.items():
        table = _STORED[stored]
        if table == "indicator_case_daily":
            report.rollup_rows = count
        _add(report, table, found, CASE_DAILY_MEASURES)
    _, ratings_found = recount.compare(
        conn,
        recount.rating_ctes(conn),
        (
            ("r", "indicator_rating_daily", _DAY_KEY),
            ("rt", "indicator_rating_town_monthly", _TOWN_KEY),
        ),
        RATING_DAILY_MEASURES,
    )
    for table, (count, found) in ratings_found.items():
        if table == "indicator_rating_daily":
            report.rating_rows = count
        _add(report, table, found, RATING_DAILY_MEASURES)
    return report


def submitted_count(conn: Connection) -> int:
    """The cases that have a fact: every one submitted."""
    query = select(func.count()).where(cases.c.submitted_at.is_not(None), cases.c.status != "draft")
    return int(conn.execute(query).scalar_one())


def _add(
    report: Report,
    table: str,
    found: recount.Found,
    measures: tuple[str, ...],
) -> None:
    for key, want, have in found:
        for measure in measures:
            stored = None if have is None else have[measure]
            if (stored or 0) != want[measure]:
                report.differences.append(
                    Difference(table, _key_text(key), measure, stored, want[measure])
                )


def verify_in_python(conn: Connection, progress: Progress | None = None) -> Report:
    """``verify`` by replaying every case through the aggregate (the reference the SQL
    derivation is tested against; about 4,000 cases a second)."""
    expected = _recomputed(conn, progress)
    report = Report(cases=len(expected))
    stored_facts = {
        row.case_id: case_facts.fact_from_row(row)
        for row in conn.execute(select(indicator_case_facts))
    }
    wanted = {fact.case_id: fact for fact in expected}
    for case_id in sorted(set(stored_facts) | set(wanted)):
        have, want = stored_facts.get(case_id), wanted.get(case_id)
        if have != want:
            for name, value in case_facts.fact_row(want or have).items():  # type: ignore[arg-type]
                a = None if have is None else case_facts.fact_row(have)[name]
                b = None if want is None else value
                if a != b:
                    report.differences.append(
                        Difference("indicator_case_facts", str(case_id), name, _plain(a), _plain(b))
                    )
    rolled = case_facts.rollup_of(expected)
    report.rollup_rows = len(rolled)
    pending = case_facts.pending_rollup(conn)
    pending_months = case_facts.by_month(pending)
    _compare(report, "indicator_case_daily", _plus(case_facts.stored_rollup(conn), pending), rolled)
    _compare(
        report,
        "indicator_case_monthly",
        _plus(case_facts.stored_rollup(conn, monthly=True), pending_months),
        case_facts.by_month(rolled),
    )
    towns = case_facts.towns_of(conn, (key[3] for key in [*rolled, *pending]))
    _compare(
        report,
        "indicator_case_town_monthly",
        _plus(case_facts.stored_town_rollup(conn), case_facts.by_town_month(pending_months, towns)),
        case_facts.by_town_month(rolled, towns),
    )
    _verify_ratings(conn, report)
    return report


def _plus(
    stored: dict[Any, dict[str, int]], pending: Mapping[Any, Mapping[str, int]]
) -> dict[Any, dict[str, int]]:
    """The stored rollup rows with the ledger's unfolded rows of the same keys added."""
    out = {key: dict(values) for key, values in stored.items()}
    for key, values in pending.items():
        row = out.setdefault(key, dict.fromkeys(CASE_DAILY_MEASURES, 0))
        for m, v in values.items():
            row[m] += v
    return out


def _compare(
    report: Report,
    table: str,
    stored: dict[tuple[Any, ...], dict[str, int]],
    rolled: dict[tuple[Any, ...], dict[str, int]],
    measures: tuple[str, ...] = CASE_DAILY_MEASURES,
) -> None:
    zero = dict.fromkeys(measures, 0)
    for key in sorted(set(stored) | set(rolled)):
        have_row, want_row = stored.get(key, zero), rolled.get(key, zero)
        if have_row == want_row:
            continue
        for measure in measures:
            if have_row[measure] != want_row[measure]:
                report.differences.append(
                    Difference(
                        table,
                        _key_text(key),
                        measure,
                        have_row[measure] if key in stored else None,
                        want_row[measure],
                    )
                )


def _verify_ratings(conn: Connection, report: Report) -> None:
    rolled = rating_rollup.recompute(conn)
    report.rating_rows = len(rolled)
    measures = RATING_DAILY_MEASURES
    _compare(report, "indicator_rating_daily", rating_rollup.stored(conn), rolled, measures)
    towns = case_facts.towns_of(conn, (key[3] for key in rolled))
    _compare(
        report,
        "indicator_rating_town_monthly",
        case_facts.stored_town_rollup(conn, indicator_rating_town_monthly, measures),
        case_facts.by_town_month(rolled, towns, measures),
        measures,
    )


def _plain(value: object) -> int | str | None:
    if value is None or isinstance(value, int):
        return value
    return str(value)


@atomic
def rebuild(uow: UnitOfWork, actor: Actor, progress: Progress | None = None) -> Report:
    """Replace the case facts and the rollups with a recomputation and empty the rollups'
    ledger, in one transaction.  On PostgreSQL the ledger is locked first: a case write waits
    at its ledger row until the rebuild commits (on SQLite writers queue anyway), and a fold in
    progress is waited for, so no case lands half in the old and half in the new figures."""
    conn = uow.conn
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE indicator_case_pending IN EXCLUSIVE MODE"))
    expected = _recomputed(conn, progress)
    conn.execute(delete(indicator_case_pending))
    conn.execute(delete(indicator_case_daily))
    conn.execute(delete(indicator_case_monthly))
    conn.execute(delete(indicator_case_town_monthly))
    conn.execute(delete(indicator_case_facts))
    rows = [case_facts.fact_row(f) for f in expected]
    for start in range(0, len(rows), 1000):
        conn.execute(insert(indicator_case_facts), rows[start : start + 1000])
    rolled = case_facts.rollup_of(expected)
    daily = [
        {
            "day": key[0],
            "item_code": key[1],
            "department_code": key[2],
            "centre_code": key[3],
            "channel": key[4],
            **values,
        }
        for key, values in sorted(rolled.items())
    ]
    for start in range(0, len(daily), 1000):
        conn.execute(insert(indicator_case_daily), daily[start : start + 1000])
    monthly = [
        dict(zip(("month", "item_code", "department_code", "centre_code", "channel"), key,
                 strict=True)) | values
        for key, values in case_facts.by_month(rolled).items()
    ]  # fmt: skip
    for start in range(0, len(monthly), 1000):
        conn.execute(insert(indicator_case_monthly), monthly[start : start + 1000])
    towns = case_facts.towns_of(conn, (key[3] for key in rolled))
    by_town = [
        dict(zip(("month", "department_code", "town", "channel"), key, strict=True)) | values
        for key, values in case_facts.by_town_month(rolled, towns).items()
    ]
    for start in range(0, len(by_town), 1000):
        conn.execute(insert(indicator_case_town_monthly), by_town[start : start + 1000])
    conn.execute(delete(indicator_rating_daily))
    conn.execute(delete(indicator_rating_town_monthly))
    rating_rows = rating_rollup.recompute(conn)
    rated = [
        dict(zip(("day", "item_code", "department_code", "centre_code", "channel"), key,
                 strict=True)) | values
        for key, values in sorted(rating_rows.items())
    ]  # fmt: skip
    for start in range(0, len(rated), 1000):
        conn.execute(insert(indicator_rating_daily), rated[start : start + 1000])
    rating_towns = case_facts.towns_of(conn, (key[3] for key in rating_rows))
    rated_by_town = [
        dict(zip(("month", "department_code", "town", "channel"), key, strict=True)) | values
        for key, values in case_facts.by_town_month(
            rating_rows, rating_towns, RATING_DAILY_MEASURES
        ).items()
    ]
    for start in range(0, len(rated_by_town), 1000):
        conn.execute(insert(indicator_rating_town_monthly), rated_by_town[start : start + 1000])
    audit.record(
        conn, actor, "metrics.rebuild", "rollup", "indicator_case_daily",
        {"cases": len(expected), "rows": len(daily), "rating_rows": len(rated)},
    )  # fmt: skip
    return Report(cases=len(expected), rollup_rows=len(daily), rating_rows=len(rated))
