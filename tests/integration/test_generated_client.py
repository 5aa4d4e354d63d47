"""The API document is usable as it stands: a Python client generated from it at test time
(openapi-python-client, offline) lists a reviewer's cases page by page following the cursor,
reads a case, and meets a 409 and a 422 as typed errors, against a running server, with a
service account's bearer token."""

from __future__ import annotations

import importlib
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.factories import make_service_token
from tests.integration.test_cases import application, build_world, file_online
from tongban.bootstrap import Container
from tongban.domain.people.model import Role

PACKAGE = "tongban_client"


@pytest.fixture
def served(app: Any) -> Iterator[str]:
    """The test app served by uvicorn on 127.0.0.1 from a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base_url = f"http://{host}:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base_url}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.05)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def generate_client(base_url: str, into: Path) -> tuple[Any, str]:
    """Generate the client from the served document; its package and the generator's log."""
    with urllib.request.urlopen(f"{base_url}/openapi.json", timeout=10) as answer:
        (into / "openapi.json").write_bytes(answer.read())
    (into / "config.json").write_text(
        json.dumps({"post_hooks": [], "package_name_override": PACKAGE}), encoding="utf-8"
    )
    done = subprocess.run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(into / "openapi.json"), "--output-path", str(into / PACKAGE)),
            *("--meta", "none", "--config", str(into / "config.json")),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    sys.path.insert(0, str(into))
    try:
        return importlib.import_module(PACKAGE), done.stdout + done.stderr
    finally:
        sys.path.remove(str(into))


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_generated_client_pages_reads_and_meets_typed_errors(
    container: Container, served: str, tmp_path: Path
) -> None:
    world = build_world(container)
    filed = [file_online(container, world.actor(world.citizen), application()) for _ in range(5)]
    _user, token = make_service_token(container, Role.REVIEWER)
    package, log = generate_client(served, tmp_path)
    # Only file downloads (PDF, images) are beyond a JSON client; every schema was understood.
    assert "Unable to process schema" not in log, log
    assert "conflicting" not in log, log

    client = package.AuthenticatedClient(base_url=served, token=token)
    list_cases = _module("api.cases.cases_list_cases")
    error_type = _module("models.error").Error
    numbers: list[str] = []
    cursor = None
    pages = 0
    while True:
        answer = list_cases.sync_detailed(client=client, limit=2, cursor=cursor)
        assert answer.status_code == 200
        numbers += [c.number for c in answer.parsed]
        pages += 1
        cursor = answer.headers.get("X-Next-Cursor")
        if cursor is None:
            assert "Link" not in answer.headers
            break
        assert f"cursor={cursor}" in answer.headers["Link"]
    assert pages == 3
    assert sorted(numbers) == sorted(ref.number for ref in filed)

    case = _module("api.cases.cases_get_case").sync(numbers[0], client=client)
    assert case.number == numbers[0] and case.version >= 1

    too_many = list_cases.sync_detailed(client=client, limit=1000)
    assert too_many.status_code == 422
    assert isinstance(too_many.parsed, error_type) and too_many.parsed.code == "limit_too_large"

    precheck = _module("api.cases.cases_precheck")
    note_in = _module("models.cases_actions_note_in").CasesActionsNoteIn
    stale = precheck.sync_detailed(
        numbers[0],
        client=client,
        body=note_in(version=case.version + 7, note=""),
        idempotency_key=uuid.uuid4().hex,
    )
    assert stale.status_code == 409
    assert isinstance(stale.parsed, error_type) and stale.parsed.code == "stale_version"
