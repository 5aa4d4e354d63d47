"""佛山市自然资源局南海分局 and 区气象局: land use and planning permission, real-estate
registration; lightning protection and weather-related approvals."""

from __future__ import annotations

from tongban.domain.catalogue.model import ServiceItemSpec

from ._build import (
    AGENT,
    BIZ_LICENCE,
    BOTH,
    ENTERPRISE,
    ENTERPRISE_FORM,
    ID_CARD,
    LICENSING_LAW,
    MARRIAGE_CERT,
    PERSON_FORM,
    PROCESS_SITE,
    PROPERTY_CERT,
    fee,
    field,
    form_,
    item,
    mat,
    opt,
)

PLANNING_LAW = "《中华人民共和国城乡规划法》"
LAND_LAW = "《中华人民共和国土地管理法》"
REAL_ESTATE = ("《中华人民共和国民法典》", "《不动产登记暂行条例》",
               "《不动产登记暂行条例实施细则》")
REG_FEE_BASIS = "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》"
METEO_LAW = "《中华人民共和国气象法》"
LIGHTNING = (METEO_LAW, "《气象灾害防御条例》", "《雷电防护装置设计审核和竣工验收规定》")
LOCATION = "各镇（街道）行政服务中心工程建设项目审批窗口；广东省工程建设项目审批管理系统"
RE_LOCATION = "各镇（街道）行政服务中心不动产登记窗口；“佛山不动产”网上登记平台"
RESIDENTIAL_FEE = fee("不动产登记费（住宅类）", "80.00", REG_FEE_BASIS)
PROJECT = mat("项目立项（审批、核准、备案）文件", lic="投资项目备案证")

LAND: tuple[ServiceItemSpec, ...] = (
    item(
        "ZRZYJ-0001", "建设项目用地预审与选址意见书核发",
        basis=(LAND_LAW, PLANNING_LAW, "《建设项目用地预审管理办法》"),
        days=(20, 10), audience=ENTERPRISE, category="工程建设",
        result="建设项目用地预审与选址意见书",
        materials=(form_("建设项目用地预审与选址申请表"), mat("建设项目拟选址位置图"),
                   mat("建设项目节约集约用地情况说明"), opt("项目建议书或可行性研究报告")),
        full=True, cert_free=True, permit=True,
        keywords=("用地预审", "选址意见书", "工程建设审批第一阶段"),
        needs=("拿地建厂",), location=LOCATION,
    ),
    item(
        "ZRZYJ-0002", "建设用地规划许可证核发",
        basis=(PLANNING_LAW, LAND_LAW, LICENSING_LAW),
        days=(20, 5), audience=ENTERPRISE, category="工程建设", result="建设用地规划许可证",
        materials=(form_("建设用地规划许可申请表"), BIZ_LICENCE,
                   mat("国有建设用地使用权出让合同或划拨决定书"),
                   mat("建设项目用地红线图（宗地图）"), PROJECT),
        conditions="以出让方式取得国有土地使用权的，已签订国有建设用地使用权出让合同。",
        form=(*ENTERPRISE_FORM, field("project_name", "项目名称"),
              field("site_area", "用地面积（平方米）")),
        full=True, cert_free=True, permit=True,
        keywords=("用地规划许可", "工程建设审批第一阶段"), needs=("拿地建厂", "工业用地报建"),
        location=LOCATION,
    ),
    item(
        "ZRZYJ-0003", "建设工程规划许可证核发",
        basis=(PLANNING_LAW, LICENSING_LAW),
        days=(20, 5), audience=ENTERPRISE, category="工程建设", result="建设工程规划许可证",
        materials=(form_("建设工程规划许可申请表"),
                   mat("建设用地规划许可证或不动产权证书", lic="不动产权证书"),
                   mat("建设工程设计方案（总平面图、建筑单体平、立、剖面图）"),
                   opt("涉及人防、消防等的相关审查意见", "通过系统共享")),
        full=True, cert_free=True, permit=True,
        keywords=("工程规划许可", "报建", "工程建设审批第二阶段"),
        needs=("建厂房报建", "盖楼报建"), location=LOCATION,
    ),
    item(
        "ZRZYJ-0004", "乡村建设规划许可证核发",
        basis=(PLANNING_LAW, "《广东省城乡规划条例》"),
        days=(20, 10), audience=BOTH, category="工程建设", result="乡村建设规划许可证",
        materials=(form_("乡村建设规划许可申请表"), ID_CARD, mat("用地权属证明"),
                   mat("建设工程设计方案或通用图"), opt("村民委员会意见")),
        process=PROCESS_SITE, cert_free=True, community=True, permit=True,
        keywords=("农村建房", "宅基地建房", "乡村规划许可"),
        needs=("农村建房", "村里盖房子"), location=LOCATION,
    ),
    item(
        "ZRZYJ-0005", "临时用地审批",
        basis=(LAND_LAW, "《中华人民共和国土地管理法实施条例》"),
        days=(20, 10), audience=BOTH, category="工程建设", result="临时用地批准书",
        materials=(form_("临时用地申请表"), mat("临时使用土地合同"),
                   mat("土地复垦方案报告表"), mat("临时用地勘测定界图")),
        process=PROCESS_SITE, permit=True,
        keywords=("临时用地", "施工临时用地"), location=LOCATION,
    ),
    item(
        "ZRZYJ-0006", "建设工程规划条件核实",
        basis=(PLANNING_LAW, "《广东省城乡规划条例》"),
        days=(20, 5), audience=ENTERPRISE, category="工程建设",
        result="建设工程规划条件核实合格证",
        materials=(form_("规划条件核实申请表"), mat("建设工程竣工测量成果报告"),
                   mat("建设工程规划许可证", lic="建设工程规划许可证")),
        process=PROCESS_SITE, cert_free=True,
        keywords=("规划验收", "规划核实", "工程建设审批第四阶段"), location=LOCATION,
    ),
    item(
        "ZRZYJ-0007", "国有建设用地使用权及房屋所有权首次登记",
        basis=REAL_ESTATE,
        days=(30, 5), audience=ENTERPRISE, category="不动产登记", result="不动产权证书",
        materials=(form_("不动产登记申请书"), BIZ_LICENCE, PROPERTY_CERT,
                   mat("建设工程符合规划的材料及竣工验收材料"), mat("房屋测绘报告")),
        fees=(RESIDENTIAL_FEE,), cert_free=True,
        keywords=("大确权", "首次登记", "新房办证"), location=RE_LOCATION,
    ),
    item(
        "ZRZYJ-0008", "国有建设用地使用权及房屋所有权转移登记",
        basis=REAL_ESTATE,
        days=(30, 3), audience=BOTH, category="不动产登记", result="不动产权证书",
        materials=(form_("不动产登记申请书"), mat("买卖双方身份证明", lic="居民身份证"),
                   PROPERTY_CERT, mat("房屋买卖合同", orig=1, copies=0),
                   opt("婚姻状况证明", "已婚的提供结婚证，可通过共享核验"),
                   opt("完税凭证", "税务信息共享的免交"), AGENT),
        fees=(RESIDENTIAL_FEE,),
        form=(*PERSON_FORM, field("property_address", "不动产坐落")),
        cert_free=True,
        keywords=("过户", "二手房过户", "房产交易"), needs=("二手房过户", "买房过户"),
        location=RE_LOCATION,
    ),
    item(
        "ZRZYJ-0009", "不动产抵押权首次登记",
        basis=REAL_ESTATE,
        days=(30, 1), audience=BOTH, category="不动产登记", result="不动产登记证明",
        materials=(form_("不动产登记申请书"), PROPERTY_CERT, mat("抵押合同及主债权合同"),
                   mat("抵押人、抵押权人身份证明", lic="居民身份证")),
        fees=(RESIDENTIAL_FEE,), full=True, cert_free=True,
        keywords=("抵押登记", "银行按揭", "房屋抵押"), needs=("房子抵押贷款",),
        location=RE_LOCATION,
    ),
    item(
        "ZRZYJ-0010", "不动产登记资料查询",
        basis=(*REAL_ESTATE[1:], "《不动产登记资料查询暂行办法》"),
        days=(0, 0), category="不动产登记", result="不动产登记信息查询结果证明",
        materials=(ID_CARD,), form=PERSON_FORM,
        full=True, cert_free=True, kiosk=True, community=True,
        keywords=("查房产", "无房证明", "房产证明", "产权查询"),
        needs=("开无房证明", "查名下房产", "积分入学房产证明"), location=RE_LOCATION,
    ),
    item(
        "ZRZYJ-0011", "不动产更正登记",
        basis=REAL_ESTATE,
        days=(30, 5), audience=BOTH, category="不动产登记", result="不动产权证书",
        materials=(form_("不动产登记申请书"), PROPERTY_CERT, mat("证实登记确有错误的材料"),
                   mat("申请人身份证明", lic="居民身份证"), MARRIAGE_CERT),
        cert_free=True, keywords=("更正登记", "房产证信息错误"), location=RE_LOCATION,
    ),
)

WEATHER: tuple[ServiceItemSpec, ...] = (
    item(
        "QXJ-0001", "雷电防护装置设计审核",
        basis=LIGHTNING,
        days=(20, 5), audience=ENTERPRISE, category="工程建设",
        result="雷电防护装置设计核准意见书",
        materials=(form_("雷电防护装置设计审核申请书"), mat("雷电防护装置设计说明书和图纸"),
                   mat("设计中所采用的防雷产品相关资料")),
        full=True, cert_free=True, permit=True,
        keywords=("防雷设计", "防雷报建"), location=LOCATION,
    ),
    item(
        "QXJ-0002", "雷电防护装置竣工验收",
        basis=LIGHTNING,
        days=(10, 5), audience=ENTERPRISE, category="工程建设",
        result="雷电防护装置验收意见书",
        materials=(form_("雷电防护装置竣工验收申请书"), mat("雷电防护装置竣工图纸等技术资料"),
                   mat("防雷产品出厂合格证和安装记录"), mat("雷电防护装置检测报告")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("防雷验收",), location=LOCATION,
    ),
    item(
        "QXJ-0003", "升放无人驾驶自由气球或者系留气球活动审批",
        basis=(METEO_LAW, "《通用航空飞行管制条例》", "《升放气球管理办法》"),
        days=(5, 3), audience=BOTH, category="公共安全", result="升放气球活动许可决定",
        materials=(form_("升放气球活动申请表"), mat("升放气球单位资质证书"),
                   mat("升放气球活动方案及安全保障措施")),
        permit=True, keywords=("放气球", "空飘气球"), needs=("开业庆典放气球",),
        location="区气象局；各镇（街道）行政服务中心",
    ),
    item(
        "QXJ-0004", "气象证明出具",
        basis=(METEO_LAW,),
        days=(5, 2), audience=BOTH, category="证明开具", result="气象证明",
        materials=(ID_CARD, opt("用途说明", "保险理赔、司法鉴定等")),
        full=True, cert_free=True,
        keywords=("天气证明", "灾害天气证明"), needs=("台风损失保险理赔要天气证明",),
        location="区气象局",
    ),
)

ITEMS: tuple[ServiceItemSpec, ...] = LAND + WEATHER
