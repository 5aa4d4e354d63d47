"""佛山市生态环境局南海分局, 区城市管理和综合执法局 and 区应急管理局: environmental
assessment and pollutant permits; city appearance, roads and greenery; hazardous chemicals."""

from __future__ import annotations

from tongban.domain.catalogue.model import ServiceItemSpec

from ._build import (
    BIZ_LICENCE,
    BOTH,
    COMMITMENT,
    ENTERPRISE,
    LEGAL_REP_ID,
    LICENSING_LAW,
    PREMISES,
    PROCESS_FILING,
    PROCESS_SITE,
    form_,
    item,
    mat,
    opt,
)

EIA_LAW = "《中华人民共和国环境影响评价法》"
EIA_RULES = "《建设项目环境保护管理条例》"
PERMIT_RULES = "《排污许可管理条例》"
CITY = "《城市市容和环境卫生管理条例》"
ROADS = "《城市道路管理条例》"
CHEMICALS = "《危险化学品安全管理条例》"
LOCATION = "各镇（街道）行政服务中心综合窗口；广东政务服务网"

ENVIRONMENT: tuple[ServiceItemSpec, ...] = (
    item(
        "STHJJ-0001", "排污许可证核发",
        basis=("《中华人民共和国环境保护法》", PERMIT_RULES, "《排污许可管理办法》"),
        days=(20, 10), audience=ENTERPRISE, category="生态环境", result="排污许可证",
        materials=(mat("排污许可证申请表（全国排污许可证管理信息平台填报）"), BIZ_LICENCE,
                   mat("自行监测方案"), mat("污染防治设施、污染物排放口位置和数量的说明"),
                   mat("建设项目环境影响评价批复文件或备案文件")),
        conditions="依法取得建设项目环境影响报告书（表）批准文件或已办理环境影响登记表备案，"
                   "污染物排放符合排放标准和重点污染物排放总量控制要求。",
        full=True, cert_free=True, permit=True,
        keywords=("排污证", "排污许可"), needs=("工厂排污办证", "开电镀厂"),
        location=LOCATION,
    ),
    item(
        "STHJJ-0002", "建设项目环境影响报告书审批",
        basis=(EIA_LAW, EIA_RULES, LICENSING_LAW),
        days=(40, 20), audience=ENTERPRISE, category="生态环境",
        result="建设项目环境影响报告书批复",
        materials=(form_("建设项目环境影响评价文件报批申请书"), mat("建设项目环境影响报告书"),
                   mat("公众参与说明"), opt("专家技术评审意见")),
        process=("申请", "受理公示", "技术评估", "拟审批公示", "审批决定", "送达"),
        full=True, permit=True,
        keywords=("环评报告书", "环评审批"), needs=("建化工厂",), location=LOCATION,
    ),
    item(
        "STHJJ-0003", "建设项目环境影响报告表审批",
        basis=(EIA_LAW, EIA_RULES, LICENSING_LAW),
        days=(20, 10), audience=ENTERPRISE, category="生态环境",
        result="建设项目环境影响报告表批复",
        materials=(form_("建设项目环境影响评价文件报批申请书"), mat("建设项目环境影响报告表")),
        full=True, cert_free=True, permit=True,
        keywords=("环评报告表", "环评审批"), needs=("开工厂做环评", "开汽修厂"),
        location=LOCATION,
    ),
    item(
        "STHJJ-0004", "建设项目环境影响登记表备案",
        basis=(EIA_LAW, "《建设项目环境影响登记表备案管理办法》"),
        days=(0, 0), audience=ENTERPRISE, category="生态环境", result="备案回执",
        materials=(mat("建设项目环境影响登记表（网上填报）"),),
        process=PROCESS_FILING, full=True, cert_free=True,
        keywords=("环评登记表", "环评备案"), needs=("小项目环评备案",), location=LOCATION,
    ),
    item(
        "STHJJ-0005", "固定污染源排污登记",
        basis=(PERMIT_RULES, "《固定污染源排污登记工作指南（试行）》"),
        days=(0, 0), audience=ENTERPRISE, category="生态环境", result="固定污染源排污登记回执",
        materials=(mat("排污登记表（网上填报）"),),
        process=PROCESS_FILING, full=True, cert_free=True,
        keywords=("排污登记",), needs=("小作坊排污登记",), location=LOCATION,
    ),
)

CITY_MANAGEMENT: tuple[ServiceItemSpec, ...] = (
    item(
        "CGZFJ-0001", "城市建筑垃圾处置核准",
        basis=(CITY, "《城市建筑垃圾管理规定》", LICENSING_LAW),
        days=(20, 5), audience=BOTH, category="市容环卫", result="城市建筑垃圾处置核准证",
        materials=(form_("城市建筑垃圾处置核准申请表"), mat("建筑垃圾处置方案"),
                   mat("建筑垃圾运输合同及运输车辆清单"), mat("消纳场所证明")),
        full=True, cert_free=True, permit=True,
        keywords=("余泥渣土", "建筑垃圾", "淤泥排放"), needs=("装修垃圾清运", "工地运泥头"),
        location=LOCATION,
    ),
    item(
        "CGZFJ-0002", "户外广告设施设置审批",
        basis=(CITY, "《中华人民共和国广告法》", LICENSING_LAW),
        days=(20, 5), audience=BOTH, category="市容环卫", result="户外广告设施设置许可决定书",
        materials=(form_("户外广告设施设置申请表"), BIZ_LICENCE,
                   mat("设置地点场地或建筑物权属证明或使用协议"),
                   mat("户外广告设施设计效果图和结构安全说明")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("广告牌", "户外广告", "楼顶广告"), needs=("立广告牌", "挂大招牌"),
        location=LOCATION,
    ),
    item(
        "CGZFJ-0003", "临时占用城市道路审批",
        basis=(ROADS, LICENSING_LAW),
        days=(20, 5), audience=BOTH, category="市政公用", result="临时占用城市道路许可决定书",
        materials=(form_("临时占用城市道路申请表"), mat("占道位置平面图及占道方案"),
                   opt("交通疏导方案", "影响交通安全的提供")),
        process=PROCESS_SITE, permit=True,
        keywords=("占道", "占道施工"), needs=("门口搭棚", "占道施工"), location=LOCATION,
    ),
    item(
        "CGZFJ-0004", "挖掘城市道路审批",
        basis=(ROADS, LICENSING_LAW),
        days=(20, 5), audience=ENTERPRISE, category="市政公用", result="挖掘城市道路许可决定书",
        materials=(form_("挖掘城市道路申请表"), mat("施工设计图纸及施工方案"),
                   mat("道路修复方案")),
        process=PROCESS_SITE, permit=True,
        keywords=("掘路", "管线施工"), location=LOCATION,
    ),
    item(
        "CGZFJ-0005", "砍伐、迁移城市树木审批",
        basis=("《城市绿化条例》", LICENSING_LAW),
        days=(20, 10), audience=BOTH, category="市容环卫", result="砍伐、迁移城市树木许可决定书",
        materials=(form_("砍伐、迁移城市树木申请表"), mat("树木位置图和现状照片"),
                   opt("补植方案")),
        process=PROCESS_SITE, permit=True,
        keywords=("砍树", "移树", "园林绿化"), needs=("门口的树要砍",), location=LOCATION,
    ),
    item(
        "CGZFJ-0006", "从事城市生活垃圾经营性清扫、收集、运输服务审批",
        basis=("《国务院对确需保留的行政审批项目设定行政许可的决定》",
               "《城市生活垃圾管理办法》"),
        days=(20, 10), audience=ENTERPRISE, category="市容环卫",
        result="城市生活垃圾经营性服务许可证",
        materials=(form_("城市生活垃圾经营性服务申请书"), BIZ_LICENCE,
                   mat("机械清扫设备及垃圾收集运输车辆清单"), mat("质量和安全管理制度")),
        cert_free=True, permit=True,
        keywords=("垃圾清运", "环卫服务"), location=LOCATION,
    ),
)

EMERGENCY: tuple[ServiceItemSpec, ...] = (
    item(
        "YJGLJ-0001", "危险化学品经营许可证核发（不带储存设施）",
        basis=(CHEMICALS, "《危险化学品经营许可证管理办法》", LICENSING_LAW),
        days=(20, 10), audience=ENTERPRISE, category="安全生产", result="危险化学品经营许可证",
        materials=(form_("危险化学品经营许可证申请表"), BIZ_LICENCE, LEGAL_REP_ID, PREMISES,
                   mat("主要负责人、安全生产管理人员安全资格证书"),
                   mat("安全生产规章制度和岗位操作规程目录"),
                   mat("生产安全事故应急救援预案")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("危化品经营", "危险化学品"), needs=("卖油漆稀释剂", "做化工贸易"),
        location=LOCATION,
    ),
    item(
        "YJGLJ-0002", "烟花爆竹经营（零售）许可证核发",
        basis=("《烟花爆竹安全管理条例》", "《烟花爆竹经营许可实施办法》"),
        days=(20, 10), audience=BOTH, category="安全生产", result="烟花爆竹经营（零售）许可证",
        materials=(form_("烟花爆竹经营（零售）许可证申请书"), BIZ_LICENCE,
                   mat("零售场所产权或租赁证明"), mat("主要负责人安全培训合格证明"),
                   COMMITMENT),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("烟花爆竹零售",), needs=("春节卖烟花",), location=LOCATION,
    ),
    item(
        "YJGLJ-0003", "生产经营单位生产安全事故应急预案备案",
        basis=("《生产安全事故应急条例》", "《生产安全事故应急预案管理办法》"),
        days=(0, 0), audience=ENTERPRISE, category="安全生产", result="应急预案备案登记表",
        materials=(mat("应急预案备案申报表"), mat("应急预案评审意见"),
                   mat("应急预案电子文档")),
        process=PROCESS_FILING, full=True, cert_free=True,
        keywords=("应急预案备案",), location=LOCATION,
    ),
    item(
        "YJGLJ-0004", "第三类非药品类易制毒化学品经营备案",
        basis=("《易制毒化学品管理条例》", "《非药品类易制毒化学品生产、经营许可办法》"),
        days=(3, 0), audience=ENTERPRISE, category="安全生产", result="经营备案证明",
        materials=(mat("非药品类易制毒化学品经营备案申请表"), BIZ_LICENCE,
                   mat("产品包装说明和使用说明书")),
        process=PROCESS_FILING, full=True, cert_free=True,
        keywords=("易制毒", "硫酸", "盐酸"), location=LOCATION,
    ),
)

ITEMS: tuple[ServiceItemSpec, ...] = ENVIRONMENT + CITY_MANAGEMENT + EMERGENCY
