"""Templates for fire rescue, education, and culture, tourism and sport."""

from __future__ import annotations

from . import B, C, E, Group, g

FIRE = ("《中华人民共和国消防法》",)
PRIVATE_SCHOOLS = ("《中华人民共和国民办教育促进法》", "《中华人民共和国民办教育促进法实施条例》")
SCHOOLING = ("《中华人民共和国义务教育法》", "《中小学生学籍管理办法》")
STUDENT_AID = ("《中华人民共和国教育法》", "《学生资助资金管理办法》")
TEACHERS = ("《中华人民共和国教师法》", "《教师资格条例》")
LANGUAGE = ("《中华人民共和国国家通用语言文字法》",)
INTERNET_CAFE = ("《互联网上网服务营业场所管理条例》",)
ENTERTAINMENT = ("《娱乐场所管理条例》",)
PERFORMANCE = ("《营业性演出管理条例》", "《营业性演出管理条例实施细则》")
PUBLISHING = ("《出版管理条例》", "《出版物市场管理规定》")
PRINTING = ("《印刷业管理条例》",)
FILM = ("《中华人民共和国电影产业促进法》",)
TOURISM = ("《中华人民共和国旅游法》", "《旅行社条例》")
RELICS = ("《中华人民共和国文物保护法》",)
SPORTS = ("《全民健身条例》", "《经营高危险性体育项目许可管理办法》")
FACILITIES = ("《全民健身条例》", "《公共文化体育设施条例》")

SCHOOL_TYPES = "幼儿园 小学 初级中学 非学历文化教育培训机构"
TEACHER_TYPES = "幼儿园 小学 初级中学"

_FIRE: tuple[Group, ...] = (
    g(
        "XFJY",
        "ONE",
        "公众聚集场所投入使用、营业前消防安全检查（变更） 火灾隐患举报投诉处理 "
        "消防安全重点单位消防安全管理人报告 社会单位消防安全宣传培训预约 "
        "大型群众性活动消防安全检查",
        FIRE,
        "公共安全",
        B,
        (10, 5),
        result="办理结果",
    ),
    g(
        "XFJY",
        "ONE",
        "公众聚集场所投入使用、营业前消防安全检查",
        FIRE,
        "公共安全",
        E,
        (10, 1),
        result="公众聚集场所投入使用、营业前消防安全检查意见书",
        types="告知承诺方式 检查方式",
    ),
)

_EDUCATION: tuple[Group, ...] = (
    g(
        "JYJ",
        "ONE",
        "民办学校设立审批 民办学校变更审批 民办学校终止审批",
        PRIVATE_SCHOOLS,
        "教育",
        E,
        (30, 20),
        result="民办学校办学许可证",
        types=SCHOOL_TYPES,
    ),
    g(
        "JYJ",
        "ONE",
        "民办学校分立、合并审批 民办学校章程修改备案 民办学校举办者变更 "
        "民办学校名称变更 民办学校办学许可证补办 面向中小学生的学科类校外培训机构审批 "
        "民办幼儿园年度检查 校外培训机构年度检查",
        PRIVATE_SCHOOLS,
        "教育",
        E,
        (30, 20),
        result="民办学校办学许可证",
        docs="变更事项相关决议",
    ),
    g(
        "JYJ",
        "ONE",
        "学生学籍信息变更 学生休学复学 小学一年级新生入学报名 初中一年级新生入学报名 "
        "户籍适龄儿童入学登记 港澳台学生插班就读申请 适龄残疾儿童少年入学评估申请 "
        "义务教育阶段学生跨区转学 学生免试就近入学片区查询",
        SCHOOLING,
        "教育",
        C,
        (10, 5),
        result="入学（学籍）办理结果",
        community=True,
    ),
    g(
        "JYJ",
        "ONE",
        "学前教育资助申请 中等职业教育国家助学金申请 中等职业教育免学费申请 "
        "普通高中国家助学金申请 生源地信用助学贷款申请 义务教育阶段家庭经济困难寄宿生生活补助申请",
        STUDENT_AID,
        "教育",
        C,
        (20, 10),
        result="资助审核结果",
        community=True,
    ),
    g(
        "JYJ",
        "ONE",
        "教师资格认定",
        TEACHERS,
        "教育",
        C,
        (30, 20),
        result="教师资格证书",
        types=TEACHER_TYPES,
    ),
    g(
        "JYJ",
        "ONE",
        "教师资格证书补发换发 教师资格证书信息更正 中小学教师资格定期注册（暂缓注册） "
        "普通话水平测试报名 普通话水平测试等级证书补办",
        (*TEACHERS, *LANGUAGE),
        "教育",
        C,
        (20, 10),
        result="证书",
    ),
    g(
        "JYJ",
        "LIC3",
        "校车使用许可",
        ("《校车安全管理条例》",),
        "教育",
        E,
        (20, 10),
        result="校车标牌",
    ),
    g(
        "JYJ",
        "ONE",
        "学校体育场地开放预约 家庭教育指导服务预约 特殊教育送教上门申请",
        SCHOOLING,
        "教育",
        C,
        (5, 2),
        result="办理结果",
        community=True,
    ),
)

_CULTURE: tuple[Group, ...] = (
    g(
        "WGLTJ",
        "LICX",
        "互联网上网服务营业场所经营许可",
        INTERNET_CAFE,
        "文化旅游",
        E,
        (20, 10),
        result="网络文化经营许可证",
    ),
    g(
        "WGLTJ",
        "ONE",
        "互联网上网服务营业场所改建扩建审批 互联网上网服务营业场所变更地址审批",
        INTERNET_CAFE,
        "文化旅游",
        E,
        (20, 10),
        result="网络文化经营许可证",
    ),
    g(
        "WGLTJ",
        "LICX",
        "娱乐经营许可",
        ENTERTAINMENT,
        "文化旅游",
        E,
        (20, 10),
        result="娱乐经营许可证",
    ),
    g(
        "WGLTJ",
        "LIC",
        "游艺娱乐场所经营许可",
        ENTERTAINMENT,
        "文化旅游",
        E,
        (20, 10),
        result="娱乐经营许可证",
    ),
    g(
        "WGLTJ",
        "LIC3",
        "文艺表演团体营业性演出许可",
        PERFORMANCE,
        "文化旅游",
        B,
        (20, 5),
        result="营业性演出许可证",
    ),
    g(
        "WGLTJ",
        "EXT",
        "营业性演出审批",
        PERFORMANCE,
        "文化旅游",
        B,
        (20, 3),
        result="营业性演出批准文件",
    ),
    g(
        "WGLTJ",
        "FILE",
        "演出场所经营单位 个体演员 个体演出经纪人",
        PERFORMANCE,
        "文化旅游",
        B,
        (5, 1),
    ),
    g(
        "WGLTJ",
        "LICX",
        "出版物零售业务经营许可",
        PUBLISHING,
        "文化旅游",
        B,
        (20, 5),
        result="出版物经营许可证",
    ),
    g(
        "WGLTJ",
        "LIC",
        "其他印刷品印刷经营许可 专项排版、制版、装订业务许可",
        PRINTING,
        "文化旅游",
        E,
        (20, 10),
        result="印刷经营许可证",
    ),
    g(
        "WGLTJ",
        "LIC3",
        "电影放映经营许可",
        FILM,
        "文化旅游",
        E,
        (20, 10),
        result="电影放映经营许可证",
    ),
    g("WGLTJ", "FILE", "旅行社分社 旅行社服务网点 民宿经营", TOURISM, "文化旅游", E, (10, 5)),
    g(
        "WGLTJ",
        "APPR",
        "区级文物保护单位修缮审批 文物保护单位保护范围内其他建设工程审批 "
        "区级文物保护单位原址保护措施审批",
        RELICS,
        "文化旅游",
        B,
        (20, 15),
        result="审批意见",
    ),
    g(
        "WGLTJ",
        "ONE",
        "不可移动文物认定申请 A级旅游景区评定申报",
        (*RELICS, *TOURISM),
        "文化旅游",
        B,
        (20, 15),
        result="认定意见",
    ),
    g(
        "WGLTJ",
        "LIC",
        "高危险性体育项目经营许可",
        SPORTS,
        "体育",
        E,
        (22, 10),
        result="高危险性体育项目经营许可证",
    ),
    g(
        "WGLTJ",
        "APPR",
        "临时占用公共体育设施审批 举办健身气功活动及设立站点审批",
        FACILITIES,
        "体育",
        B,
        (15, 10),
        result="审批决定",
    ),
    g(
        "WGLTJ",
        "ONE",
        "公共体育场馆免费低收费开放预约 社会体育指导员等级申报 "
        "公共文化场馆场地预约 群众文化活动报名",
        FACILITIES,
        "体育",
        C,
        (5, 1),
        result="预约（申报）结果",
        community=True,
    ),
    g(
        "WGLTJ",
        "ONE",
        "高危险性体育项目经营许可",
        SPORTS,
        "体育",
        E,
        (22, 10),
        result="高危险性体育项目经营许可证",
        types="游泳 潜水 攀岩 高山滑雪",
    ),
    g(
        "WGLTJ",
        "ONE",
        "旅游饭店星级评定申报 非物质文化遗产代表性项目申报 "
        "非物质文化遗产代表性传承人申报 文化市场经营单位信用修复 广播电视设施保护范围内施工审批 "
        "公共图书馆读者证办理",
        (*TOURISM, *RELICS),
        "文化旅游",
        B,
        (20, 10),
        result="审核结果",
    ),
    g(
        "WGLTJ",
        "ONE",
        "群众性体育赛事活动备案 乡镇综合文化站活动场地预约 体育社会组织成立指导",
        FACILITIES,
        "体育",
        B,
        (5, 2),
        result="办理结果",
    ),
)

GROUPS: tuple[Group, ...] = _FIRE + _EDUCATION + _CULTURE
