"""The service-item catalogue (事项目录) as plain domain objects.

A ``ServiceItemSpec`` is everything the public and the back office need to know about one
item (政务服务事项): it is what a catalogue admin edits as a draft and publishes as a version.
The seed's figures (可网办率 and the rest) are computed from these fields, so each flag here
is a fact about the item, never a statistic kept on the side.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tongban.domain.licences.types import find_type

ITEM_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")


class Level(StrEnum):
    """Administrative level of a centre or item (区 / 镇街 / 村居)."""

    DISTRICT = "district"
    TOWN = "town"
    COMMUNITY = "community"


class ItemKind(StrEnum):
    """即办件 (decided on the spot) or 承诺件 (decided within the promised limit)."""

    IMMEDIATE = "immediate"
    PROMISED = "promised"


class Channel(StrEnum):
    ONLINE = "online"
    WINDOW = "window"
    SELF_SERVICE = "self_service"
    APPOINTMENT = "appointment"
    MAIL = "mail"


class Audience(StrEnum):
    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"
    BOTH = "both"


class ServiceScope(StrEnum):
    """通办 scope: where, beyond its home centre, the item may be accepted."""

    DISTRICT_WIDE = "district_wide"
    CROSS_CITY = "cross_city"
    CROSS_BORDER = "cross_border"


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    BOOLEAN = "boolean"
    ID_NUMBER = "id_number"
    CREDIT_CODE = "credit_code"
    PHONE = "phone"
    ADDRESS = "address"
    BANK_ACCOUNT = "bank_account"


ACCOUNT_PREFIX = "account."
ACCOUNT_SOURCES: dict[str, bool] = {
    "person_name": True,
    "id_number": True,
    "enterprise_name": True,
    "credit_code": True,
    "phone": False,
}
"""Facts of the applicant's real-name account a form field may be filled from, and whether
the value is locked: identity is authoritative (实名认证); the phone is only a default."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


NonEmpty = Annotated[str, Field(min_length=1, max_length=500)]


class Material(_Model):
    """申请材料: one document an item asks for."""

    name: NonEmpty
    key: bool = True
    """关键材料: a key material can never be waived under 容缺受理."""
    licence_type: str | None = None
    """The e-licence type (电子证照) that can replace it, if any."""
    originals: int = Field(default=0, ge=0, le=20)
    copies: int = Field(default=1, ge=0, le=20)
    source: str = ""
    """Where the applicant gets it (出具单位), e.g. 申请人自备."""
    notes: str = ""
    only_by_agent: bool = False
    """Asked only when someone acts for the applicant (委托他人办理的，提交授权委托书及受托人身份
    证件): an application the applicant hands in themself neither needs nor lacks it."""

    @model_validator(mode="after")
    def _agent_material_is_not_the_applicants_licence(self) -> Material:
        # The applicant's e-licences prove who the applicant is, never who their agent is.
        if self.only_by_agent and self.licence_type:
            raise ValueError("委托代理人办理时提交的材料不能由申请人的电子证照替代")
        return self


class Fee(_Model):
    name: NonEmpty
    amount_yuan: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    basis: str = ""


class FormField(_Model):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: NonEmpty
    type: FieldType = FieldType.TEXT
    required: bool = True
    options: tuple[str, ...] = ()
    source: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")] | None = None
    """表单秒填: ``<licence type>.<field>`` (e.g. ``hukou.address``): filled in from that
    e-licence and locked; the applicant may dispute it but not change it.  Or
    ``account.<fact>`` (``ACCOUNT_SOURCES``): filled in from the applicant's real-name account
    on every channel."""

    @model_validator(mode="after")
    def _choice_needs_options(self) -> FormField:
        if self.type is FieldType.CHOICE and not self.options:
            raise ValueError("选择类字段必须列出选项")
        fact = self.account_fact
        if self.source and self.source.startswith(ACCOUNT_PREFIX) and fact not in ACCOUNT_SOURCES:
            known = "、".join(ACCOUNT_PREFIX + k for k in ACCOUNT_SOURCES)
            raise ValueError(f"账户数据来源应为 {known} 之一")
        return self

    @property
    def account_fact(self) -> str | None:
        """The account fact this field is filled from (``person_name`` ...), if any."""
        if self.source is None or not self.source.startswith(ACCOUNT_PREFIX):
            return None
        return self.source[len(ACCOUNT_PREFIX) :]


class ServiceItemSpec(_Model):
    """One service item as published in the catalogue (南海行政审批标准)."""

    code: str
    name: NonEmpty
    department_code: NonEmpty
    level: Level
    handled_at: tuple[Level, ...] = (Level.TOWN,)
    """Levels of centre at which it may be handled (after the flattening reform, towns)."""
    kind: ItemKind = ItemKind.PROMISED
    audience: Audience = Audience.CITIZEN
    category: str = ""
    """Theme (主题分类), e.g. 社会保障, 市场准入."""
    legal_limit_days: int = Field(ge=0, le=365)
    promised_limit_days: int = Field(ge=0, le=365)
    fees: tuple[Fee, ...] = ()
    legal_basis: tuple[NonEmpty, ...] = Field(min_length=1)
    conditions: str = ""
    """受理条件."""
    process: tuple[NonEmpty, ...] = ()
    """办理流程, one step per entry."""
    result_name: str = ""
    """审批结果 (e.g. 营业执照)."""
    result_licence_type: str | None = None
    """结果电子证照: the e-licence type an approval issues (``food_permit``), signed into the
    holder's data space when the result is issued, whether rules or a person approved."""
    channels: tuple[Channel, ...] = (Channel.WINDOW,)
    fully_online: bool = False
    """全流程网办: applied for, decided and delivered without a visit."""
    visits: int = Field(default=1, ge=0, le=5)
    """跑动次数: visits in person the applicant needs at most."""
    materials: tuple[Material, ...] = ()
    form: tuple[FormField, ...] = ()
    certificate_free: bool = False
    """免证办: identity and licences are taken from the e-licence library."""
    smart_approval: bool = False
    """秒批: decided by rules when every rule holds."""
    rule_set: str | None = None
    scopes: tuple[ServiceScope, ...] = (ServiceScope.DISTRICT_WIDE,)
    on_permit_list: bool = False
    """Listed on the permit list (准许清单) of the three lists."""
    keywords: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    """Plain-language needs the item serves, e.g. 开奶茶店."""
    consult_phone: str = ""
    location_note: str = ""
    """Where to go (办理地点)."""

    @field_validator("code")
    @classmethod
    def _code_format(cls, value: str) -> str:
        value = value.strip().upper()
        if not ITEM_CODE_RE.match(value):
            raise ValueError("事项编码应为 4–40 位大写字母、数字或连字符")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ServiceItemSpec:
        if self.promised_limit_days > self.legal_limit_days:
            raise ValueError("承诺时限不得超过法定时限")
        if self.kind is ItemKind.IMMEDIATE and self.promised_limit_days != 0:
            raise ValueError("即办件的承诺时限应为 0 个工作日")
        if self.kind is ItemKind.PROMISED and self.promised_limit_days == 0:
            raise ValueError("承诺件的承诺时限至少为 1 个工作日")
        if self.fully_online and Channel.ONLINE not in self.channels:
            raise ValueError("全流程网办事项必须开通网上办理渠道")
        if self.fully_online and self.visits != 0:
            raise ValueError("全流程网办事项的跑动次数应为 0")
        if self.smart_approval and Channel.ONLINE not in self.channels:
            raise ValueError("秒批事项必须开通网上办理渠道")
        if not self.channels:
            raise ValueError("至少需要一个办理渠道")
        if self.result_licence_type is not None and find_type(self.result_licence_type) is None:
            raise ValueError(f"未知的结果电子证照类型：{self.result_licence_type}")
        names = [m.name for m in self.materials]
        if len(names) != len(set(names)):
            raise ValueError("申请材料名称不得重复")
        fields = [f.name for f in self.form]
        if len(fields) != len(set(fields)):
            raise ValueError("表单字段名不得重复")
        return self

    @property
    def online_capable(self) -> bool:
        """网上可办: the item can be applied for online."""
        return Channel.ONLINE in self.channels

    @property
    def for_enterprise(self) -> bool:
        return self.audience in (Audience.ENTERPRISE, Audience.BOTH)

    @property
    def is_free(self) -> bool:
        return all(f.amount_yuan == 0 for f in self.fees)


class ItemStatus(StrEnum):
    DRAFT = "draft"
    """Never published."""
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class ListKind(StrEnum):
    """三单管理."""

    NEGATIVE = "negative"
    PERMIT = "permit"
    SUPERVISION = "supervision"


class Restriction(StrEnum):
    PROHIBITED = "prohibited"
    RESTRICTED = "restricted"


class ListEntry(_Model):
    """One entry of the three lists (负面清单 / 准许清单 / 监管清单)."""

    kind: ListKind
    code: Annotated[str, Field(pattern=r"^[A-Z0-9-]{2,40}$")]
    title: NonEmpty
    description: str = ""
    department_code: NonEmpty
    item_code: str | None = None
    restriction: Restriction | None = None
    """Negative list only: prohibited (禁止准入) or restricted (许可准入)."""
    measure: str = ""
    """Supervision list: what is checked and how (监管措施)."""
    frequency: str = ""
    legal_basis: tuple[NonEmpty, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _kind_fields(self) -> ListEntry:
        if self.kind is ListKind.NEGATIVE and self.restriction is None:
            raise ValueError("负面清单条目必须注明禁止或限制")
        if self.kind is not ListKind.NEGATIVE and self.restriction is not None:
            raise ValueError("只有负面清单条目才有禁止或限制")
        if self.kind is ListKind.SUPERVISION and not self.measure:
            raise ValueError("监管清单条目必须写明监管措施")
        return self
