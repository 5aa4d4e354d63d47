"""Chinese labels of enum values (the message ids of the translation catalogue)."""

from __future__ import annotations

from enum import StrEnum

from tongban.i18n import gettext as _

LABELS: dict[str, str] = {
    # Level
    "district": "区级",
    "town": "镇街级",
    "community": "村居级",
    # ItemKind
    "immediate": "即办件",
    "promised": "承诺件",
    # Channel
    "online": "网上办理",
    "window": "窗口办理",
    "self_service": "自助终端",
    "appointment": "预约办理",
    "mail": "邮寄办理",
    # Audience
    "citizen": "个人",
    "enterprise": "法人",
    "both": "个人和法人",
    # ServiceScope
    "district_wide": "全区通办",
    "cross_city": "跨城通办",
    "cross_border": "跨境通办",
    # ItemStatus
    "draft": "草稿",
    "published": "已发布",
    "withdrawn": "已取消",
    # ListKind / Restriction
    "negative": "负面清单",
    "permit": "准许（审批）清单",
    "supervision": "监管清单",
    "prohibited": "禁止准入",
    "restricted": "许可准入",
    # Review steps
    "pending": "待办",
    "active": "办理中",
    "done": "已完成",
    "approve": "通过",
    "reject": "不通过",
    # Role
    "agent": "代办员",
    "clerk": "综合窗口工作人员",
    "reviewer": "审批人员",
    "section_chief": "科长",
    "centre_manager": "中心负责人",
    "leader": "区领导",
    "department_head": "部门负责人",
    "catalogue_admin": "事项目录管理员",
    "user_admin": "用户管理员",
    "auditor": "审计人员",
    "inspector": "监管检查人员",
    "kiosk": "自助终端",
    # FieldType
    "text": "文本",
    "number": "数字",
    "date": "日期",
    "choice": "选项",
    "boolean": "是/否",
    "id_number": "身份证号码",
    "credit_code": "统一社会信用代码",
    "phone": "手机号码",
    "address": "地址",
    "bank_account": "银行账号",
    # IdType
    "resident_id": "居民身份证",
    "hmt_residence_permit": "港澳台居民居住证",
    "hk_macao_travel_permit": "港澳居民来往内地通行证",
    "taiwan_travel_permit": "台湾居民来往大陆通行证",
    "passport": "护照",
    "foreign_permanent_residence": "外国人永久居留身份证",
}


def label(value: StrEnum | str | None) -> str:
    """The translated label of an enum value, or the value itself if it has none."""
    if value is None:
        return ""
    key = value.value if isinstance(value, StrEnum) else str(value)
    text = LABELS.get(key)
    return _(text) if text else key
