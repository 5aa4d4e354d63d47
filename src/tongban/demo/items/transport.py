"""区交通运输局: road transport operation, vehicle maintenance, driving schools, road works."""

from __future__ import annotations

from tongban.domain.catalogue.model import ServiceItemSpec

from ._build import (
    BIZ_LICENCE,
    BOTH,
    ENTERPRISE,
    ENTERPRISE_FORM,
    LEGAL_REP_ID,
    LICENSING_LAW,
    PREMISES,
    PROCESS_FILING,
    PROCESS_SITE,
    choice,
    form_,
    item,
    mat,
    opt,
)

ROAD_TRANSPORT = "《中华人民共和国道路运输条例》"
HIGHWAY = ("《中华人民共和国公路法》", "《公路安全保护条例》")
LOCATION = "各镇（街道）行政服务中心交通运输窗口；广东政务服务网"

ITEMS: tuple[ServiceItemSpec, ...] = (
    item(
        "JTYSJ-0001", "道路货物运输经营许可",
        basis=(ROAD_TRANSPORT, "《道路货物运输及站场管理规定》", LICENSING_LAW),
        days=(20, 5), audience=BOTH, category="交通运输", result="道路运输经营许可证",
        materials=(form_("道路货物运输经营申请表"), BIZ_LICENCE, LEGAL_REP_ID,
                   mat("拟投入运输车辆的承诺书或机动车行驶证", lic="机动车行驶证"),
                   mat("聘用或者拟聘用驾驶员的机动车驾驶证、从业资格证", lic="机动车驾驶证"),
                   mat("安全生产管理制度文本")),
        conditions="有与其经营业务相适应并经检测合格的车辆，符合条件的驾驶人员，"
                   "健全的安全生产管理制度。使用总质量4500千克及以下普通货运车辆的无需申请。",
        form=(*ENTERPRISE_FORM, choice("scope", "经营范围", "道路普通货物运输",
                                        "货物专用运输", "大型物件运输")),
        full=True, cert_free=True, permit=True,
        keywords=("货运许可", "道路运输许可证", "物流公司"),
        needs=("开物流公司", "跑货运", "开货车拉货"), location=LOCATION,
    ),
    item(
        "JTYSJ-0002", "道路普通货物运输车辆道路运输证配发",
        basis=(ROAD_TRANSPORT, "《道路货物运输及站场管理规定》"),
        days=(5, 0), audience=BOTH, category="交通运输", result="道路运输证",
        materials=(mat("道路运输经营许可证", lic="道路运输经营许可证"),
                   mat("机动车行驶证", lic="机动车行驶证"), opt("车辆技术等级评定报告")),
        full=True, cert_free=True, keywords=("营运证", "道路运输证", "车辆营运证"),
        needs=("货车办营运证",), location=LOCATION,
    ),
    item(
        "JTYSJ-0003", "道路旅客运输经营许可",
        basis=(ROAD_TRANSPORT, "《道路旅客运输及客运站管理规定》", LICENSING_LAW),
        days=(20, 10), audience=ENTERPRISE, category="交通运输", result="道路运输经营许可证",
        materials=(form_("道路旅客运输经营申请表"), BIZ_LICENCE,
                   mat("可行性报告"), mat("拟投入车辆承诺书"),
                   mat("已聘用或者拟聘用驾驶人员的驾驶证和从业资格证"),
                   mat("安全生产管理制度文本")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("客运许可", "包车客运", "班车"), needs=("开客运公司",), location=LOCATION,
    ),
    item(
        "JTYSJ-0004", "机动车维修经营备案",
        basis=(ROAD_TRANSPORT, "《机动车维修管理规定》"),
        days=(5, 1), audience=BOTH, category="交通运输", result="机动车维修经营备案回执",
        materials=(mat("机动车维修经营备案表"), BIZ_LICENCE, PREMISES,
                   mat("维修设备设施汇总表及技术人员汇总表"),
                   mat("维修管理制度和环境保护措施")),
        process=PROCESS_FILING, full=True, cert_free=True,
        keywords=("汽修备案", "维修备案", "修车厂"), needs=("开汽修厂", "开修车店"),
        location=LOCATION,
    ),
    item(
        "JTYSJ-0005", "机动车驾驶员培训经营备案",
        basis=(ROAD_TRANSPORT, "《机动车驾驶员培训管理规定》"),
        days=(5, 1), audience=ENTERPRISE, category="交通运输", result="机动车驾驶员培训备案回执",
        materials=(mat("机动车驾驶员培训备案表"), BIZ_LICENCE,
                   mat("教练场地使用权证明"), mat("教学车辆及教练员清单")),
        process=PROCESS_FILING, full=True, cert_free=True,
        keywords=("驾校备案",), needs=("开驾校",), location=LOCATION,
    ),
    item(
        "JTYSJ-0006", "涉路施工许可",
        basis=(*HIGHWAY, LICENSING_LAW),
        days=(20, 10), audience=BOTH, category="交通运输", result="涉路施工许可决定书",
        materials=(form_("涉路施工许可申请书"), mat("涉路工程设计图"),
                   mat("施工方案和保障公路、公路附属设施质量和安全的技术评价报告"),
                   mat("处置施工险情和意外事故的应急预案")),
        process=PROCESS_SITE, permit=True,
        keywords=("占用公路", "挖掘公路", "跨越公路"), location=LOCATION,
    ),
    item(
        "JTYSJ-0007", "设置非公路标志审批",
        basis=(*HIGHWAY, LICENSING_LAW),
        days=(20, 10), audience=BOTH, category="交通运输", result="设置非公路标志许可决定书",
        materials=(form_("设置非公路标志申请书"), mat("标志设置位置图和设计图"),
                   mat("标志结构安全说明")),
        process=PROCESS_SITE, permit=True,
        keywords=("公路广告牌", "路边广告"), location=LOCATION,
    ),
    item(
        "JTYSJ-0008", "道路运输从业人员从业资格证诚信考核",
        basis=(ROAD_TRANSPORT, "《道路运输从业人员管理规定》"),
        days=(5, 1), category="交通运输", result="诚信考核等级",
        materials=(mat("从业资格证", lic="道路运输从业人员从业资格证"),
                   mat("驾驶员身份证件", lic="居民身份证")),
        full=True, cert_free=True, keywords=("从业资格证", "货车司机", "诚信考核"),
        needs=("货车司机资格证年审",), location=LOCATION,
    ),
)
