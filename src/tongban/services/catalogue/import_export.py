"""Import and export of the whole published catalogue (事项目录) as JSON or Excel.

An import is all or nothing: every row is checked first and every error reported together;
only a clean file is published, in one transaction, each changed item as a new version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, func, select

from tongban.adapters.db.tables import departments, service_item_versions, service_items
from tongban.domain.catalogue.model import ItemStatus, ServiceItemSpec
from tongban.domain.errors import ImportRejected, ValidationFailed
from tongban.services.catalogue.bulk import publish_specs
from tongban.services.catalogue.formats import (
    JSON_FORMAT,
    JSON_SHEET,
    JSON_VERSION,
    JSON_VERSIONS_READ,
    RULE_FIELDS,
    ParsedCatalogue,
    file_error,
    locate,
    row_error,
    sorted_errors,
    validation_messages,
)
from tongban.services.catalogue.items import spec_from_json, spec_to_json
from tongban.services.catalogue.xlsx import read_workbook, write_workbook
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_MEDIA_TYPE = "application/json"

Progress = Callable[[int, int], None]
"""Called with (items done, items in all) while an import publishes."""


_CURRENT_VERSION = (service_item_versions.c.item_id == service_items.c.id) & (
    service_item_versions.c.version == service_items.c.published_version
)


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def published_specs(conn: Connection) -> list[ServiceItemSpec]:
    """The current version of every published item, ordered by code."""
    rows = conn.execute(
        select(service_items.c.code, service_item_versions.c.spec)
        .select_from(service_items.join(service_item_versions, _CURRENT_VERSION))
        .where(service_items.c.status == ItemStatus.PUBLISHED.value)
    ).all()
    # Sorted here: PostgreSQL's collation may ignore the hyphen in codes, SQLite's does not.
    return [spec_from_json(spec) for _, spec in sorted(rows, key=lambda row: row[0])]


@dataclass(frozen=True)
class CatalogueVersion:
    """Which state of the catalogue an export shows: ``tag`` changes with every publication,
    withdrawal or edit; ``as_of`` is when the last of them happened."""

    tag: str
    as_of: datetime | None


_VERSION = select(
    func.count().filter(service_items.c.status == ItemStatus.PUBLISHED.value),
    func.coalesce(func.sum(service_items.c.lock_version), 0),
    func.max(service_items.c.updated_at),
)


def catalogue_version(conn: Connection) -> CatalogueVersion:
    """The catalogue's current version, from one aggregate over the items (no specs read), and
    the exchange formats' layout: the same catalogue exported in a newer layout is another."""
    published, locks, latest = conn.execute(_VERSION).one()
    stamp = latest.isoformat() if latest is not None else "-"
    state = f"{JSON_VERSION}:{published}:{locks}:{stamp}"
    digest = hashlib.sha256(state.encode()).hexdigest()[:20]
    return CatalogueVersion(digest, latest)


def export_json(conn: Connection, as_of: datetime) -> bytes:
    """The published catalogue as a ``tongban-catalogue`` JSON document (UTF-8); ``as_of`` is
    the catalogue version's instant, so the same version always exports the same bytes."""
    document = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "exported_at": as_of.isoformat(timespec="seconds"),
        # Re-dumped rather than copied: JSONB reorders keys, the export should not.
        "items": [spec_to_json(spec) for spec in published_specs(conn)],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def export_xlsx(conn: Connection) -> bytes:
    """The published catalogue as a workbook an admin can edit and import back."""
    return write_workbook(published_specs(conn))


def parse_xlsx(data: bytes) -> ParsedCatalogue:
    """Read a workbook from ``export_xlsx``; raises ``ImportRejected`` with every bad cell."""
    return _raise_errors(read_workbook(data))


def parse_json(data: bytes) -> ParsedCatalogue:
    """Read a ``tongban-catalogue`` document (or a bare list of items); checks every item."""
    return _raise_errors(read_json(data))


def _raise_errors(parsed: ParsedCatalogue) -> ParsedCatalogue:
    if parsed.errors:
        raise ImportRejected(errors=parsed.errors)
    return parsed


def read_json(data: bytes) -> ParsedCatalogue:
    """The valid items of a JSON file and the errors of the others."""
    errors: list[dict[str, Any]] = []
    specs: list[ServiceItemSpec] = []
    rows: list[int] = []
    first_row: dict[str, int] = {}
    for number, item in enumerate(_json_items(data), start=1):
        if not isinstance(item, dict):
            errors.append(row_error(JSON_SHEET, number, "", "应为对象"))
            continue
        try:
            spec = ServiceItemSpec.model_validate(item)
        except ValidationError as error:
            for path, message in validation_messages(error).items():
                errors.append(row_error(JSON_SHEET, number, _json_column(path, message), message))
            continue
        if spec.code in first_row:
            message = f"事项编码 {spec.code} 与第 {first_row[spec.code]} 项重复"
            errors.append(row_error(JSON_SHEET, number, "code", message))
            continue
        first_row[spec.code] = number
        specs.append(spec)
        rows.append(number)
    return ParsedCatalogue(specs, sheet=JSON_SHEET, rows=rows, errors=errors)


def _json_items(data: bytes) -> list[Any]:
    try:
        document = json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError):
        raise ImportRejected(errors=[file_error("不是有效的 JSON 文件（UTF-8）")]) from None
    if isinstance(document, list):
        return document
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise ImportRejected(errors=[file_error("JSON 文件应包含 items 列表")])
    if document.get("format", JSON_FORMAT) != JSON_FORMAT:
        raise ImportRejected(errors=[file_error(f"不是事项目录文件（format 应为 {JSON_FORMAT}）")])
    if document.get("version", JSON_VERSION) not in JSON_VERSIONS_READ:
        supported = "、".join(str(v) for v in JSON_VERSIONS_READ)
        message = f"不支持的文件版本 {document.get('version')}（支持 {supported}）"
        raise ImportRejected(errors=[file_error(message)])
    items: list[Any] = document["items"]
    return items


def _json_column(path: str, message: str) -> str:
    """The JSON field path an error is about; cross-field rules point at their field."""
    rule_field = RULE_FIELDS.get(message)
    if path == "__root__":
        return rule_field or ""
    if rule_field and path.count(".") == 1:
        return f"{path}.{rule_field}"
    return path


def read_file(name: str, data: bytes) -> ParsedCatalogue:
    """Read by the file's extension (``.json`` or ``.xlsx``), keeping the errors of bad rows."""
    suffix = name.lower().rpartition(".")[2]
    if suffix == "json":
        return read_json(data)
    if suffix == "xlsx":
        return read_workbook(data)
    raise ImportRejected(errors=[file_error("仅支持 .json 或 .xlsx 文件")])


def parse_file(name: str, data: bytes) -> ParsedCatalogue:
    """Read by the file's extension; raises ``ImportRejected`` if any row is wrong."""
    return _raise_errors(read_file(name, data))


@atomic
def import_catalogue(
    uow: UnitOfWork,
    actor: Actor,
    specs: Sequence[ServiceItemSpec],
    note: str = "导入",
    *,
    progress: Progress | None = None,
) -> ImportSummary:
    """Publish every changed item in one transaction; nothing at all if any item is refused.

    Specs from ``read_file`` bring the errors of their file's bad rows: all are reported together.
    """
    conn = uow.conn
    errors = specs.errors if isinstance(specs, ParsedCatalogue) else []
    errors = errors + _duplicate_codes(specs) + _unknown_departments(conn, specs)
    if errors:
        raise ImportRejected(errors=sorted_errors(errors))
    try:
        result = publish_specs(conn, actor, specs, note, on_progress=progress)
    except ValidationFailed as error:
        # Rows were checked above; what is left is about the catalogue as a whole.
        problem = "；".join(error.fields.values()) or error.message
        raise ImportRejected(errors=[file_error(problem)]) from error
    created, updated, unchanged = result.created, result.updated, result.unchanged
    summary = ImportSummary(created=created, updated=updated, unchanged=unchanged)
    detail = {"created": created, "updated": updated, "unchanged": unchanged, "note": note}
    audit.record(conn, actor, "catalogue.imported", "catalogue", "items", detail)
    return summary


def _duplicate_codes(specs: Sequence[ServiceItemSpec]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        if spec.code in seen:
            sheet, row, column = locate(specs, index, "code")
            errors.append(row_error(sheet, row, column, f"事项编码 {spec.code} 重复"))
        seen.add(spec.code)
    return errors


def _unknown_departments(
    conn: Connection, specs: Sequence[ServiceItemSpec]
) -> list[dict[str, Any]]:
    known = set(conn.execute(select(departments.c.code)).scalars())
    errors: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        if spec.department_code not in known:
            sheet, row, column = locate(specs, index, "department_code")
            errors.append(row_error(sheet, row, column, f"未知部门编码：{spec.department_code}"))
    return errors
