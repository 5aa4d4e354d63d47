"""Errors of the bundles (一件事一次办): a stable code, an HTTP status and Chinese text each."""

from __future__ import annotations

from tongban.domain.errors import NotFound


class BundleNotFound(NotFound):
    code = "bundle_not_found"
    template = "找不到编码为 {code} 的“一件事”。"


class BundleApplicationNotFound(NotFound):
    code = "bundle_application_not_found"
    template = "找不到编号为 {number} 的“一件事”申请。"
