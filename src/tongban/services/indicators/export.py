"""The dashboard's figures as an Excel workbook: a definitions sheet, the town comparison of
the indicator chosen on the dashboard (``compare=``), then one sheet per indicator with its
value for the period, its cuts (town, centre, department, item, channel, as the indicator and
the reader's jurisdiction allow) and its twelve-month trend.

The figures are read in a batch (``batch.Batch``): each source once per cut and once for the
twelve months, for every indicator together, not one query per figure.  No data is written
暂无数据, never 0; a period in which nothing happened at all is refused
(``dashboard_empty_period``), as is an unknown comparison indicator, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import Connection

from tongban.domain.indicators.model import (
    DIMENSION_LABELS,
    Dimension,
    Direction,
    IndicatorSpec,
    Period,
)
from tongban.services.indicators import dashboard, ledger
from tongban.services.indicators.access import Scope
from tongban.services.indicators.batch import Batch
from tongban.services.indicators.definitions import list_definitions, published_specs

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFINITIONS_SHEET = "指标定义"
COMPARISON_SHEET = "镇街对比"
NO_DATA = "暂无数据"
DIRECTION_WORDS = {Direction.HIGHER: "越高越好", Direction.LOWER: "越低越好"}
PERIOD_WORDS = {Period.DAY: "日", Period.MONTH: "月", Period.QUARTER: "季度", Period.YEAR: "年"}
_BOLD = Font(bold=True)
_NOT_IN_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})


def shown(value: float | None) -> float | str:
    return NO_DATA if value is None else value


def judged(meets: bool | None) -> str:
    return "—" if meets is None else ("达标" if meets else "未达标")


def scope_words(scope: Scope, filters: Mapping[Dimension, str]) -> str:
    town = scope.town or filters.get(Dimension.TOWN)
    department = scope.department or filters.get(Dimension.DEPARTMENT)
    words = [f"镇街：{town}"] if town is not None else []
    words += [f"部门：{department}"] if department is not None else []
    return "，".join(words) or "全区"


def workbook(
    conn: Connection,
    scope: Scope,
    *,
    period: Period,
    at: date,
    filters: Mapping[Dimension, str] | None = None,
    compare: str | None = None,
    reader: type[Batch] = Batch,
) -> bytes:
    """The workbook for the period holding ``at`` as the reader may see it (optionally
    narrowed to a town or department of their jurisdiction), with the towns compared by the
    indicator ``compare`` as on the dashboard (default 办件量).  ``reader`` reads the figures
    (the bench passes one that asks ``figures.figure`` for each, to compare).  The case
    rollups' ledger is folded first (``ledger.current``)."""
    ledger.current(conn)
    asked = {d: v for d, v in (filters or {}).items() if d in dashboard.FILTERS}
    specs = published_specs(conn)
    chosen = dashboard.compared(specs, compare)
    start, end = dashboard.check_has_data(conn, scope, period, at, asked)
    book = Workbook(write_only=True)  # rows streamed to the file: no cell objects kept
    sheet = book.create_sheet(DEFINITIONS_SHEET)
    published = [d for d in list_definitions(conn) if d.published is not None]
    _rows(
        sheet,
        [["编码", "名称", "定义", "公式", "单位", "方向", "目标值", "版本"]],
        header=True,
    )
    for found in published:
        spec = found.published
        assert spec is not None
        target: Any = "—" if spec.target is None else spec.target
        words = DIRECTION_WORDS[spec.direction]
        row = [spec.code, spec.name, spec.definition, spec.formula, spec.unit, words, target]
        _rows(sheet, [[*row, found.published_version]])
    span = (start, end)
    _comparison_sheet(
        book.create_sheet(COMPARISON_SHEET), conn, scope, chosen, period, at, span, asked
    )
    titles: set[str] = {DEFINITIONS_SHEET, COMPARISON_SHEET}
    batch = reader(conn, scope, specs, period, at, asked)
    months = dashboard.months_before(at)
    for found in published:
        assert found.published is not None
        sheet = book.create_sheet(sheet_title(found.published, titles))
        _indicator_sheet(sheet, batch, found.published, period, span, months)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _head(
    sheet: Any,
    spec: IndicatorSpec,
    period: Period,
    span: tuple[date, date],
    where: str,
    value: float | None,
    meets: bool | None,
) -> None:
    target: Any = "—" if spec.target is None else spec.target
    sheet.column_dimensions["A"].width = 24  # before the first row: the sheet is written as rows
    sheet.column_dimensions["B"].width = 40
    _rows(sheet, [
        ["指标", spec.name],
        ["编码", spec.code],
        ["期间", f"{PERIOD_WORDS[period]}：{span[0].isoformat()} 至 {span[1].isoformat()}"],
        ["范围", where],
        ["数值", shown(value)],
        ["单位", spec.unit],
        ["目标值", target],
        ["是否达标", judged(meets)],
    ])  # fmt: skip


def _comparison_sheet(
    sheet: Any,
    conn: Connection,
    scope: Scope,
    spec: IndicatorSpec,
    period: Period,
    at: date,
    span: tuple[date, date],
    asked: dict[Dimension, str],
) -> None:
    """The dashboard's town comparison: a row per town of the jurisdiction (and one for cases
    filed online, which have no town), with the indicator chosen by ``compare=``."""
    value, meets = dashboard.value_of(conn, scope, spec, period, at, asked)
    _head(sheet, spec, period, span, scope_words(scope, asked), value, meets)
    sheet.append([])
    _rows(sheet, [["镇街对比"], ["镇街", "数值", "是否达标"]], header=True)
    bars = dashboard.town_bars(conn, scope, spec, period, at, asked)
    _rows(sheet, [[b.label or "—", shown(b.value), judged(b.meets)] for b in bars])
    if not bars:
        sheet.append([NO_DATA])


def sheet_title(spec: IndicatorSpec, taken: set[str]) -> str:
    """The indicator's name as Excel allows a sheet title (31 characters, no []:*?/\\)."""
    title = spec.name.translate(_NOT_IN_TITLE)[:31]
    if title in taken:
        title = f"{title[: 31 - len(spec.code) - 1]}_{spec.code}"[:31]
    taken.add(title)
    return title


def _indicator_sheet(
    sheet: Any,
    batch: Batch,
    spec: IndicatorSpec,
    period: Period,
    span: tuple[date, date],
    months: list[date],
) -> None:
    value, meets = batch.value(spec)
    _head(sheet, spec, period, span, scope_words(batch.scope, batch.asked), value, meets)
    for dimension in spec.dimensions:
        rows = batch.rows(spec, dimension)
        label = DIMENSION_LABELS[dimension]
        sheet.append([])
        _rows(sheet, [[f"按{label}"], [label, "编码", "数值", "是否达标"]], header=True)
        _rows(sheet, [[r.label, r.key or "—", shown(r.value), judged(r.meets_target)]
                      for r in rows])  # fmt: skip
        if not rows:
            sheet.append([NO_DATA])
    sheet.append([])
    _rows(sheet, [["近12个月"], ["月份", "数值"]], header=True)
    _rows(sheet, [[f"{p.month:%Y-%m}", shown(p.value)] for p in batch.trend(spec, months)])


def _rows(sheet: Any, rows: Iterable[list[Any]], *, header: bool = False) -> None:
    for row in rows:
        sheet.append([_bold(sheet, value) for value in row] if header else row)


def _bold(sheet: Any, value: Any) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = _BOLD
    return cell
