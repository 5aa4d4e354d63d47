"""The working-day calendar API: status, years, deadlines (public); day edits and notice imports
(catalogue admin only).  Errors are ``{code, message, fields}``; codes are listed per route."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from tongban.domain.errors import ImportRejected
from tongban.domain.shared.calendar import NAME_MAX_LENGTH, CalendarDay, DayKind
from tongban.services.platform import calendar as calendar_service
from tongban.services.platform import calendar_import as notices
from tongban.web.api.views import out
from tongban.web.deps import CatalogueAdmin, ContainerDep, Today, Viewer, actor_for

router = APIRouter(prefix="/calendar", tags=["calendar"])


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = {}


class RowError(BaseModel):
    row: int = Field(description="CSV 行号或 JSON 列表序号（从 1 起）；0 表示整个文件")
    column: str = Field(description="date、kind 或 name")
    code: str = Field(
        default="",
        description="稳定的错误代码，如 date_malformed、date_twice、makeup_not_weekend、"
        "holiday_on_makeup_day、year_mismatch、example_refused",
    )
    message: str


class ImportErrorBody(ErrorBody):
    errors: list[RowError]


class CalendarStatusOut(BaseModel):
    known_from: date | None = Field(description="第一个已知日期（首个已知年份的 1 月 1 日）")
    known_until: date | None = Field(description="最后一个已知日期（末个已知年份的 12 月 31 日）")
    days_known_ahead: int = Field(description="今天之后连续已知的天数（今天未知则为 0）")
    warn: bool = Field(
        description="正式放假安排（不含示例年份）已知天数少于 warn_days 时为 true："
        "应导入下一年的放假安排"
    )
    warn_days: int
    today: date
    years: list[int]
    example_years: list[int] = Field(description="来自示例文件、并非正式通知的年份")
    official_days_ahead: int = Field(description="不含示例年份时今天之后连续已知的天数")


class DayOut(BaseModel):
    day: date
    kind: DayKind
    kind_label: str = Field(description="类型的中文名称")
    name: str = Field(description="节日名称；调休上班日为其所服务的节日")
    working: bool = Field(description="计时是否计入此日")

    @classmethod
    def of(cls, entry: CalendarDay) -> DayOut:
        return out(cls, entry, kind_label=entry.kind.label, working=entry.kind.is_working)


class YearOut(BaseModel):
    year: int
    working_days: int
    days: list[DayOut]


class StopOut(BaseModel):
    stopped_on: date
    resumed_on: date | None


class DeadlineOut(BaseModel):
    start: date
    n: int
    stops: list[StopOut]
    deadline: date | None = Field(description="期限当日；仍在暂停（最后一段未恢复）时为 null")


class DayIn(BaseModel):
    kind: DayKind
    name: str = Field(default="", max_length=NAME_MAX_LENGTH, description="放假日必填")


class ImportOut(BaseModel):
    year: int
    holidays: int
    makeup_workdays: int
    replaced: bool = Field(description="该年此前已存在，已整体替换")


_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
}
_ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


@router.get("/status", summary="工作日历已知范围", response_model=CalendarStatusOut)
def calendar_status(container: ContainerDep, _viewer: Viewer, today: Today) -> CalendarStatusOut:
    """How far ahead deadlines can be computed; ``warn`` below ``settings.calendar_warn_days``."""
    warn_days = container.settings.calendar_warn_days
    with container.read() as uow:
        status = calendar_service.calendar_status(uow.conn, today, warn_days)
    return CalendarStatusOut(
        known_from=status.known_from,
        known_until=status.known_until,
        days_known_ahead=status.days_known_ahead,
        warn=status.warn,
        warn_days=warn_days,
        today=today,
        years=list(status.years),
        example_years=list(status.example_years),
        official_days_ahead=status.official_days_ahead,
    )


@router.get("/deadline", summary="计算办理期限", response_model=DeadlineOut, responses=_ERRORS)
def calendar_deadline(
    container: ContainerDep,
    _viewer: Viewer,
    start: Annotated[date, Query(description="起算日（受理日，不计入）")],
    n: Annotated[int, Query(ge=0, le=10_000, description="期限：工作日天数；0 为即办")],
    stops: Annotated[
        list[str] | None,
        Query(description="计时暂停 起始日:恢复日（恢复日留空表示仍在暂停）；可重复或用逗号分隔"),
    ] = None,
) -> DeadlineOut:
    """The n-th working day after ``start``, skipping clock stops.  Errors: 422
    ``calendar_unknown`` (a date beyond the known years), 422 ``validation_failed``."""
    stop_list = calendar_service.parse_stops(stops or [])
    with container.read() as uow:
        result = calendar_service.deadline(uow.conn, start, n, stop_list)
    return DeadlineOut(
        start=start,
        n=n,
        stops=[StopOut(stopped_on=s.stopped_on, resumed_on=s.resumed_on) for s in stop_list],
        deadline=result,
    )


@router.get("/{year}", summary="某年的全部日期", response_model=YearOut, responses=_ERRORS)
def calendar_year(
    container: ContainerDep,
    _viewer: Viewer,
    year: Annotated[int, PathParam(ge=1900, le=2200)],
) -> YearOut:
    """Every day of ``year`` with its kind.  Errors: 404 ``calendar_year_unknown``."""
    with container.read() as uow:
        days = calendar_service.year_days(uow.conn, year)
    return YearOut(
        year=year,
        working_days=sum(1 for d in days if d.kind.is_working),
        days=[DayOut.of(d) for d in days],
    )


@router.put("/days/{day}", summary="修改某一天", response_model=DayOut, responses=_ADMIN_ERRORS)
def calendar_set_day(
    request: Request,
    container: ContainerDep,
    _admin: CatalogueAdmin,
    day: date,
    body: DayIn,
) -> DayOut:
    """Change one day of a known year (catalogue admin).  Errors: 422 ``validation_failed``
    (kind against the weekday, missing holiday name), 422 ``calendar_unknown``, 401, 403."""
    with container.uow() as uow:
        entry = calendar_service.set_day(uow, actor_for(request), day, body.kind, body.name)
    return DayOut.of(entry)


_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["date", "kind"],
                        "properties": {
                            "date": {"type": "string", "format": "date"},
                            "kind": {"type": "string", "enum": ["holiday", "makeup_workday"]},
                            "name": {"type": "string", "maxLength": NAME_MAX_LENGTH},
                        },
                    },
                }
            },
        },
    }
}


@router.post(
    "/import",
    summary="导入一年的放假安排",
    response_model=ImportOut,
    openapi_extra=_IMPORT_BODY,
    responses={**_ADMIN_ERRORS, 422: {"model": ImportErrorBody}},
)
async def calendar_import(
    request: Request, container: ContainerDep, _admin: CatalogueAdmin
) -> ImportOut:
    """Replace the year a notice covers: a CSV/JSON file as multipart ``file``, or the JSON list
    as the body.  Errors: 422 ``import_rejected`` with ``errors`` per row (nothing imported)."""
    text, filename = await _notice_from(request)
    with container.uow() as uow:
        summary = notices.import_notice(uow, actor_for(request), text, filename)
    return ImportOut(
        year=summary.year,
        holidays=summary.holidays,
        makeup_workdays=summary.makeup_workdays,
        replaced=summary.replaced,
    )


async def _notice_from(request: Request) -> tuple[str, str]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ImportRejected(errors=[_file_error("缺少文件：请以 file 字段上传。")])
        data = await upload.read(notices.MAX_NOTICE_BYTES + 1)
        return notices.decode_notice(data), upload.filename or "notice.csv"
    body = await request.body()
    text = notices.decode_notice(body)
    if content_type.startswith("application/json"):
        return text, "notice.json"
    return text, "notice.csv"


def _file_error(message: str) -> dict[str, Any]:
    return {"row": 0, "column": "date", "code": "file_missing", "message": message}
