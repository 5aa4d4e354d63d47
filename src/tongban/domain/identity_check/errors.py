"""Errors of identification at a window or kiosk (免证办)."""

from __future__ import annotations

from tongban.domain.errors import DomainError, NotFound, ValidationFailed


class CitizenCodeInvalid(DomainError):
    code = "citizen_code_invalid"
    status = 400
    template = "该市民码无效：不是本平台签发的市民码，或内容已被改动。"


class CitizenCodeExpired(DomainError):
    code = "citizen_code_expired"
    status = 410
    template = "该市民码已过期（有效期 2 分钟），请申请人刷新后重新出示。"


class CitizenCodeUsed(DomainError):
    code = "citizen_code_used"
    status = 409
    template = "该市民码已被使用过，每个市民码只能使用一次，请申请人刷新后重新出示。"


class IdCardUnreadable(ValidationFailed):
    code = "id_card_unreadable"
    template = "未能读取身份证：{reason}"


class FaceMismatch(DomainError):
    code = "face_mismatch"
    status = 403
    template = "人脸比对未通过（相似度 {score}，须不低于 {threshold}），请改用其他方式核验身份。"


class PersonNotRegistered(NotFound):
    code = "person_not_registered"
    template = "该证件持有人尚未在本平台注册，请先为其注册账号。"


class IdentifyFirst(DomainError):
    code = "identify_first"
    status = 409
    template = "请先核验申请人身份（15 分钟内），再记录其当面授权。"


class NothingToConsentTo(DomainError):
    code = "nothing_to_consent_to"
    status = 422
    template = "该事项没有可由电子证照提供的材料或表单数据，无需授权。"
