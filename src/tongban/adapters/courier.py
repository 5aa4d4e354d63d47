"""Courier adapters. The demo has no courier contract: ``SimulatedCourier`` plays the courier."""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import UTC, datetime

from tongban.domain.shared.masking import mask_phone

log = logging.getLogger("tongban.courier")


class SimulatedCourier:
    """Books parcels in memory and is told by the demo (or a test) when one arrived.

    Tracking numbers look like SF's: ``SF`` and 12 digits from a hash of the reference and a
    counter, so they are stable within a process and the same reference books once.
    """

    def __init__(self) -> None:
        self._by_reference: dict[str, str] = {}
        self._delivered: dict[str, datetime] = {}
        self._booked: dict[str, str] = {}
        self._count = 0
        self._lock = threading.Lock()

    def book(self, *, reference: str, recipient: str, phone: str, address: str) -> str:
        with self._lock:
            known = self._by_reference.get(reference)
            if known is not None:
                return known
            self._count += 1
            digest = hashlib.sha256(f"{reference}#{self._count}".encode()).hexdigest()
            tracking = "SF" + f"{int(digest, 16) % 10**12:012d}"
            self._by_reference[reference] = tracking
            self._booked[tracking] = reference
        log.info("快递已下单 %s → %s（%s）", tracking, recipient[:1] + "*", mask_phone(phone))
        return tracking

    def delivered_at(self, tracking_number: str) -> datetime | None:
        return self._delivered.get(tracking_number)

    def confirm_delivery(self, tracking_number: str, at: datetime | None = None) -> str:
        """The demo's stand-in for the courier's "signed for" callback; returns the reference."""
        with self._lock:
            reference = self._booked.get(tracking_number)
            if reference is None:
                raise KeyError(f"unknown tracking number {tracking_number}")
            self._delivered.setdefault(tracking_number, at or datetime.now(UTC))
        return reference
