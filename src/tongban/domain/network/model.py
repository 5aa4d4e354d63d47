"""The service network (服务网络): departments and service centres at three levels."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


class GroupKind(StrEnum):
    """What a window group is for: items, the hard-case window, or assisted online filing."""

    GENERAL = "general"
    HARD_CASE = "hard_case"
    """办不成事窗口."""
    ASSISTED = "assisted"
    """网办辅导区."""


class WindowGroup(_Model):
    """窗口分组: the windows that serve the same items and share one queue.

    Its code is the letter its queue numbers start with (A023).  ``departments`` names the
    departments whose items it serves; none means every item the centre handles (综合窗口)."""

    code: Annotated[str, Field(pattern=r"^[A-Z]$")]
    name: Annotated[str, Field(min_length=2, max_length=40)]
    departments: tuple[Code, ...] = ()
    kind: GroupKind = GroupKind.GENERAL

    def serves(self, department_code: str) -> bool:
        """Whether this group serves the items of ``department_code``."""
        if self.kind is not GroupKind.GENERAL:
            return False
        return not self.departments or department_code in self.departments


class ServiceWindow(_Model):
    """窗口: a numbered desk, the groups whose queues it calls, and whether it is the priority
    window (老弱病残孕优先: it calls priority tickets of its groups first)."""

    number: int = Field(ge=1, le=200)
    groups: Annotated[tuple[Annotated[str, Field(pattern=r"^[A-Z]$")], ...], Field(min_length=1)]
    priority: bool = False


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
    window_groups: tuple[WindowGroup, ...] = ()
    service_windows: tuple[ServiceWindow, ...] = ()
    """The numbered windows; when given, ``windows`` is their count."""

    @field_validator("opening_hours")
    @classmethod
    def _hours_parse(cls, value: str) -> str:
        if not value.strip():
            return ""  # not published
        try:
            parse_hours(value)
        except ValidationFailed as error:
            raise ValueError(error.fields["opening_hours"]) from None
        return value

    @property
    def hours(self) -> WeeklyHours | None:
        """The opening hours as a schedule (read against the calendar for holidays); None
        when the centre has not published them."""
        return parse_hours(self.opening_hours) if self.opening_hours else None

    @model_validator(mode="after")
    def _layout_consistent(self) -> Centre:
        codes = [g.code for g in self.window_groups]
        if len(codes) != len(set(codes)):
            raise ValueError("窗口分组的字母不得重复")
        numbers = [w.number for w in self.service_windows]
        if len(numbers) != len(set(numbers)):
            raise ValueError("窗口编号不得重复")
        for window in self.service_windows:
            unknown = set(window.groups) - set(codes)
            if unknown:
                raise ValueError(
                    f"{window.number} 号窗口属于未定义的分组：{'、'.join(sorted(unknown))}"
                )
        if self.service_windows and self.windows != len(self.service_windows):
            raise ValueError("窗口数应与窗口清单一致")
        return self

    def group(self, code: str) -> WindowGroup | None:
        return next((g for g in self.window_groups if g.code == code), None)

    def group_for(self, department_code: str) -> WindowGroup | None:
        """The group whose queue an item of ``department_code`` joins: a group for that
        department first, else the general one (综合窗口); None if no window serves it."""
        serving = [g for g in self.window_groups if g.serves(department_code)]
        specific = [g for g in serving if g.departments]
        chosen = specific or serving
        return chosen[0] if chosen else None

    def windows_of(self, group_code: str) -> tuple[ServiceWindow, ...]:
        return tuple(w for w in self.service_windows if group_code in w.groups)
