"""What operators and their monitoring read: readiness (``/readyz``) and metrics (``/metrics``).

``/healthz`` (in ``home``) is liveness; these two say whether the deployment does its work.
Thresholds and the metric names are listed in docs/operations.md.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from tongban.services.platform import readiness, telemetry
from tongban.web.deps import ContainerDep, Now, Today, Viewer

router = APIRouter(tags=["system"])


def _limits(container: ContainerDep) -> readiness.Thresholds:
    settings = container.settings
    return readiness.Thresholds(
        calendar_warn_days=settings.calendar_warn_days,
        worker_stale_seconds=settings.worker_stale_seconds,
        outbox_max_age_seconds=settings.outbox_max_age_seconds,
    )


@router.get(
    "/readyz",
    summary="就绪检查（数据库、工作日历、后台任务进程、待发消息）",
    responses={503: {"description": "有检查项失败：部署未在正常工作"}},
)
def readyz(container: ContainerDep, _viewer: Viewer, today: Today, now: Now) -> JSONResponse:
    """Each check ``ok``, ``warn`` or ``fail``; 503 when any fails (thresholds in
    docs/operations.md)."""
    with container.read() as uow:
        body = readiness.readiness(uow.conn, today=today, now=now, limits=_limits(container))
    return JSONResponse(body, status_code=503 if body["status"] == "fail" else 200)


@router.get("/metrics", include_in_schema=False)
def metrics(
    request: Request, container: ContainerDep, _viewer: Viewer, today: Today, now: Now
) -> Response:
    """Prometheus text exposition; behind ``TONGBAN_METRICS_TOKEN`` when it is set."""
    token = container.settings.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {token.get_secret_value()}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    with container.read() as uow:
        gauges = readiness.state_gauges(uow.conn, today=today, now=now, limits=_limits(container))
    body, content_type = telemetry.exposition(telemetry.StateCollector(gauges))
    return Response(body, media_type=content_type)
