"""Demo bundles: 开办企业, 开餐馆, 新生儿出生一件事, 退休一件事."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongban.services.context import Actor

if TYPE_CHECKING:
    from tongban.bootstrap import Container
    from tongban.demo.loader import Scale


def load(container: Container, actor: Actor, scale: Scale) -> int:
    """Load (or top up) this part of the demo; returns how many records it wrote."""
    return 0
