"""The signed-in person's own account: where it is signed in, and ending the other sessions."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from tongban.services.people import auth, sessions
from tongban.web.deps import ContainerDep, Now, SignedIn, actor_for
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/account/sessions")
def sessions_page(
    request: Request, container: ContainerDep, principal: SignedIn, now: Now
) -> Response:
    """登录设备: every live session of the account, the one in use marked."""
    with container.read() as uow:
        found = sessions.list_sessions(
            uow.conn, principal.user_id, now=now, current=principal.session_id
        )
    ended = request.query_params.get("ended")
    return render(request, "account/sessions.html", {"sessions": found, "ended": ended})


@router.post("/account/sessions/end-others")
def end_others(request: Request, container: ContainerDep, _principal: SignedIn) -> Response:
    """下线其他设备: every other session ends at once; this one stays."""
    with container.uow() as uow:
        ended = auth.end_other_sessions(uow, actor_for(request))
    return RedirectResponse(f"/account/sessions?ended={ended}", status_code=303)
