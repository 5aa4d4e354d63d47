"""Who is acting, and on behalf of which request: passed to every service that writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tongban.domain.people.model import Principal


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """The principal (None for anonymous or the system) and the request it acts in."""

    principal: Principal | None = None
    request_id: str = ""
    ip: str = ""
    at: datetime = field(default_factory=utcnow)

    @property
    def user_id(self) -> int | None:
        return self.principal.user_id if self.principal else None


SYSTEM = Actor(request_id="system")
