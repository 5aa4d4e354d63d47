"""Who am I: the signed-in principal as the API sees it, and where the account is signed in."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from tongban.services.people import auth, sessions
from tongban.web import paging
from tongban.web.api.auth import PrincipalOut
from tongban.web.deps import ContainerDep, Now, SignedIn, actor_for

router = APIRouter(tags=["system"])


@router.get("/me", response_model=PrincipalOut, summary="当前登录用户")
def me(principal: SignedIn) -> PrincipalOut:
    return PrincipalOut.of(principal)


class SessionOut(BaseModel):
    key: str
    created_at: datetime
    expires_at: datetime
    ip: str
    user_agent: str
    current: bool


class EndedOut(BaseModel):
    ended: int


@router.get("/me/sessions", response_model=list[SessionOut], summary="我的登录会话（登录设备）")
def my_sessions(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: SignedIn,
    now: Now,
    page: paging.PageParams,
) -> list[SessionOut]:
    """The account's live sessions, newest first; ``current`` marks the one of this request."""
    with container.read() as uow:
        found = sessions.list_sessions(
            uow.conn, principal.user_id, now=now, current=principal.session_id
        )
    listed = [SessionOut(**vars(s)) for s in found]
    return paging.cut(
        request, response, listed, lambda s: (s.created_at, s.key), page, descending=True
    )


@router.post(
    "/me/sessions/end-others", response_model=EndedOut, summary="下线其他设备（保留当前会话）"
)
def end_other_sessions(request: Request, container: ContainerDep, _who: SignedIn) -> EndedOut:
    """Every other session of the account ends at once (audited ``session.ended_others``)."""
    with container.uow() as uow:
        return EndedOut(ended=auth.end_other_sessions(uow, actor_for(request)))
