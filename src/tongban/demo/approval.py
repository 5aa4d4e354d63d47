"""Demo settings of the online approval centre (assignment strategy, reviewers).

Three more reviewers of the 区市场监督管理局 join ``reviewer.scjg`` (password ``Tongban@2026``);
the chief ``chief.scjg`` has chosen "least loaded" and given each reviewer skills by item
category; and, when the centre has never had work, a few online applications from the demo
citizens and companies wait in the queue (two already assigned), so the pages are not empty.
Everything goes through the services; a second run changes nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import timedelta
from io import BytesIO
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from tongban.adapters.db.tables import departments, service_items, users
from tongban.adapters.db.tables_approval import approval_assignments
from tongban.demo.people import (
    DEMO_CITIZENS,
    DEMO_ENTERPRISES,
    DEMO_PASSWORD,
    DISTRICT_CENTRE,
    MARKET_SUPERVISION,
)
from tongban.domain.approval.model import Strategy
from tongban.domain.catalogue.model import Channel as ItemChannel
from tongban.domain.catalogue.model import FieldType, FormField, Level
from tongban.domain.errors import AccountExists, DomainError
from tongban.domain.people.model import Role, RoleAssignment
from tongban.services.approval_centre import assignment as centre
from tongban.services.approval_centre import queries as q
from tongban.services.cases.attachments import Upload, apply_online
from tongban.services.cases.intake import Application
from tongban.services.catalogue.items import published_item
from tongban.services.people import accounts as people
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor

if TYPE_CHECKING:
    from tongban.bootstrap import Container
    from tongban.demo.loader import Scale

SERVED = (MARKET_SUPERVISION,)
REVIEWERS = (
    ("reviewer2.scjg", "陈慧敏"),
    ("reviewer3.scjg", "梁家辉"),
    ("reviewer4.scjg", "何泳仪"),
)
"""More reviewers of the 区市场监督管理局 for the online approval centre."""
SKILLS = {
    "reviewer.scjg": ["市场准入", "市场退出"],
    "reviewer2.scjg": ["食品药品"],
    "reviewer3.scjg": ["市场准入", "质量技术", "安全生产"],
    "reviewer4.scjg": [],
}
"""Item categories each reviewer handles (empty: any item)."""
APPLICATIONS = {"small": 6, "full": 12}
ADDRESS = "佛山市南海区桂城街道南海大道北 80 号"
DEMO_SCAN = "%PDF-1.4\n% 演示用材料扫描件\n%%EOF\n".encode()
"""Every demo applicant's scanned material: a PDF with nothing in it."""


def load(container: Container, actor: Actor, scale: Scale) -> int:
    """Load (or top up) this part of the demo; returns how many records it wrote."""
    written = _reviewers(container, actor)
    with container.read() as uow:
        department_id = uow.conn.execute(
            select(departments.c.id).where(departments.c.code == MARKET_SUPERVISION)
        ).scalar()
        chief = _user(uow.conn, "chief.scjg")
    if department_id is None or chief is None:
        return written
    chief_actor = _as(container, chief, actor)
    written += _settings(container, chief_actor, department_id)
    written += _applications(container, chief_actor, department_id, APPLICATIONS[scale])
    return written


def _user(conn: Any, username: str) -> int | None:
    found: int | None = conn.execute(
        select(users.c.id).where(users.c.username == username)
    ).scalar()
    return found


def _as(container: Container, user_id: int, actor: Actor, **changes: Any) -> Actor:
    with container.read() as uow:
        principal = load_principal(uow.conn, user_id)
    return replace(actor, principal=principal, at=changes.get("at", container.clock.now()))


def _reviewers(container: Container, actor: Actor) -> int:
    written = 0
    shared_hash = people.hash_password(DEMO_PASSWORD)
    assignment = RoleAssignment(
        Role.REVIEWER, level=Level.DISTRICT, department_code=MARKET_SUPERVISION
    )
    for username, name in REVIEWERS:
        with container.uow() as uow, contextlib.suppress(AccountExists):
            people.create_staff(
                uow, actor, username, name, DEMO_PASSWORD, [assignment], password_hash=shared_hash
            )
            written += 1
    return written


def _settings(container: Container, chief: Actor, department_id: int) -> int:
    with container.read() as uow:
        current = q.settings(uow.conn, department_id)
        ids = {name: _user(uow.conn, name) for name in SKILLS}
    if current.version:
        return 0  # the chief's own choice stands
    skills = {uid: values for name, values in SKILLS.items() if (uid := ids[name]) is not None}
    with container.uow() as uow:
        centre.update_settings(uow, chief, SERVED, Strategy.LEAST_LOADED, skills, 0)
    return 1


def _applicants(container: Container) -> list[tuple[int, str, str]]:
    """(user id, identity number, phone) of the demo citizens and companies."""
    wanted = [(c.id_number, c.phone) for c in DEMO_CITIZENS[:3]] + [
        (e.credit_code, e.phone) for e in DEMO_ENTERPRISES
    ]
    found = []
    with container.read() as uow:
        for number, phone in wanted:
            user_id = uow.conn.execute(
                select(users.c.id).where(
                    (users.c.id_number == number) | (users.c.credit_code == number)
                )
            ).scalar()
            if user_id is not None:
                found.append((user_id, number, phone))
    return found


def _online_items(container: Container, department_id: int) -> list[Any]:
    with container.read() as uow:
        codes = uow.conn.execute(
            select(service_items.c.code)
            .where(
                service_items.c.department_id == department_id,
                service_items.c.status == "published",
                service_items.c.online_capable.is_(True),
                service_items.c.kind == "promised",
            )
            .order_by(service_items.c.code)
        ).scalars()
        items = [published_item(uow.conn, code) for code in codes]
    return [i for i in items if ItemChannel.ONLINE in i.spec.channels]


def _value(field: FormField, identity: str, phone: str) -> Any:
    person_id = (
        identity if len(identity) == 18 and identity[:2] != "91" else DEMO_CITIZENS[0].id_number
    )
    values = {
        FieldType.NUMBER: "60",
        FieldType.DATE: "2026-12-01",
        FieldType.BOOLEAN: True,
        FieldType.ID_NUMBER: person_id,
        FieldType.CREDIT_CODE: DEMO_ENTERPRISES[0].credit_code,
        FieldType.PHONE: phone,
        FieldType.ADDRESS: ADDRESS,
    }
    if field.type is FieldType.CHOICE:
        return field.options[0]
    return values.get(field.type, f"{field.label}（演示）")


def _applications(container: Container, chief: Actor, department_id: int, count: int) -> int:
    """A few online applications, only while the centre has never had any work."""
    with container.read() as uow:
        busy = uow.conn.execute(select(func.count()).select_from(approval_assignments)).scalar()
        waiting = q.queue(uow.conn, [department_id], limit=1)
    if busy or waiting:
        return 0
    items, applicants = _online_items(container, department_id), _applicants(container)
    files = container.files
    if not items or not applicants or files is None:
        return 0
    written, now = 0, container.clock.now()
    for n in range(count):
        item = items[(n * 5) % len(items)]
        user_id, identity, phone = applicants[n % len(applicants)]
        form = {f.name: _value(f, identity, phone) for f in item.spec.form}
        application = Application(
            item_code=item.code, form=form, pickup_centre_code=DISTRICT_CENTRE
        )
        # Online each material is handed in as its file; the demo applicants apply themselves,
        # so nobody brings an agent's authorisation.
        uploads = [
            Upload(m.name, f"{m.name}.pdf", BytesIO(DEMO_SCAN))
            for m in item.spec.materials
            if not m.only_by_agent
        ]
        applicant = _as(container, user_id, chief, at=now - timedelta(hours=3 * (count - n)))
        with contextlib.suppress(DomainError), container.uow() as uow:
            apply_online(
                uow,
                applicant,
                files,
                application,
                uploads,
                submit=True,
                max_bytes=container.settings.upload_max_bytes,
                allowed=container.settings.upload_allowed_types,
            )
            written += 1
    for _ in range(2):  # the chief has already handed out the two oldest by the strategy
        with contextlib.suppress(DomainError), container.uow() as uow:
            centre.assign(uow, chief, SERVED)
            written += 1
    return written
