"""The browsable API documentation, served from vendored Swagger UI files."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from tongban.web.deps import Viewer

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/api/docs")
def api_docs(request: Request, _viewer: Viewer) -> Response:
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(request, "system/api_docs.html", {})
    return response
