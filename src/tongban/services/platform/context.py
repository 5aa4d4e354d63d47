"""Who is acting, when, and on behalf of which request: passed to every service that writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tongban.domain.people.model import Principal


@dataclass(frozen=True, kw_only=True)
class Actor:
    """The principal (None for anonymous or the system), the request it acts in, and the
    instant it acts at, read from the container's clock by whoever builds the actor."""

    at: datetime
    principal: Principal | None = None
    request_id: str = ""
    ip: str = ""

    @property
    def user_id(self) -> int | None:
        return self.principal.user_id if self.principal else None
