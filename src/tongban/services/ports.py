"""Ports to the outside world, implemented in ``tongban.adapters``."""

from __future__ import annotations

from typing import Protocol


class SmsSender(Protocol):
    """Sends one SMS; the demo adapter writes it to the log instead.

    ``message_id`` (the outbox id, when the outbox sends) is an idempotency token: an adapter
    passes it to the gateway, or remembers it, so a message re-sent after a crash goes out once.
    """

    def send(self, phone: str, text: str, *, message_id: str | None = None) -> None: ...
