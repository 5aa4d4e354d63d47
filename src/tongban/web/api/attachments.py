"""Materials' files API (材料附件): upload a required material's file to a case, download it.

The type is decided by the content: PDF, JPEG or PNG, whatever the name or the declared type;
another type is 415 ``file_type_not_allowed``, a file over ``TONGBAN_UPLOAD_MAX_BYTES``
(10 MB) is 413 ``file_too_large``, a name that is not one of the item's materials is 422
``material_unknown``.  An upload needs an ``Idempotency-Key`` like every case POST.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from tongban.bootstrap import Container
from tongban.domain.people.model import Principal
from tongban.services.cases import attachments as svc
from tongban.services.platform import access
from tongban.services.platform.context import Actor
from tongban.services.platform.ports import FileStore
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web.api.views import out
from tongban.web.deps import ContainerDep, actor_for, allow
from tongban.web.idempotency import IdempotencyKey, run_once

router = APIRouter(tags=["cases"])

Uploader = Annotated[Principal, Depends(allow(access.CASE_APPLICANT_OR_CLERK))]
CaseReader = Annotated[Principal, Depends(allow(access.CASE_READERS))]
CaseNumber = Annotated[str, Path(max_length=40, description="办件编号，如 440605-20261102-0000001")]
Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="文件内容的 SHA-256")]
_FILE_TYPES: dict[int | str, dict[str, Any]] = {
    200: {"content": {t: {} for t in svc.EXTENSIONS}, "description": "材料文件"}
}


class MaterialFileOut(BaseModel):
    """One received file: the material, its content hash, size, type and cleaned-up name."""

    material: str
    sha256: str
    size: int
    content_type: str
    filename: str
    at: datetime

    @classmethod
    def of(cls, stored: svc.MaterialFile) -> MaterialFileOut:
        return out(cls, stored)


def store_of(container: Container) -> FileStore:
    files: FileStore | None = container.files
    assert files is not None, "Container.__post_init__ sets the file store"
    return files


def download(stored: svc.MaterialFile, content: BinaryIO) -> StreamingResponse:
    """The file as an attachment, with the type its content has, never sniffed by the browser."""

    def chunks() -> Iterator[bytes]:
        with content:
            while chunk := content.read(svc.CHUNK):
                yield chunk

    disposition = f"attachment; filename*=UTF-8''{quote(stored.filename)}"
    headers = {
        "Content-Disposition": disposition,
        "Content-Length": str(stored.size),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(chunks(), media_type=stored.content_type, headers=headers)


@router.post(
    "/cases/{number}/materials",
    status_code=201,
    response_model=MaterialFileOut,
    summary="上传申请材料文件（PDF、JPEG、PNG）",
)
def upload_material(
    request: Request,
    number: CaseNumber,
    material: Annotated[str, Form(max_length=200, description="材料名称，须为事项要求的材料")],
    file: UploadFile,
    _who: Uploader,
    key: IdempotencyKey,
    container: ContainerDep,
    version: Annotated[int | None, Form(ge=0, description="乐观锁版本（可选）")] = None,
) -> JSONResponse:
    settings = container.settings

    def action(uow: UnitOfWork, actor: Actor) -> MaterialFileOut:
        stored = svc.upload_material(
            uow,
            actor,
            store_of(container),
            number,
            material,
            file.filename or "",
            file.file,
            max_bytes=settings.upload_max_bytes,
            allowed=settings.upload_allowed_types,
            expected_version=version,
        )
        return MaterialFileOut.of(stored)

    return run_once(request, container, key, action, status=201)


@router.get(
    "/cases/{number}/materials/{sha256}",
    response_class=StreamingResponse,
    responses=_FILE_TYPES,
    summary="下载申请材料文件",
)
def download_material(
    number: CaseNumber,
    sha256: Sha256,
    request: Request,
    container: ContainerDep,
    _who: CaseReader,
) -> StreamingResponse:
    actor = actor_for(request)
    with container.uow() as uow:
        stored, content = svc.open_material_file(uow, actor, store_of(container), number, sha256)
    return download(stored, content)
