"""An API answer read off a service's view: the one way a dataclass becomes its pydantic body."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

Out = TypeVar("Out", bound=BaseModel)


def out(model: type[Out], view: object, **computed: Any) -> Out:
    """``model`` with each field taken from the view's attribute of the same name, and
    ``computed`` for the fields the route works out itself (a label, a link, a status)."""
    values = {name: getattr(view, name) for name in model.model_fields if hasattr(view, name)}
    return model.model_validate({**values, **computed})
