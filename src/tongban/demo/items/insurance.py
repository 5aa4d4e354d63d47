"""区医疗保障局 and 佛山市住房公积金管理中心南海分中心: medical insurance and housing fund."""

from __future__ import annotations

from tongban.domain.catalogue.model import FieldType, ServiceItemSpec

from ._build import (
    BANK_CARD,
    BIZ_LICENCE,
    BOTH,
    CROSS_CITY,
    ENTERPRISE,
    ENTERPRISE_FORM,
    F_ADDRESS,
    HUKOU,
    ID_CARD,
    MARRIAGE_CERT,
    PERSON_FORM,
    choice,
    field,
    form_,
    item,
    mat,
    opt,
)

SI_LAW = "《中华人民共和国社会保险法》"
FUND = "《住房公积金管理条例》"
FUND_LOCATION = "各镇（街道）行政服务中心公积金窗口；“佛山公积金”网上服务平台"
MI_LOCATION = "各镇（街道）行政服务中心医保窗口；社区（村居）行政服务中心"

MEDICAL: tuple[ServiceItemSpec, ...] = (
    item(
        "YBJ-0001", "城乡居民基本医疗保险参保登记",
        basis=(SI_LAW, "《国务院关于整合城乡居民基本医疗保险制度的意见》"),
        days=(0, 0), category="医疗保障", result="参保登记信息确认",
        materials=(ID_CARD, opt("居民户口簿或居住证", "户籍、居住信息可通过共享获取"),
                   opt("出生医学证明", "新生儿参保提供")),
        conditions="本区户籍或持本区居住证、未参加职工基本医疗保险的城乡居民，"
                   "含在校学生和新生儿。",
        form=(*PERSON_FORM, F_ADDRESS,
              choice("insured_type", "参保人员类别", "城乡居民", "学生儿童", "新生儿")),
        smart="resident-medical-enrolment", community=True, kiosk=True,
        keywords=("居民医保", "城乡医保", "新农合", "新生儿医保"),
        needs=("交医保", "给小孩买医保", "新生儿参保", "参加居民医保"), location=MI_LOCATION,
    ),
    item(
        "YBJ-0002", "跨省异地就医备案",
        basis=(SI_LAW, "《基本医疗保险跨省异地就医直接结算经办规程》"),
        days=(0, 0), category="医疗保障", result="异地就医备案信息",
        materials=(ID_CARD, opt("异地长期居住或工作的个人承诺书")),
        form=(*PERSON_FORM, field("destination", "就医地（省市）"),
              choice("filing_type", "备案类型", "异地长期居住人员", "常驻异地工作人员",
                     "异地转诊就医人员", "临时外出就医人员")),
        full=True, cert_free=True, scopes=CROSS_CITY,
        keywords=("异地就医", "跨省直接结算"), needs=("在外地看病报销", "回老家看病用医保"),
        location=MI_LOCATION,
    ),
    item(
        "YBJ-0003", "生育津贴申领",
        basis=(SI_LAW, "《广东省职工生育保险规定》"),
        days=(20, 5), audience=BOTH, category="医疗保障", result="生育津贴核定结果",
        materials=(ID_CARD, mat("出生医学证明", lic="出生医学证明"),
                   opt("医疗机构出具的生育诊断证明")),
        full=True, cert_free=True,
        keywords=("生育保险", "产假工资"), needs=("领生育津贴", "生孩子报销"),
        location=MI_LOCATION,
    ),
    item(
        "YBJ-0004", "门诊特定病种待遇认定",
        basis=(SI_LAW, "《广东省基本医疗保险门诊特定病种管理办法》"),
        days=(10, 3), category="医疗保障", result="门诊特定病种待遇资格",
        materials=(ID_CARD, mat("定点医疗机构出具的门诊特定病种诊断证明"),
                   opt("相关检查检验报告")),
        full=True, cert_free=True, community=True,
        keywords=("门特", "慢性病", "特殊病种"), needs=("办慢性病卡", "高血压报销"),
        location=MI_LOCATION,
    ),
    item(
        "YBJ-0005", "医疗费用手工（零星）报销",
        basis=(SI_LAW,),
        days=(20, 10), category="医疗保障", result="医疗费用报销结算单",
        materials=(ID_CARD, mat("医疗费用收费票据", orig=1, copies=0),
                   mat("费用明细清单及出院小结"), BANK_CARD),
        cert_free=True,
        keywords=("医保报销", "零星报销", "垫付报销"), needs=("看病自己垫钱了怎么报销",),
        location=MI_LOCATION,
    ),
    item(
        "YBJ-0006", "基本医疗保险关系转移接续",
        basis=(SI_LAW, "《基本医疗保险关系转移接续暂行办法》"),
        days=(15, 5), category="医疗保障", result="参保凭证及转移接续确认",
        materials=(ID_CARD,), full=True, cert_free=True, scopes=CROSS_CITY,
        keywords=("医保转移", "医保接续"), needs=("把外地医保转过来",), location=MI_LOCATION,
    ),
)

HOUSING_FUND: tuple[ServiceItemSpec, ...] = (
    item(
        "GJJ-0001", "住房公积金提取",
        basis=(FUND,),
        days=(3, 1), category="住房保障", result="提取审批结果及转账凭证",
        materials=(ID_CARD, opt("提取原因证明材料", "购房、租房、退休等信息可共享核验"),
                   BANK_CARD),
        conditions="购买、建造、翻建、大修自住住房，偿还购房贷款本息，租房自住，"
                   "离休退休等《住房公积金管理条例》规定的情形。",
        form=(*PERSON_FORM,
              choice("reason", "提取原因", "租房自住", "购买自住住房", "偿还住房贷款",
                     "离休退休", "完全丧失劳动能力并与单位终止劳动关系"),
              field("amount", "提取金额（元）", FieldType.NUMBER)),
        smart="housing-fund-withdrawal", kiosk=True, scopes=CROSS_CITY,
        keywords=("公积金提取", "提公积金", "租房提取"),
        needs=("提取公积金", "租房提公积金", "退休取公积金", "买房提公积金"),
        location=FUND_LOCATION,
    ),
    item(
        "GJJ-0002", "住房公积金个人住房贷款",
        basis=(FUND,),
        days=(15, 10), category="住房保障", result="个人住房贷款审批结果",
        materials=(form_("住房公积金个人住房贷款申请表"), ID_CARD, HUKOU, MARRIAGE_CERT,
                   mat("购房合同及首付款证明"), opt("收入证明")),
        cert_free=True,
        keywords=("公积金贷款", "买房贷款"), needs=("用公积金贷款买房",),
        location=FUND_LOCATION,
    ),
    item(
        "GJJ-0003", "住房公积金单位缴存登记",
        basis=(FUND,),
        days=(5, 0), audience=ENTERPRISE, category="住房保障", result="单位住房公积金账户",
        materials=(form_("单位住房公积金缴存登记表"), BIZ_LICENCE,
                   mat("经办人身份证件及授权委托书", lic="居民身份证")),
        form=ENTERPRISE_FORM, full=True, cert_free=True,
        keywords=("单位开户", "公积金开户"), needs=("公司开公积金户",),
        location=FUND_LOCATION,
    ),
    item(
        "GJJ-0004", "职工住房公积金账户设立",
        basis=(FUND,),
        days=(0, 0), audience=ENTERPRISE, category="住房保障", result="职工个人住房公积金账户",
        materials=(mat("新增职工信息清单"), mat("职工身份证件", lic="居民身份证")),
        form=ENTERPRISE_FORM, full=True, cert_free=True,
        keywords=("个人账户设立", "新员工公积金"), needs=("给员工交公积金",),
        location=FUND_LOCATION,
    ),
    item(
        "GJJ-0005", "灵活就业人员住房公积金缴存登记",
        basis=(FUND,),
        days=(0, 0), category="住房保障", result="个人住房公积金账户",
        materials=(ID_CARD, opt("本人银行账户信息")), form=PERSON_FORM,
        full=True, cert_free=True,
        keywords=("自愿缴存", "个体户公积金"), needs=("自己交公积金",),
        location=FUND_LOCATION,
    ),
    item(
        "GJJ-0006", "住房公积金缴存使用证明出具",
        basis=(FUND,),
        days=(0, 0), audience=BOTH, category="住房保障", result="住房公积金缴存使用证明",
        materials=(ID_CARD,), form=PERSON_FORM,
        full=True, cert_free=True, kiosk=True, scopes=CROSS_CITY,
        keywords=("缴存证明", "公积金证明"), needs=("开公积金证明", "贷款要公积金证明"),
        location=FUND_LOCATION,
    ),
    item(
        "GJJ-0007", "住房公积金贷款提前还款",
        basis=(FUND,),
        days=(3, 1), category="住房保障", result="提前还款确认",
        materials=(ID_CARD, opt("借款合同")), full=True, cert_free=True,
        keywords=("提前还款", "冲还贷"), needs=("提前还公积金贷款",), location=FUND_LOCATION,
    ),
)

ITEMS: tuple[ServiceItemSpec, ...] = MEDICAL + HOUSING_FUND
