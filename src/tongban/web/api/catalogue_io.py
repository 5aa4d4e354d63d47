"""Catalogue figures, export and import over the API.

The figures and the export are public (the published catalogue is public information); only
the catalogue admin imports.  A rejected import is 422 ``import_rejected`` with ``errors``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, Field

from tongban.domain.errors import ImportRejected, TooManyRequests
from tongban.domain.shared.clock import CHINA_TZ, china_date
from tongban.services.catalogue import import_export as catalogue_io
from tongban.services.catalogue import stats as catalogue_stats
from tongban.services.catalogue.formats import file_error
from tongban.services.smart import rules as rule_sets
from tongban.web.deps import CatalogueAdmin, ContainerDep, Now, Viewer, actor_for, client_address

router = APIRouter(prefix="/catalogue", tags=["catalogue"])
EXPORTS_PER_MINUTE = 20
"""Full exports one address may ask for in a minute (a cached answer is cheap; this keeps one
client from using the bandwidth of all)."""


class Exports:
    """This process's built exports, the latest per format, and the per-address rate."""

    def __init__(self, per_minute: int = EXPORTS_PER_MINUTE) -> None:
        self._built: dict[str, tuple[str, bytes]] = {}
        self._lock = threading.Lock()
        self._rate = RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def admit(self, address: str) -> None:
        if not self._limiter.hit(self._rate, "catalogue-export", address):
            reset = self._limiter.get_window_stats(self._rate, "catalogue-export", address)[0]
            raise TooManyRequests(seconds=max(1, math.ceil(reset - time.time())))

    def get(self, etag: str, build: Callable[[], bytes]) -> bytes:
        fmt = etag.split("-", 1)[0]
        with self._lock:  # two clients asking at once build it once
            found = self._built.get(fmt)
            if found is None or found[0] != etag:
                found = (etag, build())
                self._built[fmt] = found
            return found[1]


MAX_IMPORT_BYTES = 32 * 1024 * 1024


class FiguresOut(BaseModel):
    items: int = Field(description="事项总数")
    online_capable: int = Field(description="网上可办事项数")
    online_capable_rate: str = Field(description="可网办率（百分数，两位小数，如 93.55）")
    fully_online: int = Field(description="全流程网办事项数")
    fully_online_enterprise: int = Field(description="面向企业的全流程网办事项数")
    smart_approval: int = Field(description="秒批事项数")
    certificate_free: int = Field(description="免证办事项数")
    immediate: int = Field(description="即办件数")

    @classmethod
    def of(cls, figures: catalogue_stats.Figures) -> FiguresOut:
        return cls.model_validate(figures.as_dict())


class GroupOut(BaseModel):
    key: str = Field(description="部门编码或层级（district、town、community）")
    label: str
    figures: FiguresOut


class StatsOut(BaseModel):
    figures: FiguresOut
    smart_approval_in_force: int = Field(description="秒批事项中今日有规则集生效的事项数")
    by_department: list[GroupOut]
    by_level: list[GroupOut]


class ImportSummaryOut(BaseModel):
    created: int = Field(description="新发布的事项数")
    updated: int = Field(description="发布了新版本的事项数")
    unchanged: int = Field(description="与当前发布版本相同、未改动的事项数")
    total: int


class RowErrorOut(BaseModel):
    sheet: str = Field(description="工作表名称；JSON 文件为 items")
    row: int = Field(description="工作表行号或 JSON 事项序号（从 1 起）；0 表示整个文件或工作表")
    column: str = Field(description="中文列名或 JSON 字段路径")
    message: str


class ImportErrorBody(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = {}
    errors: list[RowErrorOut]


def _groups(groups: list[catalogue_stats.GroupFigures]) -> list[GroupOut]:
    return [GroupOut(key=g.key, label=g.label, figures=FiguresOut.of(g.figures)) for g in groups]


@router.get("/stats", response_model=StatsOut, summary="事项目录统计（可网办率等）")
def catalogue_stats_route(container: ContainerDep, _viewer: Viewer, now: Now) -> StatsOut:
    with container.read() as uow:
        conn = uow.conn
        return StatsOut(
            figures=FiguresOut.of(catalogue_stats.catalogue_figures(conn)),
            smart_approval_in_force=rule_sets.smart_items_in_force(conn, china_date(now)),
            by_department=_groups(catalogue_stats.figures_by_department(conn)),
            by_level=_groups(catalogue_stats.figures_by_level(conn)),
        )


@router.get(
    "/export",
    summary="导出已发布的事项目录（JSON 或 Excel）",
    response_class=Response,
    responses={
        200: {
            "content": {
                catalogue_io.JSON_MEDIA_TYPE: {},
                catalogue_io.XLSX_MEDIA_TYPE: {},
            }
        }
    },
)
def catalogue_export(
    request: Request,
    container: ContainerDep,
    _viewer: Viewer,
    now: Now,
    fmt: Annotated[Literal["json", "xlsx"], Query(alias="format")] = "json",
) -> Response:
    """Built once per catalogue version and format (an Excel export costs seconds of CPU),
    answered 304 to a client that has it (If-None-Match), and rate-limited per address."""
    exports: Exports = request.app.state.catalogue_exports
    exports.admit(client_address(request))
    with container.read() as uow:
        conn = uow.conn
        version = catalogue_io.catalogue_version(conn)
        etag = f'"{fmt}-{version.tag}"'
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        as_of = version.as_of or now
        if fmt == "xlsx":
            data = exports.get(etag, lambda: catalogue_io.export_xlsx(conn))
            media_type = catalogue_io.XLSX_MEDIA_TYPE
        else:
            data = exports.get(etag, lambda: catalogue_io.export_json(conn, as_of))
            media_type = catalogue_io.JSON_MEDIA_TYPE
    filename = f"tongban-catalogue-{as_of.astimezone(CHINA_TZ):%Y%m%d}.{fmt}"
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(data, media_type=media_type, headers=headers)


@router.post(
    "/import",
    response_model=ImportSummaryOut,
    summary="导入事项目录（.json 或 .xlsx；全部成功或全部不导入）",
    responses={422: {"model": ImportErrorBody}},
)
def catalogue_import(
    request: Request,
    container: ContainerDep,
    _admin: CatalogueAdmin,
    file: Annotated[UploadFile, File(description="export 导出的 .json 或 .xlsx 文件")],
) -> ImportSummaryOut:
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRejected(errors=[file_error("文件过大（上限 32 MB）")])
    specs = catalogue_io.read_file(file.filename or "", data)
    with container.uow() as uow:
        summary = catalogue_io.import_catalogue(uow, actor_for(request), specs)
    return ImportSummaryOut(
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        total=summary.total,
    )
