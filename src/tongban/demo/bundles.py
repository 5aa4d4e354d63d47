"""Demo bundles: 开办企业, 开餐馆, 新生儿出生一件事, 退休一件事.

Every item is a hand-written item of the demo catalogue that can be applied for online; across
the four bundles they reach 11 departments.  开办企业 and 开餐馆 halt when the business
registration (the key item) is refused: nothing else makes sense without the company.  开餐馆 runs
in the green channel (绿色通道): catering start-ups are queued first in every department.
Opening the bank account is done at a commercial bank, not a department, so it is no sub-case.
A bundle is applied for online by the signed-in applicant themself, so no bundle asks for the
items' materials that only an agent brings (委托书及受托人身份证件).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongban.domain.bundles.model import (
    BundleDefinition,
    BundleItem,
    BundleMaterial,
    RejectionPolicy,
)
from tongban.domain.catalogue.model import Audience, FieldType, FormField
from tongban.services.bundles import applications as bundles
from tongban.services.platform.context import Actor

if TYPE_CHECKING:
    from tongban.bootstrap import Container
    from tongban.demo.loader import Scale


def _f(
    name: str,
    label: str,
    kind: FieldType = FieldType.TEXT,
    *options: str,
    source: str | None = None,
) -> FormField:
    """A shared form field; ``source="account.<fact>"`` fills it from the applicant's account."""
    return FormField(name=name, label=label, type=kind, options=options, source=source)


REGISTRATION = "SCJGJ-0004"
LICENCE = "营业执照（企业设立登记办结后共享）"
APPLICATION_FORM = "一件事申请表（本页填写，替代各事项申请书）"
BANK_ACCOUNT = "单位银行账户信息"

_COMPANY_FORM: tuple[FormField, ...] = (
    _f("enterprise_name", "企业名称"),
    _f("credit_code", "统一社会信用代码（名称申报后取得）", FieldType.CREDIT_CODE),
    _f(
        "company_type",
        "企业类型",
        FieldType.CHOICE,
        "有限责任公司",
        "股份有限公司",
        "个人独资企业",
        "合伙企业",
    ),
    _f("registered_capital", "注册资本（万元）", FieldType.NUMBER),
    _f("legal_rep", "法定代表人"),
    _f("legal_rep_id", "法定代表人身份证号码", FieldType.ID_NUMBER),
    _f("premises_address", "经营场所", FieldType.ADDRESS),
    _f("business_scope", "经营范围"),
    _f("contact_name", "联系人"),
    _f("phone", "联系电话", FieldType.PHONE, source="account.phone"),
)
_COMPANY_MATERIALS: tuple[BundleMaterial, ...] = (
    BundleMaterial(name=APPLICATION_FORM, note="网上填写即可，无需另交纸质申请书"),
    BundleMaterial(name="公司章程"),
    BundleMaterial(name="股东、发起人的主体资格文件或自然人身份证件"),
    BundleMaterial(name="法定代表人、董事、监事和经理的任职文件及身份证件"),
    BundleMaterial(name="经营场所使用证明", note="自有房产提供不动产权证书，租用提供租赁合同"),
    BundleMaterial(name="经办人身份证件及授权委托书"),
    BundleMaterial(name=BANK_ACCOUNT, note="到银行开立基本存款账户后提供，可容缺后补"),
    BundleMaterial(
        name=LICENCE, note="由登记机关共享电子营业执照，无需提交", shared_from=REGISTRATION
    ),
)
_ENTERPRISE_FIELDS = {
    "enterprise_name": "enterprise_name",
    "credit_code": "credit_code",
    "contact_name": "contact_name",
    "phone": "phone",
}
_REP_ID = "法定代表人、董事、监事和经理的任职文件及身份证件"

_REGISTRATION = BundleItem(
    item_code=REGISTRATION,
    fields={
        "enterprise_name": "enterprise_name",
        "premises_address": "premises_address",
        "company_type": "company_type",
        "registered_capital": "registered_capital",
        "legal_rep": "legal_rep",
        "legal_rep_id": "legal_rep_id",
        "business_scope": "business_scope",
        "phone": "phone",
    },
    materials={
        "公司登记（备案）申请书": APPLICATION_FORM,
        "公司章程": "公司章程",
        "股东、发起人的主体资格文件或自然人身份证件": "股东、发起人的主体资格文件或自然人身份证件",
        _REP_ID: _REP_ID,
        "经营场所使用证明": "经营场所使用证明",
    },
    key=True,
)
_SEAL = BundleItem(
    item_code="GAJ-0014",
    fields=_ENTERPRISE_FIELDS,
    materials={"营业执照": LICENCE, "法定代表人（负责人）身份证件": _REP_ID},
)
_INVOICES = BundleItem(
    item_code="SWJ-0002",
    fields=_ENTERPRISE_FIELDS,
    materials={"经办人身份证件": "经办人身份证件及授权委托书"},
)
_SOCIAL_SECURITY = BundleItem(
    item_code="RSJ-0009",
    fields=_ENTERPRISE_FIELDS,
    materials={"营业执照": LICENCE, BANK_ACCOUNT: BANK_ACCOUNT},
)
_HOUSING_FUND = BundleItem(
    item_code="GJJ-0003",
    fields=_ENTERPRISE_FIELDS,
    materials={
        "单位住房公积金缴存登记表": APPLICATION_FORM,
        "营业执照": LICENCE,
        "经办人身份证件及授权委托书": "经办人身份证件及授权委托书",
    },
)
_VAT = BundleItem(
    item_code="SWJ-0001",
    fields=_ENTERPRISE_FIELDS,
    materials={"增值税一般纳税人登记表（电子税务局填报）": APPLICATION_FORM},
)

START_COMPANY = BundleDefinition(
    code="KBQY",
    name="开办企业",
    description="企业设立登记、公章刻制、发票领用、增值税一般纳税人登记、单位社保登记和住房公积金"
    "缴存登记一次申请、并联办理；登记机关共享电子营业执照，其余事项无需再交。",
    audience=Audience.BOTH,
    form=_COMPANY_FORM,
    materials=_COMPANY_MATERIALS,
    items=(_REGISTRATION, _SEAL, _INVOICES, _VAT, _SOCIAL_SECURITY, _HOUSING_FUND),
    policy=RejectionPolicy.HALT,
)

_FOOD_MANAGER = "食品安全管理人员名单及培训考核情况"
_FIRE_TRAINING = "员工岗前消防安全教育培训记录"
OPEN_RESTAURANT = BundleDefinition(
    code="KCG",
    name="开餐馆",
    description="开一家餐馆要办的 8 个事项一次申请：营业执照、公章、发票、社保登记、食品经营许可、"
    "消防安全检查、招牌（户外广告设施）设置和环境影响登记表备案，8 个部门并联办理，走绿色通道。",
    audience=Audience.BOTH,
    form=(
        *_COMPANY_FORM,
        _f(
            "food_items",
            "经营项目",
            FieldType.CHOICE,
            "热食类食品制售",
            "冷食类食品制售",
            "自制饮品制售",
        ),
        _f("area", "经营场所面积（平方米）", FieldType.NUMBER),
    ),
    materials=(
        *_COMPANY_MATERIALS,
        BundleMaterial(name="餐馆平面布局图、主要设备设施和操作流程"),
        BundleMaterial(name="食品安全管理制度目录"),
        BundleMaterial(name=_FOOD_MANAGER),
        BundleMaterial(name="消防安全制度、灭火和应急疏散预案"),
        BundleMaterial(name="消防安全告知承诺书"),
        BundleMaterial(name=_FIRE_TRAINING),
        BundleMaterial(name="招牌设置地点权属证明或使用协议"),
        BundleMaterial(name="招牌设计效果图和结构安全说明"),
    ),
    items=(
        _REGISTRATION,
        _SEAL,
        _INVOICES,
        _SOCIAL_SECURITY,
        BundleItem(
            item_code="SCJGJ-0012",
            fields={
                **_ENTERPRISE_FIELDS,
                "premises_address": "premises_address",
                "food_items": "food_items",
                "area": "area",
            },
            constants={"business_form": "餐饮服务经营者"},
            materials={
                "食品经营许可申请书": APPLICATION_FORM,
                "营业执照": LICENCE,
                "法定代表人（负责人）身份证件": _REP_ID,
                "与食品经营相适应的主要设备设施、经营布局、操作流程等文件": (
                    "餐馆平面布局图、主要设备设施和操作流程"
                ),
                "食品安全自查、从业人员健康管理、进货查验记录、食品安全事故处置等保证食品安全的"
                "规章制度目录": "食品安全管理制度目录",
                _FOOD_MANAGER: _FOOD_MANAGER,
            },
        ),
        BundleItem(
            item_code="XFJY-0001",
            materials={
                "公众聚集场所投入使用、营业前消防安全检查申报表": APPLICATION_FORM,
                "营业执照": LICENCE,
                "告知承诺书": "消防安全告知承诺书",
                "场所平面布置图、场所消防设施平面图": "餐馆平面布局图、主要设备设施和操作流程",
                "消防安全制度、灭火和应急疏散预案": "消防安全制度、灭火和应急疏散预案",
                _FIRE_TRAINING: _FIRE_TRAINING,
            },
        ),
        BundleItem(
            item_code="CGZFJ-0002",
            materials={
                "户外广告设施设置申请表": APPLICATION_FORM,
                "营业执照": LICENCE,
                "设置地点场地或建筑物权属证明或使用协议": "招牌设置地点权属证明或使用协议",
                "户外广告设施设计效果图和结构安全说明": "招牌设计效果图和结构安全说明",
            },
        ),
        BundleItem(
            item_code="STHJJ-0004",
            materials={"建设项目环境影响登记表（网上填报）": APPLICATION_FORM},
        ),
    ),
    policy=RejectionPolicy.HALT,
    green_channel=True,
)

_PARENT_IDS = "父母双方居民身份证"
NEWBORN = BundleDefinition(
    code="XSECS",
    name="新生儿出生一件事",
    description="宝宝出生后，出生登记（报户口）、生育登记、城乡居民医保参保和社保卡申领一次申请，"
    "4 个部门并联办理。",
    audience=Audience.CITIZEN,
    form=(
        _f("baby_name", "新生儿姓名"),
        _f("baby_id_number", "新生儿公民身份号码（出生预赋号）", FieldType.ID_NUMBER),
        _f("birth_date", "出生日期", FieldType.DATE),
        _f("parent_name", "申请人（父亲或母亲）姓名", source="account.person_name"),
        _f(
            "parent_id_number",
            "申请人公民身份号码",
            FieldType.ID_NUMBER,
            source="account.id_number",
        ),
        _f("spouse_name", "配偶姓名"),
        _f("spouse_id_number", "配偶公民身份号码", FieldType.ID_NUMBER),
        _f("child_order", "孩次", FieldType.CHOICE, "一孩", "二孩", "三孩"),
        _f("phone", "联系电话", FieldType.PHONE, source="account.phone"),
        _f("address", "现居住地址", FieldType.ADDRESS),
        _f(
            "bank",
            "社保卡合作银行",
            FieldType.CHOICE,
            "中国工商银行",
            "中国农业银行",
            "中国银行",
            "中国建设银行",
            "广东农信（南海农商银行）",
        ),
    ),
    materials=(
        BundleMaterial(name="出生医学证明"),
        BundleMaterial(name=_PARENT_IDS),
        BundleMaterial(name="居民户口簿"),
        BundleMaterial(name="结婚证"),
        BundleMaterial(name="新生儿近期免冠彩色照片", note="可不交，社保卡可后补照片"),
    ),
    items=(
        BundleItem(
            item_code="GAJ-0004",
            materials={
                "出生医学证明": "出生医学证明",
                "父母双方居民身份证": _PARENT_IDS,
                "居民户口簿": "居民户口簿",
                "结婚证": "结婚证",
            },
        ),
        BundleItem(
            item_code="WJJ-0001",
            fields={
                "applicant_name": "parent_name",
                "id_number": "parent_id_number",
                "phone": "phone",
                "spouse_name": "spouse_name",
                "spouse_id_number": "spouse_id_number",
                "child_order": "child_order",
                "expected_date": "birth_date",
            },
            materials={"夫妻双方居民身份证": _PARENT_IDS, "结婚证": "结婚证"},
        ),
        BundleItem(
            item_code="YBJ-0001",
            fields={
                "applicant_name": "baby_name",
                "id_number": "baby_id_number",
                "phone": "phone",
                "address": "address",
            },
            constants={"insured_type": "新生儿"},
            materials={
                "申请人居民身份证": _PARENT_IDS,
                "居民户口簿或居住证": "居民户口簿",
                "出生医学证明": "出生医学证明",
            },
        ),
        BundleItem(
            item_code="RSJ-0003",
            fields={
                "applicant_name": "baby_name",
                "id_number": "baby_id_number",
                "phone": "phone",
                "bank": "bank",
            },
            materials={
                "申请人居民身份证": _PARENT_IDS,
                "近期免冠彩色证件照片": "新生儿近期免冠彩色照片",
            },
        ),
    ),
)

_PENSION_FORM = "企业职工基本养老保险待遇申领表"
RETIREMENT = BundleDefinition(
    code="TXYJS",
    name="退休一件事",
    description="办理退休时，养老保险待遇申领、住房公积金退休提取和老年人优待证一次申请，"
    "3 个部门并联办理。",
    audience=Audience.CITIZEN,
    form=(
        _f("applicant_name", "姓名", source="account.person_name"),
        _f("id_number", "公民身份号码", FieldType.ID_NUMBER, source="account.id_number"),
        _f("phone", "联系电话", FieldType.PHONE, source="account.phone"),
        _f("address", "现居住地址", FieldType.ADDRESS),
        _f("fund_amount", "公积金提取金额（元）", FieldType.NUMBER),
    ),
    materials=(
        BundleMaterial(name=_PENSION_FORM),
        BundleMaterial(name="申请人居民身份证"),
        BundleMaterial(name="个人档案或视同缴费年限证明材料"),
        BundleMaterial(name="本人银行账户（社会保障卡金融账户）信息"),
        BundleMaterial(name="近期免冠彩色证件照片"),
    ),
    items=(
        BundleItem(
            item_code="RSJ-0011",
            fields={"applicant_name": "applicant_name", "id_number": "id_number", "phone": "phone"},
            materials={
                _PENSION_FORM: _PENSION_FORM,
                "申请人居民身份证": "申请人居民身份证",
                "个人档案或视同缴费年限证明材料": "个人档案或视同缴费年限证明材料",
                "本人银行账户（社会保障卡金融账户）信息": "本人银行账户（社会保障卡金融账户）信息",
            },
        ),
        BundleItem(
            item_code="GJJ-0001",
            fields={
                "applicant_name": "applicant_name",
                "id_number": "id_number",
                "phone": "phone",
                "amount": "fund_amount",
            },
            constants={"reason": "离休退休"},
            materials={
                "申请人居民身份证": "申请人居民身份证",
                "提取原因证明材料": _PENSION_FORM,
                "本人银行账户（社会保障卡金融账户）信息": "本人银行账户（社会保障卡金融账户）信息",
            },
        ),
        BundleItem(
            item_code="WJJ-0008",
            fields={
                "applicant_name": "applicant_name",
                "id_number": "id_number",
                "phone": "phone",
                "address": "address",
            },
            materials={
                "申请人居民身份证": "申请人居民身份证",
                "近期免冠彩色证件照片": "近期免冠彩色证件照片",
            },
        ),
    ),
)

DEMO_BUNDLES: tuple[BundleDefinition, ...] = (START_COMPANY, OPEN_RESTAURANT, NEWBORN, RETIREMENT)


def load(container: Container, actor: Actor, scale: Scale) -> int:
    """Load (or top up) this part of the demo; returns how many records it wrote."""
    written = 0
    for definition in DEMO_BUNDLES:
        with container.uow() as uow:
            written += bundles.save_definition(uow, actor, definition)
    return written
