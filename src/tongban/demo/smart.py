"""Demo smart-approval rule sets and the citizens and companies whose data exercises them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongban.services.context import Actor

if TYPE_CHECKING:
    from tongban.bootstrap import Container
    from tongban.demo.loader import Scale


def load(container: Container, actor: Actor, scale: Scale) -> int:
    """Load (or top up) this part of the demo; returns how many records it wrote."""
    return 0
