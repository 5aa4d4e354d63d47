"""Access-matrix rows of self-service: the kiosk's pages and API, its centre manager's, and the
assisted online filing desk."""

from __future__ import annotations

from tongban.services.platform import access
from tongban.services.self_service.access import ASSISTING_CLERKS, KIOSK_MANAGERS, KIOSKS

_KIOSK = KIOSKS.name
_MANAGER = KIOSK_MANAGERS.name
_CLERK = ASSISTING_CLERKS.name

ROWS: dict[tuple[str, str], str] = {
    # the kiosk's pages
    ("GET", "/kiosk/pair"): access.PUBLIC.name,
    ("POST", "/kiosk/pair"): access.PUBLIC.name,
    ("GET", "/kiosk"): _KIOSK,
    ("POST", "/kiosk/identify/code"): _KIOSK,
    ("POST", "/kiosk/identify/card"): _KIOSK,
    ("GET", "/kiosk/items"): _KIOSK,
    ("POST", "/kiosk/items"): _KIOSK,
    ("GET", "/kiosk/items/{code}"): _KIOSK,
    ("POST", "/kiosk/items/{code}"): _KIOSK,
    ("GET", "/kiosk/receipt"): _KIOSK,
    ("GET", "/kiosk/receipt.pdf"): _KIOSK,
    ("POST", "/kiosk/finish"): _KIOSK,
    ("POST", "/kiosk/keep-alive"): _KIOSK,
    # the kiosk's API
    ("POST", "/api/v1/kiosk/pair"): access.PUBLIC.name,
    ("GET", "/api/v1/kiosk"): _KIOSK,
    ("POST", "/api/v1/kiosk/visits"): _KIOSK,
    ("POST", "/api/v1/kiosk/visit/keep-alive"): _KIOSK,
    ("POST", "/api/v1/kiosk/visit/finish"): _KIOSK,
    ("GET", "/api/v1/kiosk/items"): _KIOSK,
    ("GET", "/api/v1/kiosk/items/{item_code}/form"): _KIOSK,
    ("POST", "/api/v1/kiosk/applications"): _KIOSK,
    ("GET", "/api/v1/kiosk/receipt.pdf"): _KIOSK,
    # the centre manager's
    ("GET", "/centre/kiosks"): _MANAGER,
    ("POST", "/centre/kiosks"): _MANAGER,
    ("POST", "/centre/kiosks/{kiosk_code}"): _MANAGER,
    ("POST", "/centre/kiosks/{kiosk_code}/pairing-code"): _MANAGER,
    ("GET", "/api/v1/kiosks"): _MANAGER,
    ("POST", "/api/v1/kiosks"): _MANAGER,
    ("PATCH", "/api/v1/kiosks/{kiosk_code}"): _MANAGER,
    ("POST", "/api/v1/kiosks/{kiosk_code}/pairing-code"): _MANAGER,
    # 网办辅导
    ("GET", "/assist"): _CLERK,
    ("POST", "/assist/identify"): _CLERK,
    ("POST", "/assist/identify-card"): _CLERK,
    ("GET", "/assist/apply"): _CLERK,
    ("POST", "/assist/apply"): _CLERK,
    ("POST", "/api/v1/cases/assisted"): _CLERK,
    ("GET", "/api/v1/cases/{number}/consent-signature"): access.CASE_READERS.name,
}
SAMPLES: dict[str, str] = {"kiosk_code": "NOPE-01", "item_code": "NOPE-0001"}
