"""Catalogue search benchmark: the full 2,155-item catalogue, ~30 citizen queries, per engine.

    .venv/bin/python bench/search_bench.py [--rounds 50]
    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/search_bench.py

Prints figures (milliseconds per ``search_items`` call, in-process); never fails on time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from tongban.adapters.db import migrate
from tongban.adapters.db.engine import build_engine
from tongban.adapters.db.tables import departments, service_item_versions, service_items
from tongban.domain.catalogue.model import Audience, Channel, Level, ServiceItemSpec
from tongban.services import search

TOTAL_ITEMS = 2155
QUERIES: tuple[str, ...] = (
    "社保", "shbzk", "shebao", "shehuibaozhangka", "我想开奶茶店", "营业执照", "公积金提取",
    "社报卡", "shebaokka", "身份证", "身份正补办", "驾照换证", "我想生孩子", "退休", "养老金",
    "医保", "个体户", "开店", "结婚证", "户口迁移", "新生儿落户", "失业金", "食品经营许可证",
    "施工许可", "宅基地", "无犯罪记录证明", "怎么办理居住证", "yyzz", "gongjijin", "网约车",
    "营业执找", "残疾证",
)  # fmt: skip

# Department → (category, subjects). A subject is "name/alias/alias"; items are subject × action.
SUBJECTS: dict[str, tuple[str, str]] = {
    "FGJ": (
        "投资审批",
        "企业投资项目/投资备案 固定资产投资项目节能审查/节能审查 政府投资项目 "
        "粮食收购资格 价格认定",
    ),
    "JYJ": (
        "教育",
        "民办学校办学许可/办学许可证 教师资格/教师资格证 义务教育入学/上学 "
        "校外培训机构 学生资助 学历证明",
    ),
    "GXJ": (
        "工业信息化",
        "工业企业技术改造/技改备案 无线电台设置/电台执照 中小企业认定 专精特新企业",
    ),
    "GAJ": (
        "户籍证件",
        "居民身份证/身份证 居住证/暂住证 户口迁移/迁户口 出入境证件/护照 "
        "机动车驾驶证/驾照 机动车登记/上牌 无犯罪记录证明 犬只登记/狗证",
    ),
    "MZJ": (
        "婚姻与救助",
        "结婚登记/结婚证 离婚登记 最低生活保障/低保 特困人员救助供养/特困 "
        "社会组织登记 高龄津贴/长寿金 收养登记 临时救助",
    ),
    "SFJ": ("法律服务", "法律援助/法援 公证/公证书 人民调解 律师执业 司法鉴定"),
    "CZJ": ("财政", "政府采购 财政票据 代理记账许可"),
    "RSJ": (
        "社会保障",
        "社会保障卡/社保卡 社会保险登记/社保登记 失业保险金/失业金 "
        "养老保险待遇/养老金 工伤认定/工伤 就业创业证 职业技能等级认定 "
        "劳务派遣经营许可 人力资源服务许可 创业担保贷款",
    ),
    "ZRZYJ": (
        "自然资源",
        "不动产登记/房产证 建设用地规划许可 宅基地/农村建房 林木采伐许可 测绘资质 采矿许可",
    ),
    "STHJJ": (
        "生态环境",
        "环境影响评价/环评 排污许可/排污证 危险废物经营许可 辐射安全许可 建设项目竣工环保验收",
    ),
    "ZJSLJ": (
        "住房建设",
        "建筑工程施工许可/施工许可证 商品房预售许可 房屋租赁登记备案/租房备案 "
        "建筑业企业资质 取水许可 住房保障/公租房",
    ),
    "JTYSJ": (
        "交通出行",
        "道路运输经营许可/营运证 网络预约出租汽车/网约车 道路货物运输 "
        "机动车维修经营备案 驾驶员培训 公路超限运输",
    ),
    "NYNCJ": (
        "农业农村",
        "农药经营许可 兽药经营许可 动物防疫条件合格证 渔业捕捞许可 "
        "农村土地承包经营权 种子生产经营许可",
    ),
    "WGLTJ": ("文化旅游", "营业性演出许可 娱乐场所经营许可 网吧经营许可 旅行社设立 出版物经营许可"),
    "WJJ": (
        "卫生健康",
        "医疗机构执业许可 医师执业注册 护士执业注册 "
        "公共场所卫生许可/卫生许可证 生育登记/准生证 出生医学证明/出生证 "
        "放射诊疗许可",
    ),
    "TYJRJ": (
        "退役军人",
        "退役军人优待证 退役军人安置/退伍安置 伤残抚恤 烈士褒扬 退役军人创业扶持",
    ),
    "YJGLJ": ("安全生产", "安全生产许可 危险化学品经营许可 烟花爆竹经营许可 应急预案备案"),
    "SCJGJ": (
        "市场准入",
        "个体工商户登记/个体户 公司登记/开公司 食品经营许可/食品经营许可证 "
        "药品经营许可/药店 特种设备使用登记 计量器具检定 广告发布登记",
    ),
    "YBJ": (
        "医疗保障",
        "医疗保险参保登记/医保 医保关系转移 异地就医备案 "
        "生育保险待遇/生育津贴 门诊特定病种 医疗费用报销",
    ),
    "CGZFJ": (
        "城市管理",
        "城市建筑垃圾处置核准 户外广告设置 占用城市道路 临时摊点/摆摊 燃气经营许可",
    ),
    "ZSJ": ("政务服务", "政务服务评价 电子证照 公共数据开放"),
    "SWJ": ("税务", "税务登记/办税 发票领用/领发票 纳税申报/报税 完税证明 出口退税 个人所得税汇算"),
    "GJJ": (
        "住房公积金",
        "住房公积金提取/公积金提取 住房公积金贷款/公积金贷款 "
        "住房公积金缴存/公积金 公积金账户转移 公积金缴存证明",
    ),
    "CLJ": ("残疾人服务", "残疾人证/残疾证 残疾人两项补贴 辅助器具适配 残疾人就业 无障碍改造"),
    "XFJY": ("消防", "公众聚集场所投入使用营业前消防安全检查/消防检查 消防设计审查 消防验收"),
    "DAG": ("档案", "档案查询/查档案 婚姻档案查询 档案证明 档案寄存"),
    "QXJ": ("气象", "防雷装置设计审核 防雷装置竣工验收 施放气球 气象信息服务"),
    "RFB": ("人民防空", "人防工程 防空地下室易地建设 人防警报"),
}
_ACTIONS = "申领 补领 换领 变更 注销 延续 核发 备案 查询 认定 审批 证明开具 年度报告 信息更正"
ACTIONS = _ACTIONS.split()
NEEDS: dict[str, tuple[str, ...]] = {
    "个体工商户登记": ("开奶茶店", "开餐馆", "开理发店", "做小生意"),
    "食品经营许可": ("开奶茶店", "开餐馆", "开面包店"),
    "生育登记": ("怀孕了", "生二胎"),
    "结婚登记": ("结婚",),
    "养老保险待遇": ("退休领钱",),
    "住房公积金提取": ("租房取公积金", "买房取公积金"),
    "居民身份证": ("身份证丢了", "身份证过期"),
}


def synthetic_catalogue(existing: Sequence[ServiceItemSpec], total: int) -> list[ServiceItemSpec]:
    """Complete ``existing`` to ``total`` items with subject × action items per department."""
    specs = list(existing)
    names = {s.name for s in specs}
    combos: list[tuple[str, str, list[str], str]] = []
    for action in ACTIONS:
        for dept, (category, subjects) in SUBJECTS.items():
            for subject in subjects.split():
                name, *aliases = subject.split("/")
                combos.append((dept, category, [name, *aliases], action))
    serial: dict[str, int] = {}
    for n, (dept, category, (name, *aliases), action) in enumerate(combos):
        if len(specs) >= total:
            break
        if name + action in names:
            continue
        serial[dept] = serial.get(dept, 0) + 1
        online = n % 15 != 0
        specs.append(
            ServiceItemSpec(
                code=f"{dept}-S{serial[dept]:04d}",
                name=name + action,
                department_code=dept,
                level=Level.DISTRICT,
                audience=(Audience.CITIZEN, Audience.ENTERPRISE, Audience.BOTH)[n % 3],
                category=category,
                legal_limit_days=20,
                promised_limit_days=5,
                legal_basis=("《中华人民共和国行政许可法》",),
                result_name=name + "证明" if action == "证明开具" else "",
                channels=(Channel.ONLINE, Channel.WINDOW) if online else (Channel.WINDOW,),
                keywords=tuple(a + action for a in aliases) + tuple(aliases),
                needs=NEEDS.get(name, ()) if action in ("申领", "核发", "备案") else (),
            )
        )
    return specs


def full_catalogue() -> tuple[str, list[ServiceItemSpec]]:
    """The demo generator's catalogue when it works, else hand-written + synthetic items."""
    try:
        from tongban.demo.generate import full_catalogue as generated

        return "tongban.demo.generate.full_catalogue()", list(generated())
    except Exception as exc:  # absent or unfinished: the bench still runs
        print(f"demo generator unavailable ({type(exc).__name__}: {exc}); using synthetic items")
    try:
        from tongban.demo.items import HAND_WRITTEN_ITEMS

        hand: Sequence[ServiceItemSpec] = HAND_WRITTEN_ITEMS
    except ImportError:
        hand = ()
    label = f"{len(hand)} hand-written demo items + synthetic subject × action items"
    return label, synthetic_catalogue(hand, TOTAL_ITEMS)


def department_names() -> dict[str, str]:
    try:
        from tongban.demo.departments import DEPARTMENTS

        return {d.code: d.name for d in DEPARTMENTS}
    except ImportError:
        return {}


def load(engine: Engine, specs: Sequence[ServiceItemSpec]) -> float:
    """Insert departments and published items, indexing each; returns seconds spent indexing."""
    now = datetime.now(UTC)
    known = department_names()
    indexing = 0.0
    with engine.begin() as conn:
        dept_ids: dict[str, int] = {}
        for code in sorted({s.department_code for s in specs}):
            row = insert(departments).values(code=code, name=known.get(code, code + "部门"))
            dept_ids[code] = conn.execute(row.returning(departments.c.id)).scalar_one()
        for spec in specs:
            values = {
                "code": spec.code, "status": "published", "name": spec.name,
                "department_id": dept_ids[spec.department_code], "level": spec.level.value,
                "kind": spec.kind.value, "audience": spec.audience.value,
                "category": spec.category, "promised_limit_days": spec.promised_limit_days,
                "legal_limit_days": spec.legal_limit_days,
                "online_capable": spec.online_capable, "fully_online": spec.fully_online,
                "smart_approval": spec.smart_approval,
                "certificate_free": spec.certificate_free, "published_version": 1,
                "created_at": now, "updated_at": now,
            }  # fmt: skip
            stmt = insert(service_items).values(**values).returning(service_items.c.id)
            item_id = conn.execute(stmt).scalar_one()
            conn.execute(
                insert(service_item_versions).values(
                    item_id=item_id, version=1, spec=spec.model_dump(mode="json"), published_at=now
                )
            )
            started = time.perf_counter()
            search.index_item(conn, item_id, spec)
            indexing += time.perf_counter() - started
    return indexing


def fresh_postgres(url: str, name: str) -> str:
    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def bench(label: str, url: str, specs: Sequence[ServiceItemSpec], rounds: int) -> None:
    engine = build_engine(url)
    migrate.upgrade(engine)
    started = time.perf_counter()
    indexing = load(engine, specs)
    with engine.begin() as conn:
        # Autovacuum does this soon after a bulk load on a live server; the bench does not wait.
        conn.execute(text("ANALYZE"))
    print(f"\n== {label}: {len(specs)} items loaded in {time.perf_counter() - started:.1f} s "
          f"(index_item {ms(indexing / len(specs))} ms per item)")  # fmt: skip
    with engine.connect() as conn:
        search._cache.clear()
        started = time.perf_counter()
        vocab = search.vocabulary(conn)
        print(f"vocabulary build: {ms(time.perf_counter() - started)} ms, {len(vocab)} terms")
        first: list[float] = []
        for query in QUERIES:
            started = time.perf_counter()
            search.search_items(conn, query)
            first.append(time.perf_counter() - started)
            conn.rollback()
        timings: dict[str, list[float]] = {q: [] for q in QUERIES}
        for _ in range(rounds):
            for query in QUERIES:
                started = time.perf_counter()
                search.search_items(conn, query)
                timings[query].append(time.perf_counter() - started)
                conn.rollback()
        for query in QUERIES:
            result = search.search_items(conn, query)
            top = result.hits[0].name if result.hits else "-"
            series = sorted(timings[query])
            print(f"  {query:<18} total={result.total:<4} median={ms(statistics.median(series))} "
                  f"max={ms(series[-1])} ms  top={top}"
                  + (f"  suggestion={result.suggestion}" if result.suggestion else ""))  # fmt: skip
            conn.rollback()
    every = sorted(t for series in timings.values() for t in series)
    p99 = every[min(len(every) - 1, int(len(every) * 0.99))]
    print(f"first run of each query: median {ms(statistics.median(first))} ms, "
          f"max {ms(max(first))} ms")  # fmt: skip
    print(f"{label}: {len(every)} searches, median {ms(statistics.median(every))} ms, "
          f"p99 {ms(p99)} ms, max {ms(every[-1])} ms")  # fmt: skip
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    source, specs = full_catalogue()
    print(
        f"catalogue: {len(specs)} items ({source}); {len(QUERIES)} queries × {args.rounds} rounds"
    )
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", specs, args.rounds)
    postgres = os.environ.get("TONGBAN_BENCH_POSTGRES_URL")
    if postgres:
        bench("PostgreSQL", fresh_postgres(postgres, "tongban_search_bench"), specs, args.rounds)
    else:
        print("\nPostgreSQL skipped: set TONGBAN_BENCH_POSTGRES_URL to run it")


if __name__ == "__main__":
    main()
