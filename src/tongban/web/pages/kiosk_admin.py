"""The centre manager's kiosks (自助终端管理): register a kiosk of their centre, give a device
its one-time pairing code, set the idle time after which a visit ends, deactivate a kiosk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse

from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.people.model import Principal
from tongban.domain.self_service.model import IDLE_DEFAULT, IDLE_MAX, IDLE_MIN, PairingCode
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.self_service import kiosks
from tongban.services.self_service.access import KIOSK_MANAGERS
from tongban.web.deps import ContainerDep, actor_for, allow
from tongban.web.idempotency import form_key, new_form_key, run_form_once
from tongban.web.templating import render

router = APIRouter(prefix="/centre/kiosks", tags=["pages"], include_in_schema=False)
Manager = Annotated[Principal, Depends(allow(KIOSK_MANAGERS))]
KioskCode = Annotated[str, PathParam(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]


def _page(
    request: Request,
    container: ContainerDep,
    principal: Principal,
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    with container.read() as uow:
        listed = kiosks.centre_kiosks(uow.conn, principal)
    context.setdefault("error", None)
    context.setdefault("errors", {})
    context.setdefault("v", {})
    context.setdefault("idem", new_form_key())
    context.update(
        kiosks=listed,
        idle_default=IDLE_DEFAULT,
        idle_min=IDLE_MIN,
        idle_max=IDLE_MAX,
        pair_url=str(request.url_for("pair_page")),
    )
    return render(request, "kiosk/admin.html", context, status_code=status)


@router.get("")
def kiosk_list(
    request: Request,
    container: ContainerDep,
    principal: Manager,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """自助终端: the centre's kiosks, paired or not, and a form to register one."""
    return _page(request, container, principal, done=done)


def _seconds(raw: object) -> int:
    try:
        return int(str(raw or ""))
    except ValueError:
        raise ValidationFailed(fields={"idle_seconds": "请填写秒数"}) from None


@router.post("")
async def register(request: Request, container: ContainerDep, principal: Manager) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("code", "name", "idle_seconds")}

    def action(uow: UnitOfWork, actor: Actor) -> dict[str, str]:
        kiosk = kiosks.register_kiosk(
            uow,
            actor,
            code=values["code"],
            name=values["name"],
            idle_seconds=_seconds(values["idle_seconds"] or IDLE_DEFAULT),
        )
        return {"code": kiosk.code}

    try:
        await run_form_once(request, container, action)
    except DomainError as error:
        return _page(
            request,
            container,
            principal,
            status=error.status,
            error=error,
            errors=error.fields,
            v=values,
            idem=form_key(form),
        )
    return RedirectResponse("/centre/kiosks?done=registered", status_code=303)


@router.post("/{kiosk_code}/pairing-code")
def pairing_code(
    request: Request, kiosk_code: KioskCode, container: ContainerDep, principal: Manager
) -> Response:
    """配对码: shown on this answer only (never in an address); the previous one is void."""
    try:
        with container.uow() as uow:
            pairing: PairingCode = kiosks.issue_pairing_code(uow, actor_for(request), kiosk_code)
    except DomainError as error:
        return _page(request, container, principal, status=error.status, error=error)
    return _page(request, container, principal, pairing=pairing)


@router.post("/{kiosk_code}")
def change(
    request: Request,
    kiosk_code: KioskCode,
    container: ContainerDep,
    principal: Manager,
    name: Annotated[str, Form(max_length=80)] = "",
    idle_seconds: Annotated[str, Form(max_length=6)] = "",
    active: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Rename, set the idle time, or (de)activate: deactivating ends the device's session."""
    try:
        with container.uow() as uow:
            kiosks.change_kiosk(
                uow,
                actor_for(request),
                kiosk_code,
                name=name or None,
                idle_seconds=_seconds(idle_seconds) if idle_seconds else None,
                active={"yes": True, "no": False}.get(active),
            )
    except DomainError as error:
        return _page(request, container, principal, status=error.status, error=error)
    return RedirectResponse("/centre/kiosks?done=changed", status_code=303)
