"""The standard indicators (指标体系), published once; their figures come from the demo's cases,
items, tickets and hard cases as the other parts load them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongban.services.indicators import definitions
from tongban.services.platform.context import Actor

if TYPE_CHECKING:
    from tongban.bootstrap import Container
    from tongban.demo.loader import Scale


def load(container: Container, actor: Actor, scale: Scale) -> int:
    """Publish the standard indicators that are missing; returns how many."""
    with container.uow() as uow:
        return definitions.seed(uow, actor)
