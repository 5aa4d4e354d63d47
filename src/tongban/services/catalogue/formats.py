"""The catalogue's exchange formats: the spreadsheet layout, Chinese labels and error rows.

A catalogue admin edits the Excel export in Excel or WPS and imports it back, so each header
and label here is part of a public format: renaming one stops older files from importing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from tongban.domain.catalogue.model import (
    Audience,
    Channel,
    FieldType,
    ItemKind,
    Level,
    ServiceItemSpec,
    ServiceScope,
)
from tongban.domain.validation import pydantic_fields

JSON_FORMAT = "tongban-catalogue"
JSON_VERSION = 2
"""The exchange formats' layout: 2 added materials asked only when an agent acts.  JSON files
carry it; the export's tag includes it, so an export in an older layout is never current."""
JSON_VERSIONS_READ = (1, 2)
"""Version 1 files import as they always did: none of their materials is agent-only."""
JSON_SHEET = "items"
"""The ``sheet`` of errors in a JSON file: the ``items`` array, counted from 1."""

ITEMS_SHEET = "事项"
MATERIALS_SHEET = "材料"
FEES_SHEET = "收费"
FORM_SHEET = "表单"

LIST_SEPARATOR = "；"
LINE_SEPARATOR = "\n"
_ENUM_SEPARATORS = ("；", ";", "、", "，", ",", "\n")


class CellError(ValueError):
    """A cell that cannot be read as its column's type; the message is shown to the admin."""


def _labels(enum: type[StrEnum], labels: Mapping[StrEnum, str]) -> dict[str, str]:
    missing = set(enum) - set(labels)
    if missing:
        raise RuntimeError(f"no Chinese label for {sorted(missing)}")
    return {member.value: labels[member] for member in enum}


LEVELS = _labels(Level, {Level.DISTRICT: "区级", Level.TOWN: "镇街级", Level.COMMUNITY: "村居级"})
KINDS = _labels(ItemKind, {ItemKind.IMMEDIATE: "即办件", ItemKind.PROMISED: "承诺件"})
AUDIENCES = _labels(
    Audience,
    {Audience.CITIZEN: "自然人", Audience.ENTERPRISE: "法人", Audience.BOTH: "自然人和法人"},
)
CHANNELS = _labels(
    Channel,
    {
        Channel.ONLINE: "网上办理",
        Channel.WINDOW: "窗口办理",
        Channel.SELF_SERVICE: "自助终端",
        Channel.APPOINTMENT: "预约办理",
        Channel.MAIL: "寄递办理",
    },
)
SCOPES = _labels(
    ServiceScope,
    {
        ServiceScope.DISTRICT_WIDE: "全区通办",
        ServiceScope.CROSS_CITY: "跨城通办",
        ServiceScope.CROSS_BORDER: "跨境通办",
    },
)
FIELD_TYPES = _labels(
    FieldType,
    {
        FieldType.TEXT: "文本",
        FieldType.NUMBER: "数字",
        FieldType.DATE: "日期",
        FieldType.CHOICE: "单选",
        FieldType.BOOLEAN: "是否",
        FieldType.ID_NUMBER: "身份证号",
        FieldType.CREDIT_CODE: "统一社会信用代码",
        FieldType.PHONE: "电话",
        FieldType.ADDRESS: "地址",
        FieldType.BANK_ACCOUNT: "银行账号",
    },
)


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    BOOL = "bool"
    ENUM = "enum"
    ENUM_LIST = "enum_list"
    LIST = "list"
    """Short texts joined by "；"."""
    LINES = "lines"
    """Longer texts (legal basis, process steps), one per line."""


OMIT: Any = object()
"""What an empty cell reads as: the field is left out, so the model's default applies."""


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: its Chinese header, the spec field and how cells convert."""

    header: str
    field: str
    kind: Kind = Kind.TEXT
    width: int = 14
    labels: Mapping[str, str] | None = None
    """Enum value → Chinese label (enum kinds only)."""
    optional: bool = False
    """A column newer files have and older files may lack (read as empty when missing)."""

    def to_cell(self, value: Any) -> Any:
        """The spec's value as written into the cell."""
        if self.kind is Kind.BOOL:
            return "是" if value else "否"
        if self.kind is Kind.ENUM:
            return self._label(value)
        if self.kind is Kind.ENUM_LIST:
            return LIST_SEPARATOR.join(self._label(v) for v in value) or None
        if self.kind is Kind.LIST:
            return LIST_SEPARATOR.join(value) or None
        if self.kind is Kind.LINES:
            return LINE_SEPARATOR.join(value) or None
        if value is None or value == "":
            return None
        return value

    def _label(self, value: Any) -> str:
        raw = str(getattr(value, "value", value))
        return (self.labels or {}).get(raw, raw)

    def from_cell(self, value: Any, number_format: str = "General") -> Any:
        """The cell's value for the spec, ``OMIT`` when empty; raises ``CellError``."""
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            return () if self.kind in _LIST_KINDS and self.field != "legal_basis" else OMIT
        if self.kind is Kind.INT:
            return _integer(value)
        if self.kind is Kind.DECIMAL:
            return _decimal(value, number_format)
        if self.kind is Kind.BOOL:
            return _boolean(value)
        text = _text(value)
        if self.kind is Kind.ENUM:
            return self._enum(text)
        if self.kind is Kind.ENUM_LIST:
            return tuple(self._enum(part) for part in _split(text, _ENUM_SEPARATORS))
        if self.kind is Kind.LIST:
            return tuple(_split(text, (LIST_SEPARATOR, LINE_SEPARATOR)))
        if self.kind is Kind.LINES:
            return tuple(_split(text, (LINE_SEPARATOR,)))
        return text

    def _enum(self, text: str) -> str:
        labels = self.labels or {}
        for value, label in labels.items():
            if text in (label, value) or text.lower() == value:
                return value
        raise CellError("应为以下之一：" + "、".join(labels.values()))


_LIST_KINDS = (Kind.ENUM_LIST, Kind.LIST, Kind.LINES)


def _split(text: str, separators: Sequence[str]) -> list[str]:
    for separator in separators[1:]:
        text = text.replace(separator, separators[0])
    return [part.strip() for part in text.split(separators[0]) if part.strip()]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise CellError("应为整数")


def _decimal(value: Any, number_format: str) -> Decimal:
    """A number cell as the exact decimal it shows (``0.00`` keeps two places)."""
    if isinstance(value, bool):
        raise CellError("应为数字")
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        raise CellError("应为数字") from None
    if not amount.is_finite():
        raise CellError("应为数字")
    places = len(number_format.partition(".")[2]) if number_format.startswith("0") else 0
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent <= places:
        return amount.quantize(Decimal(1).scaleb(-places))
    return amount


def decimal_format(amount: Decimal) -> str:
    """The number format that shows ``amount`` with exactly its own decimal places."""
    exponent = amount.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "0." + "0" * places if places else "0"


_TRUE = frozenset({"是", "true", "1", "y", "yes"})
_FALSE = frozenset({"否", "false", "0", "n", "no"})


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("应为“是”或“否”")


CODE_COLUMN = Column("事项编码", "code", width=16)

ITEM_COLUMNS: tuple[Column, ...] = (
    CODE_COLUMN,
    Column("事项名称", "name", width=36),
    Column("部门编码", "department_code", width=10),
    Column("事项层级", "level", Kind.ENUM, 10, labels=LEVELS),
    Column("办理层级", "handled_at", Kind.ENUM_LIST, 14, labels=LEVELS),
    Column("办件类型", "kind", Kind.ENUM, 10, labels=KINDS),
    Column("服务对象", "audience", Kind.ENUM, 12, labels=AUDIENCES),
    Column("主题分类", "category", width=12),
    Column("法定时限（工作日）", "legal_limit_days", Kind.INT, 10),
    Column("承诺时限（工作日）", "promised_limit_days", Kind.INT, 10),
    Column("设定依据", "legal_basis", Kind.LINES, 40),
    Column("受理条件", "conditions", width=40),
    Column("办理流程", "process", Kind.LINES, 24),
    Column("审批结果", "result_name", width=20),
    Column("结果电子证照", "result_licence_type", width=18, optional=True),
    Column("办理渠道", "channels", Kind.ENUM_LIST, 30, labels=CHANNELS),
    Column("全流程网办", "fully_online", Kind.BOOL, 8),
    Column("跑动次数", "visits", Kind.INT, 8),
    Column("免证办", "certificate_free", Kind.BOOL, 8),
    Column("秒批", "smart_approval", Kind.BOOL, 8),
    Column("秒批规则", "rule_set", width=20),
    Column("通办范围", "scopes", Kind.ENUM_LIST, 20, labels=SCOPES),
    Column("准许清单", "on_permit_list", Kind.BOOL, 8),
    Column("关键词", "keywords", Kind.LIST, 24),
    Column("办事需求", "needs", Kind.LIST, 30),
    Column("咨询电话", "consult_phone", width=12),
    Column("办理地点", "location_note", width=30),
)

MATERIAL_COLUMNS: tuple[Column, ...] = (
    CODE_COLUMN,
    Column("材料名称", "name", width=36),
    Column("关键材料", "key", Kind.BOOL, 8),
    Column("可替代电子证照", "licence_type", width=18),
    Column("原件份数", "originals", Kind.INT, 8),
    Column("复印件份数", "copies", Kind.INT, 8),
    Column("来源渠道", "source", width=18),
    Column("备注", "notes", width=36),
    Column("仅委托代理人办理时提交", "only_by_agent", Kind.BOOL, 12, optional=True),
)

FEE_COLUMNS: tuple[Column, ...] = (
    CODE_COLUMN,
    Column("收费项目", "name", width=36),
    Column("金额（元）", "amount_yuan", Kind.DECIMAL, 10),
    Column("收费依据", "basis", width=40),
)

FORM_COLUMNS: tuple[Column, ...] = (
    CODE_COLUMN,
    Column("字段名", "name", width=20),
    Column("字段标签", "label", width=24),
    Column("字段类型", "type", Kind.ENUM, 14, labels=FIELD_TYPES),
    Column("必填", "required", Kind.BOOL, 8),
    Column("选项", "options", Kind.LIST, 40),
    Column("数据来源", "source", width=24, optional=True),
)


@dataclass(frozen=True)
class Sheet:
    """One worksheet; child sheets hold one row per entry of a tuple field of the spec."""

    title: str
    columns: tuple[Column, ...]
    field: str | None = None
    """The spec's tuple field a child sheet fills (``materials``, ``fees``, ``form``)."""

    def header(self, field: str) -> str:
        return next((c.header for c in self.columns if c.field == field), "")


ITEMS = Sheet(ITEMS_SHEET, ITEM_COLUMNS)
CHILD_SHEETS: tuple[Sheet, ...] = (
    Sheet(MATERIALS_SHEET, MATERIAL_COLUMNS, "materials"),
    Sheet(FEES_SHEET, FEE_COLUMNS, "fees"),
    Sheet(FORM_SHEET, FORM_COLUMNS, "form"),
)
SHEETS: tuple[Sheet, ...] = (ITEMS, *CHILD_SHEETS)

RULE_FIELDS: dict[str, str] = {
    "承诺时限不得超过法定时限": "promised_limit_days",
    "即办件的承诺时限应为 0 个工作日": "promised_limit_days",
    "承诺件的承诺时限至少为 1 个工作日": "promised_limit_days",
    "全流程网办事项必须开通网上办理渠道": "channels",
    "全流程网办事项的跑动次数应为 0": "visits",
    "秒批事项必须开通网上办理渠道": "channels",
    "至少需要一个办理渠道": "channels",
    "申请材料名称不得重复": "materials",
    "表单字段名不得重复": "form",
    "选择类字段必须列出选项": "options",
    "委托代理人办理时提交的材料不能由申请人的电子证照替代": "licence_type",
}
"""The field each cross-field rule of the model is about, so its error points at a column."""


_MESSAGES = {
    "decimal_max_places": "最多两位小数",
    "decimal_max_digits": "数字位数过多",
    "too_short": "至少填写一项",
}


def _message(detail: Any) -> str:
    bound = detail.get("ctx", {})
    if detail["type"] == "less_than_equal":
        return f"不得大于 {bound.get('le')}"
    if detail["type"] == "greater_than_equal":
        return f"不得小于 {bound.get('ge')}"
    return _MESSAGES.get(detail["type"]) or pydantic_fields([{**detail, "loc": ()}])["__root__"]


def validation_messages(error: ValidationError) -> dict[str, str]:
    """{field path: Chinese message}, one per path; unlike the API's ``pydantic_fields`` it
    keeps every part of the path (the spec has a field called ``form``)."""
    messages: dict[str, str] = {}
    for detail in error.errors():
        path = ".".join(str(part) for part in detail["loc"]) or "__root__"
        messages.setdefault(path, _message(detail))
    return messages


def row_error(sheet: str, row: int, column: str, message: str) -> dict[str, Any]:
    """One import error; ``row`` is the sheet row or JSON item index from 1, 0 for a whole file."""
    return {"sheet": sheet, "row": row, "column": column, "message": message}


def file_error(message: str, sheet: str = "") -> dict[str, Any]:
    """An error about the whole file or sheet (not a workbook, not JSON, a sheet missing)."""
    return row_error(sheet, 0, "", message)


class ParsedCatalogue(list[ServiceItemSpec]):
    """The valid specs of a file in order, each one's row (so later checks can point at it)
    and the errors of the rows that were not valid."""

    def __init__(
        self,
        specs: Sequence[ServiceItemSpec],
        *,
        sheet: str,
        rows: Sequence[int],
        headers: Mapping[str, str] | None = None,
        errors: Sequence[dict[str, Any]] = (),
    ) -> None:
        super().__init__(specs)
        self.sheet = sheet
        self.rows = list(rows)
        self.headers = dict(headers or {})
        self.errors = list(errors)


_SHEET_ORDER = {JSON_SHEET: 0, **{sheet.title: i for i, sheet in enumerate(SHEETS)}}


def sorted_errors(errors: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Errors in the order an admin reads the file: sheet by sheet, row by row."""
    return sorted(errors, key=lambda e: (_SHEET_ORDER.get(e["sheet"], -1), e["row"]))


def locate(specs: Sequence[ServiceItemSpec], index: int, field: str) -> tuple[str, int, str]:
    """Sheet, row and column of ``field`` of ``specs[index]``, for an error about it."""
    if isinstance(specs, ParsedCatalogue):
        return specs.sheet, specs.rows[index], specs.headers.get(field, field)
    return JSON_SHEET, index + 1, field
