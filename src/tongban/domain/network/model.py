"""The service network (服务网络): departments and service centres at three levels."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tongban.domain.catalogue.model import Level
from tongban.domain.errors import ValidationFailed
from tongban.domain.network.hours import WeeklyHours, parse_hours

Code = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Department(_Model):
    """A department that handles items (审批部门)."""

    code: Code
    name: Annotated[str, Field(min_length=2, max_length=60)]
    short_name: str = ""


class Accessibility(StrEnum):
    """适老化 / 适残化 features of a centre."""

    ELDERLY_SEATING = "elderly_seating"
    WHEELCHAIR_ACCESS = "wheelchair_access"
    ACCESSIBLE_TOILET = "accessible_toilet"
    SIGN_LANGUAGE = "sign_language"
    LARGE_PRINT = "large_print"
    READING_GLASSES = "reading_glasses"
    PRIORITY_WINDOW = "priority_window"
    HEARING_LOOP = "hearing_loop"


class Centre(_Model):
    """行政服务中心 at district, town (镇街) or community (村居) level."""

    code: Code
    name: Annotated[str, Field(min_length=2, max_length=80)]
    level: Level
    parent_code: str | None = None
    """The town centre a community centre belongs to; the district centre for a town."""
    town: str = ""
    """镇街 name (桂城街道, 九江镇, ...); empty for the district centre."""
    address: str = ""
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    opening_hours: str = "周一至周五 09:00-12:00, 14:00-17:30"
    """The weekly schedule as the notice board says it (``network.hours.parse_hours``)."""
    phone: str = ""
    windows: int = Field(default=1, ge=0, le=200)
    accessibility: tuple[Accessibility, ...] = ()

    @field_validator("opening_hours")
    @classmethod
    def _hours_parse(cls, value: str) -> str:
        try:
            parse_hours(value)
        except ValidationFailed as error:
            raise ValueError(error.fields["opening_hours"]) from None
        return value

    @property
    def hours(self) -> WeeklyHours:
        """The opening hours as a schedule (read against the calendar for holidays)."""
        return parse_hours(self.opening_hours)
