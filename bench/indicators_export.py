"""The dashboard's Excel export for a year: the batched workbook (``export.workbook``, each
source read once per cut and once for the twelve months) beside the same workbook with its
figures read one at a time (value, each cut and each of the twelve months through
``figures.figure``, as the export did before the batch), in the same run, on an existing
database.

    .venv/bin/python bench/indicators_bench.py --export-from sqlite:///path/to/tongban.db \\
        [--export-year 2025] [--rounds 3]

The readers: the district leader (every indicator by town, centre, department, item and
channel), the district narrowed to its busiest department, and that department's head.  The
two workbooks' figures are compared cell by cell.  Figures only: nothing passes or fails.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from io import BytesIO
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import create_engine, func, select

from tongban.adapters.db.tables_indicators import indicator_case_town_monthly as town_monthly
from tongban.domain.indicators.model import Dimension, IndicatorSpec, Period
from tongban.services.indicators import dashboard, export, figures
from tongban.services.indicators.access import DISTRICT, Scope
from tongban.services.indicators.batch import Batch, Point


class PerFigure(Batch):
    """The figures as the export read them before the batch: one ``figures.figure`` per value,
    per cut and per month of the trend (about 18 queries per indicator and source)."""

    def value(self, spec: IndicatorSpec) -> tuple[float | None, bool | None]:
        return dashboard.value_of(self.conn, self.scope, spec, self.period, self.at, self.asked)

    def rows(self, spec: IndicatorSpec, by: Dimension) -> list[figures.FigureRow]:
        if not all(d in spec.dimensions for d in self.asked):
            return []
        return figures.figure(
            self.conn, self.scope, spec.code, period=self.period, at=self.at,
            filters=self.asked, by=by,
        ).rows  # fmt: skip

    def trend(self, spec: IndicatorSpec, months: list[date]) -> list[Point]:
        found = dashboard.trend(self.conn, self.scope, spec, self.at, self.asked)
        return [Point(p.month, p.value) for p in found.points]


def _values(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Each indicator sheet's rows that carry a figure (titles and headers left out)."""
    book = load_workbook(BytesIO(data), read_only=True)
    out = {}
    for ws in book.worksheets:
        if ws.title in (export.DEFINITIONS_SHEET, export.COMPARISON_SHEET, "Sheet"):
            continue
        rows = []
        for row in ws.iter_rows(values_only=True):
            cells = list(row)
            while cells and cells[-1] is None:
                cells.pop()
            if len(cells) > 1 and cells[0] != "月份" and cells[1] != "编码":
                rows.append(tuple(cells))
        out[ws.title] = rows
    return out


def _timed(call: Callable[[], bytes], rounds: int) -> tuple[list[float], bytes]:
    out = b""
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        out = call()
        times.append((time.perf_counter() - began) * 1000)
    return times, out


def run_export(url: str, year: int, rounds: int | tuple[int, int]) -> list[list[str]]:
    """The year's workbook for each reader: ``rounds`` batched and one figure at a time (a pair:
    each its own number of rounds)."""
    batch_rounds, single_rounds = rounds if isinstance(rounds, tuple) else (rounds, rounds)
    engine = create_engine(url)
    at = date(year, 6, 30)
    rows = []
    with engine.connect() as conn:
        busiest = conn.execute(
            select(town_monthly.c.department_code)
            .where(town_monthly.c.month >= date(year, 1, 1), town_monthly.c.month <= at)
            .group_by(town_monthly.c.department_code)
            .order_by(func.sum(town_monthly.c.cases_received).desc())
            .limit(1)
        ).scalar()
        cases = conn.execute(
            select(func.coalesce(func.sum(town_monthly.c.cases_received), 0)).where(
                town_monthly.c.month >= date(year, 1, 1),
                town_monthly.c.month <= date(year, 12, 31),
            )
        ).scalar()
        readers: list[tuple[str, Scope, dict[Dimension, str]]] = [("district leader", DISTRICT, {})]
        if busiest:
            readers += [
                (f"district, department {busiest}", DISTRICT, {Dimension.DEPARTMENT: busiest}),
                (f"head of {busiest}", Scope(department=busiest), {}),
            ]
        for label, scope, filters in readers:
            kw: dict[str, Any] = {"period": Period.YEAR, "at": at, "filters": filters}
            batched, new = _timed(partial(export.workbook, conn, scope, **kw), batch_rounds)
            single, old = _timed(
                partial(export.workbook, conn, scope, reader=PerFigure, **kw), single_rounds
            )
            same = "yes" if _values(new) == _values(old) else "NO"
            b, s = statistics.median(batched), statistics.median(single)
            rows.append([label, f"{cases:,}", f"{b:,.0f}", f"{max(batched):,.0f}", f"{s:,.0f}",
                         f"{s / b:.1f}", same])  # fmt: skip
    engine.dispose()
    return rows


def load_average() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


HEADERS = [
    "year export",
    "district cases in the year",
    "batched median ms",
    "batched max ms",
    "per-figure median ms",
    "per-figure ÷ batched",
    "same figures",
]
