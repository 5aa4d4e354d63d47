"""区农业农村局, 区政务服务数据管理局 and 区档案馆: rural homesteads, farming and animal
health licences; public data and service complaints; archives."""

from __future__ import annotations

from tongban.domain.catalogue.model import Level, ServiceItemSpec

from ._build import (
    BIZ_LICENCE,
    BOTH,
    CROSS_CITY,
    ENTERPRISE,
    HUKOU,
    ID_CARD,
    PERSON_FORM,
    PREMISES,
    PROCESS_SITE,
    choice,
    form_,
    item,
    mat,
    opt,
)

ANIMALS = "《中华人民共和国动物防疫法》"
FISHERY = "《中华人民共和国渔业法》"
ARCHIVES = ("《中华人民共和国档案法》", "《中华人民共和国档案法实施条例》")
LOCATION = "各镇（街道）行政服务中心农业农村窗口"

AGRICULTURE: tuple[ServiceItemSpec, ...] = (
    item(
        "NYNCJ-0001", "农村村民宅基地审批",
        basis=("《中华人民共和国土地管理法》",
               "《农业农村部 自然资源部关于规范农村宅基地审批管理的通知》"),
        days=(20, 15), level=Level.TOWN, category="农业农村",
        result="农村宅基地批准书",
        materials=(form_("农村宅基地和建房（规划许可）申请表"), ID_CARD, HUKOU,
                   mat("农村宅基地使用承诺书", orig=1, copies=0),
                   mat("村民小组会议讨论通过并公示的意见")),
        conditions="本集体经济组织成员，以户为单位申请，符合“一户一宅”和国土空间规划要求。",
        process=("村民申请", "村民小组讨论", "村级审查", "镇（街道）联审", "批准", "放线",
                 "竣工验收"),
        cert_free=True, community=True, permit=True,
        keywords=("宅基地", "农村建房", "一户一宅"), needs=("申请宅基地", "农村建房"),
        location=LOCATION,
    ),
    item(
        "NYNCJ-0002", "动物防疫条件合格证核发",
        basis=(ANIMALS, "《动物防疫条件审查办法》"),
        days=(15, 10), audience=BOTH, category="农业农村", result="动物防疫条件合格证",
        materials=(form_("动物防疫条件审查申请表"), mat("场所地理位置图、各功能区布局平面图"),
                   mat("设施设备清单"), mat("管理制度文本"), mat("人员情况")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("防疫合格证", "养殖场"), needs=("开养猪场", "开养殖场"), location=LOCATION,
    ),
    item(
        "NYNCJ-0003", "农药经营许可",
        basis=("《农药管理条例》", "《农药经营许可管理办法》"),
        days=(20, 10), audience=BOTH, category="农业农村", result="农药经营许可证",
        materials=(form_("农药经营许可证申请表"), BIZ_LICENCE, PREMISES,
                   mat("经营人员的学历或者培训证明"), mat("营业场所和仓储场所地址、面积、"
                                                          "平面图等说明材料及照片")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("农药店", "农资店"), needs=("开农资店", "卖农药"), location=LOCATION,
    ),
    item(
        "NYNCJ-0004", "兽药经营许可证核发",
        basis=("《兽药管理条例》", "《兽药经营质量管理规范》"),
        days=(20, 10), audience=BOTH, category="农业农村", result="兽药经营许可证",
        materials=(form_("兽药经营许可证申请表"), BIZ_LICENCE,
                   mat("与所经营兽药相适应的兽药技术人员证明"), mat("营业场所、仓库设施说明")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("兽药店", "渔药", "饲料兽药"), needs=("卖兽药",), location=LOCATION,
    ),
    item(
        "NYNCJ-0005", "农作物种子生产经营许可证核发",
        basis=("《中华人民共和国种子法》", "《农作物种子生产经营许可管理办法》"),
        days=(20, 10), audience=ENTERPRISE, category="农业农村", result="农作物种子生产经营许可证",
        materials=(form_("农作物种子生产经营许可证申请表"), BIZ_LICENCE,
                   mat("种子生产经营场所和设施设备说明"), mat("种子质量检验人员资格证明")),
        cert_free=True, permit=True, keywords=("种子经营", "种苗"), location=LOCATION,
    ),
    item(
        "NYNCJ-0006", "渔业捕捞许可",
        basis=(FISHERY, "《渔业捕捞许可管理规定》"),
        days=(20, 10), audience=BOTH, category="农业农村", result="渔业捕捞许可证",
        materials=(form_("渔业捕捞许可证申请书"), ID_CARD, mat("渔业船舶检验证书"),
                   mat("渔业船舶国籍证书")),
        cert_free=True, permit=True, keywords=("捕捞证", "渔船"), location=LOCATION,
    ),
    item(
        "NYNCJ-0007", "水产苗种生产许可",
        basis=(FISHERY, "《水产苗种管理办法》"),
        days=(20, 10), audience=BOTH, category="农业农村", result="水产苗种生产许可证",
        materials=(form_("水产苗种生产申请表"), mat("生产场地使用证明"),
                   mat("苗种生产技术人员情况及培育设施说明")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("鱼苗", "苗种生产", "桑基鱼塘"), needs=("培育鱼苗",), location=LOCATION,
    ),
    item(
        "NYNCJ-0008", "动物诊疗许可证核发",
        basis=(ANIMALS, "《动物诊疗机构管理办法》"),
        days=(20, 10), audience=BOTH, category="农业农村", result="动物诊疗许可证",
        materials=(form_("动物诊疗许可证申请表"), BIZ_LICENCE, PREMISES,
                   mat("动物诊疗场所地理方位图、室内平面图和各功能区布局图"),
                   mat("执业兽医资格证书", lic="执业兽医资格证书"), mat("诊疗设备清单")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("宠物医院", "动物诊所"), needs=("开宠物医院", "开宠物诊所"),
        location=LOCATION,
    ),
    item(
        "NYNCJ-0009", "拖拉机和联合收割机登记",
        basis=("《中华人民共和国农业机械化促进法》", "《拖拉机和联合收割机登记规定》"),
        days=(5, 2), category="农业农村", result="拖拉机和联合收割机登记证书及号牌、行驶证",
        materials=(form_("拖拉机和联合收割机登记业务申请表"), ID_CARD,
                   mat("来历证明（购机发票）"), mat("出厂合格证明"),
                   mat("第三者责任强制保险凭证")),
        process=("申请", "查验", "受理", "核发号牌行驶证"), online=False,
        keywords=("农机上牌", "拖拉机"), location=LOCATION,
    ),
)

DATA: tuple[ServiceItemSpec, ...] = (
    item(
        "ZSJ-0001", "公共数据资源开放申请",
        basis=("《中华人民共和国数据安全法》", "《广东省公共数据管理办法》"),
        days=(20, 10), audience=BOTH, category="政务数据", result="数据开放申请审核意见",
        materials=(form_("公共数据有条件开放申请表"), mat("数据使用场景和安全保障措施说明"),
                   mat("申请人主体资格证明", lic="营业执照")),
        full=True, cert_free=True,
        keywords=("数据开放", "公共数据", "数据申请"), needs=("申请政府数据",),
        location="区政务服务数据管理局",
    ),
    item(
        "ZSJ-0002", "政务服务投诉处理",
        basis=("《优化营商环境条例》",
               "《国务院关于加快推进政务服务标准化规范化便利化的指导意见》"),
        days=(5, 3), audience=BOTH, category="政务服务", result="投诉处理答复",
        materials=(ID_CARD, opt("投诉事项相关材料")),
        form=(*PERSON_FORM, choice("channel", "投诉渠道", "现场", "12345热线", "网上", "好差评")),
        full=True, cert_free=True, community=True,
        keywords=("办不成事", "投诉", "差评整改"), needs=("办事不顺利投诉", "办不成事找谁"),
        location="各镇（街道）行政服务中心“办不成事”反映窗口",
    ),
)

ARCHIVE: tuple[ServiceItemSpec, ...] = (
    item(
        "DAG-0001", "档案查询",
        basis=ARCHIVES,
        days=(5, 0), audience=BOTH, category="档案服务", result="档案查阅证明或复制件",
        materials=(ID_CARD, opt("委托书及受托人身份证件", "代查他人档案的提供"),
                   opt("与档案内容有关的证明材料", "查询他人或单位档案时提供")),
        online=True, cert_free=True,
        keywords=("档案查阅", "婚姻档案", "知青档案", "招工档案"),
        needs=("查婚姻档案", "查老档案", "开档案证明"), location="区档案馆查档大厅",
    ),
    item(
        "DAG-0002", "民生档案跨馆出证",
        basis=ARCHIVES,
        days=(5, 3), category="档案服务", result="档案证明（电子或纸质邮寄）",
        materials=(ID_CARD,), form=PERSON_FORM, full=True, cert_free=True,
        scopes=CROSS_CITY,
        keywords=("异地查档", "跨馆出证"), needs=("在外地查档案",),
        location="区档案馆；各镇（街道）行政服务中心",
    ),
)

ITEMS: tuple[ServiceItemSpec, ...] = AGRICULTURE + DATA + ARCHIVE
