"""The rollups recounted in SQL: what ``metrics verify`` compares, without a Python pass per case.

Every case's fact (``domain.indicators.facts.fact_of``) is derived by one ``SELECT`` over
``cases``, ``case_events`` (the 秒批 decision event) and ``calendar_days``: the working days
used are ``n(decided) - n0(accepted + 1 day)``, where ``n(day)`` counts the working days of the
calendar up to ``day`` and ``n0`` those before it (window sums), less the working days inside
each clock stop, which is what ``WorkingCalendar.working_days_between`` counts.  As there, the
acceptance day itself need not be known, but every day after it up to the decision must be
(else 0, as ``fact_of`` counts a ``CalendarUnknown``): the calendar's rows over that range are
counted against its days.  One case is left to the Python path: a clock stop over days the
calendar does not know (the replay skips them, this counts 0).  The rollups are ``GROUP BY``s
over those facts and the ratings, and each is compared with the stored table by a ``FULL
JOIN`` in the database, the facts with them in one statement so that they are derived once:
only the rows that differ come back to Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from tongban.adapters.db.tables_indicators import CASE_DAILY_MEASURES, RATING_DAILY_MEASURES
from tongban.domain.evaluation.model import POOR_LEVELS, Level

FACT_COLUMNS = (
    "case_id", "item_code", "department_code", "centre_code", "channel", "received_on",
    "finished_on", "received", "online", "certificate_free", "visits", "finished", "on_time",
    "immediate", "smart", "working_days_used", "promised_days",
)  # fmt: skip
_FACT_MEASURES = FACT_COLUMNS[7:]
_RECEIVED = ("received", "online", "certificate_free", "visits")
_FINISHED = _FACT_MEASURES[4:]
_POOR = ", ".join(f"'{level.value}'" for level in sorted(POOR_LEVELS))
_SATISFIED = ", ".join(f"'{level.value}'" for level in Level if level not in POOR_LEVELS)


@dataclass(frozen=True)
class _Dialect:
    china_date: str
    """Format with the column: its day in China (UTC+8, no daylight saving)."""
    document: str
    """A join that reads the case's JSON document, if the dialect wants one."""
    decided_on: str
    kind: str
    promised: str
    from_licences: str
    has_stops: str
    stops_of: str
    stops: str
    """A subquery over the case's stops giving (stopped_on, resumed_on) as ``s0``, ``s1``."""
    month: str
    distinct: str
    """``a <distinct> b``: a comparison that treats NULLs as equal values."""
    next_day: str
    days: str
    """Format with two dates: the days from the first to the second."""
    inline: str
    """How a CTE that only a join reads is written: inlined on PostgreSQL, where a
    materialised CTE keeps the facts' scan of the cases from running in parallel (and its
    row estimates are lost: 27 million joined rows were expected of 5 million cases)."""
    fence: str
    """Ends the cases' subquery: on PostgreSQL ``OFFSET 0``, so that its columns (read from
    each case's document) are computed by the parallel workers that scan the cases, not all
    by the process that gathers their rows."""


_POSTGRES = _Dialect(
    china_date="(({}) AT TIME ZONE 'Asia/Shanghai')::date",
    # the document is read once (jsonb_to_record), not once per field
    document=" CROSS JOIN LATERAL jsonb_to_record(c.data) AS x(decided_on date, terms jsonb, "
    "material_sources jsonb, stops jsonb)",
    decided_on="x.decided_on",
    kind="x.terms->>'kind'",
    promised="(x.terms->>'promised_days')::int",
    from_licences="coalesce(x.material_sources, '{}'::jsonb) <> '{}'::jsonb",
    has_stops="jsonb_array_length(coalesce(x.stops, '[]'::jsonb)) > 0",
    stops_of="x.stops",
    stops="(SELECT (s->>0)::date AS s0, (s->>1)::date AS s1 FROM jsonb_array_elements(b.stops) s)",
    # on a timestamp without time zone: the same month, without a time zone conversion per row
    month="date_trunc('month', ({})::timestamp)::date",
    distinct="IS DISTINCT FROM",
    next_day="({} + 1)",
    days="({1} - {0})",
    inline="NOT MATERIALIZED",
    fence=" OFFSET 0",
)
_SQLITE = _Dialect(
    china_date="date({}, '+8 hours')",
    document="",
    decided_on="json_extract(c.data, '$.decided_on')",
    kind="json_extract(c.data, '$.terms.kind')",
    promised="json_extract(c.data, '$.terms.promised_days')",
    from_licences="coalesce(json_extract(c.data, '$.material_sources'), '{}') <> '{}'",
    has_stops="coalesce(json_array_length(c.data, '$.stops'), 0) > 0",
    stops_of="json_extract(c.data, '$.stops')",
    stops="(SELECT json_extract(s.value, '$[0]') AS s0, json_extract(s.value, '$[1]') AS s1 "
    "FROM json_each(b.stops) s)",
    month="date({}, 'start of month')",
    distinct="IS NOT",
    next_day="date({}, '+1 day')",
    days="CAST(julianday({1}) - julianday({0}) AS INTEGER)",
    inline="MATERIALIZED",
    fence="",
)


def _dialect(conn: Connection) -> _Dialect:
    return _POSTGRES if conn.dialect.name == "postgresql" else _SQLITE


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def facts_cte(conn: Connection) -> str:
    """``WITH`` clauses ending in ``f``: every submitted case's fact, from the raw rows."""
    d = _dialect(conn)
    least = "least" if conn.dialect.name == "postgresql" else "min"
    working = _flag("kind IN ('workday', 'makeup_workday')")
    stopped = (
        f"(SELECT coalesce(sum(ce.n - cs.n0), 0) FROM {d.stops} st "
        f"JOIN cal cs ON cs.day = {d.next_day.format(f'{least}(st.s0, b.fin)')} "
        f"JOIN cal ce ON ce.day = {least}(coalesce(st.s1, b.fin), b.fin))"
    )
    # (accepted, decided] wholly known: the calendar's rows from the day after acceptance to
    # the decision are as many as the days (no unknown year before, after or between)
    known = f"cb.r - ca.r = {d.days.format('b.accepted_on', 'b.fin')} - 1"
    days = f"""
  SELECT day, n, n - w AS n0, row_number() OVER (ORDER BY day) AS r FROM (
    SELECT day, {working} AS w, sum({working}) OVER (ORDER BY day) AS n FROM calendar_days) k"""
    # the calendar twice: materialised for the clock stops' subquery (run once per case with
    # stops), and as the two joins read it (``inline``)
    return f"""
cal AS MATERIALIZED ({days}),
cal_joined AS {d.inline} ({days}),
smart AS {d.inline} (
  SELECT DISTINCT case_id FROM case_events WHERE type = 'AutomatedDecision'),
b AS (
  SELECT c.id AS case_id, si.code AS item_code, dp.code AS department_code,
    coalesce(ac.code, '') AS centre_code, c.channel, c.status,
    CASE WHEN {d.has_stops} THEN {d.stops_of} END AS stops,
    {d.china_date.format("c.submitted_at")} AS received_on, c.accepted_on, c.deadline,
    c.decision, c.delivery_method,
    CASE WHEN c.decision IS NOT NULL THEN {d.decided_on} END AS fin,
    {d.kind} AS kind, {d.promised} AS promised, {_flag(d.from_licences)} AS from_licences,
    {_flag("c.id IN (SELECT case_id FROM smart)")} AS smart
  FROM cases c{d.document}
  JOIN service_items si ON si.id = c.item_id
  JOIN departments dp ON dp.id = c.department_id
  LEFT JOIN centres ac ON ac.id = c.accepting_centre_id
  WHERE c.submitted_at IS NOT NULL AND c.status <> 'draft'{d.fence}),
f AS MATERIALIZED (
  SELECT b.case_id, b.item_code, b.department_code, b.centre_code, b.channel, b.received_on,
    b.fin AS finished_on, 1 AS received, {_flag("b.channel = 'online'")} AS online,
    b.from_licences AS certificate_free,
    {_flag("b.channel IN ('window', 'self_service')")}
      + {_flag("b.delivery_method = 'pickup' AND b.status IN ('delivered', 'archived')")}
      AS visits,
    {_flag("b.fin IS NOT NULL")} AS finished,
    {_flag("b.fin IS NOT NULL AND (b.deadline IS NULL OR b.fin <= b.deadline)")} AS on_time,
    {_flag("b.fin IS NOT NULL AND b.kind = 'immediate'")} AS immediate,
    {_flag("b.fin IS NOT NULL AND b.smart = 1 AND b.decision = 'approved'")} AS smart,
    CASE WHEN b.fin IS NOT NULL AND b.accepted_on IS NOT NULL AND b.fin > b.accepted_on
      AND {known}
      THEN CAST(cb.n - ca.n0
        - CASE WHEN b.stops IS NOT NULL THEN {stopped} ELSE 0 END AS INTEGER)
      ELSE 0 END AS working_days_used,
    CASE WHEN b.fin IS NOT NULL THEN b.promised ELSE 0 END AS promised_days
  FROM b
  LEFT JOIN cal_joined ca ON ca.day = {d.next_day.format("b.accepted_on")}
  LEFT JOIN cal_joined cb ON cb.day = b.fin)"""


def _sums(names: tuple[str, ...], source: tuple[str, ...], cast: str = "") -> str:
    """``sum(s) AS n`` for each; with ``cast``, ``CAST(sum(s) AS cast)``."""
    if cast:
        return ", ".join(
            f"CAST(sum({s}) AS {cast}) AS {n}" for n, s in zip(names, source, strict=True)
        )
    return ", ".join(f"sum({s}) AS {n}" for n, s in zip(names, source, strict=True))


def case_rollup_ctes(conn: Connection) -> str:
    """After ``facts_cte``: ``d`` (daily), ``m`` (monthly) and ``t`` (town monthly) rows; the
    town rows are summed from the monthly ones (a quarter to a thirtieth of the daily rows)."""
    d = _dialect(conn)
    parts = ", ".join(
        f"{s if s in _RECEIVED else 0} AS {n}"
        for n, s in zip(CASE_DAILY_MEASURES, _FACT_MEASURES, strict=True)
    )
    done = ", ".join(
        f"{s if s in _FINISHED else 0} AS {n}"
        for n, s in zip(CASE_DAILY_MEASURES, _FACT_MEASURES, strict=True)
    )
    keys = "item_code, department_code, centre_code, channel"
    total = _sums(CASE_DAILY_MEASURES, CASE_DAILY_MEASURES)
    # a day's cell fits an integer: the monthly sums are then of integers, summed in a bigint
    # on PostgreSQL, where the sums of bigints are numerics (an allocation per group and sum)
    daily = _sums(CASE_DAILY_MEASURES, CASE_DAILY_MEASURES, "INTEGER")
    return f""",
d AS MATERIALIZED (
  SELECT day, {keys}, {daily} FROM (
    SELECT received_on AS day, {keys}, {parts} FROM f
    UNION ALL
    SELECT finished_on AS day, {keys}, {done} FROM f WHERE finished_on IS NOT NULL) x
  GROUP BY day, {keys}),
m AS (
  SELECT {d.month.format("day")} AS month, {keys}, {total} FROM d
  GROUP BY {d.month.format("day")}, {keys}),
t AS (
  SELECT m.month, m.department_code, coalesce(ce.town, '') AS town, m.channel, {total} FROM m
  LEFT JOIN centres ce ON ce.code = m.centre_code AND m.centre_code <> ''
  GROUP BY m.month, m.department_code, coalesce(ce.town, ''), m.channel)"""


def rating_ctes(conn: Connection) -> str:
    """``r`` (daily) and ``rt`` (town monthly): the rating rollup from ``ratings``."""
    d = _dialect(conn)
    total = _sums(RATING_DAILY_MEASURES, RATING_DAILY_MEASURES)
    return f"""
r AS MATERIALIZED (
  SELECT {d.china_date.format("ra.rated_at")} AS day,
    coalesce(si.code, '') AS item_code, coalesce(dp.code, '') AS department_code,
    coalesce(ce.code, '') AS centre_code, coalesce(c.channel, 'window') AS channel,
    CAST(count(*) AS INTEGER) AS ratings_total,
    CAST(sum({_flag(f"ra.level IN ({_SATISFIED})")}) AS INTEGER) AS ratings_satisfied,
    CAST(sum({_flag(f"ra.level IN ({_POOR})")}) AS INTEGER) AS ratings_poor,
    CAST(sum({_flag(f"ra.level IN ({_POOR}) AND coalesce(rc.called_back, false)")}) AS INTEGER)
      AS ratings_poor_called_back
  FROM ratings ra
  LEFT JOIN centres ce ON ce.id = ra.centre_id
  LEFT JOIN departments dp ON dp.id = ra.department_id
  LEFT JOIN service_items si ON si.id = ra.item_id
  LEFT JOIN cases c ON c.id = ra.case_id
  LEFT JOIN rectifications rc ON rc.rating_id = ra.id
  GROUP BY {d.china_date.format("ra.rated_at")}, coalesce(si.code, ''),
    coalesce(dp.code, ''), coalesce(ce.code, ''), coalesce(c.channel, 'window')),
rt AS (
  SELECT {d.month.format("r.day")} AS month, r.department_code,
    coalesce(ce.town, '') AS town, r.channel, {total} FROM r
  LEFT JOIN centres ce ON ce.code = r.centre_code AND r.centre_code <> ''
  GROUP BY {d.month.format("r.day")}, r.department_code, coalesce(ce.town, ''), r.channel)"""


Found = list[tuple[tuple[Any, ...], dict[str, int], dict[str, int] | None]]
"""(key, expected measures, stored measures or None when the stored row is missing)."""
FactPair = tuple[dict[str, Any] | None, dict[str, Any] | None]
"""(expected, stored) fact row that differ, either None when missing."""
_FACT_KEYS = FACT_COLUMNS[1:7]


def compare(
    conn: Connection,
    ctes: str,
    pairs: tuple[tuple[str, str, tuple[str, ...]], ...],
    measures: tuple[str, ...],
    facts: str = "",
) -> tuple[list[FactPair], dict[str, tuple[int, Found]]]:
    """For each (expected CTE, stored table, key columns): the expected rows' count, and each
    key whose stored row differs from the expected one (a missing row counts as zeros), in key
    order.  With ``facts`` (the CTE of the expected facts, whose measures match ``measures``
    one for one), also each case whose stored fact differs, by case id.  One statement, so the
    facts the CTEs derive are derived once."""
    width = max(len(keys) for _, _, keys in pairs)
    fact_nulls = ", ".join(["NULL"] * (3 + 2 * len(_FACT_KEYS)))
    parts = []
    if facts:
        parts.append(_fact_part(conn, facts, width, measures))
    for index, (expected, table, keys) in enumerate(pairs):
        on = " AND ".join(f"s.{k} = e.{k}" for k in keys)
        key_cols = [f"coalesce(e.{k}, s.{k})" for k in keys]
        key_cols += ["NULL"] * (width - len(keys))
        keyed = ", ".join(f"{col} AS k{i}" for i, col in enumerate(key_cols))
        values = ", ".join(f"coalesce(e.{m}, 0) AS e_{m}, s.{m} AS s_{m}" for m in measures)
        differ = " OR ".join(f"coalesce(e.{m}, 0) <> coalesce(s.{m}, 0)" for m in measures)
        nulls = ", ".join(["NULL"] * (width + 2 * len(measures)))
        parts.append(
            f"SELECT {index} AS pair, 1 AS differs, {keyed}, {values}, "
            f"{_flag(f's.{keys[0]} IS NOT NULL')} AS present, 0 AS expected_rows, {fact_nulls} "
            f"FROM {expected} e FULL JOIN {table} s ON {on} WHERE {differ}"
        )
        parts.append(
            f"SELECT {index}, 0, {nulls}, 0, (SELECT count(*) FROM {expected}), {fact_nulls}"
        )
    # the case id of a fact row (column width + 2 × measures + 5), then the keys
    order = ", ".join(str(i) for i in (width + 2 * len(measures) + 5, *range(3, width + 3)))
    query = f"WITH {ctes}\n" + "\nUNION ALL\n".join(parts) + f"\nORDER BY 1, 2, {order}"
    found: dict[str, tuple[int, Found]] = {table: (0, []) for _, table, _ in pairs}
    fact_pairs: list[FactPair] = []
    for row in conn.execute(text(query)).mappings():
        if row["pair"] < 0:
            fact_pairs.append(_fact_pair(row, measures))
            continue
        _, table, keys = pairs[row["pair"]]
        rows = found[table][1]
        if not row["differs"]:
            found[table] = (int(row["expected_rows"]), rows)
            continue
        key = tuple(row[f"k{i}"] for i in range(len(keys)))
        want = {m: int(row[f"e_{m}"]) for m in measures}
        have = {m: int(row[f"s_{m}"] or 0) for m in measures} if row["present"] else None
        rows.append((key, want, have))
    return fact_pairs, found


def _fact_part(conn: Connection, facts: str, width: int, measures: tuple[str, ...]) -> str:
    """The facts that differ from the stored ones, in the columns of ``compare``'s rows: the
    fact's measures under the rollup's measure names, its keys and case ids after them."""
    d = _dialect(conn)
    keys = ", ".join(f"NULL AS k{i}" for i in range(width))
    values = ", ".join(
        f"e.{f} AS e_{m}, s.{f} AS s_{m}" for m, f in zip(measures, _FACT_MEASURES, strict=True)
    )
    fact_keys = ", ".join(f"e.{c} AS fe_{c}, s.{c} AS fs_{c}" for c in _FACT_KEYS)
    differ = " OR ".join(f"e.{c} {d.distinct} s.{c}" for c in FACT_COLUMNS[1:])
    return (
        f"SELECT -1 AS pair, 1 AS differs, {keys}, {values}, 0 AS present, 0 AS expected_rows, "
        "coalesce(e.case_id, s.case_id) AS fact_id, e.case_id AS fe_case_id, "
        f"s.case_id AS fs_case_id, {fact_keys} "
        f"FROM {facts} e FULL JOIN indicator_case_facts s ON s.case_id = e.case_id "
        f"WHERE e.case_id IS NULL OR s.case_id IS NULL OR {differ}"
    )


def _fact_pair(row: Any, measures: tuple[str, ...]) -> FactPair:
    sides: list[dict[str, Any] | None] = []
    for side in ("e", "s"):
        if row[f"f{side}_case_id"] is None:
            sides.append(None)
            continue
        fact = {"case_id": row[f"f{side}_case_id"]}
        fact |= {c: row[f"f{side}_{c}"] for c in _FACT_KEYS}
        # the union's measure columns are numeric on PostgreSQL (sums of sums): ints again
        fact |= {f: _int(row[f"{side}_{m}"]) for m, f in zip(measures, _FACT_MEASURES, strict=True)}
        sides.append(fact)
    return sides[0], sides[1]


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _upsert(table: str, keys: tuple[str, ...], measures: tuple[str, ...], source: str) -> str:
    names = ", ".join((*keys, *measures))
    added = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in measures)
    # in key order, the period first: a day's (or month's) rows then lie together on disk, as
    # they do when the ledger adds them day by day, so a day's panel reads a few pages, not one
    # page per row (3,582 rows of a day on 3,391 pages at 5 million cases, unordered)
    return (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {source} WHERE true "
        f"ORDER BY {', '.join(keys)} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"
    )


_DAY = ("day", "item_code", "department_code", "centre_code", "channel")
_TOWN = ("month", "department_code", "town", "channel")


def add_case_rollups(conn: Connection, after_case_id: int) -> None:
    """Add the facts of the cases numbered above ``after_case_id`` (written in bulk, by the
    demo's history) to the three case rollups, summed in the database."""
    ctes = (
        "f AS MATERIALIZED (SELECT * FROM indicator_case_facts "
        f"WHERE case_id > {int(after_case_id)})" + case_rollup_ctes(conn)
    )
    _add_all(
        conn,
        ctes,
        CASE_DAILY_MEASURES,
        (
            ("indicator_case_daily", _DAY, "d"),
            ("indicator_case_monthly", ("month", *_DAY[1:]), "m"),
            ("indicator_case_town_monthly", _TOWN, "t"),
        ),
    )


def add_rating_rollups(conn: Connection, after_rating_id: int) -> None:
    """Add the ratings numbered above ``after_rating_id`` to the rating rollups, likewise."""
    ctes = rating_ctes(conn).replace(
        "LEFT JOIN rectifications rc ON rc.rating_id = ra.id",
        f"LEFT JOIN rectifications rc ON rc.rating_id = ra.id WHERE ra.id > {int(after_rating_id)}",
    )
    _add_all(
        conn,
        ctes,
        RATING_DAILY_MEASURES,
        (
            ("indicator_rating_daily", _DAY, "r"),
            ("indicator_rating_town_monthly", _TOWN, "rt"),
        ),
    )


def _add_all(
    conn: Connection,
    ctes: str,
    measures: tuple[str, ...],
    targets: tuple[tuple[str, tuple[str, ...], str], ...],
) -> None:
    """Upsert each (table, key columns, CTE) of ``targets`` from ``ctes``: on PostgreSQL in one
    statement (the CTEs' rows derived once, the other upserts as data-modifying CTEs), on
    SQLite one statement per table."""
    writes = [_upsert(table, keys, measures, source) for table, keys, source in targets]
    if conn.dialect.name == "postgresql":
        before = "".join(f", w{i} AS ({w})" for i, w in enumerate(writes[:-1]))
        conn.execute(text(f"WITH {ctes}{before} {writes[-1]}"))
        return
    for write in writes:
        conn.execute(text(f"WITH {ctes} {write}"))


def tune(conn: Connection) -> None:
    """PostgreSQL, for the rest of the transaction: no JIT (its compile time exceeds the gain on
    these one-pass queries) and room to sort and hash in memory."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL jit = off"))
        conn.execute(text("SET LOCAL work_mem = '256MB'"))
        # the calendar CTE's row estimate is far off: a merge join then sorts every case
        conn.execute(text("SET LOCAL enable_mergejoin = off"))


def tune_for_verify(conn: Connection) -> None:
    """``tune``, and for ``metrics verify``'s statements: group by hashing, in memory.  The
    planner estimates the rollups' groups from CTEs it has no statistics for (a million or,
    before the calendar join was inlined, 30 million daily rows at 5 million cases, where
    there are 2.3 million), and so sorted the 10 million received and decided rows on disk
    to group them.  At 5 million cases the daily groups' hash table takes about 0.9 GB and
    the stored facts' 0.6 GB, for the statement's length (``docs/indicators.md``)."""
    tune(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL work_mem = '1GB'"))
        conn.execute(text("SET LOCAL enable_sort = off"))
        # reading each case's document costs far more than the planner reckons (a hundredth
        # of an operator per row): at a tenth of the default cost per row handed from the
        # parallel workers, the facts' scan of the cases runs in parallel
        conn.execute(text("SET LOCAL parallel_tuple_cost = 0.01"))
