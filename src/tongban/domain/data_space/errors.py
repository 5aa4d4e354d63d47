"""Errors of the personal data space and of form prefill (个人数据空间, 表单秒填)."""

from __future__ import annotations

from tongban.domain.errors import DomainError, NotFound, ValidationFailed


class DataAccessRefused(DomainError):
    """No valid grant covers the request and no legal basis was given: nothing is read."""

    code = "data_access_refused"
    status = 403
    template = "未获得数据持有人的有效授权，也没有法定依据，不能读取其数据：{reason}"


class GrantNotFound(NotFound):
    code = "grant_not_found"
    template = "找不到该授权。"


class UnknownPredicate(ValidationFailed):
    code = "unknown_predicate"
    template = "未知的判断条件：{names}"


class UnknownLicenceType(ValidationFailed):
    code = "unknown_licence_type"
    template = "未知的电子证照类型：{codes}"


class FieldNotDisputable(ValidationFailed):
    code = "field_not_disputable"
    template = "“{name}”不是由电子证照预填并锁定的字段，可直接修改，无需提出异议。"
