"""The ASGI entry point: ``uvicorn --factory tongban.asgi:create_app``.

Apart from ``bootstrap``, so that the wiring never imports the web layer: the web layer takes
its ``Container`` type from ``bootstrap``, and this module is the one place that joins them.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from tongban.bootstrap import build_container, configure_logging
from tongban.config import Settings
from tongban.web.app import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the container from the settings (``TONGBAN_*``) and the app around it."""
    container = build_container(settings)
    configure_logging(container.settings.log_level, container.settings.log_format)
    if container.settings.clock_start is not None:
        logging.getLogger(__name__).warning(
            "TONGBAN_CLOCK_START is set: this process's clock started at %s, not the real time",
            container.settings.clock_start.isoformat(),
        )
    return build_app(container)
