"""Demo investment projects of the proxy service: about 400 projects, about 3,800 亿元.

Deterministic for a given load day (a seeded generator; every date counts back from the day the
demo is loaded, read from the container's clock, so the demo looks the same whenever it is
loaded), idempotent (a project whose company
and name exist is skipped) and written through the services: companies through
``people.create_enterprise``, agents and department reviewers through ``people.create_staff``,
each project through ``projects.seed.record_project`` (its filed steps become real cases built
through the case aggregate).  The demo company 广东南海智造科技有限公司 gets three projects: one
under way, one waiting for its authorisation and one not yet handed to the proxy service.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from tongban.adapters.db.tables import users
from tongban.adapters.db.tables_projects import projects
from tongban.demo import project_templates as words
from tongban.demo.people import DEMO_ENTERPRISES, DEMO_PASSWORD, credit_code, resident_id
from tongban.domain.catalogue.model import Level
from tongban.domain.errors import AccountExists
from tongban.domain.people.model import Role, RoleAssignment
from tongban.domain.projects.model import ProjectFacts
from tongban.domain.projects.roadmap import RoadmapStep, roadmap_for
from tongban.domain.shared.calendar import WorkingCalendar
from tongban.domain.shared.clock import china_date
from tongban.services.people import accounts as people
from tongban.services.platform.calendar import load_calendar
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork
from tongban.services.projects.lifecycle import pick_agent
from tongban.services.projects.seed import ProjectHistory, Recorder, StepHistory

if TYPE_CHECKING:
    from tongban.bootstrap import Container
    from tongban.demo.loader import Scale

TOTAL_WAN = 38_000_000
"""About 3,800 亿元 over the full demo's projects."""
PROJECTS = {"full": 400, "small": 30}
BATCH = 50
PROMISED: dict[str, int] = {
    "FGJ-0001": 0,
    "ZRZYJ-0001": 10,
    "ZRZYJ-0002": 5,
    "ZRZYJ-0003": 5,
    "STHJJ-0003": 10,
    "FGJ-0003": 10,
    "ZJSLJ-0002": 10,
    "ZJSLJ-0004": 10,
    "ZJSLJ-0001": 3,
    "ZJSLJ-0005": 10,
    "ZRZYJ-0006": 5,
    "QXJ-0002": 5,
    "ZJSLJ-0003": 1,
    "SCJGJ-0004": 1,
    "GXJ-0001": 0,
    "STHJJ-0004": 0,
    "STHJJ-0005": 0,
    "YJGLJ-0003": 0,
    "SCJGJ-0018": 3,
}
"""Promised working days of the roadmap items (for planning the history; cases use the
catalogue's own)."""


@dataclass(frozen=True)
class DemoCompany:
    credit_code: str
    name: str
    legal_representative: str
    legal_representative_id: str
    phone: str


def at_china(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def demo_companies(count: int) -> list[DemoCompany]:
    """``count`` companies registered in Nanhai with valid credit codes and representatives."""
    rng = random.Random(7_4406_05)
    found: list[DemoCompany] = []
    for n in range(count):
        industry = _weighted(rng, words.INDUSTRY_WEIGHTS)
        brand = words.BRANDS[n % len(words.BRANDS)]
        qualifier = ("", "兴", "达", "盛", "源", "昌", "宏", "泰")[n // len(words.BRANDS) % 8]
        name = f"佛山市南海区{brand}{qualifier}{words.COMPANY_WORDS[industry]}有限公司"
        person = rng.choice(words.SURNAMES) + rng.choice(words.GIVEN_NAMES)
        born = date(1965, 1, 1) + timedelta(days=rng.randrange(9000))
        found.append(
            DemoCompany(
                credit_code("91440605", f"MA7{n:05d}"),
                name,
                person,
                resident_id("440605", born.strftime("%Y%m%d"), f"{(n * 7) % 1000:03d}"),
                f"139{26100000 + n:08d}",
            )
        )
    return found


def _shared_hash(uow: UnitOfWork, companies: list[DemoCompany]) -> str:
    """The demo password's hash, computed once, and only when someone is still missing."""
    usernames = [u for u, _n, _c in (*words.AGENT_NAMES, *words.DEPARTMENT_REVIEWERS)]
    staff = uow.conn.execute(
        select(func.count()).select_from(users).where(users.c.username.in_(usernames))
    ).scalar_one()
    firms = uow.conn.execute(
        select(func.count())
        .select_from(users)
        .where(users.c.credit_code.in_([c.credit_code for c in companies]))
    ).scalar_one()
    if staff == len(usernames) and firms == len(companies):
        return ""
    return people.hash_password(DEMO_PASSWORD)


def _ensure_people(container: Container, actor: Actor, companies: list[DemoCompany]) -> int:
    """Agents, department reviewers and the demo companies (existing ones are kept)."""
    made = 0
    with container.uow() as uow:
        shared_hash = _shared_hash(uow, companies)
        for username, name, centre in words.AGENT_NAMES:
            level = Level.DISTRICT if centre == "C-NH" else Level.TOWN
            with contextlib.suppress(AccountExists):
                people.create_staff(
                    uow,
                    actor,
                    username,
                    name,
                    DEMO_PASSWORD,
                    [RoleAssignment(Role.AGENT, level=level, centre_code=centre)],
                    password_hash=shared_hash,
                )
                made += 1
        for username, name, department in words.DEPARTMENT_REVIEWERS:
            with contextlib.suppress(AccountExists):
                people.create_staff(
                    uow,
                    actor,
                    username,
                    name,
                    DEMO_PASSWORD,
                    [RoleAssignment(Role.REVIEWER, department_code=department)],
                    password_hash=shared_hash,
                )
                made += 1
        known = set(uow.conn.execute(select(users.c.credit_code)).scalars())
        for c in companies:
            if c.credit_code in known:
                continue
            people.create_enterprise(
                uow,
                actor,
                c.credit_code,
                c.name,
                c.legal_representative,
                c.legal_representative_id,
                c.phone,
                DEMO_PASSWORD,
                password_hash=shared_hash,
            )
            made += 1
    return made


def investments(rng: random.Random, count: int, total: int) -> list[int]:
    """``count`` amounts in 万元, skewed like real project sizes, summing to about ``total``."""
    raw = [min(max(rng.lognormvariate(8.6, 1.15), 300.0), 600_000.0) for _ in range(count)]
    scale = total / sum(raw)
    return [max(100, round(r * scale / 10) * 10) for r in raw]


def _timeline(
    rng: random.Random,
    steps: tuple[RoadmapStep, ...],
    start: date,
    done: int,
    open_: int,
    anchor: date,
) -> list[StepHistory]:
    """Filing, acceptance and decision days of the first ``done`` steps, then ``open_`` steps
    filed and waiting; nothing after the anchor day."""
    out: list[StepHistory] = []
    day = start
    for index, step in enumerate(steps[: done + open_]):
        if day >= anchor - timedelta(days=1):
            break
        filed = at_china(day, 9 + rng.randrange(7))
        accepted_day = day + timedelta(days=rng.choice((0, 1, 1, 2, 3)))
        pace = words.DEPARTMENT_PACE.get(step.department_code, 1.0)
        took = int(PROMISED.get(step.item_code, 5) * 1.4 * pace) + rng.randrange(0, 12)
        decided_day = accepted_day + timedelta(days=took)
        if index >= done or decided_day >= anchor:
            accepted = (
                at_china(accepted_day, 15) if accepted_day < anchor and rng.random() < 0.7 else None
            )
            out.append(StepHistory(step.position, filed, accepted, None))
            day += timedelta(days=rng.randrange(0, 3))
            continue
        out.append(
            StepHistory(step.position, filed, at_china(accepted_day, 15), at_china(decided_day, 16))
        )
        day = decided_day + timedelta(days=rng.randrange(1, 8))
    return out


def _plan(rng: random.Random, construction: bool) -> tuple[str, int, int]:
    """(state, steps done, steps open) for one project."""
    total = len(roadmap_for(construction))
    roll = rng.random()
    if roll < 0.05:
        return "registered", 0, 0
    if roll < 0.09:
        return "assigned", 0, 0
    if roll < 0.27:
        return "completed", total, 0
    done = rng.randrange(0, total - 1)
    return "in_progress", done, rng.choice((1, 1, 2))


def load(container: Container, actor: Actor, scale: Scale) -> int:
    """Load (or top up) this part of the demo; returns how many records it wrote."""
    count = PROJECTS.get(scale, PROJECTS["small"])
    companies = demo_companies(max(4, count * 2 // 3))
    written = _ensure_people(container, actor, companies)
    with container.uow() as uow:
        conn = uow.conn
        ids = dict(conn.execute(select(users.c.credit_code, users.c.id)).all())
        existing: set[tuple[str, str]] = {
            (r.credit_code, r.name)
            for r in conn.execute(select(projects.c.credit_code, projects.c.name))
        }
        reviewers = dict(
            (department, conn.execute(select(users.c.id).where(users.c.username == name)).scalar())
            for name, _n, department in words.DEPARTMENT_REVIEWERS
        )
        reviewers["SCJGJ"] = conn.execute(
            select(users.c.id).where(users.c.username == "reviewer.scjg")
        ).scalar()
        calendar = load_calendar(conn)
    anchor = china_date(actor.at)
    rng = random.Random(20_260_400 + count)
    amounts = investments(rng, count, TOTAL_WAN * count // 400)
    showcase = DEMO_ENTERPRISES[0]
    pending: list[tuple[ProjectHistory, bool]] = []
    for n in range(count):
        industry = _weighted(rng, words.INDUSTRY_WEIGHTS)
        town = _weighted(rng, words.TOWN_WEIGHTS)
        construction = rng.random() < 0.75
        state, done, open_ = _plan(rng, construction)
        company = companies[n % len(companies)]
        brand = words.BRANDS[(n * 7) % len(words.BRANDS)]
        kinds = words.PROJECT_KINDS_BUILD if construction else words.PROJECT_KINDS_OTHER
        name = f"{brand}{rng.choice(words.PRODUCTS[industry])}{rng.choice(kinds)}"
        site = f"{rng.choice(words.PARKS[town])}{rng.randrange(1, 199)}号"
        code, rep = company.credit_code, company.legal_representative
        if n < 3:  # the demo company's showcase: under way, awaiting authorisation, new
            code, rep = showcase.credit_code, showcase.legal_representative
            town, construction, industry = "西樵镇", n != 2, "先进制造"
            name = ("智能装备产业园（一期）", "数字化车间改造项目", "南海研发中心项目")[n]
            state, done, open_ = (("in_progress", 3, 1), ("assigned", 0, 0), ("registered", 0, 0))[
                n
            ]
        planned = _history(
            rng,
            ids[code],
            code,
            rep,
            name,
            amounts[n],
            industry,
            town,
            site,
            construction,
            state,
            done,
            open_,
            reviewers,
            anchor,
        )
        if (code, name) in existing:
            continue  # loaded before (the generator still ran, so what follows is the same)
        existing.add((code, name))
        pending.append(planned)
        if len(pending) >= BATCH:
            written += _store(container, actor, pending, calendar)
            pending = []
    written += _store(container, actor, pending, calendar)
    return written


def _history(
    rng: random.Random,
    company_id: int,
    code: str,
    rep: str,
    name: str,
    amount: int,
    industry: str,
    town: str,
    site: str,
    construction: bool,
    state: str,
    done: int,
    open_: int,
    reviewers: dict[str, int | None],
    anchor: date,
) -> tuple[ProjectHistory, bool]:
    steps = roadmap_for(construction)
    expected = sum(
        int(PROMISED.get(s.item_code, 5) * 1.4 * words.DEPARTMENT_PACE.get(s.department_code, 1.0))
        + 9
        for s in steps[:done]
    )
    back = (
        expected + rng.randrange(10, 40)
        if state in ("in_progress", "completed")
        else rng.randrange(2, 30)
    )
    if state == "completed":
        back += rng.randrange(0, 200)
    registered = anchor - timedelta(days=min(back, 1000))
    facts = ProjectFacts(name, amount, industry, site, town, construction, code, rep)
    authorised = None
    history: list[StepHistory] = []
    notes: list[tuple[str, str, date]] = []
    if state in ("in_progress", "completed"):
        authorised_day = registered + timedelta(days=rng.randrange(1, 5))
        authorised = at_china(authorised_day, 11)
        history = _timeline(
            rng, steps, authorised_day + timedelta(days=rng.randrange(2, 9)), done, open_, anchor
        )
        for k in range(rng.randrange(1, 4)):
            kind, body = words.NOTES[rng.randrange(len(words.NOTES))]
            notes.append((kind, body, min(anchor, authorised_day + timedelta(days=7 + 20 * k))))
    completed = (
        state == "completed" and len(history) == len(steps) and all(s.decided_at for s in history)
    )
    history_ = ProjectHistory(
        company_id=company_id,
        facts=facts,
        registered_at=at_china(registered, 10),
        agent=None,  # assigned when stored, by centre and workload
        authorised_at=authorised,
        steps=history,
        notes=notes,
        reviewers={k: v for k, v in reviewers.items() if v is not None},
        completed=completed,
    )
    return history_, state != "registered"


def _store(
    container: Container,
    actor: Actor,
    batch: list[tuple[ProjectHistory, bool]],
    calendar: WorkingCalendar,
) -> int:
    """One transaction per batch; agents are picked on the same connection, so each pick sees
    the projects assigned just before it."""
    if not batch:
        return 0
    with container.uow() as uow, uow.atomic():
        recorder = Recorder(uow, actor, calendar)
        for history, wants_agent in batch:
            if wants_agent:
                history = replace(history, agent=pick_agent(uow.conn, history.facts.town))
            recorder.record(history)
        stored = recorder.flush()
    return recorder.written + stored
