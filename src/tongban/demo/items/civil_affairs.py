"""区民政局, 区退役军人事务局, 区残疾人联合会 and 区司法局: marriage, social assistance,
elderly allowances, social organisations; veterans; disability services; legal aid."""

from __future__ import annotations

from tongban.domain.catalogue.model import FieldType, Level, ServiceItemSpec

from ._build import (
    AGENT,
    BANK_CARD,
    BOTH,
    CROSS_CITY,
    ENTERPRISE,
    HUKOU,
    ID_CARD,
    LICENSING_LAW,
    PERSON_FORM,
    PHOTO,
    PROCESS_FILING,
    SITUATION,
    field,
    form_,
    item,
    mat,
    opt,
)

CIVIL_CODE = "《中华人民共和国民法典》"
MARRIAGE = (CIVIL_CODE, "《婚姻登记条例》")
ELDERLY = ("《中华人民共和国老年人权益保障法》", "《广东省老年人权益保障条例》")
ASSISTANCE = "《社会救助暂行办法》"
VETERANS = "《中华人民共和国退役军人保障法》"
DISABILITY = "《中华人民共和国残疾人保障法》"
MARRIAGE_LOCATION = "南海区婚姻登记处（可网上预约）"
LOCATION = "各镇（街道）行政服务中心民政窗口；社区（村居）行政服务中心"
DECLARATION = mat("本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明",
                  orig=1, copies=0, src="婚姻登记机关现场签署")

CIVIL: tuple[ServiceItemSpec, ...] = (
    item(
        "MZJ-0001", "结婚登记",
        basis=MARRIAGE,
        days=(0, 0), category="婚姻登记", result="结婚证",
        materials=(mat("男女双方居民身份证", lic="居民身份证", orig=1, copies=0), DECLARATION,
                   opt("男女双方近期半身免冠合影照片", "2寸3张，可现场拍摄")),
        conditions="男女双方完全自愿，男方年满22周岁、女方年满20周岁，双方均无配偶，"
                   "不属于法律禁止结婚的情形；双方亲自到婚姻登记机关申请。",
        process=("网上预约", "双方亲自到场", "审查", "颁证"), online=False,
        scopes=CROSS_CITY,
        keywords=("婚姻登记", "领证", "结婚证"), needs=("领结婚证", "登记结婚", "结婚"),
        location=MARRIAGE_LOCATION,
    ),
    item(
        "MZJ-0002", "离婚登记",
        basis=MARRIAGE,
        days=(0, 0), category="婚姻登记", result="离婚证",
        materials=(mat("双方居民身份证", lic="居民身份证", orig=1, copies=0),
                   mat("双方结婚证", lic="结婚证", orig=1, copies=0),
                   mat("双方共同签署的离婚协议书", orig=3, copies=0)),
        conditions="双方自愿离婚并对子女抚养、财产及债务处理等事项协商一致；"
                   "提交申请之日起30日离婚冷静期届满后30日内双方亲自到场申请发给离婚证。",
        process=("双方申请", "离婚冷静期", "双方再次到场", "审查", "登记发证"), online=False,
        visits=2, scopes=CROSS_CITY,
        keywords=("协议离婚", "离婚证"), needs=("办离婚",), location=MARRIAGE_LOCATION,
    ),
    item(
        "MZJ-0003", "补领婚姻登记证",
        basis=MARRIAGE,
        days=(0, 0), category="婚姻登记", result="结婚证或离婚证",
        materials=(ID_CARD, PHOTO, opt("婚姻登记档案证明")),
        online=False, scopes=CROSS_CITY,
        keywords=("结婚证补办", "结婚证丢了"), needs=("结婚证丢了",), location=MARRIAGE_LOCATION,
    ),
    item(
        "MZJ-0004", "高龄津贴申领",
        basis=ELDERLY,
        days=(20, 1), category="养老服务", result="高龄津贴发放资格",
        materials=(ID_CARD, opt("居民户口簿", "户籍信息可通过共享获取"), BANK_CARD,
                   AGENT),
        conditions="具有本区户籍、年满80周岁的老年人，按年龄段按月发放高龄津贴。",
        form=(*PERSON_FORM, field("birth_date", "出生日期", FieldType.DATE),
              field("bank_account", "收款账户（社会保障卡金融账户）")),
        smart="elderly-allowance", community=True, kiosk=True,
        keywords=("高龄老人津贴", "老人补贴", "长寿金"),
        needs=("老人领补贴", "80岁补贴", "给老人办高龄津贴"), location=LOCATION,
    ),
    item(
        "MZJ-0005", "最低生活保障审核确认",
        basis=(ASSISTANCE, "《最低生活保障审核确认办法》"),
        days=(30, 15), level=Level.TOWN, category="社会救助", result="最低生活保障金领取证",
        materials=(form_("最低生活保障申请书"), ID_CARD, HUKOU,
                   mat("家庭经济状况核对授权书", orig=1, copies=0), SITUATION),
        conditions="共同生活的家庭成员人均收入低于当地最低生活保障标准，且家庭财产状况"
                   "符合规定。",
        process=("申请", "镇（街道）受理", "家庭经济状况核对", "入户调查", "民主评议和公示",
                 "审核确认"),
        cert_free=True, community=True,
        keywords=("低保", "最低生活保障"), needs=("申请低保", "家里困难申请救助"),
        location=LOCATION,
    ),
    item(
        "MZJ-0006", "特困人员认定",
        basis=(ASSISTANCE, "《特困人员认定办法》"),
        days=(40, 20), category="社会救助", result="特困人员救助供养证",
        materials=(form_("特困人员救助供养申请书"), ID_CARD, HUKOU,
                   mat("家庭经济状况核对授权书", orig=1, copies=0),
                   opt("残疾人证或劳动能力评估材料")),
        conditions="无劳动能力、无生活来源，且无法定赡养、抚养、扶养义务人或者其法定义务人"
                   "无履行义务能力的老年人、残疾人以及未满18周岁的未成年人。",
        cert_free=True, community=True,
        keywords=("五保", "特困供养"), needs=("孤寡老人救助",), location=LOCATION,
    ),
    item(
        "MZJ-0007", "临时救助",
        basis=(ASSISTANCE, "《国务院关于全面建立临时救助制度的通知》"),
        days=(15, 5), level=Level.TOWN, category="社会救助", result="临时救助审批结果",
        materials=(form_("临时救助申请书"), ID_CARD, mat("遭遇急难情况的证明材料"),
                   SITUATION),
        conditions="因火灾、交通事故、突发重大疾病等意外事件导致基本生活暂时出现严重困难"
                   "的家庭或个人。",
        cert_free=True, community=True,
        keywords=("急难救助", "临时困难"), needs=("突然生病没钱", "家里遭灾申请救助"),
        location=LOCATION,
    ),
    item(
        "MZJ-0008", "困难残疾人生活补贴和重度残疾人护理补贴申领",
        basis=("《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》",
               DISABILITY),
        days=(20, 10), category="社会救助", result="残疾人两项补贴发放资格",
        materials=(ID_CARD, mat("中华人民共和国残疾人证", lic="残疾人证", orig=1, copies=1),
                   BANK_CARD),
        full=True, cert_free=True, community=True,
        keywords=("残疾人两项补贴", "护理补贴", "生活补贴"),
        needs=("残疾人领补贴",), location=LOCATION,
    ),
    item(
        "MZJ-0009", "社会团体成立登记",
        basis=("《社会团体登记管理条例》", LICENSING_LAW),
        days=(21, 15), audience=ENTERPRISE, category="社会组织", result="社会团体法人登记证书",
        materials=(form_("社会团体成立登记申请表"), mat("章程草案"),
                   mat("验资报告及场所使用权证明"), mat("负责人基本情况和身份证明",
                                                         lic="居民身份证")),
        cert_free=True, permit=True,
        keywords=("协会", "商会", "社团登记"), needs=("成立商会", "成立协会"),
        location=LOCATION,
    ),
    item(
        "MZJ-0010", "民办非企业单位成立登记",
        basis=("《民办非企业单位登记管理暂行条例》", LICENSING_LAW),
        days=(42, 20), audience=ENTERPRISE, category="社会组织",
        result="民办非企业单位（法人）登记证书",
        materials=(form_("民办非企业单位成立登记申请书"), mat("业务主管单位的批准文件"),
                   mat("场所使用权证明"), mat("验资报告"), mat("章程草案")),
        cert_free=True, permit=True,
        keywords=("社会服务机构", "民非"), needs=("办民办培训机构", "办社工机构"),
        location=LOCATION,
    ),
    item(
        "MZJ-0011", "养老机构备案",
        basis=(*ELDERLY[:1], "《养老机构管理办法》"),
        days=(0, 0), audience=ENTERPRISE, category="养老服务", result="养老机构备案回执",
        materials=(form_("养老机构备案书"), mat("养老机构备案承诺书", orig=1, copies=0),
                   mat("登记证书", lic="营业执照")),
        process=PROCESS_FILING, full=True, cert_free=True,
        keywords=("养老院", "敬老院"), needs=("开养老院",), location=LOCATION,
    ),
    item(
        "MZJ-0012", "收养登记",
        basis=(CIVIL_CODE, "《中国公民收养子女登记办法》"),
        days=(21, 15), category="婚姻登记", result="收养登记证",
        materials=(ID_CARD, HUKOU, mat("收养人婚姻状况证明和健康检查证明"),
                   mat("送养人、被收养人相关证明材料"), PHOTO),
        online=False, visits=2, keywords=("收养",), location=MARRIAGE_LOCATION,
    ),
    item(
        "MZJ-0013", "地名命名、更名审批",
        basis=("《地名管理条例》",),
        days=(20, 15), audience=ENTERPRISE, category="地名区划", result="地名命名（更名）批复",
        materials=(form_("地名命名、更名申请书"), mat("拟命名（更名）的理由及拟采用的"
                                                       "名称含义说明"),
                   mat("建设项目规划许可文件", lic="建设工程规划许可证")),
        cert_free=True, keywords=("楼盘命名", "道路命名"), needs=("给楼盘起名",),
        location=LOCATION,
    ),
)

VETERAN: tuple[ServiceItemSpec, ...] = (
    item(
        "TYJRJ-0001", "退役军人优待证申领",
        basis=(VETERANS, "《退役军人、其他优抚对象优待证管理办法》"),
        days=(20, 10), category="优抚安置", result="中华人民共和国退役军人优待证",
        materials=(ID_CARD, mat("退役证件或相关身份证明材料", notes="已采集信息的免交"),
                   PHOTO),
        form=PERSON_FORM, full=True, cert_free=True, community=True,
        keywords=("优待证", "退役军人优待"), needs=("退伍军人办优待证",), location=LOCATION,
    ),
    item(
        "TYJRJ-0002", "义务兵家庭优待金申领",
        basis=("《军人抚恤优待条例》", VETERANS),
        days=(20, 10), category="优抚安置", result="优待金发放资格",
        materials=(ID_CARD, mat("入伍通知书或部队证明"), BANK_CARD),
        full=True, cert_free=True, community=True,
        keywords=("优待金", "当兵补贴"), needs=("孩子当兵家里补贴",), location=LOCATION,
    ),
    item(
        "TYJRJ-0003", "残疾军人伤残等级评定",
        basis=("《军人抚恤优待条例》", "《伤残抚恤管理办法》"),
        days=(60, 40), category="优抚安置", result="伤残等级评定结论",
        materials=(form_("评定伤残等级申请表"), ID_CARD, mat("致残时的原始医疗证明"),
                   PHOTO),
        online=False, visits=2,
        keywords=("评残", "伤残抚恤"), location=LOCATION,
    ),
    item(
        "TYJRJ-0004", "自主就业退役士兵一次性经济补助金发放",
        basis=("《退役士兵安置条例》", VETERANS),
        days=(20, 10), category="优抚安置", result="一次性经济补助金发放",
        materials=(ID_CARD, mat("退出现役证", orig=1, copies=1), BANK_CARD),
        cert_free=True,
        keywords=("退伍补助", "一次性补助"), needs=("退伍回来领补助",), location=LOCATION,
    ),
)

DISABLED: tuple[ServiceItemSpec, ...] = (
    item(
        "CLJ-0001", "残疾人证办理",
        basis=(DISABILITY, "《中华人民共和国残疾人证管理办法》"),
        days=(30, 20), category="残疾人服务", result="中华人民共和国残疾人证",
        materials=(ID_CARD, HUKOU, PHOTO, mat("指定医疗机构出具的残疾评定结论")),
        conditions="符合《残疾人残疾分类和分级》国家标准的本区户籍残疾人。",
        process=("申请", "指定医疗机构评定", "残联审核", "公示", "发证"),
        cert_free=True, community=True,
        keywords=("残疾证", "评残", "第三代残疾人证"), needs=("办残疾证",), location=LOCATION,
    ),
    item(
        "CLJ-0002", "残疾人辅助器具适配申请",
        basis=(DISABILITY, "《残疾预防和残疾人康复条例》"),
        days=(20, 10), category="残疾人服务", result="辅助器具适配审核结果",
        materials=(ID_CARD, mat("中华人民共和国残疾人证", lic="残疾人证")),
        full=True, cert_free=True, community=True,
        keywords=("轮椅", "助听器", "辅具"), needs=("申请轮椅", "配助听器"), location=LOCATION,
    ),
    item(
        "CLJ-0003", "残疾儿童康复救助申请",
        basis=("《残疾预防和残疾人康复条例》", "《国务院关于建立残疾儿童康复救助制度的意见》"),
        days=(15, 10), category="残疾人服务", result="康复救助审核结果",
        materials=(form_("残疾儿童康复救助申请表"), mat("监护人居民身份证", lic="居民身份证"),
                   HUKOU, mat("医疗机构出具的诊断证明")),
        cert_free=True, community=True,
        keywords=("康复救助", "自闭症康复", "听障儿童"), needs=("孩子康复治疗补助",),
        location=LOCATION,
    ),
)

JUSTICE: tuple[ServiceItemSpec, ...] = (
    item(
        "SFJ-0001", "法律援助申请",
        basis=("《中华人民共和国法律援助法》", "《广东省法律援助条例》"),
        days=(7, 3), category="法律服务", result="给予或不予法律援助决定书",
        materials=(form_("法律援助申请表"), ID_CARD, mat("经济困难状况说明表", orig=1, copies=0),
                   mat("与所申请法律援助事项有关的证明材料")),
        conditions="因经济困难没有委托代理人的公民，或者属于法律规定不受经济困难条件限制"
                   "的情形。",
        full=False, community=True, cert_free=True,
        keywords=("免费律师", "法律援助"), needs=("请不起律师", "打官司没钱请律师", "讨薪"),
        location="区公共法律服务中心；各镇（街道）公共法律服务工作站",
    ),
    item(
        "SFJ-0002", "人民调解申请",
        basis=("《中华人民共和国人民调解法》",),
        days=(0, 0), audience=BOTH, category="法律服务", result="人民调解协议书",
        materials=(ID_CARD, opt("纠纷情况说明及相关证据")),
        community=True, keywords=("调解", "邻里纠纷", "矛盾纠纷"),
        needs=("邻居吵架调解", "纠纷调解"), location="各镇（街道）、村（居）人民调解委员会",
    ),
)

ITEMS: tuple[ServiceItemSpec, ...] = CIVIL + VETERAN + DISABLED + JUSTICE
