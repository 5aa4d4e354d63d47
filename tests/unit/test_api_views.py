"""An API answer is read off a service's view by field name; the route adds what it computes."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from tongban.domain.cases.status import CaseStatus
from tongban.web.api.views import out


@dataclass(frozen=True)
class View:
    number: str
    status: CaseStatus
    materials: tuple[str, ...]
    internal: str = "never shown"


class Answer(BaseModel):
    number: str
    status: str
    status_label: str
    materials: list[str]


def test_fields_come_from_the_views_attributes_and_the_route_adds_the_rest() -> None:
    view = View("NH20261116-000001", CaseStatus.ACCEPTED, ("身份证明",))
    answer = out(Answer, view, status_label=view.status.label)
    assert answer.model_dump() == {
        "number": "NH20261116-000001",
        "status": "accepted",
        "status_label": CaseStatus.ACCEPTED.label,
        "materials": ["身份证明"],
    }
