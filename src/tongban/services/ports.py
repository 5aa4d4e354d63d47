"""Ports to the outside world, implemented in ``tongban.adapters``."""

from __future__ import annotations

from typing import Protocol


class SmsSender(Protocol):
    """Sends one SMS; the demo adapter writes it to the log instead."""

    def send(self, phone: str, text: str) -> None: ...
