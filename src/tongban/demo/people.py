"""Demo people of Nanhai: one staff member per staff role, citizens and enterprises.

Every identity number and credit code is valid (check characters computed by the identity
module); all demo accounts share ``DEMO_PASSWORD``.  Loading needs the departments and the
district and town centres to be loaded first.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from tongban.domain.catalogue.model import Level
from tongban.domain.errors import AccountExists
from tongban.domain.people.model import Role, RoleAssignment
from tongban.domain.shared.identity import (
    IdType,
    credit_code_check_char,
    organisation_code_check_char,
    resident_id_check_char,
)
from tongban.services.people import accounts as people
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork

DEMO_PASSWORD = "Tongban@2026"

GUICHENG_CENTRE = "C-GC"
DISTRICT_CENTRE = "C-NH"
MARKET_SUPERVISION = "SCJGJ"
"""区市场监督管理局."""


def resident_id(region: str, birth: str, sequence: str) -> str:
    """A valid 18-character number from its region code, birth date (YYYYMMDD) and sequence."""
    first17 = f"{region}{birth}{sequence}"
    return first17 + resident_id_check_char(first17)


def credit_code(prefix: str, organisation_body: str) -> str:
    """A valid 统一社会信用代码 from its first 8 characters and an 8-character GB 11714 body."""
    first17 = prefix + organisation_body + organisation_code_check_char(organisation_body)
    return first17 + credit_code_check_char(first17)


@dataclass(frozen=True)
class DemoStaff:
    username: str
    name: str
    role: Role
    centre_code: str | None = None
    department_code: str | None = None
    level: Level = Level.DISTRICT


@dataclass(frozen=True)
class DemoCitizen:
    id_number: str
    name: str
    phone: str
    id_type: IdType = IdType.RESIDENT_ID
    note: str = ""


@dataclass(frozen=True)
class DemoEnterprise:
    credit_code: str
    name: str
    legal_representative: str
    legal_representative_id: str
    phone: str


DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("admin", "王建华", Role.CATALOGUE_ADMIN),
    DemoStaff("clerk.guicheng", "林小燕", Role.CLERK, centre_code=GUICHENG_CENTRE),
    DemoStaff("reviewer.scjg", "张国栋", Role.REVIEWER, department_code=MARKET_SUPERVISION),
    DemoStaff("chief.scjg", "罗志坚", Role.SECTION_CHIEF, department_code=MARKET_SUPERVISION),
    DemoStaff("inspector.scjg", "赵明辉", Role.INSPECTOR, department_code=MARKET_SUPERVISION),
    DemoStaff("inspector2.scjg", "孙丽华", Role.INSPECTOR, department_code=MARKET_SUPERVISION),
    DemoStaff("manager.guicheng", "吴丽萍", Role.CENTRE_MANAGER, centre_code=GUICHENG_CENTRE),
    DemoStaff("leader", "邓伟明", Role.LEADER),
    DemoStaff(
        "leader.guicheng", "梁志华", Role.LEADER, level=Level.TOWN, centre_code=GUICHENG_CENTRE
    ),
    DemoStaff("head.scjg", "黄美玲", Role.DEPARTMENT_HEAD, department_code=MARKET_SUPERVISION),
    DemoStaff("auditor", "郭敏", Role.AUDITOR),
    DemoStaff("useradmin", "何静", Role.USER_ADMIN),
    DemoStaff("agent", "冯嘉俊", Role.AGENT, centre_code=DISTRICT_CENTRE),
)
"""One staff member per staff role (the agent works at the district's enterprise centre)."""

DEMO_CITIZENS: tuple[DemoCitizen, ...] = (
    DemoCitizen(resident_id("440605", "19850312", "031"), "陈志明", "13802610031"),
    DemoCitizen(resident_id("440605", "19900721", "042"), "李秀英", "13902610042"),
    DemoCitizen(resident_id("440605", "19781105", "013"), "黄伟强", "13612610013"),
    DemoCitizen(
        resident_id("440605", "19420518", "026"), "梁淑芬", "13502610026", note="80 岁以上"
    ),
    DemoCitizen(
        resident_id("440605", "19400909", "057"), "何锦华", "13702610057", note="80 岁以上"
    ),
    DemoCitizen(resident_id("440605", "20010214", "068"), "周嘉欣", "13302610068"),
    DemoCitizen(
        resident_id("810000", "19880606", "075"),
        "陈家豪",
        "13802610075",
        id_type=IdType.HMT_RESIDENCE_PERMIT,
        note="香港居民，持港澳台居民居住证",
    ),
)

DEMO_ENTERPRISES: tuple[DemoEnterprise, ...] = (
    DemoEnterprise(
        credit_code("91440605", "MA4WQ7K1"),
        "广东南海智造科技有限公司",
        "陈志明",
        DEMO_CITIZENS[0].id_number,
        "13802610131",
    ),
    DemoEnterprise(
        credit_code("91440605", "MA51R3TX"),
        "佛山市南海区西樵纺织有限公司",
        "黄伟强",
        DEMO_CITIZENS[2].id_number,
        "13612610113",
    ),
    DemoEnterprise(
        credit_code("91440605", "MA53HD2P"),
        "佛山南海千灯湖餐饮管理有限公司",
        "李秀英",
        DEMO_CITIZENS[1].id_number,
        "13902610142",
    ),
    DemoEnterprise(
        credit_code("92440605", "MA54K8L6"),
        "佛山市南海区桂城味道奶茶店",
        "周嘉欣",
        DEMO_CITIZENS[5].id_number,
        "13302610168",
    ),
)
"""Three companies and one 个体工商户 (credit codes beginning 92), all registered in Nanhai."""


def load_people(uow: UnitOfWork, actor: Actor) -> list[tuple[str, str, str]]:
    """Create the demo people (skipping any that exist); returns (login, role, password) rows."""
    logins: list[tuple[str, str, str]] = []
    # Every demo account has the same published password: hash it once, not 19 times.
    shared_hash = people.hash_password(DEMO_PASSWORD)
    for staff in DEMO_STAFF:
        assignment = RoleAssignment(
            staff.role,
            level=staff.level,
            centre_code=staff.centre_code,
            department_code=staff.department_code,
        )
        with contextlib.suppress(AccountExists):
            people.create_staff(
                uow,
                actor,
                staff.username,
                staff.name,
                DEMO_PASSWORD,
                [assignment],
                password_hash=shared_hash,
            )
        logins.append((staff.username, staff.role.value, DEMO_PASSWORD))
    for citizen in DEMO_CITIZENS:
        with contextlib.suppress(AccountExists):
            people.create_citizen(
                uow,
                actor,
                citizen.id_type,
                citizen.id_number,
                citizen.name,
                citizen.phone,
                DEMO_PASSWORD,
                password_hash=shared_hash,
            )
        logins.append((citizen.id_number, Role.CITIZEN.value, DEMO_PASSWORD))
    for company in DEMO_ENTERPRISES:
        with contextlib.suppress(AccountExists):
            people.create_enterprise(
                uow,
                actor,
                company.credit_code,
                company.name,
                company.legal_representative,
                company.legal_representative_id,
                company.phone,
                DEMO_PASSWORD,
                password_hash=shared_hash,
            )
        logins.append((company.credit_code, Role.ENTERPRISE.value, DEMO_PASSWORD))
    return logins
