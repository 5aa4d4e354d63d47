"""The citizen's and enterprise's personal data space: licences, grants, access log.

``/me/data`` shows every licence held about the signed-in holder, their grants (each with a
revoke button), the log of every access including refused attempts, and a form to grant a
department or an item access to some licence types.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection
from starlette.datastructures import FormData

from tongban.domain.data_space.predicates import PREDICATES
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.people.model import Principal
from tongban.domain.shared.clock import CHINA_TZ, china_date
from tongban.services.data_space import licence_port
from tongban.services.data_space import reads as data_space
from tongban.services.network.queries import list_departments
from tongban.services.platform import access
from tongban.web import paging
from tongban.web.deps import ContainerDep, actor_for, allow, now_of
from tongban.web.templating import render

router = APIRouter(prefix="/me", tags=["pages"], include_in_schema=False)
Holder = Annotated[Principal, Depends(allow(access.APPLICANT))]
GrantId = Annotated[int, Path(ge=1, le=2**31 - 1)]

KIND_LABELS = {
    "licence": "读取证照",
    "predicate": "条件核验（仅是/否）",
    "prefill": "表单预填",
    "material": "材料秒报",
    "staff_read": "工作人员查阅",
}
STATUS_LABELS = {"active": "有效", "revoked": "已撤销", "used": "已使用", "expired": "已过期"}
ROLE_LABELS = {
    "citizen": "本人",
    "enterprise": "本企业",
    "system": "系统自动",
    "clerk": "窗口工作人员",
    "reviewer": "审批人员",
    "section_chief": "科长",
    "agent": "代办员",
    "centre_manager": "中心管理人员",
    "staff": "工作人员",
}


def department_options(conn: Connection) -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in list_departments(conn)]


def holder_licences(conn: Connection, holder_id: str) -> list[Any]:
    """Every licence held about the holder, valid or not; none while the library is absent."""
    try:
        return licence_port.holder_licences(conn, holder_id, valid_on=None)
    except ImportError:
        return []


def space_context(
    conn: Connection, principal: Principal, now: datetime, log_cursor: str | None = None
) -> dict[str, Any]:
    holder = data_space.holder_id_of(principal)
    log = data_space.access_log_page(
        conn, holder, cursor=paging.decode(log_cursor), subject_id=principal.user_id
    )
    grants = data_space.holder_grants(conn, holder)
    return {
        "holder_id": holder,
        "licences": holder_licences(conn, holder),
        "today": china_date(now),
        "grants": grants,
        "grant_status": {g.id: g.status(now) for g in grants},
        "status_labels": STATUS_LABELS,
        "role_labels": ROLE_LABELS,
        "entries": log.entries,
        "older_log": paging.encode(log.next_cursor) if log.next_cursor else None,
        "log_cursor": log_cursor,
        "kind_labels": KIND_LABELS,
        "predicate_labels": {name: p.label for name, p in PREDICATES.items()},
        "types": licence_port.licence_types(),
        "type_fields": licence_port.licence_fields(),
        "departments": department_options(conn),
        "default_expiry": (china_date(now) + timedelta(days=30)).isoformat(),
        "errors": {},
        "v": {},
    }


@router.get("/data")
def my_data(request: Request, container: ContainerDep, principal: Holder) -> Response:
    """个人数据空间: what the government holds about me, who may read it, who did."""
    with container.read() as uow:
        context = space_context(
            uow.conn, principal, now_of(request), request.query_params.get("log")
        )
    context["done"] = request.query_params.get("done", "")
    return render(request, "data_space/my_data.html", context)


def expiry_from(text: str) -> datetime:
    """The end of the chosen day in China, as the grant's expiry instant."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(fields={"expires_at": "请选择授权截止日期"}) from None
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=CHINA_TZ)
    return end.astimezone(UTC)


def grant_values(form: FormData) -> dict[str, Any]:
    """The grant form as ``GrantTerms`` fields (all but the holder)."""
    kind = str(form.get("grantee_kind") or "department")
    department = str(form.get("grantee_department") or "").strip() or None
    item = str(form.get("grantee_item") or "").strip().upper() or None
    raw_fields = str(form.get("fields") or "").replace("，", ",")
    fields = [f.strip() for f in raw_fields.split(",") if f.strip()]
    return {
        "grantee_department": department if kind == "department" else None,
        "grantee_item": item if kind == "item" else None,
        "type_codes": [str(t) for t in form.getlist("type_codes")],
        "fields": fields or None,
        "purpose": str(form.get("purpose") or ""),
        "expires_at": expiry_from(str(form.get("expires_on") or "")),
        "single_use": form.get("single_use") == "on",
    }


@router.post("/data/grants")
async def create_grant(request: Request, container: ContainerDep, principal: Holder) -> Response:
    """授权: the form on ``/me/data``; an error shows the page again with what was typed."""
    form = await request.form()
    try:
        values = grant_values(form)
        with container.uow() as uow:
            holder_id = data_space.holder_id_of(principal)
            terms = data_space.GrantTerms(holder_id=holder_id, **values)
            data_space.grant(uow, actor_for(request), terms)
    except DomainError as error:
        with container.read() as uow:
            context = space_context(uow.conn, principal, now_of(request))
        typed: dict[str, Any] = {k: form.get(k) for k in form}
        typed["type_codes"] = form.getlist("type_codes")
        context.update(errors=error.fields, error=error, v=typed)
        return render(request, "data_space/my_data.html", context, status_code=error.status)
    return RedirectResponse("/me/data?done=granted#grants", status_code=303)


@router.post("/data/grants/{grant_id}/revoke")
def revoke(request: Request, grant_id: GrantId, container: ContainerDep, _: Holder) -> Response:
    """撤销授权: effective for the very next request."""
    with container.uow() as uow:
        data_space.revoke_grant(uow, actor_for(request), grant_id)
    return RedirectResponse("/me/data?done=revoked#grants", status_code=303)
