"""用户管理 pages: the staff list with search, adding one member or importing a file, and one
member's page (roles, disable/enable, password and second-factor resets), with the recent
changes beside.  For the user administrator only; forms carry the session's CSRF token.

A one-time password appears in the answer to the form that made it, never in a URL, and is
not shown again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from tongban.domain.errors import DomainError, ImportRejected, ValidationFailed
from tongban.domain.people.model import STAFF_ROLES, Role, RoleAssignment
from tongban.services.people import staff_import, staff_queries, user_admin
from tongban.web.deps import ContainerDep, Now, UserAdmin, actor_for
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

MAX_IMPORT_BYTES = 4 * 1024 * 1024
GRANTABLE = tuple(r for r in Role if r in STAFF_ROLES)
EMPTY_FORM = {
    "username": "",
    "name": "",
    "role": "",
    "centre_code": "",
    "department_code": "",
    "phone": "",
    "id_number": "",
}


def _places(conn: Any) -> dict[str, Any]:
    found = staff_queries.places(conn)
    return {"centres": found.centres, "departments": found.departments}


def _list_context(
    request: Request, container: ContainerDep, now: Any, q: str = "", page: int = 1
) -> dict[str, Any]:
    with container.read() as uow:
        found = staff_queries.list_staff(uow.conn, q, page, now)
        changes = staff_queries.recent_changes(uow.conn)
        places = _places(uow.conn)
    return {
        "found": found,
        "q": q,
        "changes": changes,
        "roles": GRANTABLE,
        "form": dict(EMPTY_FORM),
        "form_errors": {},
        **places,
    }


def _assignment(role: str, centre_code: str, department_code: str) -> RoleAssignment:
    try:
        chosen = Role(role)
    except ValueError:
        chosen = None
    if chosen is None or chosen not in STAFF_ROLES:
        raise ValidationFailed(fields={"role": "请选择工作人员角色"})
    return RoleAssignment(
        chosen,
        centre_code=centre_code.strip().upper() or None,
        department_code=department_code.strip().upper() or None,
    )


@router.get("/admin/users")
def staff_list(
    request: Request,
    container: ContainerDep,
    _admin: UserAdmin,
    now: Now,
    q: Annotated[str, Query(max_length=60)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """工作人员账号: search, a page of staff, the add and import forms, the recent changes."""
    return render(request, "users_admin/list.html", _list_context(request, container, now, q, page))


@router.post("/admin/users/new")
def staff_add(
    request: Request,
    container: ContainerDep,
    _admin: UserAdmin,
    now: Now,
    username: Annotated[str, Form(max_length=60)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    centre_code: Annotated[str, Form(max_length=40)] = "",
    department_code: Annotated[str, Form(max_length=40)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    id_number: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Add one staff member; the answer shows their one-time password once."""
    form = {
        "username": username,
        "name": name,
        "role": role,
        "centre_code": centre_code,
        "department_code": department_code,
        "phone": phone,
        "id_number": id_number,
    }
    try:
        assignment = _assignment(role, centre_code, department_code)
        with container.uow() as uow:
            made = staff_import.add_staff(
                uow,
                actor_for(request),
                username,
                name,
                [assignment],
                phone=phone,
                id_number=id_number,
            )
    except DomainError as error:
        context = _list_context(request, container, now)
        context["form"] = form
        context["form_errors"] = error.fields or {"username": error.message}
        context["form_error"] = error
        return render(request, "users_admin/list.html", context, status_code=error.status)
    context = _list_context(request, container, now)
    context["created"] = [made]
    return render(request, "users_admin/list.html", context, status_code=201)


@router.post("/admin/users/import")
async def staff_import_file(
    request: Request,
    container: ContainerDep,
    _admin: UserAdmin,
    now: Now,
    file: UploadFile | None = None,
) -> Response:
    """Import a CSV or Excel file: every row checked first, one bad row imports nothing and
    every bad row is named (row, column, reason)."""
    try:
        if file is None or not file.filename:
            raise ImportRejected([{"row": 0, "column": "", "message": "请选择要导入的文件"}])
        content = await file.read(MAX_IMPORT_BYTES + 1)
        if len(content) > MAX_IMPORT_BYTES:
            raise ImportRejected([{"row": 0, "column": "", "message": "文件不能超过 4 MB"}])
        rows = staff_import.read_table(file.filename, content)
        with container.uow() as uow:
            made = staff_import.import_staff(uow, actor_for(request), rows)
    except ImportRejected as rejected:
        context = _list_context(request, container, now)
        context["import_error"] = rejected
        return render(request, "users_admin/list.html", context, status_code=rejected.status)
    context = _list_context(request, container, now)
    context["created"] = made
    return render(request, "users_admin/list.html", context, status_code=201)


def _member_context(container: ContainerDep, user_id: int, now: Any) -> dict[str, Any]:
    with container.read() as uow:
        member = staff_queries.get_staff(uow.conn, user_id, now)
        places = _places(uow.conn)
        changes = staff_queries.recent_changes(uow.conn, 20, subject_id=user_id)
    return {
        "member": member,
        "roles": GRANTABLE,
        "changes": changes,
        "grant": {"role": "", "centre_code": "", "department_code": ""},
        "errors": {},
        **places,
    }


@router.get("/admin/users/{user_id}")
def staff_member(
    request: Request, container: ContainerDep, _admin: UserAdmin, now: Now, user_id: int
) -> Response:
    """One staff member: roles with their jurisdiction, status, and what can be done."""
    context = _member_context(container, user_id, now)
    context["done"] = request.query_params.get("done", "")
    return render(request, "users_admin/member.html", context)


def _after(
    request: Request,
    container: ContainerDep,
    user_id: int,
    now: Any,
    action: Any,
    done: str,
) -> Response:
    """Run one change; back to the member's page with a notice, or the page with the error."""
    try:
        with container.uow() as uow:
            action(uow, actor_for(request))
    except DomainError as error:
        context = _member_context(container, user_id, now)
        context["error"] = error
        context["errors"] = error.fields
        return render(request, "users_admin/member.html", context, status_code=error.status)
    return RedirectResponse(f"/admin/users/{user_id}?done={done}", status_code=303)


@router.post("/admin/users/{user_id}/active")
def staff_set_active(
    request: Request,
    container: ContainerDep,
    _admin: UserAdmin,
    now: Now,
    user_id: int,
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """停用 / 启用 the account."""
    on = active == "1"
    return _after(
        request,
        container,
        user_id,
        now,
        lambda uow, actor: user_admin.set_active(uow, actor, user_id, on),
        "enabled" if on else "disabled",
    )


@router.post("/admin/users/{user_id}/reset-password")
def staff_reset_password(
    request: Request, container: ContainerDep, _admin: UserAdmin, now: Now, user_id: int
) -> Response:
    """A new one-time password, shown in this answer only."""
    keep = container.settings.password_history
    try:
        with container.uow() as uow:
            password = user_admin.reset_password(uow, actor_for(request), user_id, keep=keep)
    except DomainError as error:
        context = _member_context(container, user_id, now)
        context["error"] = error
        return render(request, "users_admin/member.html", context, status_code=error.status)
    context = _member_context(container, user_id, now)
    context["one_time_password"] = password
    return render(request, "users_admin/member.html", context)


@router.post("/admin/users/{user_id}/reset-totp")
def staff_reset_totp(
    request: Request, container: ContainerDep, _admin: UserAdmin, now: Now, user_id: int
) -> Response:
    """Remove the member's second factor (a lost phone)."""
    return _after(
        request,
        container,
        user_id,
        now,
        lambda uow, actor: user_admin.reset_totp(uow, actor, user_id),
        "totp_reset",
    )


@router.post("/admin/users/{user_id}/roles")
def staff_grant_role(
    request: Request,
    container: ContainerDep,
    _admin: UserAdmin,
    now: Now,
    user_id: int,
    role: Annotated[str, Form(max_length=40)] = "",
    centre_code: Annotated[str, Form(max_length=40)] = "",
    department_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Grant one role within a jurisdiction."""
    try:
        assignment = _assignment(role, centre_code, department_code)
    except DomainError as error:
        context = _member_context(container, user_id, now)
        context["error"], context["errors"] = error, error.fields
        context["grant"] = {
            "role": role,
            "centre_code": centre_code,
            "department_code": department_code,
        }
        return render(request, "users_admin/member.html", context, status_code=error.status)
    return _after(
        request,
        container,
        user_id,
        now,
        lambda uow, actor: user_admin.grant_role(uow, actor, user_id, assignment),
        "granted",
    )


@router.post("/admin/users/{user_id}/roles/{assignment_id}/revoke")
def staff_revoke_role(
    request: Request,
    container: ContainerDep,
    _admin: UserAdmin,
    now: Now,
    user_id: int,
    assignment_id: int,
) -> Response:
    """Take one role away (the last one stays)."""
    return _after(
        request,
        container,
        user_id,
        now,
        lambda uow, actor: user_admin.revoke_role(uow, actor, user_id, assignment_id),
        "revoked",
    )
