"""Browser fixtures: one live demo server per test process, Debian's chromium, a page per test.

Playwright never downloads a browser here: it drives the system ``chromium``.  Without it the
browser tests are skipped with a visible reason, except under CI (``CI=true``), where they fail.
A failed test leaves a screenshot of its page in ``test-results/``.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Generator, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import TEST_START
from tongban.adapters.db import migrate
from tongban.bootstrap import Container, build_container
from tongban.config import Settings
from tongban.domain.shared.clock import PinnedClock, china_date

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
SERVER_START_SECONDS = 30.0
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test, so the page fixture knows whether it failed."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


DEMO_LOADED_AT = TEST_START
"""The demo is loaded as of the tests' start, whatever the date: its dates count back from it."""
SERVED_FROM = TEST_START + timedelta(hours=1)
"""The server's clock starts an hour after the demo was loaded, the same hour on every run."""
SERVED_ON = china_date(SERVED_FROM)
"""The server's date in China."""


def _container(database: Path, clock_start: datetime) -> Container:
    settings = Settings(
        data_dir=database.parent,
        database_url=f"sqlite:///{database}",
        secret_key="browser-test-secret-" + "x" * 32,  # type: ignore[arg-type]
        log_level="WARNING",
    )
    return build_container(settings, clock=PinnedClock(clock_start))


def _build_demo_database(database: Path) -> None:
    """Migrate and load the small demo into ``database``, all in the one file."""
    from argon2 import PasswordHasher

    from tongban.demo.loader import load_demo
    from tongban.services.people import accounts as people

    container = _container(database, DEMO_LOADED_AT)
    with pytest.MonkeyPatch.context() as monkeypatch:
        # Hashes quick to make and to check, as in tests/conftest.py.
        monkeypatch.setattr(
            people, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        )
        migrate.upgrade(container.engine)
        load_demo(container, "small")
    seed_test_calendar(container)
    raw = container.engine.raw_connection()
    try:
        # Outside SQLAlchemy's transaction (the engine begins every one IMMEDIATE).
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        raw.close()
    container.engine.dispose()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This process's copy of a demo database built once per test run.

    Under xdist the workers share the parent of their temp directories: the first to get the
    lock builds the demo there (about six seconds), the others wait for it and copy.
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    template = shared / "browser-demo.db"
    with open(shared / "browser-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            building = shared / "browser-demo.building.db"
            building.unlink(missing_ok=True)
            _build_demo_database(building)
            building.rename(template)
    database = tmp_path_factory.mktemp("live-server") / "tongban.db"
    shutil.copy(template, database)
    return database


def _wait_until_healthy(base_url: str, thread: threading.Thread) -> None:
    """Poll /healthz until the server answers; the server thread dying ends the wait early."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the test server stopped while starting")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                json.load(response)
                return
        except OSError as error:
            last_error = error
            time.sleep(0.05)
    raise RuntimeError(f"the test server did not answer /healthz: {last_error}")


@pytest.fixture(scope="session")
def live_container(demo_database: Path) -> Iterator[Container]:
    """The live server's container: tests that act behind the pages' backs use its clock."""
    container = _container(demo_database, SERVED_FROM)
    yield container
    container.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_container: Container) -> Iterator[str]:
    """The demo on SQLite, served by uvicorn on 127.0.0.1 from a thread; yields its base URL."""
    from tongban.web.app import build_app

    container = live_container
    # Binding port 0 ourselves and handing uvicorn the socket leaves no race for the port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    config = uvicorn.Config(
        build_app(container), log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    base_url = f"http://{host}:{port}"
    try:
        _wait_until_healthy(base_url, thread)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _chromium_path() -> str:
    path = shutil.which("chromium")
    if path:
        return path
    reason = "Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)"
    if IN_CI:
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, shared by the whole test process."""
    executable = _chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def _screenshot_name(nodeid: str) -> str:
    return re.sub(r"[^\w.-]+", "_", nodeid).strip("_")[:180] + ".png"


@pytest.fixture
def open_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: str
) -> Iterator[Callable[..., Page]]:
    """Opens a page in a fresh context (no cookies shared between tests); desktop by default.

    ``open_page(PHONE)`` gives a touch phone of 390×844.  If the test fails, the last page
    opened is saved as ``test-results/<test>.png``.
    """
    pages: list[Page] = []

    def _open(viewport: ViewportSize = DESKTOP) -> Page:
        phone = viewport["width"] < 600
        context = browser.new_context(
            base_url=live_server,
            viewport=viewport,
            is_mobile=phone,
            has_touch=phone,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        pages.append(context.new_page())
        return pages[-1]

    yield _open
    reports = request.node.stash.get(REPORTS, {})
    if pages and any(report.failed for report in reports.values()):
        _save_screenshot(pages[-1], request.config.rootpath / "test-results", request.node.nodeid)
    for opened in pages:
        opened.context.close()


def _save_screenshot(page: Page, directory: Path, nodeid: str) -> None:
    directory.mkdir(exist_ok=True)
    path = directory / _screenshot_name(nodeid)
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError as error:  # a crashed page must not hide the test's own failure
        print(f"no screenshot for {nodeid}: {error}")


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    """A desktop page (1280×800)."""
    return open_page()


@pytest.fixture
def phone_page(open_page: Callable[..., Page]) -> Page:
    """A phone page (390×844, touch)."""
    return open_page(PHONE)
