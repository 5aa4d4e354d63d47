"""The catalogue as an Excel workbook (.xlsx): written for admins to edit, read back strictly.

Reading checks every row of every sheet and reports all errors at once, each pointing at the
sheet, row and Chinese column header an admin sees in Excel or WPS.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook as BookType
from pydantic import ValidationError

from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.domain.errors import ImportRejected
from tongban.services.catalogue.formats import (
    CHILD_SHEETS,
    CODE_COLUMN,
    ITEMS,
    ITEMS_SHEET,
    OMIT,
    RULE_FIELDS,
    SHEETS,
    CellError,
    Column,
    Kind,
    ParsedCatalogue,
    Sheet,
    decimal_format,
    file_error,
    row_error,
    sorted_errors,
    validation_messages,
)

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CHILD_BY_FIELD = {sheet.field: sheet for sheet in CHILD_SHEETS}


def write_workbook(specs: Sequence[ServiceItemSpec]) -> bytes:
    """One row per item on 事项, one per material, fee and form field on the child sheets."""
    book = Workbook(write_only=True)
    item_rows = ([c.to_cell(getattr(s, c.field)) for c in ITEMS.columns] for s in specs)
    _write_sheet(book, ITEMS, len(specs), item_rows)
    for sheet in CHILD_SHEETS:
        children = [(s.code, child) for s in specs for child in getattr(s, str(sheet.field))]
        rows = (
            [code, *(c.to_cell(getattr(child, c.field)) for c in sheet.columns[1:])]
            for code, child in children
        )
        _write_sheet(book, sheet, len(children), rows)
    _write_notes(book)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _write_sheet(book: BookType, sheet: Sheet, count: int, rows: Iterable[list[Any]]) -> None:
    # Write-only sheets proxy the worksheet attributes below; the type stubs do not know them.
    ws: Any = book.create_sheet(sheet.title)
    ws.freeze_panes = "B2"
    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{count + 1}"
    ws.append([_header_cell(ws, column.header) for column in sheet.columns])
    for values in rows:
        ws.append([_cell(ws, c, v) for c, v in zip(sheet.columns, values, strict=True)])


def _header_cell(ws: Any, header: str) -> Cell:
    cell = WriteOnlyCell(ws, header)
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    return cell


def _cell(ws: Any, column: Column, value: Any) -> Any:
    if isinstance(value, Decimal):
        # At most 12 digits: exact as a float; the number format keeps the decimal places.
        cell = WriteOnlyCell(ws, float(value))
        cell.number_format = decimal_format(value)
        return cell
    if isinstance(value, str) and (value.startswith("=") or column.kind is Kind.LINES):
        cell = WriteOnlyCell(ws, value)
        # A text starting with "=" must stay text, never become a formula in Excel.
        cell.data_type = "s"
        if column.kind is Kind.LINES:
            cell.alignment = _WRAP
        return cell
    return value


def _write_notes(book: BookType) -> None:
    """A 说明 sheet: the allowed values of each coded column (ignored on import)."""
    ws: Any = book.create_sheet("说明")
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["C"].width = 70
    ws.append([_header_cell(ws, h) for h in ("工作表", "列", "填写说明")])
    for sheet in SHEETS:
        for column in sheet.columns:
            note = _note(column)
            if note:
                ws.append([sheet.title, column.header, note])


def _note(column: Column) -> str:
    if column.labels:
        many = "，多个值用“；”分隔" if column.kind is Kind.ENUM_LIST else ""
        return "可选：" + "、".join(column.labels.values()) + many
    return {
        Kind.BOOL: "填“是”或“否”",
        Kind.LIST: "多个值用“；”分隔",
        Kind.LINES: "每行一条（单元格内换行：Alt+Enter）",
        Kind.DECIMAL: "数字，最多两位小数",
        Kind.INT: "整数",
    }.get(column.kind, "")


class _Errors(list[dict[str, Any]]):
    """Errors of one import, at most one per cell."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[tuple[str, int, str]] = set()

    def add(self, sheet: str, row: int, column: str, message: str) -> None:
        if (sheet, row, column) not in self._seen:
            self._seen.add((sheet, row, column))
            self.append(row_error(sheet, row, column, message))

    def raise_any(self) -> None:
        if self:
            raise ImportRejected(errors=sorted_errors(self))


@dataclass
class _Entry:
    """One row of 事项 with the child rows that belong to it."""

    row: int
    data: dict[str, Any]
    children: dict[str, list[int]] = field(default_factory=dict)
    duplicate: bool = False


_Cells = dict[str, tuple[Any, str]]


def read_workbook(data: bytes) -> ParsedCatalogue:
    """The valid items of the workbook and the errors of every bad cell.

    Raises ``ImportRejected`` only when the file is not a catalogue workbook at all.
    """
    book = _open(data)
    errors = _Errors()
    tables = {sheet.title: _table(book, sheet, errors) for sheet in SHEETS}
    errors.raise_any()
    entries: list[_Entry] = []
    by_code: dict[str, _Entry] = {}
    for number, cells in tables[ITEMS_SHEET]:
        entry = _Entry(number, _convert(ITEMS, number, cells, errors))
        for sheet in CHILD_SHEETS:
            entry.data[str(sheet.field)] = []
            entry.children[str(sheet.field)] = []
        code = _code(cells)
        if code in by_code:
            message = f"事项编码 {code} 与第 {by_code[code].row} 行重复"
            errors.add(ITEMS_SHEET, number, CODE_COLUMN.header, message)
            entry.duplicate = True
        elif code:
            by_code[code] = entry
        entries.append(entry)
    for sheet in CHILD_SHEETS:
        _attach_children(sheet, tables[sheet.title], by_code, errors)
    specs: list[ServiceItemSpec] = []
    rows: list[int] = []
    for entry in entries:
        spec = _validate(entry, errors)
        if spec is not None and not entry.duplicate:
            specs.append(spec)
            rows.append(entry.row)
    headers = {column.field: column.header for column in ITEMS.columns}
    return ParsedCatalogue(
        specs, sheet=ITEMS_SHEET, rows=rows, headers=headers, errors=sorted_errors(errors)
    )


def _open(data: bytes) -> BookType:
    try:
        return load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:
        # openpyxl raises zip, XML, key and value errors alike for a file that is not a workbook.
        raise ImportRejected(errors=[file_error("不是有效的 Excel（.xlsx）文件")]) from None


def _table(book: BookType, sheet: Sheet, errors: _Errors) -> list[tuple[int, _Cells]]:
    """The non-blank rows of ``sheet`` as {field: (value, number format)}."""
    if sheet.title not in book.sheetnames:
        errors.append(file_error(f"缺少工作表“{sheet.title}”", sheet.title))
        return []
    rows = book[sheet.title].iter_rows()
    header = [_header_text(cell.value) for cell in next(rows, ())]
    positions: dict[str, int] = {}
    for column in sheet.columns:
        if column.header in header:
            positions[column.field] = header.index(column.header)
        elif not column.optional:
            errors.add(sheet.title, 1, column.header, "缺少此列")
    if any(c.field not in positions and not c.optional for c in sheet.columns):
        return []
    table: list[tuple[int, _Cells]] = []
    for number, row in enumerate(rows, start=2):
        cells = {
            name: (row[i].value, getattr(row[i], "number_format", None) or "General")
            if i < len(row)
            else (None, "General")
            for name, i in positions.items()
        }
        if any(value not in (None, "") for value, _ in cells.values()):
            table.append((number, cells))
    return table


def _header_text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _code(cells: _Cells) -> str:
    value = cells["code"][0]
    return str(value).strip().upper() if value not in (None, "") else ""


def _convert(sheet: Sheet, number: int, cells: _Cells, errors: _Errors) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in sheet.columns:
        value, number_format = cells.get(column.field, (None, "General"))
        try:
            converted = column.from_cell(value, number_format)
        except CellError as error:
            errors.add(sheet.title, number, column.header, str(error))
            continue
        if converted is not OMIT:
            data[column.field] = converted
    return data


def _attach_children(
    sheet: Sheet, table: list[tuple[int, _Cells]], by_code: dict[str, _Entry], errors: _Errors
) -> None:
    name = str(sheet.field)
    for number, cells in table:
        child = _convert(sheet, number, cells, errors)
        child.pop("code", None)
        code = _code(cells)
        owner = by_code.get(code)
        if owner is None:
            message = f"事项编码 {code} 不在“事项”表中" if code else "此项必填"
            errors.add(sheet.title, number, CODE_COLUMN.header, message)
            continue
        owner.data[name].append(child)
        owner.children[name].append(number)


def _validate(entry: _Entry, errors: _Errors) -> ServiceItemSpec | None:
    try:
        return ServiceItemSpec.model_validate(entry.data)
    except ValidationError as error:
        for path, message in validation_messages(error).items():
            errors.add(*_locate(entry, path, message), message)
        return None


def _locate(entry: _Entry, path: str, message: str) -> tuple[str, int, str]:
    """The sheet, row and column a pydantic error on ``entry`` is about."""
    parts = path.split(".")
    name = RULE_FIELDS.get(message, "") if parts[0] == "__root__" else parts[0]
    sheet = _CHILD_BY_FIELD.get(name)
    if sheet is None:
        return ITEMS_SHEET, entry.row, ITEMS.header(name)
    rows = entry.children[name]
    if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(rows):
        sub = parts[2] if len(parts) > 2 else RULE_FIELDS.get(message, "")
        return sheet.title, rows[int(parts[1])], sheet.header(sub)
    seen: set[Any] = set()
    for row, child in zip(rows, entry.data[name], strict=True):
        if child.get("name") in seen:
            return sheet.title, row, sheet.header("name")
        seen.add(child.get("name"))
    return ITEMS_SHEET, entry.row, ""
