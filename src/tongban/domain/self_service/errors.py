"""Errors of kiosks (自助终端), their visits and assisted online filing (网办辅导)."""

from __future__ import annotations

from tongban.domain.errors import Conflict, DomainError, NotFound, ValidationFailed


class KioskNotFound(NotFound):
    code = "kiosk_not_found"
    template = "找不到编号为 {code} 的自助终端。"


class KioskExists(Conflict):
    code = "kiosk_exists"
    template = "编号 {code} 已被另一台自助终端使用，请换一个编号。"


class KioskInactive(DomainError):
    code = "kiosk_inactive"
    status = 403
    template = "这台自助终端已停用，请联系服务中心工作人员。"


class PairingFailed(DomainError):
    code = "kiosk_pairing_failed"
    status = 403
    template = "终端编号或配对码不正确，或配对码已过期、已使用。请向服务中心负责人重新获取配对码。"


class VisitExpired(DomainError):
    code = "kiosk_visit_expired"
    status = 409
    template = (
        "长时间没有操作，为保护您的信息已自动退出，本次填写的内容没有保存。请重新刷证或扫码。"
    )


class NoVisit(DomainError):
    code = "kiosk_no_visit"
    status = 409
    template = "请先刷身份证或出示市民码核验身份。"


class NotSelfService(ValidationFailed):
    code = "not_self_service"
    template = "该事项不能在自助终端办理，请到窗口办理。"


class NoReceipt(NotFound):
    code = "kiosk_no_receipt"
    template = "没有可以打印的回执：回执只能在提交后、返回首页前打印。"


class AssistConsentRequired(DomainError):
    code = "assist_consent_required"
    status = 409
    template = (
        "请先扫描申请人手机上的市民码，或读取其身份证后由其在签名板上签名（15 分钟内），"
        "由其当面同意协助网上申请。"
    )


class SignatureBlank(ValidationFailed):
    """网办辅导: the signature pad was sent back with (almost) nothing drawn on it."""

    code = "signature_blank"
    template = "未检测到签名：请申请人在签名板上手写签名后再提交。"


class SignatureNotPng(ValidationFailed):
    code = "signature_not_png"
    template = "签名须为签名板生成的 PNG 图片。"


class SignatureTooLarge(ValidationFailed):
    code = "signature_too_large"
    status = 413
    template = "签名图片过大：不能超过 {limit_kb} KB，宽高不超过 {side} 像素。"


class ConsentSignatureNotFound(NotFound):
    code = "consent_signature_not_found"
    template = "该办件没有申请人的签名确认。"
