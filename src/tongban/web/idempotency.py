"""``Idempotency-Key`` on routes that create or change a case: a repeat returns the first answer.

A route takes the ``IdempotencyKey`` dependency (a missing key is 428
``idempotency_key_required``) and hands its use case to ``run_once``::

    @router.post("/cases", status_code=201, response_model=CaseOut)
    def submit(request: Request, body: SubmitIn, key: IdempotencyKey,
               container: ContainerDep, _: Applicant) -> Response:
        return run_once(
            request, container, key,
            lambda uow, actor: CaseOut.of(cases.submit(uow, actor, body)),
            status=201,
        )

The case writes and 秒批 take the access policy, the container and the key as one dependency
instead, ``allow_once(policy)`` (a ``Write``), and hand the same to ``run_once``::

    Applicant = Annotated[Write, Depends(allow_once(access.APPLICANT))]

    def submit(request: Request, body: SubmitIn, write: Applicant) -> Response:
        return run_once(request, write.container, write.key, action, status=201)

The action runs the service as the request's actor on the unit of work it is given: the
service's transaction joins the one that holds the key, and the answer is stored in it, so all
three commit together.  A repeat gets the stored answer with the header
``Idempotent-Replayed: true``; a repeat while the first is still running gets 409
``idempotency_in_progress`` and should retry; the key with another body gets 422
``idempotency_key_reused``.  A domain error is not stored: the key is released and the client
may retry with the same key.  Page forms do the same through ``run_form_once``, with the key in
a hidden field.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from tongban.bootstrap import Container
from tongban.domain.errors import IdempotencyKeyRequired
from tongban.domain.people.model import Principal
from tongban.services.platform import access, idempotency
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.web.deps import actor_for, admit, load_principal, now_of

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class IdempotentRequest:
    """The client's key and the hash of the request it is bound to."""

    key: str
    request_hash: str


async def _body_digest(request: Request) -> bytes:
    """The body as received; for forms, the fields and each file's name and content hash.

    FastAPI has already read (and cached) the body or the form when a route declares one.
    """
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return await request.body()
    form = await request.form()
    fields: list[list[str]] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            content = await value.read()
            await value.seek(0)
            fields.append([name, "file", value.filename or "", hashlib.sha256(content).hexdigest()])
        else:
            fields.append([name, "text", value])
    return idempotency.canonical_json(sorted(fields)).encode()


KeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        description="幂等键（必填）：每个新操作一个新的随机值（如 UUID）；"
        "重试时使用同一个值，24 小时内返回首次的结果而不重复办理。",
    ),
]


async def bind_key(request: Request, key: str | None) -> IdempotentRequest:
    """The request's idempotency key (required) bound to its method, path and body."""
    if key is None or key == "":
        raise IdempotencyKeyRequired()
    idempotency.check_key(key)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    body = await _body_digest(request)
    return IdempotentRequest(key, idempotency.hash_request(request.method, target, body))


async def idempotency_key(request: Request, key: KeyHeader = None) -> IdempotentRequest:
    """Dependency: the request's idempotency key (required) bound to its method, path and body."""
    return await bind_key(request, key)


IdempotencyKey = Annotated[IdempotentRequest, Depends(idempotency_key)]


@dataclass(frozen=True)
class Write:
    """What a route that changes something once per key needs: the principal the policy
    admitted, the container and the bound key, solved as one dependency (``allow_once``)."""

    principal: Principal | None
    container: Container
    key: IdempotentRequest


def allow_once(policy: access.Policy) -> Callable[..., Any]:
    """``allow(policy)``, the container and the ``IdempotencyKey`` as one dependency.

    FastAPI solves each dependency of a route on its own: a recursive solve with its own
    matching of the request's path, query, headers and cookies against its parameters and its
    own cache entry; one dependency instead of three does that once.  The checks run in the
    order the three ran them, so a request gets the same refusal as before: the policy, the
    second factor, CSRF (403), then the key (428, 422).  The ``Idempotency-Key`` header is
    documented as before.  ``tests/integration/test_access_matrix.py`` finds the policy on it
    as on ``allow``."""

    async def dependency(request: Request, key: KeyHeader = None) -> Write:
        principal = await admit(request, policy)
        container: Container = request.app.state.container
        return Write(principal, container, await bind_key(request, key))

    dependency.policy = policy  # type: ignore[attr-defined]
    dependency.__name__ = f"allow_{policy.name}"
    return dependency


def _scope(request: Request) -> str:
    """Whose keys a request's key is among: its principal's, or the anonymous ones."""
    principal = load_principal(request)
    return str(principal.user_id) if principal is not None else idempotency.ANONYMOUS


def run_idempotent(
    request: Request,
    container: Container,
    key: IdempotentRequest,
    handler: Callable[[UnitOfWork], tuple[int, Any]],
) -> JSONResponse:
    """Run ``handler`` once for this principal's key; a repeat returns the stored answer.

    ``handler`` gets the unit of work to run the service on and returns (status, body); the
    body is stored as JSON (pydantic models are encoded).
    """

    def encoded(uow: UnitOfWork) -> tuple[int, Any]:
        status, body = handler(uow)
        return status, json_ready(body)

    outcome = idempotency.run(
        container.engine,
        key=key.key,
        scope=_scope(request),
        request_hash=key.request_hash,
        handler=encoded,
        now=now_of(request),
    )
    headers = {REPLAYED_HEADER: "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)


def json_ready(body: Any) -> Any:
    """``body`` as JSON types.  A pydantic model (every route's answer) is dumped by pydantic
    itself, which is what ``jsonable_encoder`` starts with; its second walk over the dumped
    dict, key by key in Python, changes nothing in a JSON-mode dump (a 秒批 answer's explained
    rules made it about 3% of the request's CPU)."""
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", by_alias=True)
    return jsonable_encoder(body)


Action = Callable[[UnitOfWork, Actor], Any]
"""A use case run as the request's actor; returns the answer's body (a pydantic model or
anything ``jsonable_encoder`` takes)."""


def run_once(
    request: Request,
    container: Container,
    key: IdempotentRequest,
    action: Action,
    *,
    status: int = 200,
) -> JSONResponse:
    """Run ``action`` as the request's actor once for this principal's key and answer
    ``status`` with what it returns; a repeat gets the stored answer."""
    actor = actor_for(request)
    return run_idempotent(request, container, key, lambda uow: (status, action(uow, actor)))


SECRET_FIELD = "one_time_password"


def run_once_secret(
    request: Request,
    container: Container,
    key: IdempotentRequest,
    action: Action,
    *,
    status: int = 200,
) -> JSONResponse:
    """``run_once`` for an answer carrying a credential (``one_time_password`` fields, at any
    depth): the stored answer has them as null, so only the first answer shows them and no
    password rests in the key store; a repeat gets the rest of the answer."""
    actor = actor_for(request)
    first: dict[str, Any] = {}

    def handler(uow: UnitOfWork) -> tuple[int, Any]:
        first["body"] = json_ready(action(uow, actor))
        return status, _without_secrets(first["body"])

    outcome = idempotency.run(
        container.engine,
        key=key.key,
        scope=_scope(request),
        request_hash=key.request_hash,
        handler=handler,
        now=now_of(request),
    )
    if outcome.replayed:
        headers = {REPLAYED_HEADER: "true"}
        return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)
    return JSONResponse(first["body"], status_code=outcome.status)


def _without_secrets(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: None if k == SECRET_FIELD else _without_secrets(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_without_secrets(v) for v in body]
    return body


FORM_KEY = "idem"
"""The hidden field a page form that creates a case carries: a key made when the page was
shown, so a second click (or a resend after a lost answer) finds the first submission."""


def new_form_key() -> str:
    return uuid.uuid4().hex


def form_key(form: FormData) -> str:
    """The key a form shown again with its errors carries: the one it was sent with (the failed
    attempt stored nothing under it), so the corrected form, clicked twice, still files once."""
    return str(form.get(FORM_KEY) or "") or new_form_key()


async def run_form_once(
    request: Request, container: Container, action: Action
) -> idempotency.Outcome:
    """``run_once`` for a page form: the key is the form's hidden ``idem`` field (a fresh one
    when the form has none), bound to the page's path and the form's contents.  ``action``
    returns a JSON-able body, stored and given back on a repeat.  Runs in the thread pool.  An
    action that raises leaves no key, so the corrected form, sent again with the same key,
    runs."""
    actor = actor_for(request)

    def handler(uow: UnitOfWork) -> tuple[int, Any]:
        return 201, json_ready(action(uow, actor))

    form = await request.form()
    key = idempotency.check_key(form_key(form))
    request_hash = idempotency.hash_request("POST", request.url.path, await _body_digest(request))
    return await run_in_threadpool(
        functools.partial(
            idempotency.run,
            container.engine,
            key=key,
            scope=_scope(request),
            request_hash=request_hash,
            handler=handler,
            now=now_of(request),
        )
    )
