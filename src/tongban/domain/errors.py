"""The error hierarchy of tongban.

Every error a user or an API client can see has a stable ``code`` (for programs), a message
in Chinese (for people; translated through gettext at the edge) and optional ``fields``
mapping a field name to its own message.  Services raise these; ``web/errors.py`` maps them
to ``{code, message, fields}`` bodies or form errors.  Nothing here knows about HTTP beyond the
advisory ``status`` used by the web layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every expected, user-facing error."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    template: ClassVar[str] = "请求无法完成。"

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: Mapping[str, str] | None = None,
        **params: Any,
    ) -> None:
        self.params = params
        self.message = message if message is not None else self.template.format(**params)
        self.fields: dict[str, str] = dict(fields or {})
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    template = "提交的内容有误，请检查后重试。"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    template = "找不到所请求的内容。"


class ItemNotFound(NotFound):
    code = "item_not_found"
    template = "找不到事项编码为 {code} 的事项。"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    template = "该记录已被他人修改，请刷新后重试。"


class StaleVersion(Conflict):
    code = "stale_version"
    template = "该记录已被他人修改（当前版本 {current}），请刷新后重试。"


class InvalidIdentityNumber(ValidationFailed):
    code = "invalid_id_number"
    template = "公民身份号码无效：{reason}"


class InvalidCreditCode(ValidationFailed):
    code = "invalid_credit_code"
    template = "统一社会信用代码无效：{reason}"


class InvalidDocumentNumber(ValidationFailed):
    code = "invalid_document_number"
    template = "证件号码无效：{reason}"


class InvalidNationality(InvalidDocumentNumber):
    code = "invalid_nationality"
    template = "国籍代码无效：{reason}"


class DocumentAmbiguous(ValidationFailed):
    """A number several registered documents share (two countries' passports, a passport and
    a 台胞证): the holder or the clerk names the document, and a passport's nationality."""

    code = "document_ambiguous"
    template = "该号码对应多个证件，请选择证件类型；持护照的，请同时填写国籍。"


class DocumentNumberShared(Conflict):
    """A new citizen account whose number another citizen's document already carries (another
    country's passport, a 台胞证): refused while the data space and e-licences are keyed by the
    number alone, so that two holders never see each other's data."""

    code = "document_number_shared"
    template = "该证件号码已被另一证件的账户使用，暂不能以此号码另行登记，请到服务窗口咨询。"


class InvalidLatinName(ValidationFailed):
    code = "invalid_latin_name"
    template = "外文姓名无效：{reason}"


class CalendarUnknown(DomainError):
    code = "calendar_unknown"
    status = 422
    template = "工作日历尚未包含 {day}，无法计算期限：请联系目录管理员导入该年放假安排后重试。"


class ImportRejected(ValidationFailed):
    code = "import_rejected"
    template = "导入失败：共 {count} 处错误，未导入任何数据。"

    def __init__(self, errors: list[dict[str, Any]], **kwargs: Any) -> None:
        self.errors = errors
        super().__init__(count=len(errors), **kwargs)

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["errors"] = self.errors
        return body


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    template = "请先登录。"


class TokenInvalid(DomainError):
    code = "token_invalid"
    status = 401
    template = "访问令牌无效、已过期或已被吊销。"


class PasswordChangeRequired(DomainError):
    """The password is right but must be replaced before the account signs in."""

    code = "password_change_required"
    status = 403
    template = "{reason}请设置新密码后登录。"


class PasswordReused(DomainError):
    code = "password_reused"
    status = 422
    template = "新密码不能与最近 {count} 次使用过的密码相同。"


class LoginFailed(DomainError):
    code = "login_failed"
    status = 401
    template = "账号或密码错误。"


class TooManyRequests(DomainError):
    """A caller over a route's rate; ``seconds`` is when it may try again (Retry-After)."""

    code = "too_many_requests"
    status = 429
    template = "请求过于频繁，请 {seconds} 秒后再试。"


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429
    template = "尝试次数过多，账号已暂时锁定，请 {minutes} 分钟后再试。"


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    template = "您没有权限执行此操作。"


class CsrfFailed(DomainError):
    code = "csrf_failed"
    status = 403
    template = "页面已过期，请刷新后重新提交。"


class UserNotFound(NotFound):
    code = "user_not_found"
    template = "找不到该用户。"


class AccountExists(Conflict):
    code = "account_exists"
    template = "该账号已存在：{login}。"


class UnknownCentre(ValidationFailed):
    code = "unknown_centre"
    template = "找不到编码为 {code} 的服务中心。"


class UnknownDepartment(ValidationFailed):
    code = "unknown_department"
    template = "找不到编码为 {code} 的部门。"


class WeakPassword(ValidationFailed):
    code = "weak_password"
    template = "密码不符合要求：{reason}"


class OwnAccount(PermissionDenied):
    """A user administrator acting on their own account through the administration pages."""

    code = "own_account"
    template = "不能在用户管理中修改自己的账号、角色或动态口令，请由另一位用户管理员办理。"


class LastRole(Conflict):
    code = "last_role"
    template = "工作人员至少需要保留一个角色；如不再使用该账号，请停用。"


class RoleNotHeld(NotFound):
    code = "role_not_held"
    template = "该工作人员没有这项角色。"


class TotpRequired(DomainError):
    """The password is right; the account's second factor is asked for next."""

    code = "totp_required"
    status = 401
    template = "请输入动态口令（身份验证器应用中的 6 位数字）或一个恢复码。"


class TotpInvalid(LoginFailed):
    code = "totp_invalid"
    template = "动态口令错误或已使用过，请输入验证器中当前显示的 6 位数字。"


class TotpAlreadyEnabled(Conflict):
    code = "totp_already_enabled"
    template = "已启用动态口令；如需更换，请先停用。"


class TotpNotEnabled(Conflict):
    code = "totp_not_enabled"
    template = "尚未启用动态口令。"


class TotpEnrolmentRequired(PermissionDenied):
    code = "totp_enrolment_required"
    template = "您的角色要求使用动态口令，请先在“账号安全”中启用后再继续。"


class IpThrottled(TooManyAttempts):
    code = "ip_throttled"
    template = "此网络的登录失败次数过多，请 {minutes} 分钟后再试。"


class SmsTooFrequent(TooManyAttempts):
    code = "sms_too_frequent"
    template = "获取验证码过于频繁，请 {seconds} 秒后再试。"


class SmsDailyLimit(TooManyAttempts):
    code = "sms_daily_limit"
    template = "今日获取验证码的次数已达上限，请明天再试或使用密码登录。"


class SmsCodeInvalid(LoginFailed):
    code = "sms_code_invalid"
    template = "验证码错误或已失效，请重新获取。"


class CalendarYearUnknown(NotFound):
    code = "calendar_year_unknown"
    template = "工作日历尚未包含 {year} 年，请先导入当年的放假安排。"


class CentreNotFound(NotFound):
    code = "centre_not_found"
    template = "找不到编码为 {code} 的服务中心。"


class ListEntryNotFound(NotFound):
    code = "list_entry_not_found"
    template = "找不到编码为 {code} 的清单条目。"


# --- cases (办件) --------------------------------------------------------------------------------


class CaseNotFound(NotFound):
    code = "case_not_found"
    template = "找不到编号为 {number} 的办件。"


class IllegalTransition(Conflict):
    code = "illegal_transition"
    template = "办件当前状态为“{status}”，不能{action}。"


class KeyMaterialNotWaivable(ValidationFailed):
    code = "key_material_not_waivable"
    template = "关键材料不能容缺：{names}。请补齐后再受理。"


class MaterialsOutstanding(Conflict):
    code = "materials_outstanding"
    template = "容缺材料尚未补齐（{names}），不能出具办理结果。"


class IdempotencyKeyRequired(DomainError):
    code = "idempotency_key_required"
    status = 428
    template = "此操作须在请求头 Idempotency-Key 中提供幂等键：每个新操作使用一个新的随机值。"


class IdempotencyKeyInvalid(ValidationFailed):
    code = "idempotency_key_invalid"
    template = "幂等键无效：应为 1 至 {max_length} 个可见的 ASCII 字符。"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422
    template = "该幂等键已用于另一个不同的请求；新操作请使用新的幂等键。"


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    template = "相同的请求正在处理中，请稍后用同一幂等键重试以获取结果。"


# --- materials' files (材料附件) ------------------------------------------------------------------


class FileTypeNotAllowed(DomainError):
    """Decided by the file's content (magic bytes), never by its name or declared type."""

    code = "file_type_not_allowed"
    status = 415
    template = "文件类型不受支持：请上传 PDF、JPEG 或 PNG 文件。"


class FileTooLarge(DomainError):
    code = "file_too_large"
    status = 413
    template = "文件过大：每个文件不能超过 {limit_mb} MB。"


class MaterialUnknown(ValidationFailed):
    code = "material_unknown"
    template = "“{name}”不是该事项要求的材料。"


class MaterialFileRequired(ValidationFailed):
    """Online, a material is handed in by its file (or an e-licence), never by a tick: only a
    clerk who saw the paper may mark a material received without one."""

    code = "material_file_required"
    template = "网上办理的材料须上传文件，勾选不能代替提交：{names}。"


class MaterialFileNotFound(NotFound):
    code = "material_file_not_found"
    template = "该办件没有这份材料文件。"


class FileStoreUnavailable(DomainError):
    """The file store (the local disk or the S3-compatible service) did not answer or refused
    the platform's credentials; nothing was stored."""

    code = "file_store_unavailable"
    status = 503
    template = "文件存储暂时无法访问，请稍后重试。"


class StoredFileCorrupted(DomainError):
    """A stored file's bytes no longer hash to the SHA-256 it is stored under: it is never
    served, and operations restore it from the backup."""

    code = "stored_file_corrupted"
    status = 500
    template = "所存文件已损坏（内容与登记的摘要不符），请联系管理员从备份恢复。"


class SignerUnavailable(DomainError):
    """The token that holds the licence signing key (PKCS#11) cannot be reached, refuses the
    PIN or has no such key: nothing was signed or issued."""

    code = "signer_unavailable"
    status = 503
    template = "电子证照签名设备暂时无法使用，请稍后重试或联系管理员。"
