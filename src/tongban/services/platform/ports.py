"""Ports to the outside world, implemented in ``tongban.adapters``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, BinaryIO, Protocol


class SmsSender(Protocol):
    """Sends one SMS; the demo adapter writes it to the log instead.

    ``message_id`` (the outbox id, when the outbox sends) is an idempotency token: an adapter
    passes it to the gateway, or remembers it, so a message re-sent after a crash goes out once.
    """

    def send(self, phone: str, text: str, *, message_id: str | None = None) -> None: ...


class Courier(Protocol):
    """Free mail delivery of a result (结果包邮); the demo adapter simulates the courier.

    ``reference`` (the case number) is an idempotency token: booking the same reference again
    returns the first tracking number, so a booking retried after a rollback ships once.
    """

    def book(self, *, reference: str, recipient: str, phone: str, address: str) -> str:
        """Book a pick-up of the result; returns the tracking number."""
        ...

    def delivered_at(self, tracking_number: str) -> datetime | None:
        """When the courier handed the parcel over, or None while it is on its way."""
        ...


class FileStore(Protocol):
    """Content-addressed storage of uploaded files (a material's scan), keyed by SHA-256.

    ``put`` stores the bytes the iterable yields atomically: if the iterable raises (a refused
    upload), nothing is left behind; storing the same bytes twice keeps one copy.
    """

    def put(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Store the content; returns its SHA-256 (hex) and its size in bytes."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """The stored content for reading; ``FileNotFoundError`` when there is none."""
        ...

    def exists(self, sha256: str) -> bool: ...


class MessageTransport(Protocol):
    """Posts a JSON document to another system and returns its answer (跨城通办 delivery)."""

    def post_json(self, url: str, document: dict[str, Any]) -> tuple[int, Any]:
        """The HTTP status and the decoded JSON answer (None when it is not JSON); raises
        ``OSError`` when the other side cannot be reached."""
        ...
