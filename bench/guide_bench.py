"""Service-guide (办事指南) page benchmark on the full catalogue, per engine.

    .venv/bin/python bench/guide_bench.py [--guide-sample 200] [--guide-rounds 5]
    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/guide_bench.py

Over a sample of published item codes spread across the catalogue, cycled round after round
(after an untimed warm-up round):

* services: the two service calls of GET /items/{code} in a read-only unit of work;
* services + render: the route handler called directly (services, then the Jinja template):
  what a request costs minus HTTP, routing and middleware;
* TestClient: a full in-process request, GET /items/{code}, through ``fastapi.testclient``;

and the search page, GET /items?q=社保, both ways (handler, TestClient), and, for scale, a
TestClient GET of an empty route the bench adds to its own app instance.  Prints figures in
milliseconds; never fails on time.  Target (the issue): a guide page under 20 ms p99.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from common import (
    MEASURED_HEADERS,
    BenchDatabase,
    Measured,
    databases,
    print_table,
    run_series,
)
from fastapi import FastAPI
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from tongban import i18n
from tongban.adapters.db.tables import service_items
from tongban.services.catalogue import items as catalogue
from tongban.web.app import build_app
from tongban.web.pages.catalogue import guide_page, items_page

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

TARGET_MS = 20.0
SEARCH_PAGE_QUERY = "社保"
FLOOR_PATH = "/_bench/empty"
"""A do-nothing sync route the bench adds to its own app: what any TestClient GET costs."""


@dataclass(frozen=True)
class GuideFigures:
    engine: str
    sample: int
    service: Measured
    handler: Measured
    """Service calls plus template render: the issue's figure without HTTP."""
    request: Measured
    """A full TestClient request: the issue's figure with HTTP."""
    search_handler: Measured
    search_request: Measured
    floor: Measured
    """TestClient GET of an empty sync route: client, middleware, routing, thread-pool hop."""
    page_kib: float


def test_client(app: FastAPI) -> TestClient:
    with warnings.catch_warnings():
        # Starlette's notice that its TestClient is moving off httpx: not the bench's business.
        warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
        from fastapi.testclient import TestClient

    return TestClient(app)


def sample_codes(db: BenchDatabase, size: int) -> list[str]:
    """``size`` published item codes spread evenly over the catalogue, in code order."""
    with db.container.read() as uow:
        codes = list(
            uow.conn.execute(
                select(service_items.c.code)
                .where(service_items.c.status == "published")
                .order_by(service_items.c.code)
            ).scalars()
        )
    step = max(1, len(codes) // size)
    return codes[::step][:size]


def page_request(app: FastAPI, path: str, query: str = "", **path_params: str) -> Request:
    """The ASGI scope a cookie-less GET has when it reaches the route handler."""
    return Request(
        {
            "type": "http",
            "app": app,
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "scheme": "http",
            "server": ("testserver", 80),
            "client": ("testclient", 50000),
            "headers": [(b"host", b"testserver")],
            "query_string": query.encode(),
            "path_params": path_params,
            "state": {},
        }
    )


def _check(status: int, path: str) -> None:
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}")


def run(db: BenchDatabase, *, sample: int, rounds: int, warmup: int) -> GuideFigures:
    codes = sample_codes(db, sample)
    app = build_app(db.container)
    app.add_api_route(FLOOR_PATH, lambda: PlainTextResponse(""), include_in_schema=False)
    container = db.container
    search_path = f"/items?q={SEARCH_PAGE_QUERY}"
    search_rounds = len(codes) * rounds // 2
    print(f"\n== guide page on {db.label}: {len(codes)} item codes × {rounds} rounds "
          f"(+{warmup} warm-up); search page GET {search_path} × {search_rounds}")  # fmt: skip

    def service(code: str) -> None:
        with container.read() as uow:
            catalogue.published_item(uow.conn, code, None)
            catalogue.history(uow.conn, code)

    def guide_handler(code: str) -> int:
        request = page_request(app, f"/items/{code}", code=code)
        response = guide_page(request, code, container, None, None)
        _check(response.status_code, request.url.path)
        return len(response.body)

    def search_handler() -> None:
        query = f"q={quote(SEARCH_PAGE_QUERY)}"
        request = page_request(app, "/items", query)
        response = items_page(request, container, None, SEARCH_PAGE_QUERY, "", "", False, 1)
        _check(response.status_code, search_path)

    def each(call: Callable[[str], object]) -> list[Callable[[], object]]:
        return [lambda c=c: call(c) for c in codes]

    token = i18n.current_locale.set(i18n.negotiate(None, None))  # what the middleware does
    try:
        sizes = [guide_handler(code) for code in codes]
        service_m = run_series(each(service), rounds=rounds, warmup=warmup)
        handler_m = run_series(each(guide_handler), rounds=rounds, warmup=warmup)
        search_handler_m = run_series([search_handler], rounds=search_rounds, warmup=warmup * 10)
    finally:
        i18n.current_locale.reset(token)

    with test_client(app) as client:

        def get(path: str) -> None:
            _check(client.get(path).status_code, path)

        request_m = run_series(each(lambda c: get(f"/items/{c}")), rounds=rounds, warmup=warmup)
        search_m = run_series([lambda: get(search_path)], rounds=search_rounds, warmup=warmup * 10)
        floor_m = run_series([lambda: get(FLOOR_PATH)], rounds=search_rounds, warmup=warmup * 10)

    figures = GuideFigures(
        engine=db.label,
        sample=len(codes),
        service=service_m,
        handler=handler_m,
        request=request_m,
        search_handler=search_handler_m,
        search_request=search_m,
        floor=floor_m,
        page_kib=sum(sizes) / len(sizes) / 1024,
    )
    print(f"guide page: {figures.page_kib:.1f} KiB of HTML on average")
    print_table(
        ["", *MEASURED_HEADERS],
        [
            ["guide: services", *service_m.cells()],
            ["guide: services + render", *handler_m.cells()],
            ["guide: TestClient GET /items/{code}", *request_m.cells()],
            ["search page: services + render", *search_handler_m.cells()],
            [f"search page: TestClient GET {search_path}", *search_m.cells()],
            [f"floor: TestClient GET {FLOOR_PATH} (empty route)", *floor_m.cells()],
        ],
    )
    return figures


def run_all(
    dbs: Sequence[BenchDatabase], *, sample: int, rounds: int, warmup: int
) -> list[GuideFigures]:
    return [run(db, sample=sample, rounds=rounds, warmup=warmup) for db in dbs]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--guide-sample", type=int, default=200, help="item codes to cycle")
    parser.add_argument("--guide-rounds", type=int, default=5, help="rounds over the sample")
    parser.add_argument("--guide-warmup", type=int, default=1, help="untimed rounds first")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args()
    with databases() as dbs:
        results = run_all(
            dbs, sample=args.guide_sample, rounds=args.guide_rounds, warmup=args.guide_warmup
        )
    rows = []
    for r in results:
        rows.append([r.engine, "services + render", *r.handler.cells(), f"{TARGET_MS:.0f}"])
        rows.append([r.engine, "TestClient request", *r.request.cells(), f"{TARGET_MS:.0f}"])
    print_table(
        ["engine", "guide page", *MEASURED_HEADERS, "target p99 ms"], rows, title="guide page"
    )


if __name__ == "__main__":
    main()
