"""The indicator administrator's pages (指标管理): every definition with its draft and versions,
the editor (a new indicator, or the next version of one: save the draft, or save and publish),
and each published version as it was.

The formula is checked when the form is saved: one that does not parse is shown again with the
position of the error marked and nothing is stored, as is an unknown measure, indicator or
dimension.  Figures always use the published version (``definitions.published_specs``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse

from tongban.domain.errors import DomainError
from tongban.domain.indicators.errors import IndicatorInvalid
from tongban.domain.indicators.model import (
    DIMENSION_LABELS,
    MEASURES,
    Dimension,
    Direction,
    IndicatorSpec,
    parse_dimensions,
)
from tongban.domain.people.model import Principal
from tongban.services.indicators import definitions as svc
from tongban.services.indicators.access import INDICATOR_EDITORS, INDICATOR_READERS
from tongban.web.deps import ContainerDep, actor_for, allow
from tongban.web.errors import translated
from tongban.web.templating import render

router = APIRouter(prefix="/admin/indicators", tags=["pages"], include_in_schema=False)
Editor = Annotated[Principal, Depends(allow(INDICATOR_EDITORS))]
Reader = Annotated[Principal, Depends(allow(INDICATOR_READERS))]
Code = Annotated[str, PathParam(max_length=40, pattern=r"^[a-z0-9_]+$")]
Number = Annotated[int, PathParam(ge=1, le=100_000)]

DIRECTION_LABELS = {Direction.HIGHER.value: "越高越好", Direction.LOWER.value: "越低越好"}
FIELDS = ("code", "name", "definition", "formula", "unit", "direction", "target")


def values_of(spec: IndicatorSpec | None) -> dict[str, Any]:
    """The form's values from a stored version (blank for a new indicator)."""
    if spec is None:
        return {**dict.fromkeys(FIELDS, ""), "direction": "higher", "dimensions": []}
    target = "" if spec.target is None else f"{spec.target:g}"
    return {
        **{k: v for k, v in spec.as_dict().items() if k in FIELDS},
        "target": target,
        "dimensions": [d.value for d in spec.dimensions],
    }


def _form_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in FIELDS}
    values["formula"] = str(form.get("formula", ""))
    values["dimensions"] = [str(d) for d in form.getlist("dimensions")]
    return values


def spec_from(values: dict[str, Any], code: str | None = None) -> IndicatorSpec:
    """The spec the form describes; a target that is not a number or an unknown direction is
    ``indicator_invalid``, an unknown dimension ``indicator_unknown_dimension``."""
    problems: dict[str, str] = {}
    target: float | None = None
    if values["target"]:
        try:
            target = float(values["target"])
        except ValueError:
            problems["target"] = "目标值须为数字，不设目标请留空"
    if values["direction"] not in DIRECTION_LABELS:
        problems["direction"] = "请选择越高越好或越低越好"
    if problems:
        raise IndicatorInvalid(fields=problems)
    return IndicatorSpec(
        code=code or values["code"],
        name=values["name"],
        definition=values["definition"],
        formula=values["formula"],
        unit=values["unit"],
        direction=Direction(values["direction"]),
        target=target,
        dimensions=parse_dimensions(values["dimensions"]),
    )


def _marked(formula: str, error: DomainError | None) -> tuple[str, str, str] | None:
    """The formula split around the character its error points at (1-based), to mark it."""
    position = None if error is None else error.params.get("position")
    if not isinstance(position, int) or position < 1:
        return None
    at = position - 1
    return formula[:at], formula[at : at + 1] or " ", formula[at + 1 :]


@router.get("")
def indicator_admin(request: Request, container: ContainerDep, _: Editor) -> Response:
    """Every indicator: its status, the version in use, whether a draft waits."""
    with container.read() as uow:
        found = svc.list_definitions(uow.conn)
    return render(request, "indicators/admin.html", {"definitions": found})


def _editor(
    request: Request,
    found: svc.Definition | None,
    values: dict[str, Any],
    error: DomainError | None = None,
) -> Response:
    context = {
        "d": found,
        "v": values,
        "errors": {} if error is None else error.fields,
        "error": error,
        "error_message": None if error is None else translated(error),
        "marked": _marked(values["formula"], error),
        "dimensions": list(Dimension),
        "dimension_labels": DIMENSION_LABELS,
        "direction_labels": DIRECTION_LABELS,
        "measures": list(MEASURES.values()),
        "saved": request.query_params.get("saved"),
        "published": request.query_params.get("published"),
    }
    status = 200 if error is None else error.status
    return render(request, "indicators/edit.html", context, status_code=status)


@router.get("/new")
def new_indicator(request: Request, _: Editor) -> Response:
    return _editor(request, None, values_of(None))


@router.post("/new")
async def create_indicator(request: Request, container: ContainerDep, _: Editor) -> Response:
    """A new indicator as a draft; with action=publish, published as its first version."""
    form = await request.form()
    values = _form_values(form)
    actor = actor_for(request)
    try:
        spec = spec_from(values)
        with container.uow() as uow:
            created = svc.create(uow, actor, spec)
            if form.get("action") == "publish":
                note = str(form.get("note", "")).strip()[:500]
                svc.publish(uow, actor, spec.code, created.lock_version, note)
                where = f"/admin/indicators/{spec.code}/edit?published=1"
                return RedirectResponse(where, status_code=303)
    except DomainError as error:
        return _editor(request, None, values, error)
    return RedirectResponse(f"/admin/indicators/{spec.code}/edit?saved=1", status_code=303)


@router.get("/{code}/edit")
def edit_indicator(request: Request, code: Code, container: ContainerDep, _: Editor) -> Response:
    """The draft if one waits, else the version in use: the form for the next version."""
    with container.read() as uow:
        found = svc.get(uow.conn, code)
    return _editor(request, found, values_of(found.draft or found.published))


@router.post("/{code}/edit")
async def save_indicator(
    request: Request, code: Code, container: ContainerDep, _: Editor
) -> Response:
    """Save the form as the draft, checked; with action=publish it becomes the next version in
    the same transaction (the versions before it are kept)."""
    form = await request.form()
    values = _form_values(form)
    action = str(form.get("action", "save"))
    note = str(form.get("note", "")).strip()[:500]
    actor = actor_for(request)
    try:
        lock = _lock_version(form.get("lock_version"))
        with container.uow() as uow:
            saved = svc.save_draft(uow, actor, code, spec_from(values, code), lock)
            if action == "publish":
                done = svc.publish(uow, actor, code, saved.lock_version, note)
                where = f"/admin/indicators/{code}/edit?published={done.published_version}"
                return RedirectResponse(where, status_code=303)
    except DomainError as refused:
        if refused.status == 404:
            raise
        with container.read() as uow:
            return _editor(request, svc.get(uow.conn, code), values, refused)
    return RedirectResponse(f"/admin/indicators/{code}/edit?saved=1", status_code=303)


def _lock_version(raw: Any) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise IndicatorInvalid(fields={"lock_version": "缺少版本号，请刷新页面"}) from None


@router.get("/{code}/versions")
def indicator_versions(
    request: Request, code: Code, container: ContainerDep, _: Reader
) -> Response:
    """Every published version, newest first, each viewable as it was."""
    with container.read() as uow:
        found = svc.get(uow.conn, code)
        history = svc.versions(uow.conn, code)
    context = {"d": found, "versions": history, "direction_labels": DIRECTION_LABELS}
    return render(request, "indicators/versions.html", context)


@router.get("/{code}/versions/{number}")
def indicator_version(
    request: Request, code: Code, number: Number, container: ContainerDep, _: Reader
) -> Response:
    """One published version as it was: words, formula, unit, direction, target, cuts."""
    with container.read() as uow:
        found = svc.get(uow.conn, code)
        shown = svc.version(uow.conn, code, number)
    context = {
        "d": found,
        "version": shown,
        "in_use": shown.version == found.published_version,
        "dimension_labels": DIMENSION_LABELS,
        "direction_labels": DIRECTION_LABELS,
    }
    return render(request, "indicators/version.html", context)
