"""The back office: the reviewer's queue (待审办件) and case page — start review, request a
correction (补正), propose approval or rejection — and the section chief's sign-off queue,
where a proposed rejection takes effect or goes back (否决权上移).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from starlette.datastructures import FormData

from tongban.bootstrap import Container
from tongban.domain.cases.review import Outcome, StepNotFound, StepStatus
from tongban.domain.errors import ValidationFailed
from tongban.domain.people.model import Principal, Role
from tongban.services.cases import delivery, queries, results, step_queries
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import review_steps as steps_svc
from tongban.services.federation import handover as federation_cases
from tongban.services.platform import access
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web import paging
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.pages.cases.citizen import (
    Number,
    act_on_case,
    case_context,
    clock_colours,
    lines,
    version_of,
)
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reviewer = Annotated[Principal, Depends(allow(access.CASE_REVIEWERS))]
Chief = Annotated[Principal, Depends(allow(access.CASE_CHIEFS))]
ReviewAction = Annotated[
    str,
    PathParam(
        pattern="^(accept|start|correction|decision|claim-step|complete-step|issue|confirm-mail)$"
    ),
]
SignOffAction = Annotated[str, PathParam(pattern="^(sign-off|send-back)$")]
TEMPLATE = "cases/staff_case.html"


@router.get("/review")
def review_queue(
    request: Request,
    container: ContainerDep,
    principal: Reviewer,
    after: paging.AfterParam = None,
) -> Response:
    """The department's open cases, nearest deadline first, a page at a time."""
    with container.read() as uow:
        found = queries.case_list(uow.conn, principal, "department", paging.page_from(after))
        rows = found.rows
        colours = clock_colours(
            uow.conn, today_of(request), rows, container.settings.case_yellow_days
        )
    context = {"rows": rows, "colours": colours, "title": "待审办件", "base": "/review/cases"}
    return render(
        request, "cases/queue.html", {**context, **paging.more_links(request, found.next)}
    )


@router.get("/review/cases/{number}")
def review_case(
    request: Request, number: Number, container: ContainerDep, principal: Reviewer
) -> Response:
    """Form, materials and timeline, with the steps the case's status allows."""
    with container.uow() as uow:
        actor = actor_for(request)
        context = case_context(uow, actor, number, container.settings.case_yellow_days)
        steps = step_queries.review_steps(uow.conn, principal, number)
        context["federation"] = federation_cases.case_link(uow.conn, context["case"].id)
    context["is_chief"] = principal.has_role(Role.SECTION_CHIEF)
    mine = {
        a.department_code for a in principal.roles if a.role in (Role.REVIEWER, Role.SECTION_CHIEF)
    }
    context["steps"] = steps
    context["actionable"] = {
        s.id
        for s in steps
        if s.status is StepStatus.ACTIVE
        and s.department_code in mine
        and s.assignee_id in (None, principal.user_id)
    }
    return render(request, TEMPLATE, context)


@router.post("/review/cases/{number}/{action}")
async def review_action(
    request: Request,
    number: Number,
    action: ReviewAction,
    container: ContainerDep,
    _principal: Reviewer,
) -> Response:
    form = await request.form()
    actor = actor_for(request)

    def change(uow: UnitOfWork, data: FormData) -> object:
        reasons = str(data.get("reasons") or "")
        if action in ("claim-step", "complete-step"):
            return _step_action(uow, data, reasons)
        version = version_of(data)
        if action == "issue":
            return issue_from_form(uow, request, container, number, version, data)
        if action == "confirm-mail":
            return delivery.confirm_mail_delivery(uow, actor, number, container.courier)
        if action == "accept":
            return svc.accept(uow, actor, number, version)
        if action == "start":
            return svc.start_review(uow, actor, number, version)
        if action == "correction":
            needed = lines(str(data.get("needed") or ""))
            return svc.request_correction(uow, actor, number, version, reasons, needed)
        decision = str(data.get("decision") or "")
        if decision not in ("approve", "reject"):
            raise ValidationFailed(fields={"decision": "请选择准予许可或不予许可"})
        if decision == "reject" and not reasons.strip():
            raise ValidationFailed(fields={"reasons": "不予许可须写明理由"})
        return svc.propose_decision(uow, actor, number, version, decision == "approve", reasons)

    def _step_action(uow: UnitOfWork, data: FormData, reasons: str) -> object:
        try:
            step_id = int(str(data.get("step")))
        except ValueError:
            raise StepNotFound() from None
        if action == "claim-step":
            return steps_svc.claim_step(uow, actor, step_id, case_number=number)
        outcome = str(data.get("outcome") or "")
        if outcome not in ("approve", "reject"):
            raise ValidationFailed(fields={"outcome": "请选择通过或不通过"})
        if outcome == "reject" and not reasons.strip():
            raise ValidationFailed(fields={"reasons": "不通过须写明理由"})
        return steps_svc.complete_step(
            uow, actor, step_id, Outcome(outcome), reasons, case_number=number
        )

    done = f"/review/cases/{number}?done={action}"
    return act_on_case(request, container, number, TEMPLATE, change, form, done)


def issue_from_form(
    uow: UnitOfWork,
    request: Request,
    container: Container,
    number: str,
    version: int,
    data: FormData,
) -> object:
    """出具结果 from the issue form (``cases/_macros.html`` ``issue_form``): the reference, or
    the e-licence's fields (``licence.<name>``) and, when not the applicant, its holder."""
    prefix = "licence."
    content = results.LicenceContent(
        fields={k[len(prefix) :]: str(v).strip() for k, v in data.items() if k.startswith(prefix)},
        holder_id=str(data.get("holder_id") or "").strip() or None,
        holder_name=str(data.get("holder_name") or "").strip() or None,
    )
    return delivery.issue_result_and_dispatch(
        uow,
        actor_for(request),
        number,
        version,
        container.courier,
        str(data.get("reference") or "").strip(),
        keys=container.keys,
        licence=content,
    )


@router.get("/sign-off")
def sign_off_queue(
    request: Request,
    container: ContainerDep,
    principal: Chief,
    after: paging.AfterParam = None,
) -> Response:
    """Proposed rejections of the chief's department awaiting a signature, a page at a time."""
    with container.read() as uow:
        found = queries.case_list(uow.conn, principal, "sign_off", paging.page_from(after))
        rows = found.rows
        colours = clock_colours(
            uow.conn, today_of(request), rows, container.settings.case_yellow_days
        )
    context = {"rows": rows, "colours": colours, "title": "否决签批", "base": "/review/cases"}
    return render(
        request, "cases/queue.html", {**context, **paging.more_links(request, found.next)}
    )


@router.post("/sign-off/cases/{number}/{action}")
async def sign_off_action(
    request: Request,
    number: Number,
    action: SignOffAction,
    container: ContainerDep,
    _chief: Chief,
) -> Response:
    """签发 the rejection, or send it back to review with a note."""
    form = await request.form()
    actor = actor_for(request)

    def change(uow: UnitOfWork, data: FormData) -> object:
        version = version_of(data)
        note = str(data.get("note") or "")
        if action == "sign-off":
            return svc.sign_off_rejection(uow, actor, number, version, note)
        if not note.strip():
            raise ValidationFailed(fields={"note": "退回须写明意见"})
        return svc.send_back(uow, actor, number, version, note)

    done = f"/review/cases/{number}?done={action}"
    return act_on_case(request, container, number, TEMPLATE, change, form, done)
