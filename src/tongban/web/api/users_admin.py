"""用户管理 over the API: the district's staff accounts, for the user administrator only.

List and read staff (personal data masked), add one or import a file (all or nothing: 422
``import_rejected`` with each bad row's ``row``, ``column`` and ``message``), disable and
enable, reset a password or a second factor, grant and revoke roles.  A user administrator
never acts on their own account here (403 ``own_account``).  Creating and resetting take an
``Idempotency-Key``; the one-time password is in the first answer only: a replay of the
same key answers with ``one_time_password: null`` (it is never stored).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tongban.bootstrap import Container
from tongban.domain.errors import ImportRejected, ValidationFailed
from tongban.domain.people.model import STAFF_ROLES, Role, RoleAssignment
from tongban.services.people import staff_import, staff_queries, user_admin
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.deps import ContainerDep, Now, UserAdmin, actor_for
from tongban.web.idempotency import IdempotencyKey, run_once_secret

router = APIRouter(prefix="/admin/users", tags=["users"])

MAX_IMPORT_BYTES = 4 * 1024 * 1024


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = {}


class RowError(BaseModel):
    row: int = Field(description="文件中的行号（第 1 行是表头）；0 表示整个文件")
    column: str = Field(description="username、name、roles、phone 或 id_number")
    message: str


class ImportErrorBody(ErrorBody):
    errors: list[RowError]


class RoleIn(BaseModel):
    role: Role = Field(description="工作人员角色（不含 citizen、enterprise、kiosk）")
    centre_code: str | None = Field(default=None, max_length=40, description="服务中心编码")
    department_code: str | None = Field(default=None, max_length=40, description="部门编码")

    def assignment(self) -> RoleAssignment:
        return RoleAssignment(
            self.role,
            centre_code=(self.centre_code or "").strip().upper() or None,
            department_code=(self.department_code or "").strip().upper() or None,
        )


class HeldRoleOut(BaseModel):
    id: int = Field(description="角色授予的编号（收回时用）")
    role: Role
    level: str
    centre_code: str | None
    centre_name: str | None
    department_code: str | None
    department_name: str | None


class StaffOut(BaseModel):
    id: int
    username: str
    name: str
    id_number_masked: str = Field(description="居民身份证号（脱敏：前 6 位和后 4 位）；无则为空")
    phone_masked: str = Field(description="手机号码（脱敏）；无则为空")
    is_active: bool
    locked: bool = Field(description="因连续登录失败暂时锁定")
    totp_enabled: bool = Field(description="已启用动态口令")
    must_change_password: bool = Field(description="下次登录须修改密码")
    last_login_at: datetime | None
    roles: list[HeldRoleOut]

    @classmethod
    def of(cls, member: staff_queries.StaffMember) -> StaffOut:
        values = {name: getattr(member, name) for name in cls.model_fields}
        values["roles"] = [
            HeldRoleOut.model_validate(r, from_attributes=True) for r in member.roles
        ]
        return cls.model_validate(values)


class StaffListOut(BaseModel):
    items: list[StaffOut]
    total: int
    page: int
    pages: int


class ChangeOut(BaseModel):
    at: datetime
    actor: str = Field(description="操作人（姓名和账号）；命令行操作为空")
    action: str = Field(description="如 user.created、user.role_revoked、user.totp_reset")
    subject_id: int = Field(description="被操作的工作人员的编号")
    subject: str = Field(description="被操作的工作人员（姓名和账号）")
    detail: dict[str, Any]


class StaffIn(BaseModel):
    username: str = Field(max_length=60)
    name: str = Field(max_length=100)
    roles: list[RoleIn] = Field(min_length=1, max_length=20)
    phone: str = Field(default="", max_length=20)
    id_number: str = Field(default="", max_length=20, description="居民身份证号（可选）")


class CreatedOut(BaseModel):
    user_id: int
    username: str
    one_time_password: str | None = Field(
        description="一次性密码：只在首次答复中给出，请当面交给本人；同一幂等键的重放答复为 null"
    )


class ImportOut(BaseModel):
    created: list[CreatedOut]


class PasswordOut(BaseModel):
    user_id: int
    one_time_password: str | None = Field(
        description="新的一次性密码，下次登录须修改；只在首次答复中给出"
    )


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody, "description": "不是用户管理员，或操作自己的账号（own_account）"},
    404: {"model": ErrorBody, "description": "user_not_found、role_not_held"},
    422: {"model": ErrorBody},
}


def _staff(container: Container, user_id: int, now: datetime) -> StaffOut:
    with container.read() as uow:
        return StaffOut.of(staff_queries.get_staff(uow.conn, user_id, now))


@router.get("", summary="工作人员列表", response_model=StaffListOut, responses=_ERRORS)
def list_staff(
    container: ContainerDep,
    _admin: UserAdmin,
    now: Now,
    q: Annotated[
        str, Query(max_length=60, description="按姓名、账号或部门（名称、编码）查找")
    ] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> StaffListOut:
    """Staff a page at a time (20), by user name; personal data masked."""
    with container.read() as uow:
        found = staff_queries.list_staff(uow.conn, q, page, now)
    return StaffListOut(
        items=[StaffOut.of(m) for m in found.members],
        total=found.total,
        page=found.page,
        pages=found.pages,
    )


@router.get("/changes", summary="最近的账号变更", response_model=list[ChangeOut], responses=_ERRORS)
def recent_changes(
    request: Request,
    response: Response,
    container: ContainerDep,
    _admin: UserAdmin,
    page: paging.PageParams,
) -> list[ChangeOut]:
    """The changes to staff accounts from the audit log, newest first: who, what, whom, when.
    One page at a time; ``Link: rel="next"`` when more follow."""
    with container.read() as uow:
        found = staff_queries.change_page(uow.conn, page)
    paging.link_page(request, response, found.next)
    return [ChangeOut.model_validate(c, from_attributes=True) for c in found.rows]


@router.post(
    "",
    status_code=201,
    summary="新增工作人员",
    response_model=CreatedOut,
    responses={**_ERRORS, 409: {"model": ErrorBody, "description": "account_exists"}},
)
def create_staff(
    body: StaffIn,
    request: Request,
    _admin: UserAdmin,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    """One staff account with its roles and a one-time password (in this answer only).
    Errors: 422 ``validation_failed``, ``invalid_id_number``, ``unknown_centre``,
    ``unknown_department``; 409 ``account_exists``."""

    def create(uow: UnitOfWork, actor: Actor) -> CreatedOut:
        made = staff_import.add_staff(
            uow,
            actor,
            body.username,
            body.name,
            [r.assignment() for r in body.roles],
            phone=body.phone,
            id_number=body.id_number,
        )
        return CreatedOut(
            user_id=made.user_id, username=made.username, one_time_password=made.one_time_password
        )

    return run_once_secret(request, container, key, create, status=201)


@router.post(
    "/import",
    status_code=201,
    summary="批量导入工作人员",
    response_model=ImportOut,
    responses={**_ERRORS, 422: {"model": ImportErrorBody}},
)
async def import_staff(
    request: Request,
    _admin: UserAdmin,
    key: IdempotencyKey,
    container: ContainerDep,
    file: Annotated[UploadFile, File(description="CSV（UTF-8）或 Excel（.xlsx）文件")],
) -> JSONResponse:
    """Every row checked first; one bad row imports nothing (422 ``import_rejected`` with
    ``errors``: row, column, message in Chinese)."""
    content = await file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportRejected([{"row": 0, "column": "", "message": "文件不能超过 4 MB"}])
    rows = staff_import.read_table(file.filename or "", content)

    def run(uow: UnitOfWork, actor: Actor) -> ImportOut:
        made = staff_import.import_staff(uow, actor, rows)
        return ImportOut(
            created=[
                CreatedOut(
                    user_id=m.user_id, username=m.username, one_time_password=m.one_time_password
                )
                for m in made
            ]
        )

    return await run_in_threadpool(run_once_secret, request, container, key, run, status=201)


@router.get("/{user_id}", summary="工作人员详情", response_model=StaffOut, responses=_ERRORS)
def get_staff(user_id: int, container: ContainerDep, _admin: UserAdmin, now: Now) -> StaffOut:
    return _staff(container, user_id, now)


@router.post("/{user_id}/disable", summary="停用账号", response_model=StaffOut, responses=_ERRORS)
def disable_staff(
    user_id: int, request: Request, container: ContainerDep, _admin: UserAdmin, now: Now
) -> StaffOut:
    """The account can no longer sign in; its sessions end at once.  Disabling twice changes
    nothing."""
    with container.uow() as uow:
        user_admin.set_active(uow, actor_for(request), user_id, False)
    return _staff(container, user_id, now)


@router.post("/{user_id}/enable", summary="启用账号", response_model=StaffOut, responses=_ERRORS)
def enable_staff(
    user_id: int, request: Request, container: ContainerDep, _admin: UserAdmin, now: Now
) -> StaffOut:
    """The account may sign in again (its lock is lifted too)."""
    with container.uow() as uow:
        user_admin.set_active(uow, actor_for(request), user_id, True)
    return _staff(container, user_id, now)


@router.post(
    "/{user_id}/reset-password",
    summary="重置密码",
    response_model=PasswordOut,
    responses=_ERRORS,
)
def reset_password(
    user_id: int,
    request: Request,
    _admin: UserAdmin,
    key: IdempotencyKey,
    container: ContainerDep,
) -> JSONResponse:
    """A new one-time password (in this answer only), changed at the next sign-in; unlocks the
    account and ends its sessions."""
    keep = container.settings.password_history

    def reset(uow: UnitOfWork, actor: Actor) -> PasswordOut:
        password = user_admin.reset_password(uow, actor, user_id, keep=keep)
        return PasswordOut(user_id=user_id, one_time_password=password)

    return run_once_secret(request, container, key, reset, status=200)


@router.post(
    "/{user_id}/reset-totp", summary="重置动态口令", response_model=StaffOut, responses=_ERRORS
)
def reset_totp(
    user_id: int, request: Request, container: ContainerDep, _admin: UserAdmin, now: Now
) -> StaffOut:
    """Remove the staff member's second factor and recovery codes (a lost phone); they may
    enrol again.  Ends their sessions."""
    with container.uow() as uow:
        user_admin.reset_totp(uow, actor_for(request), user_id)
    return _staff(container, user_id, now)


@router.post("/{user_id}/roles", summary="授予角色", response_model=StaffOut, responses=_ERRORS)
def grant_role(
    user_id: int,
    body: RoleIn,
    request: Request,
    container: ContainerDep,
    _admin: UserAdmin,
    now: Now,
) -> StaffOut:
    """One more role within its jurisdiction (a centre, a department, or the district); a
    role already held changes nothing.  Ends the person's sessions (roles are read at sign-in).
    Errors: 422 ``validation_failed`` (not a staff role), ``unknown_centre``,
    ``unknown_department``."""
    if body.role not in STAFF_ROLES:
        raise ValidationFailed(fields={"role": "只能授予工作人员角色"})
    with container.uow() as uow:
        user_admin.grant_role(uow, actor_for(request), user_id, body.assignment())
    return _staff(container, user_id, now)


@router.delete(
    "/{user_id}/roles/{assignment_id}",
    summary="收回角色",
    response_model=StaffOut,
    responses={**_ERRORS, 409: {"model": ErrorBody, "description": "last_role"}},
)
def revoke_role(
    user_id: int,
    assignment_id: int,
    request: Request,
    container: ContainerDep,
    _admin: UserAdmin,
    now: Now,
) -> StaffOut:
    """Take one role away (by its ``id`` in ``roles``); the last role stays (409
    ``last_role``: disable the account instead)."""
    with container.uow() as uow:
        user_admin.revoke_role(uow, actor_for(request), user_id, assignment_id)
    return _staff(container, user_id, now)
