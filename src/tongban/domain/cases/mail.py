"""Where a mailed result goes (结果包邮): recipient, mainland mobile and full address.

Collected as three fields when the applicant chooses mail (online, at the window, in a bundle
or over the API) and stored on the case as three lines, so the courier is booked from checked
data the day the result is issued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tongban.domain.errors import ValidationFailed

_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")


@dataclass(frozen=True)
class MailAddress:
    """Recipient, mainland mobile and full address of a mailed result."""

    recipient: str
    phone: str
    address: str

    def as_text(self) -> str:
        """The form ``Delivery.address`` stores: three lines."""
        return f"{self.recipient}\n{self.phone}\n{self.address}"


def mail_address(recipient: str, phone: str, address: str) -> MailAddress:
    """A checked mailing address: every part filled in and a mainland mobile number.

    Every wrong part is reported at once, under the field names ``recipient``, ``phone`` and
    ``address``."""
    fields: dict[str, str] = {}
    name, street = recipient.strip(), address.strip()
    mobile = _MOBILE.fullmatch(re.sub(r"[\s-]", "", phone))
    if not name:
        fields["recipient"] = "请填写收件人"
    elif len(name) > 50 or "\n" in name:
        fields["recipient"] = "收件人姓名不超过 50 字"
    if mobile is None:
        fields["phone"] = "请填写收件人的大陆手机号码"
    if len(street) < 6:
        fields["address"] = "请填写完整的收件地址（省、市、区、街道和门牌号）"
    elif len(street) > 200 or "\n" in street:
        fields["address"] = "收件地址不超过 200 字，且只写一行"
    if fields or mobile is None:
        raise ValidationFailed(fields=fields)
    return MailAddress(name, mobile.group(1), street)


def parse_mail_address(text: str) -> MailAddress:
    """The address a case stored (``MailAddress.as_text``), checked again."""
    parts = (text or "").strip().split("\n", 2)
    if len(parts) != 3:
        raise ValidationFailed(fields={"address": "邮寄送达须有收件人、手机号码和收件地址"})
    return mail_address(*parts)
