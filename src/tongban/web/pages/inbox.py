"""The in-app inbox page: notifications the worker delivered to the signed-in person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse

from tongban.services.platform import inbox
from tongban.web import paging
from tongban.web.deps import ContainerDep, Now, SignedIn
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/inbox")
def inbox_page(
    request: Request,
    container: ContainerDep,
    principal: SignedIn,
    after: paging.AfterParam = None,
) -> Response:
    """The person's messages, newest first, a page at a time."""
    with container.read() as uow:
        found = inbox.message_page(uow.conn, principal.user_id, paging.page_from(after))
        unread = inbox.unread_count(uow.conn, principal.user_id)
    more = paging.more_links(request, found.next)
    return render(request, "inbox.html", {"messages": found.rows, "unread": unread, **more})


@router.post("/inbox/{message_id}/read")
def read_message(
    message_id: Annotated[int, PathParam(ge=1)],
    container: ContainerDep,
    principal: SignedIn,
    now: Now,
) -> Response:
    """Mark read, then go where the message points (or back to the inbox)."""
    with container.uow() as uow:
        link = inbox.open_message(uow, principal.user_id, message_id, now)
    target = link if link.startswith("/") and not link.startswith("//") else "/inbox"
    return RedirectResponse(target, status_code=303)
