"""The two-node demo of 跨城通办: 南海 (the full demo) and 番禺 (a small catalogue of its own),
each made a node that lets the other's windows accept some of its items.

``tongban demo --node panyu`` loads 番禺 into an empty database: the jurisdiction, two
departments, one centre, a clerk, a reviewer and a section chief, the calendar and three items.
Either node is then initialised with its base URL and the items it offers; trust between the two
stays an operator's act (``tongban node trust``), as in production.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from tongban.adapters import node_keys
from tongban.bootstrap import Container
from tongban.demo.jurisdictions import PANYU
from tongban.demo.people import DEMO_PASSWORD
from tongban.domain.catalogue.model import Level, ServiceItemSpec
from tongban.domain.errors import AccountExists
from tongban.domain.network.model import Centre, Department
from tongban.domain.people.model import Role, RoleAssignment
from tongban.services.catalogue.bulk import publish_specs
from tongban.services.federation import node
from tongban.services.network import structure as network
from tongban.services.people import accounts as people
from tongban.services.platform import calendar, jurisdiction
from tongban.services.platform.context import Actor

PANYU_CENTRE = "C-PY"
PANYU_STAFF = (
    ("clerk.panyu", "陈嘉欣", Role.CLERK, PANYU_CENTRE, None),
    ("reviewer.panyu", "梁永康", Role.REVIEWER, None, "PYSCJ"),
    ("chief.panyu", "何志明", Role.SECTION_CHIEF, None, "PYSCJ"),
    ("reviewer.pyzr", "黄文静", Role.REVIEWER, None, "PYZRJ"),
)


def _item(code: str, name: str, department: str, **extra: object) -> ServiceItemSpec:
    data: dict[str, object] = {
        "code": code,
        "name": name,
        "department_code": department,
        "level": "district",
        "handled_at": ["district", "town"],
        "audience": "citizen",
        "legal_limit_days": 20,
        "promised_limit_days": 5,
        "legal_basis": ["《中华人民共和国行政许可法》"],
        "channels": ["window"],
        "materials": [{"name": "申请人身份证明", "key": True}],
        "form": [{"name": "applicant_phone", "label": "联系电话", "type": "phone"}],
        "result_name": "准予许可决定书",
    }
    data.update(extra)
    return ServiceItemSpec.model_validate(data)


PANYU_ITEMS: tuple[ServiceItemSpec, ...] = (
    _item(
        "PY-001",
        "个体工商户设立登记（番禺）",
        "PYSCJ",
        materials=[
            {"name": "经营者身份证明", "key": True},
            {"name": "经营场所使用证明", "key": False},
        ],
        form=[
            {"name": "shop_name", "label": "字号名称"},
            {"name": "owner_id", "label": "经营者身份证号", "type": "id_number"},
        ],
        result_name="营业执照",
    ),
    _item(
        "PY-002",
        "不动产权证书补发（番禺）",
        "PYZRJ",
        fees=[
            {
                "name": "不动产权证书工本费",
                "amount_yuan": "10.00",
                "basis": "《不动产登记收费标准》",
            }
        ],
        materials=[{"name": "申请人身份证明", "key": True}, {"name": "遗失声明", "key": True}],
        form=[{"name": "certificate_no", "label": "原证书号"}],
        result_name="不动产权证书",
    ),
    _item("PY-003", "户外广告设施设置审批（番禺）", "PYSCJ"),
)
PANYU_OFFERS = ("PY-001", "PY-002")
"""What 番禺 lets partner windows accept for it."""

NANHAI_OFFERS_FROM = "SCJGJ"
"""南海 offers the window items of its market supervision bureau (the first two)."""


PANYU_DEPARTMENTS = (
    Department(code="PYSCJ", name="番禺区市场监督管理局", short_name="番禺市场监管局"),
    Department(code="PYZRJ", name="广州市规划和自然资源局番禺区分局", short_name="番禺规划资源"),
)


@dataclass
class NodeSetup:
    region_code: str
    base_url: str
    items: list[str]
    kid: str


def load_panyu(container: Container, actor: Actor) -> int:
    """番禺's jurisdiction, departments, centre, staff, calendar and items; idempotent."""
    with container.uow() as uow:
        if jurisdiction.configured(uow.conn) is None:
            jurisdiction.configure(uow, actor, PANYU)
        network.upsert_departments(uow, actor, PANYU_DEPARTMENTS)
        network.upsert_centres(uow, actor, [
            Centre(code=PANYU_CENTRE, name="番禺区政务服务中心", level=Level.DISTRICT,
                   town="市桥街道", address="广州市番禺区市桥街清河东路", latitude=22.9378,
                   longitude=113.3842, windows=10),
        ])  # fmt: skip
        calendar.seed_official(uow, actor, source=container.official_schedules)
        from tongban.demo.loader import demo_calendar

        demo_calendar(uow, actor, container.settings.calendar_warn_days)
        hashed = people.hash_password(DEMO_PASSWORD)
        for username, name, role, centre, department in PANYU_STAFF:
            assignment = RoleAssignment(role, centre_code=centre, department_code=department)
            with contextlib.suppress(AccountExists):
                people.create_staff(
                    uow, actor, username, name, DEMO_PASSWORD, [assignment], password_hash=hashed
                )
        with uow.atomic():
            result = publish_specs(uow.conn, actor, PANYU_ITEMS, "番禺演示数据")
    return result.created + result.updated


def nanhai_offers() -> list[str]:
    from tongban.demo.items import HAND_WRITTEN_ITEMS

    return [
        s.code
        for s in HAND_WRITTEN_ITEMS
        if s.department_code == NANHAI_OFFERS_FROM and "window" in [c.value for c in s.channels]
    ][:2]


def make_node(container: Container, actor: Actor, base_url: str, items: list[str]) -> NodeSetup:
    """The node's key (made once) and its base URL and offered items."""
    ring, _made = node_keys.initialise(container.settings.resolved_keys_dir(), actor.at)
    with container.uow() as uow:
        node.init_node(uow, actor, base_url, items)
        region = node.own_region_code(uow.conn)
    return NodeSetup(region, base_url, items, ring.kid)
