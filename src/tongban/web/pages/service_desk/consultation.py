"""Consultation's pages (咨询).

A citizen or company asks about an item at ``/my/questions`` (from the item's guide, the item
filled in) and reads the answer there.  At ``/questions`` a clerk takes a question down for a
person; the item's department answers, and its section chief publishes a good answer on the
item's guide as a frequently asked question (or takes one down).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse

from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.people.model import Principal, Role
from tongban.domain.service_desk.consultation import QuestionStatus
from tongban.services.platform import access, audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.service_desk import consultation as svc
from tongban.services.service_desk import consultation_queries as queries
from tongban.services.service_desk import consultation_stats as stats
from tongban.services.service_desk.access import (
    CONSULTATION_STATS,
    QUESTION_ANSWERERS,
    QUESTION_STAFF,
)
from tongban.web import paging
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.idempotency import form_key, new_form_key, run_form_once
from tongban.web.pages.service_desk.common import Page, act, text_of, version_of
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Asker = Annotated[Principal, Depends(allow(access.APPLICANT))]
Clerk = Annotated[Principal, Depends(allow(access.CASE_CLERKS))]
Staff = Annotated[Principal, Depends(allow(QUESTION_STAFF))]
Answerer = Annotated[Principal, Depends(allow(QUESTION_ANSWERERS))]
Counter = Annotated[Principal, Depends(allow(CONSULTATION_STATS))]
Number = Annotated[str, PathParam(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
StaffAction = Annotated[str, PathParam(pattern="^(answer|faq|withdraw-faq)$")]
DONE = {
    "asked": "咨询已提交，部门答复后会通知您。",
    "answer": "答复已发送给咨询人。",
    "faq": "已发布为该事项的常见问题。",
    "withdraw-faq": "已从办事指南撤下该常见问题。",
}
ASK_FIELDS = ("item_code", "question", "asker_number")


def _done(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


def _ask_input(form: Any, asked_via: str) -> svc.AskInput:
    return svc.AskInput(
        item_code=text_of(form, "item_code"),
        question=text_of(form, "question"),
        asked_via=asked_via,
        asker_number=text_of(form, "asker_number") or None,
    )


async def _ask(
    request: Request, container: ContainerDep, asked_via: str, page: Page, link: str
) -> Response:
    """Ask once per the form's hidden key; refused, the form again with what was typed."""
    form = await request.form()
    days = container.settings.consultation_days

    def ask(uow: UnitOfWork, actor: Actor) -> dict[str, str]:
        return {"number": svc.ask(uow, actor, _ask_input(form, asked_via), days=days).number}

    try:
        outcome = await run_form_once(request, container, ask)
    except DomainError as error:
        template, build = page
        context = build()
        values = {name: text_of(form, name) for name in ASK_FIELDS}
        context.update(error=error, errors=error.fields, v=values, idem=form_key(form), done=None)
        return render(request, template, context, status_code=error.status)
    return RedirectResponse(f"{link}/{outcome.body['number']}?done=asked", 303)


# --- the asker --------------------------------------------------------------------------------


def _my_list(request: Request, container: ContainerDep, principal: Principal) -> dict[str, Any]:
    with container.read() as uow:
        found = queries.question_page(
            uow.conn,
            principal,
            today_of(request),
            paging.page_from(request.query_params.get("after")),
        )
    return {
        "rows": found.rows,
        **paging.more_links(request, found.next),
        "errors": {},
        "v": {"item_code": request.query_params.get("item", "")},
        "idem": new_form_key(),
        "done": _done(request),
    }


@router.get("/my/questions")
def my_questions(request: Request, container: ContainerDep, principal: Asker) -> Response:
    """我的咨询: the person's questions and answers, and the form to ask about an item."""
    context = _my_list(request, container, principal)
    return render(request, "service_desk/my_questions.html", context)


@router.post("/my/questions")
async def ask_online(request: Request, container: ContainerDep, principal: Asker) -> Response:
    page: Page = (
        "service_desk/my_questions.html",
        lambda: _my_list(request, container, principal),
    )
    via = "self_service" if request.query_params.get("kiosk") == "1" else "online"
    return await _ask(request, container, via, page, "/my/questions")


@router.get("/my/questions/{number}")
def my_question(
    number: Number, request: Request, container: ContainerDep, principal: Asker
) -> Response:
    with container.read() as uow:
        view = queries.question_view(uow.conn, principal, number, today_of(request))
    context = {"q": view, "done": _done(request)}
    return render(request, "service_desk/my_question.html", context)


# --- the centre and the department -------------------------------------------------------------


def _staff_list(request: Request, container: ContainerDep, principal: Principal) -> dict[str, Any]:
    status_text = request.query_params.get("status", "")
    status = QuestionStatus(status_text) if status_text in set(QuestionStatus) else None
    overdue = request.query_params.get("overdue") == "1"
    with container.read() as uow:
        found = queries.question_page(
            uow.conn,
            principal,
            today_of(request),
            paging.page_from(request.query_params.get("after")),
            status=status,
            overdue_only=overdue,
        )
    return {
        "rows": found.rows,
        **paging.more_links(request, found.next),
        "status": status,
        "statuses": list(QuestionStatus),
        "overdue": overdue,
        "is_clerk": principal.has_role(Role.CLERK),
        "errors": {},
        "v": {},
        "idem": new_form_key(),
        "done": _done(request),
    }


@router.get("/centre/questions/stats")
def consultation_stats(
    request: Request,
    container: ContainerDep,
    principal: Counter,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
) -> Response:
    """咨询统计: by item, department, channel and status, with the answers on time, the mean
    answer time in working days, the overdue and the answers published as FAQ entries."""
    error: ValidationFailed | None = None
    with container.read() as uow:
        try:
            found = stats.consultation_stats(
                uow.conn, principal, today_of(request), since=since, until=until
            )
        except ValidationFailed as refused:
            error = refused
            found = stats.consultation_stats(uow.conn, principal, today_of(request))
    context = {"s": found, "error": error, "errors": error.fields if error else {}}
    status = error.status if error else 200
    return render(request, "service_desk/consultation_stats.html", context, status_code=status)


@router.get("/questions")
def questions(request: Request, container: ContainerDep, principal: Staff) -> Response:
    """事项咨询: the department's questions to answer (the overdue first), or those the centre
    took down; a clerk takes a new one down for a person."""
    context = _staff_list(request, container, principal)
    return render(request, "service_desk/questions.html", context)


@router.post("/questions")
async def ask_at_window(request: Request, container: ContainerDep, principal: Clerk) -> Response:
    page: Page = (
        "service_desk/questions.html",
        lambda: _staff_list(request, container, principal),
    )
    return await _ask(request, container, "window", page, "/questions")


def _staff_page(
    request: Request, container: ContainerDep, principal: Principal, number: str
) -> dict[str, Any]:
    with container.read() as uow:
        view = queries.question_view(uow.conn, principal, number, today_of(request))
    return {"q": view, "errors": {}, "v": {}, "done": _done(request)}


@router.get("/questions/{number}")
def question(
    number: Number, request: Request, container: ContainerDep, principal: Staff
) -> Response:
    """One question with the asker's contact (the read is in their access log), the answer
    form for the department and the FAQ form for its section chief."""
    context = _staff_page(request, container, principal, number)
    view: queries.QuestionView = context["q"]
    if view.asker is not None:
        with container.uow() as uow:
            audit.log_data_access(
                uow, actor_for(request), view.asker.id, f"consultation:{view.number}", "咨询答复"
            )
    return render(request, "service_desk/question.html", context)


@router.post("/questions/{number}/{action}")
async def question_action(
    number: Number,
    action: StaffAction,
    request: Request,
    container: ContainerDep,
    principal: Answerer,
) -> Response:
    form = await request.form()
    actor = actor_for(request)

    def change(uow: UnitOfWork) -> object:
        if action == "answer":
            return svc.answer(uow, actor, number, text_of(form, "answer"), version_of(form))
        if action == "faq":
            question_text = text_of(form, "faq_question") or None
            answer_text = text_of(form, "faq_answer") or None
            return svc.publish_faq(uow, actor, number, question_text, answer_text)
        raw = text_of(form, "faq_id")
        if not raw.isdigit():
            raise ValidationFailed(fields={"faq_id": "请刷新页面后重试"})
        return svc.withdraw_faq(uow, actor, int(raw))

    page: Page = (
        "service_desk/question.html",
        lambda: _staff_page(request, container, principal, number),
    )
    values = {k: text_of(form, k) for k in ("answer", "faq_question", "faq_answer")}
    return act(request, container, change, f"/questions/{number}?done={action}", page, values)
