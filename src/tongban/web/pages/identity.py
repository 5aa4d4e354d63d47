"""Certificate-free identity: the citizen code on the phone, the window scan, reader and face.

``/me/code`` shows the signed-in citizen a fresh citizen code as a QR code with a two-minute
countdown (htmx fetches a new one before it runs out); ``/window/identify`` lets a clerk
identify the person in front of them by the code, the ID-card reader or a face check, then
carry on to the window application page with that applicant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from tongban.adapters.id_devices import reference_probe
from tongban.bootstrap import Container
from tongban.domain.errors import DomainError
from tongban.domain.identity_check.model import CitizenCode, IdentifiedPerson
from tongban.domain.people.model import Principal
from tongban.domain.shared.clock import CHINA_TZ
from tongban.services.identity import check as identity_check
from tongban.services.platform import access
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web.deps import ContainerDep, actor_for, allow, now_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Holder = Annotated[Principal, Depends(allow(access.APPLICANT))]
Clerk = Annotated[Principal, Depends(allow(access.CASE_CLERKS))]

METHOD_LABELS = {"citizen_code": "市民码", "id_card": "身份证读卡器", "face": "人脸核验"}


def qr_svg(text: str) -> Markup:
    """The QR code of ``text`` as inline SVG (no external image, CSP self)."""
    svg = segno.make(text, error="m").svg_inline(scale=6, border=2, title="市民码")
    return Markup(svg)  # segno's own SVG of a token we signed


def _code_context(code: CitizenCode, now: datetime) -> dict[str, Any]:
    """The countdown is sent as seconds left by the server's clock: a phone whose own clock is
    off still counts down the code's real two minutes."""
    return {
        "code": code,
        "qr": qr_svg(code.token),
        "expires_local": code.expires_at.astimezone(CHINA_TZ).strftime("%H:%M:%S"),
        "seconds_left": max(0, int((code.expires_at - now).total_seconds())),
    }


def _issue(request: Request, container: Container) -> CitizenCode:
    with container.uow() as uow:
        return identity_check.issue_citizen_code(uow, actor_for(request), key=container.secret_key)


@router.get("/me/code")
def my_code(request: Request, container: ContainerDep, _: Holder) -> Response:
    """市民码: a fresh code each time the page opens; valid 2 minutes, usable once."""
    return render(
        request, "identity/my_code.html", _code_context(_issue(request, container), now_of(request))
    )


@router.post("/me/code")
def refresh_code(request: Request, container: ContainerDep, _: Holder) -> Response:
    """A new code (htmx replaces the QR before the old one runs out)."""
    context = _code_context(_issue(request, container), now_of(request))
    return render(request, "identity/my_code.html", context, block="code")


def _identify_page(
    request: Request,
    person: IdentifiedPerson | None = None,
    error: DomainError | None = None,
    v: dict[str, Any] | None = None,
) -> Response:
    context = {
        "person": person,
        "method_labels": METHOD_LABELS,
        "error": error,
        "errors": error.fields if error else {},
        "v": v or {},
    }
    return render(
        request,
        "identity/window_identify.html",
        context,
        status_code=error.status if error else 200,
    )


@router.get("/window/identify")
def identify_page(request: Request, _: Clerk) -> Response:
    """核验身份（免证办）: scan a citizen code, read the ID card or check the face."""
    return _identify_page(request)


async def _identify(request: Request, container: Container, method: str) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in form if k != "csrf_token"}
    actor = actor_for(request)
    try:
        with container.uow() as uow:
            person = _run(uow, actor, method, values, container)
    except DomainError as error:
        return _identify_page(request, error=error, v=values)
    return _identify_page(request, person=person)


def _run(
    uow: UnitOfWork, actor: Any, method: str, values: dict[str, str], container: Container
) -> IdentifiedPerson:
    if method == "code":
        token = values.get("token", "")
        return identity_check.redeem_citizen_code(uow, actor, token, key=container.secret_key)
    if method == "card":
        payload = {"id_number": values.get("id_number", ""), "name": values.get("name", "")}
        return identity_check.read_id_card(uow, actor, payload, reader=container.id_card_reader)
    number = values.get("face_id_number", "")
    # The simulated camera: "本人" shows the holder's own face, anything else someone else's.
    probe = reference_probe(number) if values.get("probe") == "self" else values.get("probe", "")
    threshold = container.settings.face_match_threshold
    camera = container.face_camera
    return identity_check.face_check(
        uow, actor, id_number=number, probe=probe, camera=camera, threshold=threshold
    )


@router.post("/window/identify/code")
async def identify_by_code(request: Request, container: ContainerDep, _: Clerk) -> Response:
    return await _identify(request, container, "code")


@router.post("/window/identify/card")
async def identify_by_card(request: Request, container: ContainerDep, _: Clerk) -> Response:
    return await _identify(request, container, "card")


@router.post("/window/identify/face")
async def identify_by_face(request: Request, container: ContainerDep, _: Clerk) -> Response:
    return await _identify(request, container, "face")


@router.post("/window/identify/consent")
async def consent(request: Request, container: ContainerDep, _: Clerk) -> Response:
    """当面授权, then straight on to the item's window application for this applicant."""
    form = await request.form()
    item_code = str(form.get("item_code") or "").strip().upper()
    try:
        subject_id = int(str(form.get("applicant") or "0"))
        with container.uow() as uow:
            identity_check.record_consent(
                uow, actor_for(request), subject_id=subject_id, item_code=item_code
            )
    except ValueError:
        return RedirectResponse("/window/identify", status_code=303)
    except DomainError as error:
        return _identify_page(request, error=error, v={"item_code": item_code})
    target = f"/window/apply?applicant={subject_id}&item={quote(item_code)}"
    return RedirectResponse(target, status_code=303)
