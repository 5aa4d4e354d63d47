"""A paired kiosk at the 桂城 centre and 陈阿婆 (born 1940, with an e-ID and a household
register) standing in front of it: the self-service tests' world."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.clock import SYSTEM
from tests.factories import TOWN_CENTRE_CODE, make_staff
from tests.integration.catalogue_fixtures import spec
from tests.integration.data_space_fixtures import NOW, Holder
from tests.integration.data_space_fixtures import holder as holder
from tongban.adapters.db.tables import cases
from tongban.adapters.db.tables_self_service import kiosk_visits
from tongban.domain.people.model import Role
from tongban.services.catalogue import items as catalogue
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.services.self_service import kiosks, visits

ITEM = "SCJGJ-0201"
"""高龄津贴申领: offered at kiosks; its form reads the e-ID and the household register."""
WINDOW_ONLY = "SCJGJ-0202"
FORM = [
    {"name": "applicant_name", "label": "申请人姓名", "source": "id_card.holder_name"},
    {"name": "birth_date", "label": "出生日期", "type": "date", "source": "id_card.birth_date"},
    {
        "name": "address",
        "label": "户籍地址",
        "type": "address",
        "source": "hukou.household_address",
    },
    {"name": "phone", "label": "联系电话", "type": "phone"},
]
MATERIALS = [
    {"name": "申请人居民身份证", "key": True, "licence_type": "id_card"},
    {"name": "户口簿", "key": True},
    {"name": "银行账户信息", "key": False},
]
IDLE = 60


@dataclass
class Kiosk:
    """The world: the holder, a centre manager, and a kiosk paired as ``device``."""

    holder: Holder
    manager: int
    device: int
    code: str = "GC-ZZ-01"

    @property
    def container(self) -> Any:
        return self.holder.container

    def as_manager(self, at: datetime = NOW) -> Actor:
        return self.holder.actor(self.manager, at)

    def as_device(self, at: datetime = NOW) -> Actor:
        with self.container.read() as uow:
            principal = load_principal(uow.conn, self.device)
        return Actor(principal=principal, request_id="kiosk-req", at=at, ip="10.0.0.8")

    def card(self, at: datetime = NOW) -> visits.Screen:
        """陈阿婆 puts her ID card on the reader."""
        with self.container.uow() as uow:
            return visits.start_visit(
                uow,
                self.as_device(at),
                "id_card",
                card={"id_number": self.holder.id_number, "name": "陈阿婆"},
                key="kiosk-test-key",
                reader=self.container.id_card_reader,
            )

    def cases(self) -> int:
        with self.container.read() as uow:
            return int(uow.conn.execute(select(func.count()).select_from(cases)).scalar_one())

    def visit_rows(self) -> list[Any]:
        with self.container.read() as uow:
            return list(uow.conn.execute(select(kiosk_visits).order_by(kiosk_visits.c.id)))


def at(seconds: int) -> datetime:
    return NOW + timedelta(seconds=seconds)


def publish_items(container: Any) -> None:
    citizen = {"audience": "citizen", "form": FORM, "materials": MATERIALS}
    offered = spec(
        code=ITEM,
        name="高龄津贴申领",
        channels=["online", "window", "self_service"],
        **citizen,
    )
    window_only = spec(
        code=WINDOW_ONLY,
        name="养老服务补贴申领",
        channels=["window"],
        fully_online=False,
        **citizen,
    )
    with container.uow() as uow:
        catalogue.publish_spec(uow, SYSTEM, offered)
        catalogue.publish_spec(uow, SYSTEM, window_only)
        uow.commit()


@pytest.fixture
def kiosk(holder: Holder) -> Iterator[Kiosk]:
    container = holder.container
    publish_items(container)
    manager = make_staff(container, Role.CENTRE_MANAGER, TOWN_CENTRE_CODE).user_id
    actor = holder.actor(manager)
    with container.uow() as uow:
        registered = kiosks.register_kiosk(
            uow, actor, code="gc-zz-01", name="桂城中心一楼自助终端", idle_seconds=IDLE
        )
        pairing = kiosks.issue_pairing_code(uow, actor, registered.code)
    device = Actor(at=NOW, request_id="pairing", ip="10.0.0.8")
    with container.uow() as uow:
        kiosks.pair_device(uow, device, registered.code, pairing.code, session_days=30)
    yield Kiosk(holder=holder, manager=manager, device=registered.user_id)
