"""Errors of the e-licence library (电子证照); mapped to HTTP by ``web/errors.py``."""

from __future__ import annotations

from tongban.domain.errors import Conflict, DomainError, NotFound, ValidationFailed


class LicenceNotFound(NotFound):
    code = "licence_not_found"
    template = "找不到编号为 {licence_id} 的电子证照。"


class UnknownLicenceType(ValidationFailed):
    code = "unknown_licence_type"
    template = "未知的证照类型：{type_code}。"


class LicenceFieldsInvalid(ValidationFailed):
    code = "licence_fields_invalid"
    template = "证照信息有误，请检查后重试。"


class LicenceHolderInvalid(ValidationFailed):
    code = "licence_holder_invalid"
    template = "持证主体无效：{reason}"


class LicenceAlreadyRevoked(Conflict):
    code = "licence_already_revoked"
    template = "电子证照 {licence_id} 已于此前注销，不能重复注销。"


class LicenceValidityInvalid(ValidationFailed):
    code = "licence_validity_invalid"
    template = "有效期有误：截止日期不能早于起始日期。"


class NotALicence(DomainError):
    """The input is neither an SD-JWT VC nor a signed PDF of ours."""

    code = "not_a_licence"
    status = 422
    template = "所提交的内容不是电子证照：请提交电子证照凭证文本或电子证照 PDF 文件。"


class KeysMissing(DomainError):
    code = "licence_keys_missing"
    status = 503
    template = "电子证照签名密钥尚未生成，请先运行 tongban keys init。"


class LicenceIssuedElsewhere(Conflict):
    """A partner node's licence kept here for its holder: this node neither renders its PDF
    (the PDF is signed by the issuer) nor revokes it."""

    code = "licence_issued_elsewhere"
    template = "电子证照 {licence_id} 由{issuer}签发：本平台可核验其凭证，PDF 版请向签发地申领。"
