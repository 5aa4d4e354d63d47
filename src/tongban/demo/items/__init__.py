"""Hand-written demo service items, one module per group of departments.

``HAND_WRITTEN_ITEMS`` is the realistic core of the Nanhai demo catalogue; the generator in
``tongban.demo.generate`` completes it to the seed's 2,155 items.
"""

from __future__ import annotations

from tongban.domain.catalogue.model import ServiceItemSpec

from . import (
    civil_affairs,
    construction,
    culture_education,
    economy,
    environment,
    health,
    insurance,
    market,
    others,
    planning,
    public_security,
    social,
    transport,
)

HAND_WRITTEN_ITEMS: tuple[ServiceItemSpec, ...] = (
    *market.ITEMS,
    *social.ITEMS,
    *insurance.ITEMS,
    *public_security.ITEMS,
    *civil_affairs.ITEMS,
    *health.ITEMS,
    *construction.ITEMS,
    *planning.ITEMS,
    *environment.ITEMS,
    *transport.ITEMS,
    *culture_education.ITEMS,
    *economy.ITEMS,
    *others.ITEMS,
)

__all__ = ["HAND_WRITTEN_ITEMS"]
