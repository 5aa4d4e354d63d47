"""Test data built through the real services: a user of any role, and signing them in.

Reference data (one department, the district centre and one town centre) is inserted
directly, and only when missing, so that role assignments have somewhere to point.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select

from tests.clock import SYSTEM
from tongban.adapters.db.tables import centres, departments
from tongban.bootstrap import Container
from tongban.domain.catalogue.model import Level
from tongban.domain.people.model import Role, RoleAssignment
from tongban.domain.shared.identity import (
    IdType,
    credit_code_check_char,
    organisation_code_check_char,
    resident_id_check_char,
)
from tongban.services.people import accounts as people
from tongban.services.people import sessions
from tongban.services.platform.context import Actor
from tongban.web.deps import SESSION_COOKIE

PASSWORD = "Factory@2026"
DEPARTMENT_CODE = "SCJGJ"
DISTRICT_CENTRE_CODE = "C-NH"
TOWN_CENTRE_CODE = "C-GC"

# Where each staff role works unless the test says otherwise.
_DEFAULT_PLACE: dict[Role, tuple[str | None, str | None]] = {
    Role.CLERK: (TOWN_CENTRE_CODE, None),
    Role.CENTRE_MANAGER: (TOWN_CENTRE_CODE, None),
    Role.AGENT: (DISTRICT_CENTRE_CODE, None),
    Role.REVIEWER: (None, DEPARTMENT_CODE),
    Role.SECTION_CHIEF: (None, DEPARTMENT_CODE),
    Role.DEPARTMENT_HEAD: (None, DEPARTMENT_CODE),
}

_serial = itertools.count(1)


@dataclass(frozen=True)
class Person:
    """A user made for a test, with what it takes to sign in as them."""

    user_id: int
    login: str
    password: str | None
    role: Role


def resident_id(
    serial: int | None = None, *, region: str = "440605", born: date | None = None
) -> str:
    """A valid, unique resident ID number (GB 11643)."""
    n = next(_serial) if serial is None else serial
    birth = born or date(1980, 1, 1) + timedelta(days=n % 9000)
    first17 = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def credit_code(serial: int | None = None) -> str:
    """A valid, unique 统一社会信用代码 registered in Nanhai."""
    n = next(_serial) if serial is None else serial
    body = f"MA{n % 1_000_000:06d}"
    first17 = "91440605" + body + organisation_code_check_char(body)
    return first17 + credit_code_check_char(first17)


def ensure_reference_data(container: Container) -> None:
    """Insert department SCJGJ, centre C-NH and town centre C-GC if they are missing."""
    with container.uow() as uow:
        conn = uow.conn
        known = select(departments.c.id).where(departments.c.code == DEPARTMENT_CODE)
        if conn.execute(known).first() is None:
            conn.execute(
                insert(departments).values(
                    code=DEPARTMENT_CODE, name="区市场监督管理局", short_name="区市场监管局"
                )
            )
        district = conn.execute(
            select(centres.c.id).where(centres.c.code == DISTRICT_CENTRE_CODE)
        ).scalar()
        if district is None:
            district = conn.execute(
                insert(centres)
                .values(_centre(DISTRICT_CENTRE_CODE, "南海区行政服务中心", Level.DISTRICT, ""))
                .returning(centres.c.id)
            ).scalar_one()
        town = select(centres.c.id).where(centres.c.code == TOWN_CENTRE_CODE)
        if conn.execute(town).first() is None:
            values = _centre(TOWN_CENTRE_CODE, "桂城街道行政服务中心", Level.TOWN, "桂城街道")
            conn.execute(insert(centres).values(parent_id=district, **values))
        uow.commit()


def _centre(code: str, name: str, level: Level, town: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "level": level.value,
        "town": town,
        "latitude": 23.04,
        "longitude": 113.15,
        "opening_hours": "周一至周五 09:00-12:00, 14:00-17:30",
        "accessibility": [],
    }


def make_staff(
    container: Container,
    role: Role,
    centre_code: str | None = None,
    department_code: str | None = None,
    *,
    username: str | None = None,
    password: str = PASSWORD,
    name: str = "测试工作人员",
) -> Person:
    """A staff member holding ``role``, at the role's usual place unless one is given."""
    ensure_reference_data(container)
    if centre_code is None and department_code is None:
        centre_code, department_code = _DEFAULT_PLACE.get(role, (None, None))
    login = username or f"{role.value.replace('_', '.')}.{next(_serial)}"
    assignment = RoleAssignment(role, centre_code=centre_code, department_code=department_code)
    with container.uow() as uow:
        user_id = people.create_staff(uow, SYSTEM, login, name, password, [assignment])
    return Person(user_id, login, password, role)


def make_service_token(
    container: Container, role: Role, *, scopes: Sequence[str] | None = None, days: int = 30
) -> tuple[int, str]:
    """A service account holding ``role`` at the role's usual place, and a token for it:
    (user id, the bearer token)."""
    from tongban.services.people import tokens

    ensure_reference_data(container)
    centre_code, department_code = _DEFAULT_PLACE.get(role, (None, None))
    assignment = RoleAssignment(role, centre_code=centre_code, department_code=department_code)
    login = f"svc.{role.value.replace('_', '.')}.{next(_serial)}"
    with container.uow() as uow:
        user_id = tokens.create_service_account(uow, SYSTEM, login, "测试系统", [assignment])
    with container.uow() as uow:
        token, _info = tokens.issue_token(uow, SYSTEM, login, "测试", scopes=scopes, days=days)
    return user_id, token


def make_citizen(
    container: Container,
    *,
    id_number: str | None = None,
    id_type: IdType = IdType.RESIDENT_ID,
    name: str = "张小明",
    phone: str = "13800138000",
    password: str | None = PASSWORD,
) -> Person:
    """A citizen with a valid identity number (a fresh resident ID unless given)."""
    number = id_number or resident_id()
    with container.uow() as uow:
        user_id = people.create_citizen(uow, SYSTEM, id_type, number, name, phone, password)
    return Person(user_id, number, password, Role.CITIZEN)


def make_enterprise(
    container: Container,
    *,
    code: str | None = None,
    name: str = "佛山市南海区测试有限公司",
    legal_representative: str = "李大同",
    legal_representative_id: str | None = None,
    phone: str = "13900139000",
    password: str | None = PASSWORD,
) -> Person:
    """An enterprise with a valid credit code (a fresh one unless given)."""
    value = code or credit_code()
    rep_id = legal_representative_id or resident_id()
    with container.uow() as uow:
        user_id = people.create_enterprise(
            uow, SYSTEM, value, name, legal_representative, rep_id, phone, password
        )
    return Person(user_id, value, password, Role.ENTERPRISE)


def make_kiosk(container: Container, *, code: str | None = None, idle_seconds: int = 120) -> Person:
    """A kiosk of the town centre, registered by its centre manager (not yet paired): the
    person is its device account, which has no password."""
    from tongban.services.people.sessions import load_principal
    from tongban.services.self_service import kiosks

    manager = make_staff(container, Role.CENTRE_MANAGER, TOWN_CENTRE_CODE)
    with container.uow() as uow:
        principal = load_principal(uow.conn, manager.user_id)
    actor = Actor(at=container.clock.now(), principal=principal, request_id="factory")
    with container.uow() as uow:
        kiosk = kiosks.register_kiosk(
            uow,
            actor,
            code=code or f"K-{next(_serial)}",
            name="测试自助终端",
            idle_seconds=idle_seconds,
        )
    return Person(kiosk.user_id, kiosk.code, None, Role.KIOSK)


def make_user(container: Container, role: Role) -> Person:
    """A user of any role: citizen, enterprise, staff, or a kiosk's device account."""
    if role is Role.CITIZEN:
        return make_citizen(container)
    if role is Role.ENTERPRISE:
        return make_enterprise(container)
    if role is Role.KIOSK:
        return make_kiosk(container)
    return make_staff(container, role)


def login(client: Any, login: str, password: str) -> str:
    """Sign in through the API; the client keeps the cookie.  Returns the CSRF token."""
    response = client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


def sign_in(container: Container, client: Any, person: Person) -> str:
    """Open a session directly (no password check, fast) and set its cookie on ``client``.

    Returns the session's CSRF token.
    """
    with container.uow() as uow:
        token, csrf = sessions.create_session(
            uow.conn,
            person.user_id,
            now=container.clock.now(),
            hours=container.settings.session_hours,
        )
        uow.commit()
    client.cookies.set(SESSION_COOKIE, token)
    return csrf
