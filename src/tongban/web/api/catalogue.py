"""Catalogue API: search, service guides, versions, and the admin's draft/publish cycle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.services.catalogue import items as catalogue
from tongban.services.catalogue import search
from tongban.web import paging
from tongban.web.api.views import out
from tongban.web.deps import CatalogueAdmin, CatalogueReader, ContainerDep, Viewer, actor_for

router = APIRouter(tags=["catalogue"])


class SearchHitOut(BaseModel):
    code: str
    name: str
    department: str
    score: float
    matched: list[str]


class SearchOut(BaseModel):
    query: str
    total: int
    hits: list[SearchHitOut]
    suggestion: str | None = None


class ItemOut(BaseModel):
    code: str
    status: str
    version: int | None
    published_at: datetime | None
    department: str
    online_capable: bool
    spec: dict[str, Any]


class DraftOut(ItemOut):
    lock_version: int
    has_draft: bool


class VersionOut(BaseModel):
    version: int
    published_at: datetime
    published_by: str | None
    note: str


class DraftIn(BaseModel):
    spec: ServiceItemSpec
    lock_version: int = Field(ge=1, description="编辑开始时读到的 lock_version，防止覆盖他人修改")


class PublishIn(BaseModel):
    lock_version: int = Field(ge=1)
    note: str = Field(default="", max_length=500)


class WithdrawIn(BaseModel):
    lock_version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=500)


class LockOut(BaseModel):
    code: str
    lock_version: int


class PublishedOut(BaseModel):
    code: str
    version: int


def _item_out(view: catalogue.ItemView) -> dict[str, Any]:
    return {
        "code": view.code,
        "status": view.status.value,
        "version": view.version,
        "published_at": view.published_at,
        "department": view.department_name,
        "online_capable": view.spec.online_capable,
        "spec": catalogue.spec_to_json(view.spec),
    }


@router.get("/items", response_model=SearchOut, summary="搜索事项")
def search_items(
    container: ContainerDep,
    _viewer: Viewer,
    q: Annotated[str, Query(max_length=100, description="关键词、拼音或首字母、需求描述")] = "",
    department: Annotated[str | None, Query(max_length=40)] = None,
    audience: Annotated[str | None, Query(pattern="^(citizen|enterprise|both)$")] = None,
    online: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> dict[str, Any]:
    with container.read() as uow:
        result = search.search_items(
            uow.conn,
            q,
            limit=limit,
            offset=offset,
            department_code=department,
            audience=audience,
            online_only=online,
        )
    return {
        "query": q,
        "total": result.total,
        "suggestion": result.suggestion,
        "hits": [
            {
                "code": h.code,
                "name": h.name,
                "department": h.department_name,
                "score": h.score,
                "matched": list(h.matched),
            }
            for h in result.hits
        ],
    }


@router.get("/items/{code}", response_model=ItemOut, summary="事项办事指南（当前发布版本）")
def get_item(code: str, container: ContainerDep, _viewer: Viewer) -> dict[str, Any]:
    with container.read() as uow:
        return _item_out(catalogue.published_item(uow.conn, code))


@router.get("/items/{code}/versions", response_model=list[VersionOut], summary="事项的历史版本")
def list_versions(
    code: str,
    request: Request,
    response: Response,
    container: ContainerDep,
    _viewer: Viewer,
    page: paging.PageParams,
) -> list[VersionOut]:
    """Every published version, the first first, a page at a time."""
    with container.read() as uow:
        found = [out(VersionOut, v) for v in catalogue.history(uow.conn, code)]
    return paging.cut(request, response, found, lambda v: (v.version,), page)


@router.get(
    "/items/{code}/versions/{version}", response_model=ItemOut, summary="事项的某一发布版本"
)
def get_version(
    code: str, version: Annotated[int, Path(ge=1)], container: ContainerDep, _viewer: Viewer
) -> dict[str, Any]:
    with container.read() as uow:
        return _item_out(catalogue.published_item(uow.conn, code, version))


@router.get("/items/{code}/draft", response_model=DraftOut, summary="事项草稿（编辑用）")
def get_draft(code: str, container: ContainerDep, _reader: CatalogueReader) -> dict[str, Any]:
    with container.read() as uow:
        view = catalogue.item_for_edit(uow.conn, code)
    return {**_item_out(view), "lock_version": view.lock_version, "has_draft": view.has_draft}


@router.post("/items", response_model=LockOut, status_code=201, summary="新建事项（草稿）")
def create_item(
    spec: ServiceItemSpec, request: Request, container: ContainerDep, _admin: CatalogueAdmin
) -> dict[str, Any]:
    with container.uow() as uow:
        catalogue.create_item(uow, actor_for(request), spec)
    return {"code": spec.code, "lock_version": 1}


@router.put("/items/{code}/draft", response_model=LockOut, summary="保存事项草稿")
def save_draft(
    code: str, body: DraftIn, request: Request, container: ContainerDep, _admin: CatalogueAdmin
) -> dict[str, Any]:
    with container.uow() as uow:
        lock = catalogue.save_draft(uow, actor_for(request), code, body.spec, body.lock_version)
    return {"code": body.spec.code, "lock_version": lock}


@router.post("/items/{code}/publish", response_model=PublishedOut, summary="发布草稿为新版本")
def publish(
    code: str, body: PublishIn, request: Request, container: ContainerDep, _admin: CatalogueAdmin
) -> dict[str, Any]:
    with container.uow() as uow:
        version = catalogue.publish(uow, actor_for(request), code, body.lock_version, body.note)
    return {"code": code.upper(), "version": version}


@router.post("/items/{code}/withdraw", response_model=LockOut, summary="取消事项")
def withdraw(
    code: str, body: WithdrawIn, request: Request, container: ContainerDep, _admin: CatalogueAdmin
) -> dict[str, Any]:
    with container.uow() as uow:
        catalogue.withdraw(uow, actor_for(request), code, body.lock_version, body.reason)
    return {"code": code.upper(), "lock_version": body.lock_version + 1}
