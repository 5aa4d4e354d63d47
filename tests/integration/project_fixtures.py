"""A proxy-service world: the departments and roadmap items, the calendar, companies, agents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import SYSTEM
from tests.factories import make_enterprise, make_staff
from tongban.bootstrap import Container
from tongban.demo.departments import DEPARTMENTS
from tongban.demo.items import HAND_WRITTEN_ITEMS
from tongban.domain.people.model import Role
from tongban.domain.projects.model import ProjectInput
from tongban.domain.projects.roadmap import item_codes
from tongban.services.catalogue import items as catalogue
from tongban.services.network import structure as network
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.services.projects import lifecycle as svc


def at(day: str, hour: int = 10) -> datetime:
    """An instant on ``day`` in China (UTC+8)."""
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=hour - 8)


@dataclass
class ProjectWorld:
    container: Container
    company: int
    company_code: str
    other_company: int
    other_code: str
    agent: int
    other_agent: int

    def actor(self, user_id: int, day: str = "2026-11-02", hour: int = 10) -> Actor:
        with self.container.read() as uow:
            principal = load_principal(uow.conn, user_id)
        return Actor(principal=principal, request_id=f"req-{user_id}-{day}", at=at(day, hour))


def publish_roadmap_items(container: Container) -> None:
    wanted = item_codes()
    with container.uow() as uow:
        network.upsert_departments(uow, SYSTEM, DEPARTMENTS)
        uow.commit()
    with container.uow() as uow:
        for spec in HAND_WRITTEN_ITEMS:
            if spec.code in wanted:
                catalogue.publish_spec(uow, SYSTEM, spec)
        uow.commit()


def build_project_world(container: Container) -> ProjectWorld:
    publish_roadmap_items(container)
    seed_test_calendar(container)
    company = make_enterprise(container, name="佛山市南海区测试制造有限公司")
    other = make_enterprise(container, name="佛山市南海区另一家有限公司")
    return ProjectWorld(
        container=container,
        company=company.user_id,
        company_code=company.login,
        other_company=other.user_id,
        other_code=other.login,
        agent=make_staff(container, Role.AGENT, name="冯代办").user_id,
        other_agent=make_staff(container, Role.AGENT, name="梁代办").user_id,
    )


def project_input(**changes: object) -> ProjectInput:
    values: dict[str, object] = {
        "name": "年产 10 万台智能家电生产基地",
        "investment_wan": "52000",
        "industry": "先进制造",
        "site_address": "狮山镇科技工业园 A 区 12 号",
        "town": "狮山镇",
        "construction": True,
        "legal_representative": "李大同",
    }
    values.update(changes)
    return ProjectInput(**values)  # type: ignore[arg-type]


def register(world: ProjectWorld, company: int | None = None, **changes: object) -> svc.ProjectRef:
    who = company or world.company
    changes.setdefault(
        "credit_code", world.company_code if who == world.company else world.other_code
    )
    with world.container.uow() as uow:
        return svc.register_project(uow, world.actor(who), project_input(**changes))


def authorised_project(world: ProjectWorld, **changes: object) -> svc.ProjectRef:
    """A registered project whose company requested the proxy service and authorised the agent."""
    ref = register(world, **changes)
    with world.container.uow() as uow:
        ref = svc.request_proxy_service(uow, world.actor(world.company), ref.code, ref.version)
    with world.container.uow() as uow:
        return svc.authorise_agent(uow, world.actor(world.company), ref.code, ref.version)
