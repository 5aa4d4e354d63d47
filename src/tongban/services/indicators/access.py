"""Who reads which figures: a department head their department, a town leader their town (the
town of their centre), the district leader everything.  The definitions are staff reading;
only the catalogue admin edits them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongban.domain.catalogue.model import Level
from tongban.domain.indicators.errors import OutOfJurisdiction
from tongban.domain.indicators.model import Dimension
from tongban.domain.people.model import Principal, Role
from tongban.services.platform.access import CATALOGUE_ADMIN, STAFF, roles

INDICATOR_READERS = STAFF
"""Every staff member may read what each indicator means."""
INDICATOR_EDITORS = CATALOGUE_ADMIN
FIGURE_READERS = roles(Role.LEADER, Role.DEPARTMENT_HEAD)
"""Figures and the cases behind them: leaders and department heads, each in their jurisdiction."""


@dataclass(frozen=True)
class Scope:
    """The part of the district a reader may see: None fields are not restricted."""

    department: str | None = None
    town: str | None = None

    @property
    def whole_district(self) -> bool:
        return self.department is None and self.town is None

    def forced(self) -> dict[Dimension, str]:
        out: dict[Dimension, str] = {}
        if self.department is not None:
            out[Dimension.DEPARTMENT] = self.department
        if self.town is not None:
            out[Dimension.TOWN] = self.town
        return out


DISTRICT = Scope()


def scope_of(principal: Principal) -> Scope:
    """The widest jurisdiction the principal's roles give; ``OutOfJurisdiction`` for none."""
    for assignment in principal.assignments(Role.LEADER):
        if assignment.level is Level.DISTRICT and not assignment.department_code:
            return DISTRICT
    for assignment in principal.assignments(Role.LEADER):
        if assignment.level is Level.TOWN and assignment.town:
            return Scope(town=assignment.town)
    for assignment in principal.assignments(Role.DEPARTMENT_HEAD):
        if assignment.department_code:
            return Scope(department=assignment.department_code)
    raise OutOfJurisdiction()


def check_filters(scope: Scope, filters: dict[Dimension, str]) -> dict[Dimension, str]:
    """The filters with the reader's jurisdiction imposed; asking for another department or
    town is refused (not silently narrowed), so a page or an API answers 403 for it."""
    out = dict(filters)
    for dimension, value in scope.forced().items():
        asked = out.get(dimension)
        if asked is not None and asked != value:
            raise OutOfJurisdiction()
        out[dimension] = value
    return out
