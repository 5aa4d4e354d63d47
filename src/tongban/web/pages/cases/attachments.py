"""The applicant's material upload on their case page (上传材料): one file for one material.

A wrong type, a file too large or an unknown material shows on the case page again with its
error, and nothing is stored; the form's lock ``version`` keeps a double click from recording
the upload twice.  The files are downloaded through ``GET /api/v1/cases/{number}/materials/…``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from starlette.datastructures import FormData, UploadFile

from tongban.domain.errors import ValidationFailed
from tongban.domain.people.model import Principal
from tongban.services.cases import attachments as svc
from tongban.services.platform import access
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web.api.attachments import store_of
from tongban.web.deps import ContainerDep, actor_for, allow
from tongban.web.pages.cases.citizen import act_on_case, version_of

router = APIRouter(tags=["pages"], include_in_schema=False)
Applicant = Annotated[Principal, Depends(allow(access.APPLICANT))]
Number = Annotated[str, PathParam(max_length=32, pattern=r"^[A-Za-z0-9-]+$")]


@router.post("/my/cases/{number}/materials/upload")
async def upload_material(
    request: Request, number: Number, container: ContainerDep, _principal: Applicant
) -> Response:
    """The applicant uploads one material's file (PDF, JPEG or PNG) to their own case."""
    form = await request.form()
    actor = actor_for(request)
    settings = container.settings

    def change(uow: UnitOfWork, data: FormData) -> object:
        upload = data.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationFailed(fields={"file": "请选择要上传的文件"})
        return svc.upload_material(
            uow,
            actor,
            store_of(container),
            number,
            str(data.get("material") or ""),
            upload.filename,
            upload.file,
            max_bytes=settings.upload_max_bytes,
            allowed=settings.upload_allowed_types,
            expected_version=version_of(data),
        )

    done = f"/my/cases/{number}?done=uploaded"
    return act_on_case(request, container, number, "cases/citizen_case.html", change, form, done)
