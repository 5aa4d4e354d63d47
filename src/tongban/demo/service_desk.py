"""Demo escalations to the hard-case window (办不成事) and questions about items (咨询).

At 桂城街道行政服务中心 (``clerk.guicheng``, ``manager.guicheng``): one escalation waiting for an
owner, one overdue in the clerk's hands, one resolved and waiting for the person's answer, one
the person confirmed solved, and a problem of the service itself.  The 区市场监督管理局
(``reviewer.scjg``, ``chief.scjg``) has a fresh question, an overdue one, and an answer
published as a frequently asked question on the guide of 个体工商户设立登记.  Every record goes
through the services at a moment counted back from the day the demo is loaded; the part is
loaded only while the service desk has never had any work, so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from tongban.adapters.db.tables import users
from tongban.adapters.db.tables_service_desk import consultations, hard_cases
from tongban.demo.people import DEMO_CITIZENS, DEMO_ENTERPRISES, GUICHENG_CENTRE
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.services.service_desk import consultation as questions
from tongban.services.service_desk import hard_cases as desk

if TYPE_CHECKING:
    from tongban.bootstrap import Container
    from tongban.demo.loader import Scale

FAQ_ITEM = "SCJGJ-0001"
"""个体工商户设立登记."""
OTHER_ITEM = "SCJGJ-0005"
"""企业变更登记."""


def load(container: Container, actor: Actor, scale: Scale) -> int:
    """Load this part of the demo once; returns how many records it wrote."""
    with container.read() as uow:
        conn = uow.conn
        busy = conn.execute(select(func.count()).select_from(hard_cases)).scalar()
        busy = busy or conn.execute(select(func.count()).select_from(consultations)).scalar()
        found = _ids(conn)
    if busy or None in found.values():
        return 0
    ids = {k: v for k, v in found.items() if v is not None}
    now = container.clock.now()

    def as_(who: str, days_ago: float) -> Actor:
        with container.read() as uow:
            principal = load_principal(uow.conn, ids[who])
        return replace(actor, principal=principal, at=now - timedelta(days=days_ago))

    return _escalations(container, as_, ids) + _questions(container, as_)


def _ids(conn: Any) -> dict[str, int | None]:
    wanted = {
        "clerk": users.c.username == "clerk.guicheng",
        "manager": users.c.username == "manager.guicheng",
        "reviewer": users.c.username == "reviewer.scjg",
        "chief": users.c.username == "chief.scjg",
        "chen": users.c.id_number == DEMO_CITIZENS[0].id_number,
        "li": users.c.id_number == DEMO_CITIZENS[1].id_number,
        "huang": users.c.id_number == DEMO_CITIZENS[2].id_number,
        "liang": users.c.id_number == DEMO_CITIZENS[3].id_number,
        "teashop": users.c.credit_code == DEMO_ENTERPRISES[3].credit_code,
    }
    return {k: conn.execute(select(users.c.id).where(w)).scalar() for k, w in wanted.items()}


def _escalations(container: Container, as_: Any, ids: dict[str, int]) -> int:
    days = container.settings.hard_case_days

    def run(fn: Any, who: str, days_ago: float, *args: Any, **kwargs: Any) -> Any:
        with container.uow() as uow:
            return fn(uow, as_(who, days_ago), *args, **kwargs)

    def raise_(who: str, days_ago: float, **fields: Any) -> desk.HardCaseRef:
        data = desk.RaiseInput(centre_code=GUICHENG_CENTRE, **fields)
        ref: desk.HardCaseRef = run(desk.raise_hard_case, who, days_ago, data, days=days)
        return ref

    raise_(
        "li",
        0.1,
        type="cross_department",
        summary="开奶茶店要跑市场监管和卫健两个部门",
        description="食品经营许可和健康证分别在两个部门办理，窗口说不能一起受理，想知道怎么一次办好。",
    )
    late = raise_(
        "chen",
        9,
        type="missing_proof",
        summary="原单位已注销，开不出工作经历证明",
        description="申请职称评审需要原单位出具工作经历证明，但原单位已于去年注销。",
    )
    run(desk.assign_owner, "clerk", 8.9, late.number, None, late.version)
    waiting = raise_(
        "clerk",
        4,
        type="cannot_accept",
        summary="老人行动不便，无法到现场办理高龄津贴",
        description="老人卧床，家属代办被告知须本人到场核验。",
        person_number=DEMO_CITIZENS[3].id_number,
    )
    waiting = run(desk.assign_owner, "manager", 3.9, waiting.number, ids["clerk"], waiting.version)
    waiting = run(
        desk.add_note, "clerk", 3, waiting.number, "已联系社区工作人员上门核验。", waiting.version
    )
    run(
        desk.resolve,
        "clerk",
        1,
        waiting.number,
        "solved",
        "社区工作人员已上门刷脸核验，高龄津贴已受理。",
        waiting.version,
    )
    solved = raise_(
        "huang",
        12,
        type="delayed",
        summary="食品经营许可超过承诺时限未办结",
        description="申请已超过承诺的办结时间，打电话问不到进度。",
    )
    solved = run(desk.assign_owner, "manager", 11.9, solved.number, None, solved.version)
    solved = run(
        desk.resolve,
        "manager",
        10,
        solved.number,
        "referred",
        "已协调区市场监督管理局加快审查，次日出证。",
        solved.version,
    )
    run(desk.answer_follow_up, "huang", 9, solved.number, True, "已拿到许可证，谢谢。", days=days)
    raise_(
        "clerk",
        2,
        type="system",
        summary="自助终端打印营业执照时卡纸",
        description="一楼 3 号自助终端打印执照时多次卡纸，已暂停使用。",
    )
    return 11


def _questions(container: Container, as_: Any) -> int:
    days = container.settings.consultation_days

    def run(fn: Any, who: str, days_ago: float, *args: Any, **kwargs: Any) -> Any:
        with container.uow() as uow:
            return fn(uow, as_(who, days_ago), *args, **kwargs)

    def ask(who: str, days_ago: float, item: str, text: str) -> questions.QuestionRef:
        data = questions.AskInput(item, text)
        ref: questions.QuestionRef = run(questions.ask, who, days_ago, data, days=days)
        return ref

    ask("chen", 0.2, OTHER_ITEM, "公司只变更经营范围，需要重新刻公章吗？")
    ask("teashop", 7, FAQ_ITEM, "个体户营业执照可以用家里的住宅地址登记吗？")
    good = ask("li", 6, FAQ_ITEM, "个体工商户名称可以不使用字号吗？")
    run(
        questions.answer,
        "reviewer",
        5,
        good.number,
        "可以。个体工商户可以不使用名称；使用名称的，应当符合名称登记管理的规定。",
        good.version,
    )
    run(questions.publish_faq, "chief", 4, good.number, "个体工商户必须起名称（字号）吗？")
    return 5
