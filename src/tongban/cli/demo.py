"""``tongban demo``: load the Nanhai demonstration data."""

from __future__ import annotations


def demo() -> None:
    """Load the Nanhai demo data."""
