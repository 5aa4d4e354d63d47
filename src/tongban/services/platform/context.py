"""Who is acting, when, and on behalf of which request: passed to every service that writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tongban.domain.cases.values import AssistedBy
from tongban.domain.people.model import Principal


@dataclass(frozen=True)
class Via:
    """Where an applicant acting in person does so through something of a centre: a kiosk
    (自助终端, its ``kiosk`` code) or a staff member at an assisted online filing desk (网办辅导,
    ``assisted_by``).  Only the self-service use cases build one, after identifying the person."""

    centre_code: str | None
    kiosk: str | None = None
    assisted_by: AssistedBy | None = None


@dataclass(frozen=True, kw_only=True)
class Actor:
    """The principal (None for anonymous or the system), the request it acts in, and the
    instant it acts at, read from the container's clock by whoever builds the actor."""

    at: datetime
    principal: Principal | None = None
    request_id: str = ""
    ip: str = ""
    via: Via | None = None

    @property
    def user_id(self) -> int | None:
        return self.principal.user_id if self.principal else None
