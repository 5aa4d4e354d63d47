"""Smart approval: applying for a 秒批 item, and the rule editor for rule sets.

Applicants (phone first): ``/smart`` lists the smart items, ``/smart/{code}`` is the form —
prefilled, locked fields from their licences, a consent box — and ``/smart/cases/{number}``
the decision with each rule explained, the e-licence, and the request for a human review.
The catalogue admin edits, validates, dry-runs and publishes rule sets under ``/admin/rules``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from tongban.bootstrap import Container
from tongban.domain.catalogue.model import ITEM_CODE_RE, FieldType
from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.people.model import Principal
from tongban.domain.rules.model import RuleSetSpec, RuleSetStatus
from tongban.domain.shared.clock import china_date
from tongban.domain.validation import pydantic_fields
from tongban.services.catalogue import items as catalogue
from tongban.services.platform import access
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.smart import approval as svc
from tongban.services.smart import rules as rule_sets
from tongban.web.deps import ContainerDep, actor_for, allow, today_of
from tongban.web.idempotency import form_key, new_form_key, run_form_once
from tongban.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

Code = Annotated[str, PathParam(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
Number = Annotated[str, PathParam(max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
Anyone = Annotated[Principal | None, Depends(allow(access.PUBLIC))]
Applicant = Annotated[Principal, Depends(allow(access.APPLICANT))]
Admin = Annotated[Principal, Depends(allow(access.CATALOGUE_ADMIN))]
Reader = Annotated[Principal, Depends(allow(access.CATALOGUE_READERS))]
MAX_RULE_ROWS = 50
BLANK_ROWS = 2


# --- applying (秒批) ------------------------------------------------------------------------


@router.get("/smart")
def smart_items(request: Request, container: ContainerDep, _: Anyone) -> Response:
    """秒批事项: the items whose rules are in force today."""
    today = today_of(request)
    rows = []
    with container.read() as uow:
        for code, _versions, published in rule_sets.rule_set_items(uow.conn):
            if not published:
                continue
            try:
                stored = rule_sets.in_force_on(uow.conn, code, today)
                item = catalogue.published_item(uow.conn, code)
            except DomainError:
                continue
            rows.append({"item": item, "rules": stored})
    return render(request, "smart/index.html", {"rows": rows})


def _apply_context(request: Request, container: Container, code: str) -> dict[str, Any]:
    """The item, its rules in force and the form prefilled from the applicant's licences."""
    actor = actor_for(request)
    with container.uow() as uow:
        item = svc.smart_item(uow.conn, code)
        stored = rule_sets.in_force_on(uow.conn, item.code, china_date(actor.at))
        filled = svc.prefill_for(uow, actor, item)  # the read is logged
    return {
        "item": item,
        "spec": item.spec,
        "rules": stored,
        "filled": filled,
        "v": {f"form.{k}": v for k, v in filled.values.items()},
        "errors": {},
        "idem": new_form_key(),
    }


@router.get("/smart/{code}")
def apply_page(request: Request, code: Code, container: ContainerDep, _: Applicant) -> Response:
    """The 秒批 form: locked values from the licences, the rest to fill in, and consent."""
    try:
        context = _apply_context(request, container, code)
    except DomainError as error:
        return render(request, "smart/unavailable.html", {"error": error}, status_code=error.status)
    return render(request, "smart/apply.html", context)


def _form_values(spec: Any, form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in spec.form:
        raw = form.get(f"form.{field.name}")
        if field.type is FieldType.BOOLEAN:
            values[field.name] = "true" if raw else "false"
        elif raw not in (None, ""):
            values[field.name] = str(raw)
    return values


@router.post("/smart/{code}")
async def apply(request: Request, code: Code, container: ContainerDep, _: Applicant) -> Response:
    """Submit: decided in the same request; a repeated submission shows the first decision."""
    form = await request.form()
    with container.read() as uow:
        item = svc.smart_item(uow.conn, code)
    values = _form_values(item.spec, form)
    consent = form.get("consent") == "yes"

    def decide(uow: UnitOfWork, actor: Actor) -> dict[str, str]:
        decision = svc.apply(uow, actor, container.keys, item.code, values, consent=consent)
        return {"number": decision.number}

    try:
        outcome = await run_form_once(request, container, decide)
    except DomainError as error:
        context = _apply_context(request, container, code)
        context["v"].update({f"form.{k}": v for k, v in values.items()})
        context.update(errors=error.fields, error=error, consent=consent, idem=form_key(form))
        return render(request, "smart/apply.html", context, status_code=error.status)
    return RedirectResponse(f"/smart/cases/{outcome.body['number']}", status_code=303)


@router.get("/smart/cases/{number}")
def decision_page(
    request: Request, number: Number, container: ContainerDep, _: Applicant
) -> Response:
    """The decision: outcome, every rule explained, the e-licence, and a human review."""
    with container.read() as uow:
        view = svc.decision_for(uow.conn, actor_for(request), number)
        item = catalogue.published_item(uow.conn, view.item_code)
    done = request.query_params.get("done")
    return render(request, "smart/decision.html", {"d": view, "item": item, "done": done})


@router.post("/smart/cases/{number}/human-review")
async def human_review(
    request: Request, number: Number, container: ContainerDep, _: Applicant
) -> Response:
    """申请人工复核 (《个人信息保护法》第二十四条)."""
    form = await request.form()
    try:
        with container.uow() as uow:
            svc.request_human_review(uow, actor_for(request), number, str(form.get("reason") or ""))
    except DomainError as error:
        with container.read() as uow:
            view = svc.decision_for(uow.conn, actor_for(request), number)
            item = catalogue.published_item(uow.conn, view.item_code)
        context = {"d": view, "item": item, "error": error, "errors": error.fields}
        return render(request, "smart/decision.html", context, status_code=error.status)
    return RedirectResponse(f"/smart/cases/{number}?done=review", status_code=303)


# --- the rule editor (catalogue admin) --------------------------------------------------------


@router.get("/admin/rules")
def rules_index(request: Request, container: ContainerDep, _: Reader) -> Response:
    """Every item with a rule set; ``?code=`` opens the editor of any item (a first draft)."""
    code = (request.query_params.get("code") or "").strip().upper()
    if code:
        if not ITEM_CODE_RE.match(code):
            raise ValidationFailed(fields={"code": "事项编码应为 4–40 位大写字母、数字或连字符"})
        return RedirectResponse(f"/admin/rules/{code}", status_code=303)
    with container.read() as uow:
        rows = rule_sets.rule_set_items(uow.conn)
    return render(request, "smart/rules_index.html", {"rows": rows})


def _editor_context(container: Container, code: str, **extra: Any) -> dict[str, Any]:
    with container.read() as uow:
        item = catalogue.published_item(uow.conn, code)
        versions = rule_sets.versions(uow.conn, item.code)
    draft = next((v for v in versions if v.status is RuleSetStatus.DRAFT), None)
    base = draft or (versions[0] if versions else None)
    context: dict[str, Any] = {
        "item": item,
        "versions": versions,
        "draft": draft,
        "base": base,
        "errors": {},
        "blank_rows": BLANK_ROWS,
        "result_json": json.dumps(
            base.spec.result.model_dump(mode="json") if base and base.spec.result else None,
            ensure_ascii=False,
            indent=2,
        ),
    }
    context.update(extra)
    return context


@router.get("/admin/rules/{code}")
def rules_editor(request: Request, code: Code, container: ContainerDep, _: Reader) -> Response:
    """The versions of an item's rule set and its draft, as rows of rules."""
    return render(request, "smart/rules_edit.html", _editor_context(container, code))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def spec_from_form(form: FormData) -> RuleSetSpec:
    """The rule set as typed in the editor; a bad field is reported beside itself."""
    rules = []
    for i in range(MAX_RULE_ROWS):
        prefix = f"rules-{i}-"
        rule_id = str(form.get(prefix + "id") or "").strip()
        expression = str(form.get(prefix + "expression") or "").strip()
        if not rule_id and not expression:
            continue
        rules.append(
            {
                "id": rule_id,
                "statement": str(form.get(prefix + "statement") or ""),
                "expression": expression,
                "legal_basis": str(form.get(prefix + "legal_basis") or ""),
                "kind": str(form.get(prefix + "kind") or "condition"),
            }
        )
    result_text = str(form.get("result") or "").strip()
    try:
        result = json.loads(result_text) if result_text else None
    except json.JSONDecodeError:
        raise ValidationFailed(fields={"result": "结果证照设置应为 JSON"}) from None
    data = {
        "title": str(form.get("title") or ""),
        "effective_from": str(form.get("effective_from") or "") or None,
        "effective_to": str(form.get("effective_to") or "") or None,
        "legal_references": _lines(str(form.get("legal_references") or "")),
        "rules": rules,
        "result": result,
    }
    try:
        return RuleSetSpec.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(fields=pydantic_fields(error.errors())) from None


def _lock(form: FormData) -> int | None:
    text = str(form.get("lock_version") or "")
    return int(text) if text.isdigit() else None


@router.post("/admin/rules/{code}/{rule_action}")
async def rules_action(
    request: Request,
    code: Code,
    rule_action: Annotated[str, PathParam(pattern="^(draft|validate|dry-run|publish)$")],
    container: ContainerDep,
    _: Admin,
) -> Response:
    """Save the draft, validate it (errors per rule), dry-run it, or publish it."""
    form = await request.form()
    actor = actor_for(request)
    action = rule_action
    extra: dict[str, Any] = {}
    try:
        if action == "draft":
            spec = spec_from_form(form)
            with container.uow() as uow:
                rule_sets.save_draft(uow, actor, code, spec, expected_lock=_lock(form))
            return RedirectResponse(f"/admin/rules/{code}?done=draft", status_code=303)
        version = int(str(form.get("version") or "0"))
        if action == "validate":
            with container.read() as uow:
                problems = rule_sets.validate(uow.conn, code, version)
            extra = {"checked": True, "errors": problems}
        elif action == "dry-run":
            with container.read() as uow:
                extra = {"dry_run": rule_sets.dry_run(uow.conn, code, version)}
        else:
            with container.uow() as uow:
                rule_sets.publish(uow, actor, code, version, expected_lock=_lock(form) or 0)
            return RedirectResponse(f"/admin/rules/{code}?done=publish", status_code=303)
    except (DomainError, ValueError) as error:
        if not isinstance(error, DomainError):
            error = ValidationFailed(fields={"version": "缺少版本号，请刷新页面"})
        extra = {"error": error, "errors": error.fields}
        context = _editor_context(container, code, **extra)
        return render(request, "smart/rules_edit.html", context, status_code=error.status)
    return render(request, "smart/rules_edit.html", _editor_context(container, code, **extra))
