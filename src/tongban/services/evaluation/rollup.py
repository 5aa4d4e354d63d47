"""The daily rollup of 好差评 the indicator figures read (``indicator_rating_daily``), kept
current in the transaction that writes a rating or its rectification task.

The write path is ``records``: ``insert_rating`` adds the new rating's counts,
``save_rating`` (an edit may turn a poor rating good) and ``save_task`` (a call-back) take the
rating's counts before the write and add the difference after it, with ``INSERT ... ON
CONFLICT DO UPDATE SET n = n + excluded.n``: two writers add without losing each other's
counts, and a rolled-back write rolls its change back with it.  ``recompute`` derives the same
rows from the ratings themselves, for ``tongban metrics verify`` and ``rebuild``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, func, literal, select

from tongban.adapters.db.tables import cases, centres, departments, service_items
from tongban.adapters.db.tables_evaluation import ratings, rectifications
from tongban.adapters.db.tables_indicators import (
    RATING_DAILY_MEASURES,
    indicator_rating_daily,
    indicator_rating_town_monthly,
)
from tongban.domain.evaluation.model import POOR_LEVELS, Level
from tongban.domain.shared.clock import china_date
from tongban.services.cases import facts as case_facts

RatingKey = tuple[date, str, str, str, str]
"""Day rated, item code, department code, centre code, channel."""
Rollup = dict[RatingKey, dict[str, int]]

_KEY = ("day", "item_code", "department_code", "centre_code", "channel")
_POOR = frozenset(level.value for level in POOR_LEVELS)
_SATISFIED = frozenset(level.value for level in Level if level not in POOR_LEVELS)


_TOWN_KEY = ("month", "department_code", "town", "channel")


_ADD = case_facts.adding_upserts(indicator_rating_daily, _KEY, RATING_DAILY_MEASURES)
_ADD_TOWN = case_facts.adding_upserts(
    indicator_rating_town_monthly, _TOWN_KEY, RATING_DAILY_MEASURES
)


def _select() -> Select[Any]:
    """What each rating counts for: its day, cut and level, and its task's call-back."""
    return select(
        ratings.c.id,
        ratings.c.rated_at,
        ratings.c.level,
        func.coalesce(service_items.c.code, literal("")).label("item_code"),
        func.coalesce(departments.c.code, literal("")).label("department_code"),
        func.coalesce(centres.c.code, literal("")).label("centre_code"),
        # A case's rating is cut by the case's channel; a ticket's was given at the window.
        func.coalesce(cases.c.channel, literal("window")).label("channel"),
        func.coalesce(rectifications.c.called_back, literal(False)).label("called_back"),
    ).select_from(
        ratings.outerjoin(centres, centres.c.id == ratings.c.centre_id)
        .outerjoin(departments, departments.c.id == ratings.c.department_id)
        .outerjoin(service_items, service_items.c.id == ratings.c.item_id)
        .outerjoin(cases, cases.c.id == ratings.c.case_id)
        .outerjoin(rectifications, rectifications.c.rating_id == ratings.c.id)
    )


def _add_row(total: Rollup, row: Any, sign: int = 1) -> None:
    key: RatingKey = (
        china_date(row.rated_at),
        row.item_code,
        row.department_code,
        row.centre_code,
        row.channel,
    )
    poor = row.level in _POOR
    values = total.setdefault(key, dict.fromkeys(RATING_DAILY_MEASURES, 0))
    values["ratings_total"] += sign
    values["ratings_satisfied"] += sign * (row.level in _SATISFIED)
    values["ratings_poor"] += sign * poor
    values["ratings_poor_called_back"] += sign * (poor and bool(row.called_back))


def counts_of(conn: Connection, rating_id: int) -> Rollup:
    """The one rollup row a stored rating adds to, as it is now (nothing when there is none)."""
    total: Rollup = {}
    for row in conn.execute(_select().where(ratings.c.id == rating_id)):
        _add_row(total, row)
    return total


def apply(conn: Connection, before: Mapping[RatingKey, Mapping[str, int]], after: Rollup) -> None:
    """Add ``after - before`` to the daily rows and to their months' town rows, rows in key
    order (no deadlock between writers)."""
    changes: Rollup = {}
    for key in sorted(set(before) | set(after)):
        change = {
            m: after.get(key, {}).get(m, 0) - before.get(key, {}).get(m, 0)
            for m in RATING_DAILY_MEASURES
        }
        if any(change.values()):
            changes[key] = change
    if not changes:
        return
    rows = [dict(zip(_KEY, key, strict=True)) | change for key, change in changes.items()]
    conn.execute(_ADD[conn.dialect.name], rows)
    towns = case_facts.towns_of(conn, (key[3] for key in changes))
    by_town = case_facts.by_town_month(changes, towns, RATING_DAILY_MEASURES)
    conn.execute(
        _ADD_TOWN[conn.dialect.name],
        [dict(zip(_TOWN_KEY, key, strict=True)) | values for key, values in by_town.items()],
    )


def record(conn: Connection, rating_id: int, before: Rollup | None = None) -> None:
    """Move the rollup by what the rating counts for now less ``before`` (its counts read
    before the write; none for a new rating)."""
    apply(conn, before or {}, counts_of(conn, rating_id))


def rollup_of(rows: Iterable[Any]) -> Rollup:
    total: Rollup = {}
    for row in rows:
        _add_row(total, row)
    return {k: v for k, v in total.items() if any(v.values())}


def recompute(conn: Connection) -> Rollup:
    """The rollup derived afresh from ``ratings`` and ``rectifications``."""
    return rollup_of(conn.execute(_select().execution_options(yield_per=5000)))


def stored(conn: Connection) -> Rollup:
    out: Rollup = {}
    for row in conn.execute(select(indicator_rating_daily)).mappings():
        day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(row["day"])
        key: RatingKey = (
            day,
            row["item_code"],
            row["department_code"],
            row["centre_code"],
            row["channel"],
        )
        out[key] = {m: int(row[m]) for m in RATING_DAILY_MEASURES}
    return out
