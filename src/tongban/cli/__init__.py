"""The ``tongban`` command line: serve, migrate, demo data, imports, exports, statistics."""

from __future__ import annotations

from tongban.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
