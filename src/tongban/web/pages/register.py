"""Self-registration (实名注册) of a citizen by any accepted identity document (跨境通办 too):
the form, without JavaScript; on success the new account is signed in."""

from __future__ import annotations

from typing import Annotated, Any

from babel import Locale
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from tongban import i18n
from tongban.domain.errors import DomainError
from tongban.domain.shared.countries import ALPHA3_TO_ALPHA2
from tongban.domain.shared.identity import IdType
from tongban.i18n import gettext as _
from tongban.services.people import registration
from tongban.web.deps import ContainerDep, Viewer, actor_for
from tongban.web.pages.auth import error_message, open_session, safe_next, set_session_cookie
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

DOCUMENT_HINTS: dict[str, str] = {
    IdType.RESIDENT_ID.value: "18 位公民身份号码",
    IdType.HK_MACAO_TRAVEL_PERMIT.value: "H（香港）或 M（澳门）加 8 位数字（旧证 10 位）",
    IdType.TAIWAN_TRAVEL_PERMIT.value: "8 位数字",
    IdType.HMT_RESIDENCE_PERMIT.value: "18 位，以 810000、820000 或 830000 开头",
    IdType.PASSPORT.value: "护照号码，并选择护照上的国籍",
    IdType.FOREIGN_PERMANENT_RESIDENCE.value: "2023 年起签发的 18 位号码，以 9 开头",
}
"""What each document's number looks like, shown beside the field (message ids)."""


def nationality_options() -> list[tuple[str, str]]:
    """(alpha-3 code, the country's name in the reader's language), sorted by name."""
    locale = Locale.parse(
        {"zh_CN": "zh_Hans", "zh_Hant": "zh_Hant"}.get(i18n.current_locale.get(), "en")
    )
    names = locale.territories
    options = [(a3, names.get(a2, a3)) for a3, a2 in ALPHA3_TO_ALPHA2.items()]
    return sorted(options, key=lambda option: option[1])


def _page(request: Request, status: int = 200, **context: Any) -> Response:
    context.setdefault("v", {})
    context.setdefault("errors", {})
    context.update(
        id_types=list(IdType),
        hints=DOCUMENT_HINTS,
        latin_types=sorted(t.value for t in registration.LATIN_NAME_TYPES),
        nationalities=nationality_options(),
    )
    return render(request, "auth/register.html", context, status_code=status)


@router.get("/register")
def register_page(request: Request, _viewer: Viewer, next: str | None = None) -> Response:
    return _page(request, next=safe_next(next) or "")


@router.post("/register")
def register_submit(
    request: Request,
    container: ContainerDep,
    _viewer: Viewer,
    id_type: Annotated[str, Form(max_length=40)] = "",
    id_number: Annotated[str, Form(max_length=40)] = "",
    nationality: Annotated[str, Form(max_length=3)] = "",
    surname: Annotated[str, Form(max_length=100)] = "",
    given_names: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=30)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    password_again: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check everything, create the account and sign it in; else the form with each mistake."""
    kept = {
        "id_type": id_type,
        "id_number": id_number,
        "nationality": nationality,
        "surname": surname,
        "given_names": given_names,
        "name": name,
        "phone": phone,
    }
    next_url = safe_next(next)
    if password != password_again:
        message = _("两次输入的密码不一致")
        return _page(
            request, 422, v=kept, errors={"password_again": message}, error=message, next=next
        )
    form = registration.Registration(
        id_type=id_type,
        id_number=id_number,
        phone=phone,
        password=password,
        name=name,
        nationality=nationality,
        surname=surname,
        given_names=given_names,
    )
    try:
        with container.uow() as uow:
            user_id = registration.register(uow, actor_for(request), form)
    except DomainError as error:
        return _page(
            request,
            error.status,
            v=kept,
            errors=dict(error.fields),
            error=error_message(error),
            next=next,
        )
    token, _csrf, _principal = open_session(request, container, user_id)
    response = RedirectResponse(next_url or "/my/cases?done=registered", status_code=303)
    set_session_cookie(response, token, container.settings)
    return response
