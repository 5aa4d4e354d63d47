"""The three lists (三单管理) for the demo: negative list (负面清单), permit list (准许清单)
and supervision list (监管清单).

The permit list has one entry per hand-written item flagged ``on_permit_list``; supervision
entries name the item whose approvals they follow up (批后监管).
"""

from __future__ import annotations

from tongban.domain.catalogue.model import ListEntry, ListKind, Restriction

from .items import HAND_WRITTEN_ITEMS

P, R = Restriction.PROHIBITED, Restriction.RESTRICTED

WATER_POLLUTION = "《中华人民共和国水污染防治法》"
AIR_POLLUTION = "《中华人民共和国大气污染防治法》"
FOOD_LAW = "《中华人民共和国食品安全法》"
FOOD_INSPECTION = "《食品生产经营监督检查管理办法》"
CHEMICALS = "《危险化学品安全管理条例》"
SPOT_CHECKS = "《国务院办公厅关于推广随机抽查规范事中事后监管的通知》"

# (code, title, department, restriction, legal basis)
_NEGATIVE: tuple[tuple[str, str, str, Restriction, tuple[str, ...]], ...] = (
    (
        "NEG-001",
        "禁止在饮用水水源一级保护区内新建、改建、扩建与供水设施和保护水源无关的建设项目",
        "STHJJ",
        P,
        (WATER_POLLUTION,),
    ),
    ("NEG-002", "禁止在饮用水水源保护区内设置排污口", "STHJJ", P, (WATER_POLLUTION,)),
    (
        "NEG-003",
        "禁止在高污染燃料禁燃区内新建、扩建燃用高污染燃料的设施",
        "STHJJ",
        P,
        (AIR_POLLUTION,),
    ),
    (
        "NEG-004",
        "禁止在居民住宅楼、未配套设立专用烟道的商住综合楼以及商住综合楼内与居住层"
        "相邻的商业楼层内新建、改建、扩建产生油烟、异味、废气的餐饮服务项目",
        "STHJJ",
        P,
        (AIR_POLLUTION,),
    ),
    (
        "NEG-005",
        "禁止在中学、小学校园周围200米范围内和居民住宅楼（院）内设立互联网上网服务营业场所",
        "WGLTJ",
        P,
        ("《互联网上网服务营业场所管理条例》",),
    ),
    (
        "NEG-006",
        "禁止在居民楼、博物馆、图书馆和被核定为文物保护单位的建筑物内设立歌舞娱乐场所",
        "WGLTJ",
        P,
        ("《娱乐场所管理条例》",),
    ),
    (
        "NEG-007",
        "禁止在永久基本农田内建窑、建房、建坟、挖砂、采石、采矿、取土、堆放固体废弃物",
        "ZRZYJ",
        P,
        ("《中华人民共和国土地管理法》", "《基本农田保护条例》"),
    ),
    (
        "NEG-008",
        "禁止在河道管理范围内建设妨碍行洪的建筑物、构筑物",
        "ZJSLJ",
        P,
        ("《中华人民共和国防洪法》", "《中华人民共和国河道管理条例》"),
    ),
    (
        "NEG-009",
        "禁止生产、销售、使用国家明令淘汰的落后工艺、设备和产品",
        "FGJ",
        P,
        ("《中华人民共和国节约能源法》", "《产业结构调整指导目录》"),
    ),
    (
        "NEG-010",
        "从事食品销售和餐饮服务须取得食品经营许可（仅销售预包装食品的实行备案）",
        "SCJGJ",
        R,
        (FOOD_LAW, "《食品经营许可和备案管理办法》"),
    ),
    (
        "NEG-011",
        "开办药品零售企业须取得药品经营许可",
        "SCJGJ",
        R,
        ("《中华人民共和国药品管理法》",),
    ),
    ("NEG-012", "经营危险化学品须取得危险化学品经营许可", "YJGLJ", R, (CHEMICALS,)),
    (
        "NEG-013",
        "使用总质量4500千克以上普通货运车辆从事道路货物运输经营须取得道路运输经营许可",
        "JTYSJ",
        R,
        ("《中华人民共和国道路运输条例》",),
    ),
    (
        "NEG-014",
        "经营住宿、沐浴、美容美发、游泳等公共场所须取得公共场所卫生许可",
        "WJJ",
        R,
        ("《公共场所卫生管理条例》",),
    ),
    (
        "NEG-015",
        "新建、改建、扩建排放重点污染物的建设项目须取得重点污染物排放总量控制指标",
        "STHJJ",
        R,
        (AIR_POLLUTION, "《建设项目环境保护管理条例》"),
    ),
    (
        "NEG-016",
        "经营高危险性体育项目须取得高危险性体育项目经营许可",
        "WGLTJ",
        R,
        ("《全民健身条例》",),
    ),
)

# (code, title, department, item code, measure, frequency, legal basis)
_SUPERVISION: tuple[tuple[str, str, str, str, str, str, tuple[str, ...]], ...] = (
    (
        "SUP-001",
        "个体工商户年度报告和信息公示监管",
        "SCJGJ",
        "SCJGJ-0001",
        "核查年度报告公示信息，对未按时报送的标记为经营异常状态；按比例双随机抽查",
        "每年1次（年报期1月1日至6月30日）",
        ("《促进个体工商户发展条例》", SPOT_CHECKS),
    ),
    (
        "SUP-002",
        "食品经营者日常监督检查",
        "SCJGJ",
        "SCJGJ-0012",
        "检查许可条件保持、进货查验记录、从业人员健康管理、加工制作和贮存条件",
        "按风险等级确定，高风险经营者每年不少于3次",
        (FOOD_LAW, FOOD_INSPECTION),
    ),
    (
        "SUP-003",
        "仅销售预包装食品经营者备案后检查",
        "SCJGJ",
        "SCJGJ-0013",
        "核对备案信息与实际经营一致性，检查食品标签、保质期和贮存条件",
        "双随机抽查，每年抽查比例不低于5%",
        (FOOD_LAW, SPOT_CHECKS),
    ),
    (
        "SUP-004",
        "食品生产企业监督检查",
        "SCJGJ",
        "SCJGJ-0014",
        "检查生产环境条件、进货查验、生产过程控制、出厂检验和不合格品管理",
        "按风险等级确定，每年不少于1次全项目检查",
        (FOOD_LAW, FOOD_INSPECTION),
    ),
    (
        "SUP-005",
        "药品零售企业药品经营质量管理规范检查",
        "SCJGJ",
        "SCJGJ-0016",
        "检查执业药师在岗、处方药销售、药品储存陈列和追溯记录",
        "每年不少于1次",
        ("《中华人民共和国药品管理法》", "《药品经营和使用质量监督管理办法》"),
    ),
    (
        "SUP-006",
        "特种设备使用单位监督检查",
        "SCJGJ",
        "SCJGJ-0018",
        "检查定期检验、作业人员持证、维护保养记录和应急预案",
        "重点设备每年1次，其余双随机抽查",
        ("《中华人民共和国特种设备安全法》",),
    ),
    (
        "SUP-007",
        "公共场所卫生许可告知承诺核查",
        "WJJ",
        "WJJ-0002",
        "许可后现场核查承诺内容的真实性，开展卫生监督检查和卫生检测",
        "作出许可后及时核查；此后每年不少于1次",
        ("《公共场所卫生管理条例实施细则》",),
    ),
    (
        "SUP-008",
        "医疗机构执业监督检查",
        "WJJ",
        "WJJ-0003",
        "检查执业范围、人员资质、医疗质量安全和医疗废物处置",
        "每年不少于1次",
        ("《医疗机构管理条例》",),
    ),
    (
        "SUP-009",
        "建筑工程施工质量安全监督",
        "ZJSLJ",
        "ZJSLJ-0001",
        "对取得施工许可的工程开展质量安全监督，检查参建各方主体责任落实",
        "施工期间按监督计划，关键节点必查",
        ("《中华人民共和国建筑法》", "《建设工程质量管理条例》"),
    ),
    (
        "SUP-010",
        "排水户排水行为检查",
        "ZJSLJ",
        "ZJSLJ-0006",
        "检查排水许可内容执行、预处理设施运行并抽检排水水质",
        "重点排水户每年不少于2次",
        ("《城镇排水与污水处理条例》",),
    ),
    (
        "SUP-011",
        "排污许可证执行情况检查",
        "STHJJ",
        "STHJJ-0001",
        "检查执行报告、自行监测数据和台账记录，开展执法监测",
        "重点排污单位每年不少于1次",
        ("《排污许可管理条例》",),
    ),
    (
        "SUP-012",
        "建设项目环境保护“三同时”监督检查",
        "STHJJ",
        "STHJJ-0003",
        "检查环境保护设施与主体工程同时设计、同时施工、同时投产使用及自主验收情况",
        "建设期至投产后按双随机抽查",
        ("《建设项目环境保护管理条例》",),
    ),
    (
        "SUP-013",
        "建筑垃圾处置过程检查",
        "CGZFJ",
        "CGZFJ-0001",
        "检查运输车辆密闭、按核准路线运输和消纳场所接收记录",
        "施工期间每月不少于1次",
        ("《城市建筑垃圾管理规定》",),
    ),
    (
        "SUP-014",
        "户外广告设施安全检查",
        "CGZFJ",
        "CGZFJ-0002",
        "检查户外广告设施结构安全和设置人安全检测报告",
        "每年汛期、台风季前各1次",
        ("《城市市容和环境卫生管理条例》",),
    ),
    (
        "SUP-015",
        "危险化学品经营单位安全检查",
        "YJGLJ",
        "YJGLJ-0001",
        "检查经营场所安全条件、从业人员培训和购销台账",
        "每年不少于1次",
        (CHEMICALS,),
    ),
    (
        "SUP-016",
        "烟花爆竹零售点专项检查",
        "YJGLJ",
        "YJGLJ-0002",
        "检查零售点安全距离、限量存放和消防器材配置",
        "春节销售期前及销售期间",
        ("《烟花爆竹安全管理条例》",),
    ),
    (
        "SUP-017",
        "互联网上网服务营业场所检查",
        "WGLTJ",
        "WGLTJ-0001",
        "检查未成年人禁入、上网人员实名登记和营业时间",
        "双随机抽查，每年不少于1次",
        ("《互联网上网服务营业场所管理条例》",),
    ),
    (
        "SUP-018",
        "娱乐场所经营活动检查",
        "WGLTJ",
        "WGLTJ-0003",
        "检查歌曲曲库内容、营业时间和未成年人保护",
        "每年不少于1次",
        ("《娱乐场所管理条例》",),
    ),
    (
        "SUP-019",
        "道路货物运输经营者检查",
        "JTYSJ",
        "JTYSJ-0001",
        "检查车辆年度审验、动态监控和驾驶员从业资格",
        "每年1次",
        ("《中华人民共和国道路运输条例》",),
    ),
    (
        "SUP-020",
        "旅馆业治安管理检查",
        "GAJ",
        "GAJ-0013",
        "检查旅客住宿实名登记、信息上传和治安防范设施",
        "每季度不少于1次",
        ("《旅馆业治安管理办法》",),
    ),
    (
        "SUP-021",
        "公众聚集场所消防安全告知承诺核查",
        "XFJY",
        "XFJY-0001",
        "对承诺内容进行现场核查，检查消防设施和疏散通道",
        "作出许可后及时核查，此后双随机抽查",
        ("《中华人民共和国消防法》",),
    ),
    (
        "SUP-022",
        "农药经营单位检查",
        "NYNCJ",
        "NYNCJ-0003",
        "检查农药经营台账、限制使用农药定点经营和标签",
        "每年不少于1次",
        ("《农药管理条例》",),
    ),
    (
        "SUP-023",
        "劳务派遣单位经营情况检查",
        "RSJ",
        "RSJ-0014",
        "核验年度经营情况报告，检查被派遣劳动者权益保障",
        "每年1次",
        ("《劳务派遣行政许可实施办法》",),
    ),
)


def negative_list() -> list[ListEntry]:
    return [
        ListEntry(
            kind=ListKind.NEGATIVE,
            code=code,
            title=title,
            department_code=dept,
            restriction=restriction,
            legal_basis=basis,
        )
        for code, title, dept, restriction, basis in _NEGATIVE
    ]


def permit_list() -> list[ListEntry]:
    """One entry per hand-written item on the permit list, referencing its item code."""
    return [
        ListEntry(
            kind=ListKind.PERMIT,
            code=f"PMT-{spec.code}",
            title=spec.name,
            description=spec.conditions,
            department_code=spec.department_code,
            item_code=spec.code,
            legal_basis=spec.legal_basis,
        )
        for spec in HAND_WRITTEN_ITEMS
        if spec.on_permit_list
    ]


def supervision_list() -> list[ListEntry]:
    return [
        ListEntry(
            kind=ListKind.SUPERVISION,
            code=code,
            title=title,
            department_code=dept,
            item_code=item_code,
            measure=measure,
            frequency=frequency,
            legal_basis=basis,
        )
        for code, title, dept, item_code, measure, frequency, basis in _SUPERVISION
    ]


DEMO_LIST_ENTRIES: tuple[ListEntry, ...] = (*negative_list(), *permit_list(), *supervision_list())
"""All entries of the three lists."""
