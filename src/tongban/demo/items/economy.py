"""区发展和改革局, 区工业和信息化局, 区财政局 and 国家税务总局佛山市南海区税务局:
investment projects, industrial upgrading, bookkeeping agencies, procurement complaints, taxes."""

from __future__ import annotations

from tongban.domain.catalogue.model import FieldType, ServiceItemSpec

from ._build import (
    BIZ_LICENCE,
    BOTH,
    CROSS_CITY,
    ENTERPRISE,
    ENTERPRISE_FORM,
    ID_CARD,
    LICENSING_LAW,
    PERSON_FORM,
    PROCESS_FILING,
    choice,
    field,
    form_,
    item,
    mat,
    opt,
)

INVESTMENT = ("《企业投资项目核准和备案管理条例》", "《企业投资项目核准和备案管理办法》")
TAX_ADMIN = "《中华人民共和国税收征收管理法》"
INVOICES = "《中华人民共和国发票管理办法》"
LOCATION = "各镇（街道）行政服务中心综合窗口；广东省投资项目在线审批监管平台"
TAX_LOCATION = "各镇（街道）行政服务中心税务窗口；广东省电子税务局；自助办税终端"

_PROJECT_FORM = (*ENTERPRISE_FORM, field("project_name", "项目名称"),
                 field("investment", "总投资（万元）", FieldType.NUMBER),
                 field("site", "建设地点", FieldType.ADDRESS))

DEVELOPMENT: tuple[ServiceItemSpec, ...] = (
    item(
        "FGJ-0001", "企业投资项目备案",
        basis=INVESTMENT,
        days=(0, 0), audience=ENTERPRISE, category="投资项目", result="广东省企业投资项目备案证",
        materials=(mat("项目备案信息（在线平台填报）"), BIZ_LICENCE,
                   mat("项目单位对备案信息真实性的承诺", orig=1, copies=0)),
        process=PROCESS_FILING, form=_PROJECT_FORM, full=True, cert_free=True,
        keywords=("项目备案", "立项", "投资备案"), needs=("投资建厂备案", "项目立项"),
        location=LOCATION,
    ),
    item(
        "FGJ-0002", "企业投资项目核准",
        basis=(*INVESTMENT, "《政府核准的投资项目目录》", LICENSING_LAW),
        days=(20, 10), audience=ENTERPRISE, category="投资项目", result="项目核准批复文件",
        materials=(form_("项目核准申请报告"), BIZ_LICENCE,
                   mat("用地预审与选址意见书", lic="建设项目用地预审与选址意见书"),
                   opt("依法应提交的其他相关手续文件")),
        form=_PROJECT_FORM, full=True, cert_free=True, permit=True,
        keywords=("项目核准",), location=LOCATION,
    ),
    item(
        "FGJ-0003", "固定资产投资项目节能审查",
        basis=("《中华人民共和国节约能源法》", "《固定资产投资项目节能审查办法》"),
        days=(20, 10), audience=ENTERPRISE, category="投资项目", result="节能审查意见",
        materials=(form_("节能审查申请"), mat("固定资产投资项目节能报告")),
        full=True, permit=True, keywords=("节能审查", "能评"), location=LOCATION,
    ),
    item(
        "FGJ-0004", "政府投资项目可行性研究报告审批",
        basis=("《政府投资条例》",),
        days=(20, 15), audience=ENTERPRISE, category="投资项目", result="可行性研究报告批复",
        materials=(form_("项目可行性研究报告审批申请"), mat("项目可行性研究报告"),
                   mat("项目建议书批复文件"), opt("专家评审意见")),
        full=True, permit=True, keywords=("可研批复", "政府投资"), location=LOCATION,
    ),
)

INDUSTRY: tuple[ServiceItemSpec, ...] = (
    item(
        "GXJ-0001", "工业企业技术改造投资项目备案",
        basis=INVESTMENT,
        days=(0, 0), audience=ENTERPRISE, category="投资项目", result="技术改造投资项目备案证",
        materials=(mat("技术改造项目备案信息（在线平台填报）"), BIZ_LICENCE),
        process=PROCESS_FILING, form=_PROJECT_FORM, full=True, cert_free=True,
        keywords=("技改备案", "技术改造"), needs=("工厂换设备备案", "技改项目"),
        location=LOCATION,
    ),
    item(
        "GXJ-0002", "工业和信息化专项资金申报",
        basis=("《中华人民共和国中小企业促进法》",),
        days=(30, 20), audience=ENTERPRISE, category="惠企政策", result="专项资金审核结果",
        materials=(form_("专项资金申报书"), BIZ_LICENCE, mat("项目投资及实施情况证明材料"),
                   opt("上年度财务审计报告")),
        full=True, cert_free=True,
        keywords=("专项资金", "扶持资金", "专精特新"), needs=("申请政府补贴", "企业扶持资金"),
        location=LOCATION,
    ),
)

FINANCE: tuple[ServiceItemSpec, ...] = (
    item(
        "CZJ-0001", "代理记账许可",
        basis=("《中华人民共和国会计法》", "《代理记账管理办法》"),
        days=(10, 5), audience=ENTERPRISE, category="市场准入", result="代理记账许可证书",
        materials=(form_("代理记账资格申请表"), BIZ_LICENCE,
                   mat("专职从业人员会计专业技术资格证明及劳动合同"),
                   mat("主管代理记账业务负责人具备会计师以上专业技术职务资格的证明"),
                   mat("代理记账业务内部规范")),
        full=True, cert_free=True, permit=True,
        keywords=("代账", "会计公司", "记账许可"), needs=("开代账公司", "开会计公司"),
        location=LOCATION,
    ),
    item(
        "CZJ-0002", "政府采购投诉处理",
        basis=("《中华人民共和国政府采购法》", "《政府采购质疑和投诉办法》"),
        days=(30, 20), audience=ENTERPRISE, category="政府采购", result="投诉处理决定书",
        materials=(form_("投诉书"), mat("投诉人主体资格证明", lic="营业执照"),
                   mat("质疑和质疑答复情况说明及相关证明材料")),
        full=True, cert_free=True,
        keywords=("采购投诉", "招投标投诉"), location="区财政局",
    ),
)

TAX: tuple[ServiceItemSpec, ...] = (
    item(
        "SWJ-0001", "增值税一般纳税人登记",
        basis=(TAX_ADMIN, "《增值税一般纳税人登记管理办法》"),
        days=(0, 0), audience=ENTERPRISE, category="税费办理", result="税务事项通知书",
        materials=(mat("增值税一般纳税人登记表（电子税务局填报）"),),
        form=ENTERPRISE_FORM, full=True, cert_free=True, kiosk=True,
        keywords=("一般纳税人", "增值税"), needs=("转一般纳税人",), location=TAX_LOCATION,
    ),
    item(
        "SWJ-0002", "发票领用",
        basis=(TAX_ADMIN, INVOICES),
        days=(0, 0), audience=BOTH, category="税费办理", result="发票或数电票开票额度",
        materials=(mat("经办人身份证件", lic="居民身份证"),),
        form=ENTERPRISE_FORM, full=True, cert_free=True, kiosk=True,
        keywords=("领发票", "数电票", "电子发票", "发票票种核定"),
        needs=("领发票", "开发票", "新公司开票"), location=TAX_LOCATION,
    ),
    item(
        "SWJ-0003", "代开增值税发票",
        basis=(TAX_ADMIN, INVOICES),
        days=(0, 0), audience=BOTH, category="税费办理", result="增值税发票",
        materials=(ID_CARD, mat("书面合同或者收款凭证")),
        form=(*PERSON_FORM, field("amount", "开票金额（元）", FieldType.NUMBER)),
        full=True, cert_free=True, kiosk=True,
        keywords=("代开发票", "个人开票"), needs=("个人开发票", "房东开租金发票"),
        location=TAX_LOCATION,
    ),
    item(
        "SWJ-0004", "个人所得税综合所得汇算清缴",
        basis=("《中华人民共和国个人所得税法》", "《中华人民共和国个人所得税法实施条例》"),
        days=(0, 0), category="税费办理", result="汇算清缴申报回执（退税或补税）",
        materials=(ID_CARD,), form=PERSON_FORM, full=True, cert_free=True, kiosk=True,
        scopes=CROSS_CITY,
        keywords=("个税汇算", "个税退税", "年度汇算"), needs=("个税退税", "补个税"),
        location=TAX_LOCATION,
    ),
    item(
        "SWJ-0005", "税收完税证明开具",
        basis=(TAX_ADMIN, "《税收票证管理办法》"),
        days=(0, 0), audience=BOTH, category="税费办理", result="税收完税证明",
        materials=(ID_CARD,), form=PERSON_FORM,
        full=True, cert_free=True, kiosk=True, community=True, scopes=CROSS_CITY,
        keywords=("完税证明", "纳税证明"), needs=("开完税证明", "买房要纳税证明"),
        location=TAX_LOCATION,
    ),
    item(
        "SWJ-0006", "城乡居民基本养老保险费缴纳",
        basis=("《中华人民共和国社会保险法》", "《国税地税征管体制改革方案》"),
        days=(0, 0), category="税费办理", result="缴费凭证",
        materials=(ID_CARD,),
        form=(*PERSON_FORM, choice("grade", "缴费档次（元/年）", "180", "360", "600", "1200",
                                   "3600", "4800")),
        full=True, cert_free=True, kiosk=True, community=True,
        keywords=("交社保费", "居民养老保险缴费"), needs=("交居民养老保险费",),
        location=TAX_LOCATION,
    ),
    item(
        "SWJ-0007", "清税证明开具",
        basis=(TAX_ADMIN,),
        days=(0, 0), audience=ENTERPRISE, category="税费办理", result="清税证明",
        materials=(mat("清税申报表（电子税务局填报）"), opt("经办人身份证件")),
        form=ENTERPRISE_FORM, full=True, cert_free=True,
        keywords=("清税", "注销税务"), needs=("注销公司清税",), location=TAX_LOCATION,
    ),
)

ITEMS: tuple[ServiceItemSpec, ...] = DEVELOPMENT + INDUSTRY + FINANCE + TAX
