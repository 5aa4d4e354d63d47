"""Compact builders for hand-written service items: sensible defaults, common materials and
form fields, so that each item reads like a line of the district's implementation list."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tongban.domain.catalogue.model import (
    Audience,
    Channel,
    Fee,
    FieldType,
    FormField,
    ItemKind,
    Level,
    Material,
    ServiceItemSpec,
    ServiceScope,
)

CITIZEN = Audience.CITIZEN
ENTERPRISE = Audience.ENTERPRISE
BOTH = Audience.BOTH
CROSS_CITY = (ServiceScope.DISTRICT_WIDE, ServiceScope.CROSS_CITY)
CROSS_BORDER = (ServiceScope.DISTRICT_WIDE, ServiceScope.CROSS_CITY, ServiceScope.CROSS_BORDER)

LICENSING_LAW = "《中华人民共和国行政许可法》"
DEFAULT_LOCATION = "各镇（街道）行政服务中心综合窗口"

PROCESS_IMMEDIATE: tuple[str, ...] = ("申请", "受理", "审核", "当场办结并出具结果")
PROCESS_PROMISED: tuple[str, ...] = ("申请", "受理", "审查", "决定", "送达")
PROCESS_SITE: tuple[str, ...] = ("申请", "受理", "材料审查", "现场核查", "决定", "送达")
PROCESS_FILING: tuple[str, ...] = ("提交备案信息", "窗口或系统核对", "出具备案回执")

RESULT_LICENCES: dict[str, str] = {
    "结婚证": "marriage",
    "营业执照": "business_licence",
    "食品经营许可证": "food_permit",
    "仅销售预包装食品备案凭证": "food_permit",
    "不动产权证书": "property",
    "高龄津贴发放资格": "longevity_allowance",
    "广东省老年人优待证（电子证）": "senior_card",
    "生育登记信息（电子生育服务证明）": "birth_registration",
    "居住证签注信息（电子签注）": "residence_permit",
    "参保登记信息确认": "social_insurance",
}
"""The e-licence type each result is issued as (结果电子证照); other results are documents.
A 秒批 item's rule set issues the same type (a test holds the two together)."""


def mat(
    name: str,
    *,
    key: bool = True,
    lic: str | None = None,
    orig: int = 0,
    copies: int = 1,
    src: str = "申请人自备",
    notes: str = "",
) -> Material:
    """One material; ``lic`` names the e-licence (电子证照) that can replace it."""
    return Material(
        name=name,
        key=key,
        licence_type=lic,
        originals=orig,
        copies=copies,
        source=src,
        notes=notes,
    )


def opt(name: str, notes: str = "", src: str = "申请人自备") -> Material:
    """A non-key material: may be supplied later under 容缺受理."""
    return mat(name, key=False, src=src, notes=notes)


def by_agent(name: str, notes: str = "委托他人办理的提供") -> Material:
    """A material asked only when someone acts for the applicant (委托他人办理的): not needed,
    nor missing, when the applicant comes themself; may follow under 容缺受理 when it is."""
    return Material(name=name, key=False, notes=notes, only_by_agent=True)


def form_(name: str, *, orig: int = 1) -> Material:
    """The item's application form or 申请书, filled in online or at the window."""
    return mat(name, orig=orig, copies=0, src="窗口领取或网上下载")


def fee(name: str, amount: str, basis: str) -> Fee:
    return Fee(name=name, amount_yuan=Decimal(amount), basis=basis)


# Materials that recur across departments.
ID_CARD = mat("申请人居民身份证", lic="居民身份证", orig=1, copies=1, src="公安机关")
HUKOU = mat("居民户口簿", lic="居民户口簿", orig=1, copies=1, src="公安机关")
PHOTO = opt("近期免冠彩色证件照片", "白底，1寸或2寸，可现场拍摄")
AGENT = by_agent("委托书及受托人身份证件")
BIZ_LICENCE = mat("营业执照", lic="营业执照", orig=1, copies=1, src="市场监管部门")
LEGAL_REP_ID = mat("法定代表人（负责人）身份证件", lic="居民身份证", copies=1)
PREMISES = mat(
    "经营场所使用证明", notes="自有房产提供不动产权证书，租用提供租赁合同", lic="不动产权证书"
)
PROPERTY_CERT = mat("不动产权证书", lic="不动产权证书", orig=1, copies=1, src="不动产登记机构")
MARRIAGE_CERT = mat("结婚证", lic="结婚证", orig=1, copies=1, src="婚姻登记机关")
BANK_CARD = opt("本人银行账户（社会保障卡金融账户）信息", "用于待遇发放")
SITUATION = opt("情况说明", "必要时提供")
LOST_NOTICE = opt("遗失声明或损毁证件", "证件遗失的提交书面遗失声明")
COMMITMENT = mat("告知承诺书", orig=1, copies=0, src="窗口领取或网上下载")

# Form fields that recur.
# The applicant's identity comes from their real-name account (locked), the phone as a default.
F_NAME = FormField(name="applicant_name", label="申请人姓名", source="account.person_name")
F_ID = FormField(
    name="id_number", label="公民身份号码", type=FieldType.ID_NUMBER, source="account.id_number"
)
F_PHONE = FormField(name="phone", label="联系电话", type=FieldType.PHONE, source="account.phone")
F_ADDRESS = FormField(name="address", label="现居住地址", type=FieldType.ADDRESS)
F_ENTERPRISE = FormField(name="enterprise_name", label="单位名称", source="account.enterprise_name")
F_USCC = FormField(
    name="credit_code",
    label="统一社会信用代码",
    type=FieldType.CREDIT_CODE,
    source="account.credit_code",
)
F_CONTACT = FormField(name="contact_name", label="联系人")
F_PREMISES = FormField(name="premises_address", label="经营场所", type=FieldType.ADDRESS)
PERSON_FORM: tuple[FormField, ...] = (F_NAME, F_ID, F_PHONE)
ENTERPRISE_FORM: tuple[FormField, ...] = (F_ENTERPRISE, F_USCC, F_CONTACT, F_PHONE)


def field(
    name: str,
    label: str,
    kind: FieldType = FieldType.TEXT,
    *options: str,
    required: bool = True,
    source: str | None = None,
) -> FormField:
    """A form field; ``source`` ("<licence type>.<field>") fills it from the applicant's
    e-licence and locks it (表单秒填)."""
    return FormField(
        name=name, label=label, type=kind, options=options, required=required, source=source
    )


def choice(name: str, label: str, *options: str) -> FormField:
    return FormField(name=name, label=label, type=FieldType.CHOICE, options=options)


def item(
    code: str,
    name: str,
    *,
    basis: Sequence[str],
    days: tuple[int, int],
    materials: Sequence[Material],
    result: str,
    category: str,
    audience: Audience = CITIZEN,
    online: bool = True,
    full: bool = False,
    kiosk: bool = False,
    mail: bool = True,
    visits: int = 1,
    fees: Sequence[Fee] = (),
    conditions: str = "",
    process: Sequence[str] | None = None,
    form: Sequence[FormField] = (),
    cert_free: bool = False,
    smart: str | None = None,
    community: bool = False,
    level: Level = Level.DISTRICT,
    scopes: Sequence[ServiceScope] = (ServiceScope.DISTRICT_WIDE,),
    permit: bool = False,
    keywords: Sequence[str] = (),
    needs: Sequence[str] = (),
    location: str = DEFAULT_LOCATION,
) -> ServiceItemSpec:
    """Build one item. ``days`` is (法定时限, 承诺时限) in working days; a promised limit of 0
    makes it an immediate item (即办件). ``smart`` is the rule-set slug of a 秒批 item, which
    is then also fully online. The department is the prefix of ``code``."""
    legal, promised = days
    kind = ItemKind.IMMEDIATE if promised == 0 else ItemKind.PROMISED
    fully_online = full or smart is not None
    channels: list[Channel] = [Channel.ONLINE] if online or fully_online else []
    channels += [Channel.WINDOW, Channel.APPOINTMENT]
    if kiosk:
        channels.append(Channel.SELF_SERVICE)
    if mail:
        channels.append(Channel.MAIL)
    if process is None:
        process = PROCESS_IMMEDIATE if kind is ItemKind.IMMEDIATE else PROCESS_PROMISED
    handled_at = (Level.TOWN, Level.COMMUNITY) if community else (Level.TOWN,)
    return ServiceItemSpec(
        code=code,
        name=name,
        department_code=code.rsplit("-", 1)[0],
        level=level,
        handled_at=handled_at,
        kind=kind,
        audience=audience,
        category=category,
        legal_limit_days=legal,
        promised_limit_days=promised,
        fees=tuple(fees),
        legal_basis=tuple(basis),
        conditions=conditions,
        process=tuple(process),
        result_name=result,
        result_licence_type=RESULT_LICENCES.get(result),
        channels=tuple(channels),
        fully_online=fully_online,
        visits=0 if fully_online else visits,
        materials=tuple(materials),
        form=tuple(form),
        certificate_free=cert_free or smart is not None,
        smart_approval=smart is not None,
        rule_set=smart,
        scopes=tuple(scopes),
        on_permit_list=permit,
        keywords=tuple(keywords),
        needs=tuple(needs),
        consult_phone="12345",
        location_note=location,
    )
