"""Rules as code: rule sets per item, validation, dry-run, publishing.

The rules in force are public (anyone may read what a machine decides on); drafts and history
are for the catalogue admin, leaders and auditors; only the catalogue admin edits, dry-runs and
publishes.  An expression that does not compile: 422 ``rule_syntax_error`` or
``rule_unknown_variable``, the rule in ``fields`` (``rules.<id>``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from tongban.domain.people.model import Principal
from tongban.domain.rules.model import RuleSetSpec
from tongban.services.platform import access
from tongban.services.smart import rules as svc
from tongban.web import paging
from tongban.web.deps import ContainerDep, Today, actor_for, allow

router = APIRouter(tags=["rules"])

Code = Annotated[str, PathParam(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
Version = Annotated[int, PathParam(ge=1, le=100000)]
Admin = Annotated[Principal, Depends(allow(access.CATALOGUE_ADMIN))]
Reader = Annotated[Principal, Depends(allow(access.CATALOGUE_READERS))]
Anyone = Annotated[Principal | None, Depends(allow(access.PUBLIC))]


class RuleSetOut(BaseModel):
    item_code: str
    version: int
    status: str
    lock_version: int
    spec: dict[str, Any]

    @classmethod
    def of(cls, stored: svc.StoredRuleSet) -> RuleSetOut:
        return cls(
            item_code=stored.rule_set.item_code,
            version=stored.version,
            status=stored.status.value,
            lock_version=stored.lock_version,
            spec=stored.spec.model_dump(mode="json"),
        )


class DraftIn(BaseModel):
    spec: RuleSetSpec
    lock_version: int | None = Field(default=None, ge=1, description="修改已有草稿时必填（乐观锁）")


class LockIn(BaseModel):
    lock_version: int = Field(ge=1)


class ValidationOut(BaseModel):
    ok: bool
    errors: dict[str, str]


class DryRunCaseOut(BaseModel):
    number: str
    rules_outcome: str
    human_decision: str | None
    reasons: list[str]


class DryRunOut(BaseModel):
    total: int
    would_approve: int
    differences: list[DryRunCaseOut]


@router.get("/rules/{item_code}", response_model=list[RuleSetOut], summary="规则集的全部版本")
def list_versions(
    item_code: Code,
    request: Request,
    response: Response,
    container: ContainerDep,
    _: Reader,
    page: paging.PageParams,
) -> list[RuleSetOut]:
    """The newest version first, a page at a time."""
    with container.read() as uow:
        found = [RuleSetOut.of(s) for s in svc.versions(uow.conn, item_code)]
    return paging.cut(request, response, found, lambda s: (s.version,), page, descending=True)


@router.get("/rules/{item_code}/in-force", response_model=RuleSetOut, summary="某日生效的规则集")
def in_force(
    item_code: Code,
    container: ContainerDep,
    _: Anyone,
    today: Today,
    day: Annotated[date | None, Query(description="日期，默认今天")] = None,
) -> RuleSetOut:
    with container.read() as uow:
        return RuleSetOut.of(svc.in_force_on(uow.conn, item_code, day or today))


@router.get("/rules/{item_code}/versions/{version}", response_model=RuleSetOut)
def get_version(item_code: Code, version: Version, container: ContainerDep, _: Reader) -> Any:
    with container.read() as uow:
        return RuleSetOut.of(svc.get_version(uow.conn, item_code, version))


@router.put("/rules/{item_code}/draft", response_model=RuleSetOut, summary="新建或修改草稿")
def save_draft(
    item_code: Code, body: DraftIn, request: Request, container: ContainerDep, _: Admin
) -> RuleSetOut:
    with container.uow() as uow:
        stored = svc.save_draft(
            uow, actor_for(request), item_code, body.spec, expected_lock=body.lock_version
        )
    return RuleSetOut.of(stored)


@router.post(
    "/rules/{item_code}/versions/{version}/validate",
    response_model=ValidationOut,
    summary="校验：每条规则能否编译、变量是否已声明",
)
def validate(item_code: Code, version: Version, container: ContainerDep, _: Admin) -> Any:
    with container.read() as uow:
        errors = svc.validate(uow.conn, item_code, version)
    return ValidationOut(ok=not errors, errors=errors)


@router.post(
    "/rules/{item_code}/versions/{version}/dry-run",
    response_model=DryRunOut,
    summary="试运行：用历史办件检验该版本",
)
def dry_run(item_code: Code, version: Version, container: ContainerDep, _: Admin) -> Any:
    with container.read() as uow:
        result = svc.dry_run(uow.conn, item_code, version)
    return DryRunOut(
        total=result.total,
        would_approve=result.would_approve,
        differences=[
            DryRunCaseOut(
                number=d.number,
                rules_outcome=d.rules_outcome.value,
                human_decision=d.human_decision,
                reasons=list(d.reasons),
            )
            for d in result.differences
        ],
    )


@router.post(
    "/rules/{item_code}/versions/{version}/publish", response_model=RuleSetOut, summary="发布"
)
def publish(
    item_code: Code,
    version: Version,
    body: LockIn,
    request: Request,
    container: ContainerDep,
    _: Admin,
) -> RuleSetOut:
    with container.uow() as uow:
        stored = svc.publish(
            uow, actor_for(request), item_code, version, expected_lock=body.lock_version
        )
    return RuleSetOut.of(stored)


@router.post(
    "/rules/{item_code}/versions/{version}/retire", response_model=RuleSetOut, summary="停用"
)
def retire(
    item_code: Code,
    version: Version,
    body: LockIn,
    request: Request,
    container: ContainerDep,
    _: Admin,
) -> RuleSetOut:
    with container.uow() as uow:
        stored = svc.retire(
            uow, actor_for(request), item_code, version, expected_lock=body.lock_version
        )
    return RuleSetOut.of(stored)
