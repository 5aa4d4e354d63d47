"""A small, realistic catalogue for the search tests: departments, items and their publication.

Items are written as the catalogue service will write them (a row, a published version, then
``index_item``), so the tests exercise the same index the public site reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Engine, insert, select

from tests.clock import TEST_START
from tongban.adapters.db.tables import departments, service_item_versions, service_items
from tongban.domain.catalogue.model import Audience, Channel, Level, ServiceItemSpec
from tongban.services.catalogue.search import index_item

DEPARTMENTS: dict[str, str] = {
    "SCJGJ": "区市场监督管理局",
    "RSJ": "区人力资源和社会保障局",
    "GAJ": "佛山市公安局南海分局",
    "GJJ": "佛山市住房公积金管理中心南海分中心",
    "MZJ": "区民政局",
    "WJJ": "区卫生健康局",
    "YBJ": "区医疗保障局",
}

C, E, B = Audience.CITIZEN, Audience.ENTERPRISE, Audience.BOTH


def make_spec(
    code: str,
    name: str,
    *,
    keywords: Sequence[str] = (),
    needs: Sequence[str] = (),
    category: str = "",
    result: str = "",
    audience: Audience = Audience.CITIZEN,
    online: bool = True,
) -> ServiceItemSpec:
    """A valid item with the fields search reads; the rest are plain defaults."""
    channels = (Channel.ONLINE, Channel.WINDOW) if online else (Channel.WINDOW,)
    return ServiceItemSpec(
        code=code,
        name=name,
        department_code=code.rsplit("-", 1)[0],
        level=Level.DISTRICT,
        audience=audience,
        category=category,
        legal_limit_days=20,
        promised_limit_days=5,
        legal_basis=("《中华人民共和国行政许可法》",),
        result_name=result,
        channels=channels,
        keywords=tuple(keywords),
        needs=tuple(needs),
    )


CATALOGUE: tuple[ServiceItemSpec, ...] = (
    make_spec("SCJGJ-0001", "个体工商户设立登记", keywords=("个体户", "个体户登记", "营业执照"),
              needs=("开奶茶店", "开餐馆", "开小吃店", "开理发店", "办营业执照"),
              category="市场准入", result="营业执照", audience=B),
    make_spec("SCJGJ-0002", "个体工商户注销登记", keywords=("个体户注销", "关店"),
              needs=("关店", "不做生意了"), category="市场退出", result="准予注销登记通知书",
              audience=B),
    make_spec("SCJGJ-0003", "食品经营许可证核发", keywords=("食品许可", "餐饮许可", "饮品店许可"),
              needs=("开奶茶店", "开餐馆", "开面包店", "开咖啡店"), category="食品药品",
              result="食品经营许可证", audience=B),
    make_spec("SCJGJ-0004", "营业执照遗失补领", keywords=("执照遗失", "执照补办"),
              needs=("营业执照丢了",), category="市场准入", result="营业执照", audience=B),
    make_spec("SCJGJ-0005", "药品零售企业经营许可", keywords=("药店", "零售药店"),
              needs=("开药店", "开药房"), category="食品药品", result="药品经营许可证",
              audience=E, online=False),
    make_spec("SCJGJ-0006", "有限责任公司设立登记", keywords=("公司注册", "开办企业"),
              needs=("开公司", "开工厂"), category="市场准入", result="营业执照", audience=E),
    make_spec("RSJ-0001", "社会保障卡申领", keywords=("社保卡", "办卡"),
              needs=("办社保卡", "领社保卡"), category="社会保障", result="社会保障卡"),
    make_spec("RSJ-0002", "社会保障卡挂失与补换", keywords=("社保卡挂失", "社保卡补办"),
              needs=("社保卡丢了",), category="社会保障", result="社会保障卡"),
    make_spec("RSJ-0003", "灵活就业人员社会保险参保登记", keywords=("灵活就业", "个人参保"),
              needs=("自己交社保",), category="社会保障"),
    make_spec("RSJ-0004", "城乡居民基本养老保险待遇申领", keywords=("领养老金",),
              needs=("退休领钱",), category="社会保障"),
    make_spec("RSJ-0005", "失业保险金申领", keywords=("失业金",), needs=("失业了",),
              category="社会保障"),
    make_spec("RSJ-0006", "社会保险关系转移", keywords=("社保转移",), needs=("换城市工作",),
              category="社会保障", audience=B),
    make_spec("GAJ-0001", "居民身份证申领", keywords=("办身份证",), needs=("第一次办身份证",),
              category="户籍证件", result="居民身份证", online=False),
    make_spec("GAJ-0002", "居民身份证换领补领", keywords=("身份证补办", "身份证丢了"),
              needs=("身份证丢了", "身份证过期"), category="户籍证件", result="居民身份证"),
    make_spec("GAJ-0003", "机动车驾驶证换证", keywords=("驾照换证", "驾驶证到期"),
              needs=("驾照到期",), category="交通出行", result="机动车驾驶证"),
    make_spec("GAJ-0004", "出生登记（新生儿入户）", keywords=("新生儿落户", "报户口"),
              needs=("孩子上户口",), category="户籍证件"),
    make_spec("GJJ-0001", "住房公积金提取（租房）", keywords=("租房提取", "提取公积金"),
              needs=("租房取公积金",), category="住房保障"),
    make_spec("GJJ-0002", "住房公积金个人住房贷款", keywords=("公积金贷款",),
              needs=("买房贷款",), category="住房保障", online=False),
    make_spec("GJJ-0003", "住房公积金单位缴存登记", keywords=("公积金开户",),
              needs=("给员工交公积金",), category="住房保障", audience=E),
    make_spec("MZJ-0001", "内地居民结婚登记", keywords=("领结婚证",), needs=("结婚",),
              category="婚姻登记", result="结婚证", online=False),
    make_spec("MZJ-0002", "内地居民离婚登记", keywords=("办离婚",), needs=("离婚",),
              category="婚姻登记", result="离婚证", online=False),
    make_spec("WJJ-0001", "生育登记", keywords=("生育服务证",), needs=("怀孕了", "生二胎"),
              category="生育收养"),
    make_spec("WJJ-0002", "出生医学证明首次签发", keywords=("出生证",), needs=("孩子出生",),
              category="生育收养", result="出生医学证明"),
    make_spec("YBJ-0001", "生育津贴申领", keywords=("产假工资",), needs=("休产假",),
              category="社会保障"),
)  # fmt: skip
"""Published items; each department's items share its prefix."""

DRAFT = make_spec("SCJGJ-0099", "奶茶饮品店卫生管理备案", keywords=("奶茶店备案",),
                  needs=("开奶茶店",), category="食品药品", audience=B)  # fmt: skip
"""Never published: search must not find it."""


def add_departments(conn: Connection) -> dict[str, int]:
    ids: dict[str, int] = {}
    for code, name in DEPARTMENTS.items():
        ids[code] = conn.execute(
            insert(departments).values(code=code, name=name).returning(departments.c.id)
        ).scalar_one()
    return ids


def add_item(
    conn: Connection, spec: ServiceItemSpec, department_id: int, *, published: bool = True
) -> int:
    """Insert the item row and, when published, its version 1 and its search document."""
    now = TEST_START
    item_id = conn.execute(
        insert(service_items)
        .values(
            code=spec.code,
            status="published" if published else "draft",
            department_id=department_id,
            name=spec.name,
            level=spec.level.value,
            kind=spec.kind.value,
            audience=spec.audience.value,
            category=spec.category,
            promised_limit_days=spec.promised_limit_days,
            legal_limit_days=spec.legal_limit_days,
            online_capable=spec.online_capable,
            fully_online=spec.fully_online,
            smart_approval=spec.smart_approval,
            certificate_free=spec.certificate_free,
            published_version=1 if published else None,
            draft=None if published else spec.model_dump(mode="json"),
            created_at=now,
            updated_at=now,
        )
        .returning(service_items.c.id)
    ).scalar_one()
    if published:
        conn.execute(
            insert(service_item_versions).values(
                item_id=item_id, version=1, spec=spec.model_dump(mode="json"), published_at=now
            )
        )
        index_item(conn, item_id, spec)
    return item_id


def load_catalogue(engine: Engine) -> dict[str, int]:
    """The departments, every published item of ``CATALOGUE`` and the ``DRAFT``; code → id."""
    with engine.begin() as conn:
        dept_ids = add_departments(conn)
        ids = {s.code: add_item(conn, s, dept_ids[s.department_code]) for s in CATALOGUE}
        ids[DRAFT.code] = add_item(conn, DRAFT, dept_ids["SCJGJ"], published=False)
    return ids


def department_id(conn: Connection, code: str) -> int:
    return conn.execute(select(departments.c.id).where(departments.c.code == code)).scalar_one()
