"""Demo post-approval supervision (批后监管) at the 区市场监督管理局 (``chief.scjg``, inspectors
``inspector.scjg`` and ``inspector2.scjg``).

Three items are on the supervision list: 个体工商户设立登记, 企业设立登记 and 食品经营许可.
Six small shops were approved (their e-licences issued) 25 days before the load day, each
opening an inspection task as the approval does; 20 days before, the head drew five of them
(one draw, with a fixed seed so that the demo loads the same way every time), and 10 days
before, the inspectors closed one as passed, ordered one rectified (re-inspection due in 10
working days) and revoked one shop's food permit; two drawn tasks are still to inspect (past
their deadline), and one shop approved after the draw waits for the next.  Loaded once: a
second run changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from tongban.adapters.db.tables import users
from tongban.adapters.db.tables_supervision import inspection_tasks, supervised_items
from tongban.demo.people import DEMO_CITIZENS, credit_code
from tongban.domain.shared.clock import china_date
from tongban.domain.supervision.model import Outcome
from tongban.services.licences import library as licences
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.services.supervision import draws, items, tasks

if TYPE_CHECKING:
    from tongban.bootstrap import Container
    from tongban.demo.loader import Scale

DEPARTMENT = "SCJGJ"
SEED = "5eed" * 16
"""The demo draw's seed: fixed so the demo is the same on every machine (pages and the API
always draw theirs from the secure generator)."""
ITEMS = {"SCJGJ-0001": 15, "SCJGJ-0004": 15, "SCJGJ-0012": 15}

# (shop, credit-code body, licence type, item, applicant index in DEMO_CITIZENS)
SHOPS: tuple[tuple[str, str, str, str, int], ...] = (
    ("佛山市南海区九江镇阿华烧腊店", "MA5JH001", "food_permit", "SCJGJ-0012", 2),
    ("佛山市南海区西樵镇好味面馆", "MA5JH002", "food_permit", "SCJGJ-0012", 1),
    ("佛山市南海区大沥镇明记五金店", "MA5JH003", "business_licence", "SCJGJ-0001", 0),
    ("佛山市南海区里水镇鲜果铺", "MA5JH004", "business_licence", "SCJGJ-0001", 5),
    ("佛山市南海区丹灶镇小林便利店", "MA5JH005", "business_licence", "SCJGJ-0001", 2),
    ("佛山市南海区狮山镇甜心糖水铺", "MA5JH006", "food_permit", "SCJGJ-0012", 1),
)


def load(container: Container, actor: Actor, scale: Scale) -> int:
    """Load this part of the demo once; returns how many records it wrote."""
    with container.read() as uow:
        conn = uow.conn
        busy = conn.execute(select(func.count()).select_from(inspection_tasks)).scalar()
        busy = busy or conn.execute(select(func.count()).select_from(supervised_items)).scalar()
        ids = {
            name: conn.execute(select(users.c.id).where(users.c.username == name)).scalar()
            for name in ("chief.scjg", "inspector.scjg", "inspector2.scjg")
        }
        applicants = [
            conn.execute(select(users.c.id).where(users.c.id_number == c.id_number)).scalar()
            for c in DEMO_CITIZENS
        ]
    if busy or None in ids.values():
        return 0
    now = container.clock.now()

    def as_(user_id: int | None, days_ago: float) -> Actor:
        principal = None
        if user_id is not None:
            with container.read() as uow:
                principal = load_principal(uow.conn, user_id)
        return replace(actor, principal=principal, at=now - timedelta(days=days_ago))

    chief = ids["chief.scjg"]
    for code, days in ITEMS.items():
        with container.uow() as uow:
            items.place_on_list(uow, as_(chief, 30), code, days)
    opened = [_approve(container, as_(None, 25), shop, applicants) for shop in SHOPS[:5]]
    with container.uow() as uow:
        made = draws.run_draw(uow, as_(chief, 20), DEPARTMENT, 5, seed_source=lambda: SEED)
    _approve(container, as_(None, 12), SHOPS[5], applicants)
    outcomes: tuple[tuple[Outcome, dict[str, Any]], ...] = (
        (Outcome.REVOCATION, {"reason": "食品经营场所已改作他用，原许可条件不再具备，拒不整改"}),
        (Outcome.RECTIFICATION, {"rectify_days": 10}),
        (Outcome.CLOSURE, {}),
    )
    for pick, (outcome, extra) in zip(made.picked, outcomes, strict=False):
        _inspect(container, as_(pick["inspector_id"], 10), pick["subject"], outcome, extra)
    return len(ITEMS) + len(opened) + 2 + len(outcomes)


def _approve(container: Container, actor: Actor, shop: Any, applicants: list[Any]) -> str:
    """A shop's e-licence issued and the inspection task its approval opens."""
    name, body, type_code, item_code, who = shop
    holder = credit_code("92440605", body)
    applicant = DEMO_CITIZENS[who]
    if type_code == "food_permit":
        fields = {
            "permit_no": f"JY244060599{body[-3:]}",
            "legal_representative": applicant.name,
            "business_address": f"佛山市南海区{name[9:12]}",
            "main_business": "餐饮服务经营者",
            "business_items": "热食类食品制售",
        }
    else:
        fields = {
            "entity_type": "个体工商户",
            "legal_representative": applicant.name,
            "registered_capital": "不适用",
            "established_on": china_date(actor.at).isoformat(),
            "address": f"佛山市南海区{name[9:12]}",
            "business_scope": "零售",
        }
    with container.uow() as uow, uow.atomic():
        licence = licences.issue(
            uow, actor, container.keys, type_code=type_code, holder_id=holder,
            holder_name=name, fields=fields,
        )  # fmt: skip
        number = tasks.open_for_result(
            uow.conn, actor, item_code=item_code, case_id=None, case_number=None,
            applicant_id=applicants[who], licence_id=licence.id,
        )  # fmt: skip
    assert number is not None
    return number


def _inspect(
    container: Container, actor: Actor, number: str, outcome: Outcome, extra: dict[str, Any]
) -> None:
    with container.read() as uow:
        row = uow.conn.execute(
            select(inspection_tasks.c.checklist, inspection_tasks.c.lock_version).where(
                inspection_tasks.c.number == number
            )
        ).one()
    findings = {e["code"]: {"result": "pass", "note": ""} for e in row.checklist}
    if outcome is not Outcome.CLOSURE:
        first = row.checklist[0]["code"]
        findings[first] = {"result": "fail", "note": "现场检查发现与许可条件不符"}
    with container.uow() as uow:
        after = tasks.record_findings(uow, actor, number, findings, row.lock_version)
    with container.uow() as uow:
        tasks.conclude(uow, actor, number, outcome, after.lock_version, **extra)
