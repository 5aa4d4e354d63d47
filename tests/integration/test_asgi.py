"""The ASGI factory uvicorn runs (``tongban serve``) builds a working app from the settings."""

from __future__ import annotations

import logging
from collections.abc import Iterator

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
