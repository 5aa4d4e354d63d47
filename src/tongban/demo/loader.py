"""Loads the Nanhai demo data through the real services, so the demo obeys every rule."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select

from tongban.adapters.db.tables import service_items
from tongban.bootstrap import Container
from tongban.demo.jurisdictions import NANHAI
from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.domain.shared.clock import china_date
from tongban.services.catalogue import lists
from tongban.services.catalogue.bulk import publish_specs
from tongban.services.network import geography
from tongban.services.network import structure as network
from tongban.services.platform import calendar, calendar_import, jurisdiction
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork

Scale = Literal["small", "full"]
EXTRA_PARTS = (
    "licences",
    "smart",
    "projects",
    "bundles",
    "approval",
    "visits",
    "service_desk",
    "supervision",
    "evaluation",
    "indicators",
)
"""Later parts of the demo, loaded in this order after the catalogue and the people."""


@dataclass
class DemoSummary:
    departments: int = 0
    centres: int = 0
    population_cells: int = 0
    places: int = 0
    calendar_days: int = 0
    items_published: int = 0
    items_unchanged: int = 0
    list_entries: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    extras: dict[str, int] = field(default_factory=dict)
    """Records written by each later part of the demo (licences, rules, projects ...)."""


def demo_items(scale: Scale) -> Sequence[ServiceItemSpec]:
    if scale == "full":
        from tongban.demo.generate import full_catalogue

        return full_catalogue()
    from tongban.demo.items import HAND_WRITTEN_ITEMS

    return HAND_WRITTEN_ITEMS


EXAMPLE_CALENDARS = Path(__file__).parent / "data"
"""Where the example schedules ``calendar-YYYY-example.csv`` ship (the import format sample)."""


def demo_calendar(uow: UnitOfWork, actor: Actor, warn_days: int) -> int:
    """The demo only: when the official calendar runs short, load the shipped example schedule
    of each following year, flagged as an example (every page and /healthz then say so), so a
    demo started in January still computes deadlines.  A production deployment never calls
    this.  Returns the number of days added."""
    today = china_date(actor.at)
    status = calendar.calendar_status(uow.conn, today, warn_days)
    if not status.warn or status.known_until is None:
        return 0
    added = 0
    for year in range(status.known_until.year + 1, today.year + 2):
        example = EXAMPLE_CALENDARS / f"calendar-{year}-example.csv"
        if year in status.years or not example.exists():
            break
        text = example.read_text(encoding="utf-8")
        calendar_import.import_notice(uow, actor, text, example.name, allow_example=True)
        added += (date(year + 1, 1, 1) - date(year, 1, 1)).days
    return added


def has_items(container: Container) -> bool:
    with container.uow() as uow:
        return bool(uow.conn.execute(select(func.count()).select_from(service_items)).scalar())


def load_demo(
    container: Container,
    scale: Scale = "small",
    *,
    on_item: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Load (or top up) the demo; running it twice changes nothing the second time."""
    from tongban.demo import centres, departments, gazetteer, people, population
    from tongban.demo.lists import DEMO_LIST_ENTRIES

    summary = DemoSummary()
    actor = Actor(request_id="demo", at=container.clock.now())
    with container.uow() as uow:
        if jurisdiction.configured(uow.conn) is None:  # as ``tongban init --preset nanhai``
            jurisdiction.configure(uow, actor, NANHAI)
        # Each of these is a use case of its own (an account that exists is skipped).
        summary.departments = network.upsert_departments(uow, actor, departments.DEPARTMENTS)
        every_centre = [*centres.district_and_town_centres(), *centres.community_centres()]
        summary.centres = network.upsert_centres(uow, actor, every_centre)
        summary.population_cells = geography.replace_population_grid(
            uow, actor, population.population_grid()
        )
        summary.places = geography.upsert_places(uow, actor, gazetteer.places())
        summary.calendar_days = calendar.seed_official(
            uow, actor, source=container.official_schedules
        )
        summary.calendar_days += demo_calendar(uow, actor, container.settings.calendar_warn_days)
        summary.logins = people.load_people(uow, actor)
        with uow.atomic():  # the catalogue and its lists: all or nothing
            items = demo_items(scale)
            result = publish_specs(uow.conn, actor, items, "演示数据", on_progress=on_item)
            summary.items_published = result.created + result.updated
            summary.items_unchanged = result.unchanged
            summary.list_entries = lists.write_list_entries(uow.conn, actor, DEMO_LIST_ENTRIES)
    # Each later part opens its own units of work through the services and is idempotent.
    for name in EXTRA_PARTS:
        part = import_module(f"tongban.demo.{name}")
        summary.extras[name] = part.load(container, actor, scale)
    return summary
