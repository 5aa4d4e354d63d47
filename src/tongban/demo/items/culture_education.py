"""区教育局 and 区文化广电旅游体育局: schools, teachers, admissions and student aid;
internet cafés, publications, entertainment venues, performances, high-risk sports."""

from __future__ import annotations

from tongban.domain.catalogue.model import ServiceItemSpec

from ._build import (
    BIZ_LICENCE,
    BOTH,
    CITIZEN,
    COMMITMENT,
    ENTERPRISE,
    F_ADDRESS,
    HUKOU,
    ID_CARD,
    LEGAL_REP_ID,
    LICENSING_LAW,
    PERSON_FORM,
    PHOTO,
    PREMISES,
    PROCESS_FILING,
    PROCESS_SITE,
    choice,
    field,
    form_,
    item,
    mat,
    opt,
)

EDUCATION_LAW = "《中华人民共和国教育法》"
COMPULSORY = "《中华人民共和国义务教育法》"
PRIVATE_SCHOOLS = ("《中华人民共和国民办教育促进法》", "《中华人民共和国民办教育促进法实施条例》")
TEACHERS = ("《中华人民共和国教师法》", "《教师资格条例》")
EDU_LOCATION = "各镇（街道）行政服务中心教育窗口；区教育局"
CULTURE_LOCATION = "各镇（街道）行政服务中心文化窗口；广东政务服务网"

EDUCATION: tuple[ServiceItemSpec, ...] = (
    item(
        "JYJ-0001", "民办学校办学许可",
        basis=(*PRIVATE_SCHOOLS, LICENSING_LAW),
        days=(60, 30), audience=ENTERPRISE, category="教育", result="民办学校办学许可证",
        materials=(form_("民办学校设立申请报告"), mat("举办者资格证明文件"),
                   mat("拟任校长（园长）及教师的资格证明", lic="教师资格证"),
                   mat("学校章程和首届理事会（董事会）组成人员名单"),
                   mat("办学场地产权证明或租赁合同"), mat("资产来源、资金数额及有效证明文件")),
        conditions="具备国家规定的办学条件和设置标准，举办义务教育阶段民办学校及幼儿园的"
                   "按规定进行审批。",
        process=PROCESS_SITE, permit=True,
        keywords=("民办幼儿园", "民办学校", "办学许可证"), needs=("开幼儿园", "办民办学校"),
        location=EDU_LOCATION,
    ),
    item(
        "JYJ-0002", "教师资格认定",
        basis=(*TEACHERS, "《〈教师资格条例〉实施办法》"),
        days=(30, 20), category="教育", result="教师资格证书",
        materials=(ID_CARD, mat("学历证书", lic="学历证书"),
                   mat("中小学教师资格考试合格证明", notes="系统核验"),
                   mat("体检合格证明"), PHOTO),
        conditions="具有规定学历，普通话水平达到规定等级，中小学和幼儿园教师资格考试合格。",
        full=True, cert_free=True,
        keywords=("教资认定", "教师证"), needs=("考完教师资格证认定", "领教师资格证"),
        location=EDU_LOCATION,
    ),
    item(
        "JYJ-0003", "中小学教师资格定期注册",
        basis=(*TEACHERS, "《中小学教师资格定期注册暂行办法》"),
        days=(20, 15), category="教育", result="教师资格定期注册结论",
        materials=(mat("教师资格证书", lic="教师资格证"), mat("定期注册申请表"),
                   mat("师德表现和年度考核证明"), mat("培训学时证明")),
        full=True, cert_free=True, keywords=("教师定期注册",), location=EDU_LOCATION,
    ),
    item(
        "JYJ-0004", "义务教育阶段学生转学",
        basis=(COMPULSORY, "《中小学生学籍管理办法》"),
        days=(10, 5), category="教育", result="转学联系单",
        materials=(mat("监护人居民身份证", lic="居民身份证"), HUKOU,
                   mat("转入学校同意接收证明"), opt("居住证或房产证明")),
        cert_free=True, keywords=("转学", "学籍转接"), needs=("孩子转学",),
        location=EDU_LOCATION,
    ),
    item(
        "JYJ-0005", "非户籍人员随迁子女积分入学申请",
        basis=(COMPULSORY, "《广东省流动人口服务管理条例》"),
        days=(20, 10), category="教育", result="积分入学排名及学位安排",
        materials=(mat("监护人居民身份证", lic="居民身份证"),
                   mat("广东省居住证", lic="广东省居住证"),
                   mat("子女出生医学证明或户口簿", lic="出生医学证明"),
                   opt("社保缴费、房产或租赁备案等积分材料", "可通过部门共享核验")),
        form=(*PERSON_FORM, F_ADDRESS, field("child_name", "子女姓名"),
              choice("grade", "申请学位", "小学一年级", "初中一年级", "插班")),
        full=True, cert_free=True, community=True,
        keywords=("积分入学", "随迁子女", "新市民子女入学"),
        needs=("外地孩子在南海读书", "积分入学", "孩子上公办学校"), location=EDU_LOCATION,
    ),
    item(
        "JYJ-0006", "家庭经济困难学生资助申请",
        basis=(EDUCATION_LAW, COMPULSORY),
        days=(20, 10), audience=CITIZEN, category="教育", result="资助认定结果",
        materials=(form_("家庭经济困难学生认定申请表"), mat("学生及监护人身份证件",
                                                             lic="居民身份证"),
                   opt("低保、特困、残疾等证明", "可通过部门共享核验")),
        cert_free=True, community=True, keywords=("学生资助", "助学金", "免学费"),
        needs=("孩子读书困难补助",), location=EDU_LOCATION,
    ),
)

CULTURE: tuple[ServiceItemSpec, ...] = (
    item(
        "WGLTJ-0001", "互联网上网服务营业场所设立审批",
        basis=("《互联网上网服务营业场所管理条例》", LICENSING_LAW),
        days=(20, 10), audience=ENTERPRISE, category="文化旅游",
        result="网络文化经营许可证（互联网上网服务）",
        materials=(form_("互联网上网服务营业场所经营单位申请表"), BIZ_LICENCE, LEGAL_REP_ID,
                   PREMISES, mat("营业场所平面图及计算机数量说明"),
                   mat("公共聚集场所消防安全检查合格证明或告知承诺")),
        conditions="营业场所与中学、小学校园保持法定距离，计算机数量、营业面积符合规定。",
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("网吧", "网咖", "电竞馆", "上网服务"), needs=("开网吧", "开电竞馆"),
        location=CULTURE_LOCATION,
    ),
    item(
        "WGLTJ-0002", "出版物零售单位设立审批",
        basis=("《出版管理条例》", "《出版物市场管理规定》"),
        days=(20, 5), audience=BOTH, category="文化旅游", result="出版物经营许可证",
        materials=(form_("出版物零售单位设立申请书"), BIZ_LICENCE,
                   mat("经营场所使用证明"), mat("经营者或负责人身份证件", lic="居民身份证")),
        full=True, cert_free=True, permit=True,
        keywords=("书店", "出版物经营许可证", "报刊亭"), needs=("开书店", "卖图书"),
        location=CULTURE_LOCATION,
    ),
    item(
        "WGLTJ-0003", "娱乐场所经营活动审批",
        basis=("《娱乐场所管理条例》", "《娱乐场所管理办法》"),
        days=(20, 10), audience=ENTERPRISE, category="文化旅游", result="娱乐经营许可证",
        materials=(form_("娱乐场所申请表"), BIZ_LICENCE, LEGAL_REP_ID, PREMISES,
                   mat("娱乐场所平面示意图"), COMMITMENT),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("KTV", "歌舞厅", "游艺厅", "娱乐许可证"), needs=("开KTV", "开游戏厅"),
        location=CULTURE_LOCATION,
    ),
    item(
        "WGLTJ-0004", "营业性演出审批",
        basis=("《营业性演出管理条例》", "《营业性演出管理条例实施细则》"),
        days=(20, 3), audience=ENTERPRISE, category="文化旅游", result="营业性演出批准文件",
        materials=(form_("营业性演出申请登记表"), mat("演出节目内容材料"),
                   mat("演出场所合法使用证明"), mat("演出合同或演员演出协议")),
        full=True, cert_free=True, permit=True,
        keywords=("商业演出", "演唱会报批"), needs=("搞商业演出", "请歌手演出"),
        location=CULTURE_LOCATION,
    ),
    item(
        "WGLTJ-0005", "高危险性体育项目经营许可",
        basis=("《全民健身条例》", "《经营高危险性体育项目许可管理办法》"),
        days=(22, 10), audience=ENTERPRISE, category="体育", result="高危险性体育项目经营许可证",
        materials=(form_("经营高危险性体育项目申请书"), BIZ_LICENCE,
                   mat("体育场所、设施、设备符合国家标准的说明性材料"),
                   mat("社会体育指导人员和救助人员的职业资格证明"),
                   mat("安全保障制度和措施")),
        process=PROCESS_SITE, cert_free=True, permit=True,
        keywords=("游泳馆", "攀岩", "潜水", "高危体育"), needs=("开游泳馆", "开攀岩馆"),
        location=CULTURE_LOCATION,
    ),
    item(
        "WGLTJ-0006", "区级文物保护单位建设控制地带内建设工程设计方案审批",
        basis=("《中华人民共和国文物保护法》", "《广东省实施〈中华人民共和国文物保护法〉办法》"),
        days=(20, 15), audience=BOTH, category="文化旅游", result="建设工程设计方案审批意见",
        materials=(form_("建设工程设计方案审批申请"), mat("建设工程设计方案"),
                   mat("对文物保护单位历史风貌影响的评估报告")),
        process=PROCESS_SITE, permit=True,
        keywords=("文物保护", "建设控制地带", "历史建筑"), location=CULTURE_LOCATION,
    ),
    item(
        "WGLTJ-0007", "艺术品经营单位备案",
        basis=("《艺术品经营管理办法》",),
        days=(15, 0), audience=BOTH, category="文化旅游", result="艺术品经营单位备案证明",
        materials=(mat("艺术品经营单位备案表"), BIZ_LICENCE),
        process=PROCESS_FILING, full=True, cert_free=True,
        keywords=("画廊", "艺术品"), needs=("开画廊", "卖字画"), location=CULTURE_LOCATION,
    ),
)

ITEMS: tuple[ServiceItemSpec, ...] = EDUCATION + CULTURE
