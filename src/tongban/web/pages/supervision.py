"""Post-approval supervision pages (批后监管): an inspector's or department head's tasks, one
task with the findings form and the decision, the public record of draws (双随机一公开) and
the figures.  The forms call the same services as the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.datastructures import FormData

from tongban.domain.errors import ValidationFailed
from tongban.domain.people.model import Principal
from tongban.domain.supervision.model import FindingResult, Outcome
from tongban.services.platform.access import PUBLIC
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.supervision import draws, queries, tasks
from tongban.services.supervision.access import (
    DRAW_RUNNERS,
    FIGURE_READERS,
    INSPECTORS,
    TASK_READERS,
    heads_of,
)
from tongban.web import paging
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.pages.service_desk.common import Page, act, text_of, version_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

Anyone = Annotated[Principal | None, Depends(allow(PUBLIC))]
Reader = Annotated[Principal, Depends(allow(TASK_READERS))]
Inspector = Annotated[Principal, Depends(allow(INSPECTORS))]
Head = Annotated[Principal, Depends(allow(DRAW_RUNNERS))]
Counter = Annotated[Principal, Depends(allow(FIGURE_READERS))]
Number = Annotated[str, Path(max_length=20)]

DONE = {
    "findings": "检查结果已记录。",
    "conclusion": "处理决定已作出。",
    "draw": "已完成随机抽取。",
}


def _tasks_page(request: Request, container: ContainerDep, principal: Principal) -> dict[str, Any]:
    with container.read() as uow:
        found = queries.task_page(
            uow.conn, principal, paging.page_from(request.query_params.get("after"))
        )
    return {
        "tasks": found.rows,
        **paging.more_links(request, found.next),
        "heads": sorted(heads_of(principal)),
        "done": DONE.get(request.query_params.get("done", "")),
        "error": None,
        "errors": {},
        "v": {},
    }


@router.get("/supervision/tasks")
def task_list(request: Request, container: ContainerDep, principal: Reader) -> Response:
    return render(request, "supervision/tasks.html", _tasks_page(request, container, principal))


@router.post("/supervision/draws")
async def draw_form(request: Request, container: ContainerDep, principal: Head) -> Response:
    form = await request.form()
    actor = actor_for(request)

    def change(uow: UnitOfWork) -> object:
        raw = text_of(form, "sample_size").strip()
        if not raw.isdigit():
            raise ValidationFailed(fields={"sample_size": "抽取数量须为 1 至 200"})
        return draws.run_draw(uow, actor, text_of(form, "department_code"), int(raw))

    page: Page = ("supervision/tasks.html", lambda: _tasks_page(request, container, principal))
    values = {k: text_of(form, k) for k in ("sample_size", "department_code")}
    return act(request, container, change, "/supervision/tasks?done=draw", page, values)


def _task_page(request: Request, container: ContainerDep, number: str) -> dict[str, Any]:
    actor = actor_for(request)
    with container.uow() as uow, uow.atomic():  # the read of the subject's data is logged
        found = queries.task_detail(uow.conn, actor, number)
    return {
        "t": found,
        "s": found.summary,
        "may_inspect": found.summary["inspector_id"] == actor.user_id
        and found.summary["status"] in ("assigned", "rectifying"),
        "results": list(FindingResult),
        "outcomes": list(Outcome),
        "done": DONE.get(request.query_params.get("done", "")),
        "error": None,
        "errors": {},
        "v": {},
    }


@router.get("/supervision/tasks/{number}")
def task_page(number: Number, request: Request, container: ContainerDep, _who: Reader) -> Response:
    return render(request, "supervision/task.html", _task_page(request, container, number))


def _findings_of(form: FormData) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for name in form:
        if name.startswith("result."):
            code = name.removeprefix("result.")
            result = text_of(form, name)
            if result:
                found[code] = {"result": result, "note": text_of(form, f"note.{code}")}
    return found


@router.post("/supervision/tasks/{number}/findings")
async def findings_form(
    number: Number, request: Request, container: ContainerDep, _who: Inspector
) -> Response:
    form = await request.form()
    actor = actor_for(request)

    def change(uow: UnitOfWork) -> object:
        return tasks.record_findings(uow, actor, number, _findings_of(form), version_of(form))

    page: Page = ("supervision/task.html", lambda: _task_page(request, container, number))
    done = f"/supervision/tasks/{number}?done=findings"
    return act(request, container, change, done, page)


@router.post("/supervision/tasks/{number}/conclusion")
async def conclusion_form(
    number: Number, request: Request, container: ContainerDep, _who: Inspector
) -> Response:
    form = await request.form()
    actor = actor_for(request)

    def change(uow: UnitOfWork) -> object:
        try:
            outcome = Outcome(text_of(form, "outcome"))
        except ValueError:
            raise ValidationFailed(fields={"outcome": "请选择处理决定"}) from None
        raw = text_of(form, "rectify_days").strip()
        days = int(raw) if raw.isdigit() else None
        reason = text_of(form, "reason")
        return tasks.conclude(
            uow, actor, number, outcome, version_of(form), reason=reason, rectify_days=days
        )

    page: Page = ("supervision/task.html", lambda: _task_page(request, container, number))
    values = {k: text_of(form, k) for k in ("outcome", "reason", "rectify_days")}
    done = f"/supervision/tasks/{number}?done=conclusion"
    return act(request, container, change, done, page, values)


@router.get("/supervision/draws")
def public_draws(request: Request, container: ContainerDep, _anyone: Anyone) -> Response:
    """一公开: every draw, its seed and pool hashes, the subjects drawn and their outcome."""
    with container.read() as uow:
        found = queries.draw_page(uow.conn, paging.page_from(request.query_params.get("after")))
    context = {"draws": found.rows, **paging.more_links(request, found.next)}
    return render(request, "supervision/draws.html", context)


@router.get("/supervision/figures")
def figures_page(
    request: Request,
    container: ContainerDep,
    _who: Counter,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
) -> Response:
    today = today_of(request)
    start, end = since or today.replace(day=1), until or today
    with container.read() as uow:
        rows = queries.figures(uow.conn, start=start, end=end)
    return render(request, "supervision/figures.html", {"rows": rows, "since": start, "until": end})
