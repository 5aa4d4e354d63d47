"""A year's official notice (国务院办公厅关于××年部分节假日安排的通知) as a file to import.

The file lists only the exceptions: holidays (放假) with their names and make-up working days
(调休上班).  A notice may make a weekend day of the previous December a working day (the 2027
notice can move work to a Sunday of December 2026); such a day belongs to the notice.  Comment
lines ``# @key: value`` carry the year, the notice's number and date, and the example mark.
Every problem is reported at once, each with its row, column, stable code and Chinese message.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from tongban.domain.errors import ImportRejected
from tongban.domain.shared.calendar import (
    NAME_MAX_LENGTH,
    ONE_DAY,
    WEEKDAYS,
    CalendarDay,
    DayKind,
    ordinary_kind,
)

_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DIRECTIVE_RE = re.compile(r"^#\s*@(\w+)\s*[:：]\s*(.*?)\s*$")
_COLUMNS = ("date", "kind", "name")
_KIND_HINT = "holiday（放假）或 makeup_workday（调休上班）"
_NOTICE_KINDS = (DayKind.HOLIDAY, DayKind.MAKEUP_WORKDAY)
_YES = {"yes", "true", "1", "是"}
_NO = {"no", "false", "0", "否", ""}
DIRECTIVES = ("year", "notice", "published", "example")
"""The ``# @key: value`` lines a notice file may carry."""


@dataclass(frozen=True)
class Notice:
    """One year's schedule as read from a file: every day of ``year``, the make-up working days
    it moves into the previous December, and where it comes from."""

    year: int
    days: tuple[CalendarDay, ...]
    carried: tuple[CalendarDay, ...] = ()
    """调休上班 days in December of the previous year that this notice makes working days."""
    example: bool = False
    """The file says it is an example, not the State Council's notice."""
    reference: str = ""
    """The notice's number, e.g. 国办发明电〔2026〕7号."""
    published: date | None = None

    @property
    def listed(self) -> tuple[CalendarDay, ...]:
        """What the notice lists: its holidays and make-up working days, the carried ones first."""
        own = tuple(d for d in self.days if d.kind in _NOTICE_KINDS)
        return (*self.carried, *own)


def row_error(row: int, column: str, code: str, message: str) -> dict[str, Any]:
    """One problem of a file: its row (0 = the whole file), column, stable code and message."""
    return {"row": row, "column": column, "code": code, "message": message}


def parse_notice(text: str, *, filename: str = "") -> list[CalendarDay]:
    """Every day of the one year a notice covers (see ``read_notice``)."""
    return list(read_notice(text, filename=filename).days)


def read_notice(text: str, *, filename: str = "") -> Notice:
    """The notice in ``text``: CSV ``date,kind,name`` with ``#`` comments, or JSON (a list of
    ``{date, kind, name}``) if ``filename`` ends in .json.  Any error rejects the whole file:
    ``ImportRejected.errors`` holds one ``row_error`` per problem."""
    text = text.removeprefix("\ufeff")
    if filename.lower().endswith(".json"):
        rows, errors = _json_rows(text)
        meta: dict[str, tuple[int, str]] = {}
    else:
        rows, errors, meta = _csv_rows(text)
    header = _read_directives(meta, errors)
    if not rows and not errors:
        errors.append(
            row_error(0, "date", "file_empty", "文件为空：没有列出任何放假或调休上班的日期。")
        )
    year, listed, carried = _check_rows(rows, errors, header.get("year"))
    if errors or year is None:
        raise ImportRejected(
            errors=sorted(errors, key=lambda e: (e["row"], _COLUMNS.index(e["column"])))
        )
    day = date(year, 1, 1)
    days: list[CalendarDay] = []
    while day.year == year:
        kind, name = listed.get(day, (ordinary_kind(day), ""))
        days.append(CalendarDay(day, kind, name))
        day += ONE_DAY
    return Notice(
        year=year,
        days=tuple(days),
        carried=tuple(carried),
        example=bool(header.get("example", False)),
        reference=str(header.get("notice", "")),
        published=header.get("published"),
    )


def _read_directives(
    meta: dict[str, tuple[int, str]], errors: list[dict[str, Any]]
) -> dict[str, Any]:
    header: dict[str, Any] = {}
    for key, (row, value) in meta.items():
        if key == "year":
            if value and (not value.isdigit() or not 1900 <= int(value) <= 2200):
                errors.append(
                    row_error(row, "date", "year_invalid", f"年份“{value}”无效，应为如 2027。")
                )
            elif value:
                header["year"] = int(value)
        elif key == "notice":
            header["notice"] = value[:200]
        elif key == "published":
            published = _parse_date(value) if value else None
            if value and published is None:
                errors.append(
                    row_error(
                        row,
                        "date",
                        "date_malformed",
                        f"发布日期“{value}”无效，应为 YYYY-MM-DD 格式。",
                    )
                )
            header["published"] = published
        elif value.lower() in _YES | _NO:
            header["example"] = value.lower() in _YES
        else:
            errors.append(
                row_error(
                    row, "date", "example_invalid", f"@example 只能填 yes 或 no，不是“{value}”。"
                )
            )
    return header


def _csv_rows(
    text: str,
) -> tuple[list[tuple[int, dict[str, str]]], list[dict[str, Any]], dict[str, tuple[int, str]]]:
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[dict[str, Any]] = []
    meta: dict[str, tuple[int, str]] = {}
    positions: dict[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            directive = _DIRECTIVE_RE.match(stripped)
            if directive is None:
                continue
            key = directive.group(1).lower()
            if key not in DIRECTIVES:
                message = (
                    f"未知的说明项 @{key}：只能是 " + "、".join(f"@{k}" for k in DIRECTIVES) + "。"
                )
                errors.append(row_error(number, "date", "directive_unknown", message))
            elif key in meta:
                message = f"说明项 @{key} 与第 {meta[key][0]} 行重复。"
                errors.append(row_error(number, "date", "directive_twice", message))
            else:
                meta[key] = (number, directive.group(2))
            continue
        if not stripped:
            continue
        cells = [cell.strip() for cell in next(csv.reader([line]))]
        if positions is None:
            header = [cell.lower() for cell in cells]
            missing = [column for column in ("date", "kind") if column not in header]
            if missing:
                message = "第一行应为表头 date,kind,name，缺少 {column} 列。"
                missing_errors = [
                    row_error(number, column, "header_missing", message.format(column=column))
                    for column in missing
                ]
                return [], missing_errors, {}
            positions = {column: header.index(column) for column in _COLUMNS if column in header}
            continue
        values = {
            column: cells[index] if index < len(cells) else ""
            for column, index in positions.items()
        }
        rows.append((number, values))
    return rows, errors, meta


def _json_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[dict[str, Any]]]:
    try:
        data = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        message = f"JSON 格式错误（第 {exc.lineno} 行）：{exc.msg}"
        return [], [row_error(0, "date", "json_malformed", message)]
    if not isinstance(data, list):
        message = "JSON 文件应为一个列表，每项含 date、kind、name。"
        return [], [row_error(0, "date", "json_not_list", message)]
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[dict[str, Any]] = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            message = "此项应为含 date、kind、name 的对象。"
            errors.append(row_error(number, "date", "json_item_invalid", message))
            continue
        values = {
            column: "" if item.get(column) is None else str(item[column]).strip()
            for column in _COLUMNS
        }
        rows.append((number, values))
    return rows, errors


def _parse_date(raw: str) -> date | None:
    match = _DATE_RE.match(raw)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


_Checked = tuple[int, date, DayKind, str]


def _check_row(
    number: int, values: dict[str, str], errors: list[dict[str, Any]]
) -> _Checked | None:
    """One row's date, kind and name, or None with its problems appended to ``errors``."""
    raw_date, raw_kind, name = values["date"], values["kind"], values.get("name", "")
    day = _parse_date(raw_date)
    if day is None and raw_date:
        message = f"日期“{raw_date}”无效，应为 YYYY-MM-DD 格式，如 2027-01-01。"
        errors.append(row_error(number, "date", "date_malformed", message))
    elif day is None:
        errors.append(row_error(number, "date", "date_missing", "缺少日期。"))
    kind = DayKind(raw_kind.lower()) if raw_kind.lower() in _NOTICE_KINDS else None
    if kind is None and raw_kind:
        message = f"类型“{raw_kind}”无效，只能是 {_KIND_HINT}。"
        errors.append(row_error(number, "kind", "kind_invalid", message))
    elif kind is None:
        errors.append(row_error(number, "kind", "kind_missing", f"缺少类型：应为 {_KIND_HINT}。"))
    if len(name) > NAME_MAX_LENGTH:
        message = f"名称过长：最多 {NAME_MAX_LENGTH} 个字。"
        errors.append(row_error(number, "name", "name_too_long", message))
    elif kind is DayKind.HOLIDAY and not name:
        message = "放假日须填写节日名称，如“春节”。"
        errors.append(row_error(number, "name", "holiday_name_missing", message))
    if day is None or kind is None:
        return None
    if kind is DayKind.MAKEUP_WORKDAY and day.weekday() < 5:
        message = f"{day.isoformat()} 是{WEEKDAYS[day.weekday()]}，调休上班日只能是星期六或星期日。"
        errors.append(row_error(number, "date", "makeup_not_weekend", message))
        return None
    return number, day, kind, name


def _check_rows(
    rows: list[tuple[int, dict[str, str]]],
    errors: list[dict[str, Any]],
    declared: int | None,
) -> tuple[int | None, dict[date, tuple[DayKind, str]], list[CalendarDay]]:
    """The notice's year, its valid rows by date and the carried December days; every problem
    found is appended to ``errors``."""
    checked = [c for number, values in rows if (c := _check_row(number, values, errors))]
    year = declared
    if year is None:
        years = Counter(day.year for _, day, _, _ in checked)
        year = years.most_common(1)[0][0] if years else None
    first_row: dict[date, tuple[int, DayKind]] = {}
    listed: dict[date, tuple[DayKind, str]] = {}
    carried: list[CalendarDay] = []
    for number, day, kind, name in checked:
        if day in first_row:
            earlier, earlier_kind = first_row[day]
            if earlier_kind is kind:
                message = f"日期 {day.isoformat()} 与第 {earlier} 行重复。"
                errors.append(row_error(number, "date", "date_twice", message))
            else:
                message = (
                    f"日期 {day.isoformat()} 在第 {earlier} 行已列出，同一天不能既放假又调休上班。"
                )
                errors.append(row_error(number, "date", "holiday_on_makeup_day", message))
            continue
        first_row[day] = (number, kind)
        if day.year == year:
            listed[day] = (kind, name)
        elif year is not None and _carried_over(day, kind, year):
            carried.append(CalendarDay(day, kind, name))
        else:
            message = (
                f"日期 {day.isoformat()} 不属于 {year} 年：一个文件只能包含一年的放假安排"
                "（上一年 12 月的周末可列为调休上班）。"
            )
            errors.append(row_error(number, "date", "year_mismatch", message))
    return year, listed, sorted(carried, key=lambda entry: entry.day)


def _carried_over(day: date, kind: DayKind, year: int) -> bool:
    """A weekend day of the previous December that the notice makes a working day."""
    return kind is DayKind.MAKEUP_WORKDAY and day.year == year - 1 and day.month == 12


FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
"""The statutory holidays (《全国年节及纪念日放假办法》) a yearly notice schedules."""


def blank_template(year: int) -> str:
    """A blank notice file for ``year`` in the format ``read_notice`` reads: the explanations,
    the ``@`` lines to fill in (notice number and date as provenance) and no dates yet."""
    previous = year - 1
    lines = [
        f"# 工作日历导入文件：{year} 年放假安排（空白模板）",
        f"# 请按国务院办公厅《关于{year}年部分节假日安排的通知》逐项填写，然后：",
        "#   tongban calendar import 本文件 --dry-run   先预览月历与变更，不写入任何数据",
        "#   tongban calendar import 本文件             正式导入（一个事务，记入审计日志）",
        "#",
        "# 说明项（以“# @”开头，冒号后填写）：",
        "#   @year       本文件所属的年份，不要改动",
        "#   @notice     通知文号，如 国办发明电〔2025〕7号，作为来源依据",
        "#   @published  通知发布日期，YYYY-MM-DD",
        "#   @example    正式通知填 no；填 yes 的示例文件只能用于演示，导入时须加 --example",
        f"# @year: {year}",
        "# @notice: ",
        "# @published: ",
        "# @example: no",
        "#",
        "# 每行一天，只列出例外的日子；未列出的日期按周一至周五上班、周六周日休息。",
        "#   date  日期，YYYY-MM-DD",
        "#   kind  holiday（放假，含放假期间的周六、周日）",
        "#         或 makeup_workday（调休上班，只能是周六或周日）",
        "#   name  节日名称；调休上班日填它所服务的节日",
        f"# 通知若把 {previous} 年 12 月的某个周末调为上班，也列在本文件中（makeup_workday）。",
        "# 以 # 开头的行和空行会被忽略。示例：",
        f"#   {year}-01-01,holiday,元旦",
        f"#   {previous}-12-26,makeup_workday,元旦",
        "date,kind,name",
    ]
    for festival in FESTIVALS:
        lines += ["", f"# {festival}：放假日（holiday）与调休上班日（makeup_workday）"]
    return "\n".join(lines) + "\n"
