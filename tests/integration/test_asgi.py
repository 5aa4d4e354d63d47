"""The ASGI factory uvicorn runs (``tongban serve``) builds a working app from the settings."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tongban.asgi import create_app
from tongban.config import Settings
from tongban.domain.shared.clock import PinnedClock


@pytest.fixture
def root_logging() -> Iterator[None]:
    """``create_app`` configures the process's logging; other tests keep theirs."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_the_factory_serves_pages_and_the_api_on_the_configured_clock(
    settings: Settings, root_logging: None
) -> None:
    app = create_app(settings)
    assert isinstance(app.state.container.clock, PinnedClock)  # TONGBAN_CLOCK_START
    with TestClient(app) as client:
        assert client.get("/items").status_code == 200
        assert client.get("/api/v1/me").json()["code"] == "not_authenticated"


PYHANKO_AT_START = """
import sys
from pathlib import Path


def pyhanko() -> set[str]:
    return {m for m in sys.modules if m.split(".")[0] in ("pyhanko", "pyhanko_certvalidator")}


import tongban.cli  # every command registered

assert not pyhanko(), f"the command line imports pyHanko: {sorted(pyhanko())}"

from fastapi.testclient import TestClient

from tests.factories import resident_id
from tests.unit.test_licences_pdf import TODAY, licence_of
from tongban.asgi import create_app
from tongban.services.licences import keys
from tongban.services.licences.library import render_pdf
from tongban.services.licences.verify import verify_pdf

with TestClient(create_app()):
    pass
started = pyhanko()
assert started, "the app started without importing pyHanko"
ring = keys.key_ring(Path(sys.argv[1]))
signed = render_pdf(
    licence_of(ring, resident_id(26)), ring, verify_url="https://example.test/v", issuer_name="x"
)
assert verify_pdf(signed, ring.ca_certificate_pem, None, today=TODAY).code == "valid"
assert pyhanko() == started, f"signing or checking imported {sorted(pyhanko() - started)}"
"""


def test_an_app_process_imports_pyhanko_as_it_starts_and_the_command_line_does_not(
    tmp_path: Path,
) -> None:
    """A fresh interpreter: the command line leaves pyHanko out; starting the app imports all of
    it that signing and checking a licence PDF then use, so the first download imports none."""
    env = {
        **os.environ,
        "TONGBAN_DATA_DIR": str(tmp_path / "var"),
        "TONGBAN_DATABASE_URL": f"sqlite:///{tmp_path}/tongban.db",
        "TONGBAN_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "TONGBAN_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-c", PYHANKO_AT_START, str(tmp_path / "keys")],
        env=env,
        cwd=Path(__file__).parents[2],  # where ``tests`` imports from
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
