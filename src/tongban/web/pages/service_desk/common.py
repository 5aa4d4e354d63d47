"""Shared by the service desk's pages: reading a form's version, running one change and showing
the page again with the error when it is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from tongban.bootstrap import Container
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web.templating import render

Page = tuple[str, Callable[[], dict[str, Any]]]
"""A template and how to build its context again (after a refused change)."""


def version_of(form: FormData) -> int:
    try:
        return int(str(form.get("version") or ""))
    except ValueError:
        raise ValidationFailed(fields={"version": "页面已过期，请刷新后重试"}) from None


def text_of(form: FormData, name: str) -> str:
    return str(form.get(name) or "")


def act(
    request: Request,
    container: Container,
    change: Callable[[UnitOfWork], object],
    done: str,
    page: Page,
    values: dict[str, str] | None = None,
) -> Response:
    """Run one change in its transaction and go to ``done``; refused, show ``page`` again with
    the message beside the fields and what was typed, nothing changed."""
    try:
        with container.uow() as uow:
            change(uow)
    except DomainError as error:
        return refused(request, page, error, values)
    return RedirectResponse(done, status_code=303)


def refused(
    request: Request, page: Page, error: DomainError, values: dict[str, str] | None = None
) -> Response:
    template, build = page
    context = build()
    context.update(error=error, errors=error.fields, v=values or {}, done=None)
    return render(request, template, context, status_code=error.status)
