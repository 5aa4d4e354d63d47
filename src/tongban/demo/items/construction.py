"""区住房城乡建设和水利局 and 区人民防空办公室: construction permits, drawings review,
fire-safety design review and acceptance, drainage and water permits, housing; civil air
defence works."""

from __future__ import annotations

from tongban.domain.catalogue.model import ServiceItemSpec

from ._build import (
    BIZ_LICENCE,
    BOTH,
    ENTERPRISE,
    ENTERPRISE_FORM,
    F_ADDRESS,
    LICENSING_LAW,
    PERSON_FORM,
    PROCESS_FILING,
    PROCESS_SITE,
    PROPERTY_CERT,
    field,
    form_,
    item,
    mat,
    opt,
)

BUILDING_LAW = "《中华人民共和国建筑法》"
FIRE_DESIGN = ("《中华人民共和国消防法》", "《建设工程消防设计审查验收管理暂行规定》")
DRAINAGE = ("《城镇排水与污水处理条例》", "《城镇污水排入排水管网许可管理办法》")
WATER_LAW = "《中华人民共和国水法》"
CIVIL_DEFENCE = "《中华人民共和国人民防空法》"
LOCATION = "各镇（街道）行政服务中心工程建设项目审批窗口；广东省工程建设项目审批管理系统"
PLANNING_PERMIT = mat("建设工程规划许可证", lic="建设工程规划许可证", src="自然资源部门")
PROJECT = mat("项目立项（审批、核准、备案）文件", lic="投资项目备案证")

CONSTRUCTION: tuple[ServiceItemSpec, ...] = (
    item(
        "ZJSLJ-0001", "建设工程施工许可证核发",
        basis=(BUILDING_LAW, "《建筑工程施工许可管理办法》"),
        days=(7, 3), audience=ENTERPRISE, category="工程建设", result="建筑工程施工许可证",
        materials=(form_("建筑工程施工许可申请表"), PLANNING_PERMIT,
                   mat("中标通知书或直接发包批准文件及施工合同"),
                   mat("建设资金已经落实承诺书", orig=1, copies=0),
                   mat("施工图设计文件审查合格意见", notes="通过系统共享，无需提交"),
                   opt("施工现场具备施工条件的承诺")),
        conditions="已办理建筑工程用地批准手续、取得建设工程规划许可证，已确定施工企业，"
                   "有满足施工需要的资金安排、施工图纸及技术资料，有保证工程质量和安全的"
                   "具体措施。",
        form=(*ENTERPRISE_FORM, field("project_name", "工程名称"),
              field("project_address", "建设地址", required=True)),
        full=True, cert_free=True, permit=True,
        keywords=("施工许可", "开工许可", "报建", "工程建设审批第三阶段"),
        needs=("建厂房开工", "盖楼开工", "办施工许可证"), location=LOCATION,
    ),
    item(
        "ZJSLJ-0002", "施工图设计文件审查",
        basis=("《建设工程质量管理条例》",
               "《房屋建筑和市政基础设施工程施工图设计文件审查管理办法》"),
        days=(15, 10), audience=ENTERPRISE, category="工程建设", result="施工图审查合格书",
        materials=(mat("施工图设计文件（全专业电子图纸）"), mat("岩土工程勘察成果文件"),
                   PROJECT, mat("建设工程规划设计方案批复或规划许可证", lic="建设工程规划许可证")),
        process=("系统提交电子图纸", "技术审查", "修改回复", "出具审查合格书"),
        full=True, cert_free=True,
        keywords=("施工图审查", "数字化审图", "图审"), needs=("审图纸",), location=LOCATION,
    ),
    item(
        "ZJSLJ-0003", "房屋建筑和市政基础设施工程竣工验收备案",
        basis=("《建设工程质量管理条例》",
               "《房屋建筑和市政基础设施工程竣工验收备案管理办法》"),
        days=(15, 1), audience=ENTERPRISE, category="工程建设",
        result="工程竣工验收备案证明书",
        materials=(form_("工程竣工验收备案表"), mat("工程竣工验收报告"),
                   mat("规划、消防、人防等部门出具的认可文件或准许使用文件"),
                   mat("施工单位签署的工程质量保修书"),
                   opt("住宅质量保证书和住宅使用说明书", "商品住宅提供")),
        process=PROCESS_FILING, cert_free=True,
        keywords=("竣工备案", "联合验收", "工程建设审批第四阶段"),
        needs=("厂房建好了验收", "竣工验收备案"), location=LOCATION,
    ),
    item(
        "ZJSLJ-0004", "特殊建设工程消防设计审查",
        basis=FIRE_DESIGN,
        days=(15, 10), audience=ENTERPRISE, category="工程建设", result="消防设计审查意见书",
        materials=(form_("消防设计审查申请表"), mat("消防设计文件"),
                   opt("依法需要办理建设工程规划许可的，提供建设工程规划许可文件")),
        full=True, cert_free=True, permit=True,
        keywords=("消防设计审查", "消防报建"), needs=("厂房消防报建",), location=LOCATION,
    ),
    item(
        "ZJSLJ-0005", "特殊建设工程消防验收",
        basis=FIRE_DESIGN,
        days=(15, 10), audience=ENTERPRISE, category="工程建设", result="消防验收意见书",
        materials=(form_("消防验收申请表"), mat("工程竣工验收报告"),
                   mat("涉及消防的建设工程竣工图纸")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("消防验收",), needs=("消防验收",), location=LOCATION,
    ),
    item(
        "ZJSLJ-0006", "城镇污水排入排水管网许可",
        basis=(*DRAINAGE, LICENSING_LAW),
        days=(15, 5), audience=ENTERPRISE, category="市政公用", result="城镇污水排入排水管网许可证",
        materials=(form_("城镇污水排入排水管网许可申请表"), BIZ_LICENCE,
                   mat("排水户内部排水管网、专用检测井、污水排放口位置和口径的图纸及说明"),
                   opt("按规定建设污水预处理设施的有关材料"), opt("排水水质检测报告")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("排水许可", "排水证", "污水排放"),
        needs=("开餐馆", "开洗车店", "工厂排污水"), location=LOCATION,
    ),
    item(
        "ZJSLJ-0007", "商品房预售许可",
        basis=("《中华人民共和国城市房地产管理法》", "《城市商品房预售管理办法》"),
        days=(10, 5), audience=ENTERPRISE, category="住房保障", result="商品房预售许可证",
        materials=(form_("商品房预售许可申请表"), BIZ_LICENCE,
                   mat("建设工程施工许可证", lic="建筑工程施工许可证"),
                   mat("国有土地使用权证明", lic="不动产权证书"),
                   mat("工程施工进度证明"), mat("商品房预售方案")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("预售证", "楼花"), needs=("楼盘预售",), location=LOCATION,
    ),
    item(
        "ZJSLJ-0008", "房屋租赁登记备案",
        basis=("《中华人民共和国城市房地产管理法》", "《商品房屋租赁管理办法》"),
        days=(3, 0), audience=BOTH, category="住房保障", result="房屋租赁登记备案证明",
        materials=(mat("房屋租赁合同", orig=1, copies=1), PROPERTY_CERT,
                   mat("出租人、承租人身份证明", lic="居民身份证")),
        form=(*PERSON_FORM, F_ADDRESS), full=True, cert_free=True, community=True,
        keywords=("租赁备案", "租房合同备案"), needs=("租房备案", "积分入学要租房证明"),
        location=LOCATION,
    ),
    item(
        "ZJSLJ-0009", "取水许可",
        basis=(WATER_LAW, "《取水许可和水资源费征收管理条例》"),
        days=(30, 15), audience=ENTERPRISE, category="水务", result="取水许可证",
        materials=(form_("取水许可申请书"), BIZ_LICENCE, mat("建设项目水资源论证报告"),
                   mat("与第三者利害关系的相关说明")),
        process=PROCESS_SITE, permit=True,
        keywords=("取水证", "地下水取水"), location=LOCATION,
    ),
    item(
        "ZJSLJ-0010", "河道管理范围内建设项目工程建设方案审批",
        basis=(WATER_LAW, "《中华人民共和国防洪法》", "《中华人民共和国河道管理条例》"),
        days=(20, 10), audience=ENTERPRISE, category="水务", result="工程建设方案审批意见",
        materials=(form_("河道管理范围内建设项目申请书"), mat("建设项目防洪评价报告"),
                   mat("建设项目所依据的文件"), mat("工程平面布置图和设计图")),
        process=PROCESS_SITE, permit=True,
        keywords=("涉河建设", "防洪评价"), location=LOCATION,
    ),
    item(
        "ZJSLJ-0011", "生产建设项目水土保持方案审批",
        basis=("《中华人民共和国水土保持法》", "《中华人民共和国水土保持法实施条例》"),
        days=(20, 10), audience=ENTERPRISE, category="水务", result="水土保持方案审批决定",
        materials=(form_("生产建设项目水土保持方案审批申请"), mat("水土保持方案报告书")),
        full=True, permit=True,
        keywords=("水保方案", "水土保持"), location=LOCATION,
    ),
    item(
        "ZJSLJ-0012", "城镇燃气经营许可",
        basis=("《城镇燃气管理条例》", "《燃气经营许可管理办法》"),
        days=(20, 15), audience=ENTERPRISE, category="市政公用", result="燃气经营许可证",
        materials=(form_("燃气经营许可申请表"), BIZ_LICENCE,
                   mat("燃气设施建设工程竣工验收有关文件"),
                   mat("企业主要负责人、安全生产管理人员以及运行、维护和抢修人员的"
                       "专业培训考核合格证明"),
                   mat("安全评价报告及燃气经营安全管理制度")),
        process=PROCESS_SITE, permit=True,
        keywords=("燃气许可", "瓶装液化气"), needs=("开煤气站",), location=LOCATION,
    ),
)

CIVIL_AIR_DEFENCE: tuple[ServiceItemSpec, ...] = (
    item(
        "RFB-0001", "结合民用建筑修建防空地下室审批",
        basis=(CIVIL_DEFENCE, "《广东省实施〈中华人民共和国人民防空法〉办法》"),
        days=(20, 10), audience=ENTERPRISE, category="工程建设", result="人防工程建设审批意见",
        materials=(form_("防空地下室建设审批申请表"), PROJECT,
                   mat("建设工程规划设计方案"), mat("防空地下室设计文件")),
        full=True, cert_free=True, permit=True,
        keywords=("人防报建", "防空地下室"), location=LOCATION,
    ),
    item(
        "RFB-0002", "防空地下室易地建设审批",
        basis=(CIVIL_DEFENCE, "《广东省实施〈中华人民共和国人民防空法〉办法》"),
        days=(20, 10), audience=ENTERPRISE, category="工程建设", result="易地建设审批意见",
        materials=(form_("防空地下室易地建设申请表"), PROJECT,
                   mat("不宜修建防空地下室的情况说明及证明材料")),
        full=True, cert_free=True, permit=True,
        keywords=("人防易地建设", "人防易地建设费"), location=LOCATION,
    ),
    item(
        "RFB-0003", "人民防空工程竣工验收备案",
        basis=(CIVIL_DEFENCE, "《建设工程质量管理条例》"),
        days=(15, 3), audience=ENTERPRISE, category="工程建设", result="人防工程竣工验收备案证明",
        materials=(form_("人防工程竣工验收备案表"), mat("人防工程竣工验收报告"),
                   mat("人防工程竣工图")),
        process=PROCESS_FILING, cert_free=True,
        keywords=("人防验收",), location=LOCATION,
    ),
    item(
        "RFB-0004", "拆除人民防空工程审批",
        basis=(CIVIL_DEFENCE,),
        days=(20, 15), audience=BOTH, category="工程建设", result="拆除人防工程审批意见",
        materials=(form_("拆除人民防空工程申请书"), mat("人防工程产权证明"),
                   mat("拆除方案及补建计划")),
        process=PROCESS_SITE, permit=True, online=True,
        keywords=("人防拆除",), location=LOCATION,
    ),
)

ITEMS: tuple[ServiceItemSpec, ...] = CONSTRUCTION + CIVIL_AIR_DEFENCE
