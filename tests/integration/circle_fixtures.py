"""The demo district's network, population grid and gazetteer, the calendar, and three items
handled at different levels, loaded through the real services."""

from __future__ import annotations

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import SYSTEM
from tests.integration.catalogue_fixtures import spec
from tongban.bootstrap import Container
from tongban.demo import centres as demo_centres
from tongban.demo import gazetteer, population
from tongban.demo.departments import DEPARTMENTS
from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.services.catalogue import items
from tongban.services.network import geography
from tongban.services.network import structure as network

COMMUNITY_ITEM = "SCJGJ-0001"
"""个体工商户设立登记: handled at town and community centres (a high-frequency item)."""
TOWN_ITEM = "SCJGJ-0002"
"""Handled at town centres only."""
DISTRICT_ITEM = "SCJGJ-0003"
"""Still marked for the district centre as well as the towns."""


def circle_items() -> list[ServiceItemSpec]:
    return [
        spec(code=COMMUNITY_ITEM),
        spec(code=TOWN_ITEM, name="食品经营许可", handled_at=["town"]),
        spec(code=DISTRICT_ITEM, name="大型活动安全许可", handled_at=["district", "town"]),
    ]


def load_district(container: Container, *, with_items: bool = True) -> None:
    """Departments and the 300 centres, the grid and the gazetteer, the calendar, the items."""
    with container.uow() as uow:
        network.upsert_departments(uow, SYSTEM, DEPARTMENTS)
        network.upsert_centres(uow, SYSTEM, demo_centres.all_centres())
        geography.replace_population_grid(uow, SYSTEM, population.population_grid())
        geography.upsert_places(uow, SYSTEM, gazetteer.places())
        if with_items:
            for item in circle_items():
                items.publish_spec(uow, SYSTEM, item)
    seed_test_calendar(container)
