"""A holder with e-licences issued by the library, staff who ask for them, and a fixed clock:
the data space tests' world."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.factories import make_citizen, make_staff, resident_id
from tests.integration.catalogue_fixtures import ensure_departments
from tongban.bootstrap import Container
from tongban.domain.data_space.model import Requester
from tongban.domain.people.model import Role
from tongban.services.licences import library as licences
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
ADDRESS = "广东省佛山市南海区桂城街道南海大道1号"
ID_CARD = {"sex": "女", "ethnicity": "汉", "birth_date": "1940-05-01", "address": ADDRESS}
HUKOU = {
    "household_head": "陈阿婆",
    "relation": "户主",
    "household_type": "家庭户",
    "household_address": ADDRESS,
    "birth_date": "1940-05-01",
}


@dataclass
class Holder:
    """A citizen born in 1940 with an e-ID and a Nanhai household register."""

    container: Container
    user_id: int
    id_number: str
    other_user_id: int
    other_id_number: str
    reviewer: int
    clerk: int
    issued: list[str] = field(default_factory=list)

    def actor(self, user_id: int, at: datetime = NOW) -> Actor:
        with self.container.read() as uow:
            principal = load_principal(uow.conn, user_id)
        return Actor(principal=principal, request_id=f"req-{user_id}", at=at)

    def issue(self, type_code: str, fields: dict[str, Any], holder_id: str | None = None) -> str:
        """Issue a licence through the library, as the issuing department would."""
        with self.container.uow() as uow:
            licence = licences.issue(
                uow,
                Actor(request_id="issue", at=NOW),
                self.container.keys,
                type_code=type_code,
                holder_id=holder_id or self.id_number,
                holder_name="陈阿婆",
                fields=fields,
            )
            uow.commit()
        self.issued.append(licence.id)
        return licence.id


DEPARTMENT = Requester("SCJGJ", None, None, "reviewer")
OTHER_DEPARTMENT = Requester("RSJ", None, None, "reviewer")


@pytest.fixture
def holder(container: Container) -> Iterator[Holder]:
    ensure_departments(container.engine)
    number = resident_id(born=date(1940, 5, 1))
    other_number = resident_id(born=date(1990, 3, 3))
    world = Holder(
        container=container,
        user_id=make_citizen(container, id_number=number, name="陈阿婆").user_id,
        id_number=number,
        other_user_id=make_citizen(container, id_number=other_number, name="李四").user_id,
        other_id_number=other_number,
        reviewer=make_staff(container, Role.REVIEWER).user_id,
        clerk=make_staff(container, Role.CLERK).user_id,
    )
    world.issue("id_card", ID_CARD)
    world.issue("hukou", dict(HUKOU))
    yield world


def later(minutes: int = 0, days: int = 0) -> datetime:
    return NOW + timedelta(minutes=minutes, days=days)
