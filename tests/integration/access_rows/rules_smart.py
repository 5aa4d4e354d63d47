"""Access-matrix rows of the rules smart routes."""

from __future__ import annotations

from tongban.services.platform import access

_ADMIN = access.CATALOGUE_ADMIN.name
_READERS = access.CATALOGUE_READERS.name
_APPLICANT = access.APPLICANT.name

ROWS: dict[tuple[str, str], str] = {
    # rules as code: the API
    ("GET", "/api/v1/rules/{item_code}"): _READERS,
    ("GET", "/api/v1/rules/{item_code}/in-force"): access.PUBLIC.name,
    ("GET", "/api/v1/rules/{item_code}/versions/{version}"): _READERS,
    ("PUT", "/api/v1/rules/{item_code}/draft"): _ADMIN,
    ("POST", "/api/v1/rules/{item_code}/versions/{version}/validate"): _ADMIN,
    ("POST", "/api/v1/rules/{item_code}/versions/{version}/dry-run"): _ADMIN,
    ("POST", "/api/v1/rules/{item_code}/versions/{version}/publish"): _ADMIN,
    ("POST", "/api/v1/rules/{item_code}/versions/{version}/retire"): _ADMIN,
    # 秒批: the API
    ("GET", "/api/v1/smart/{item_code}/prefill"): _APPLICANT,
    ("POST", "/api/v1/smart/{item_code}/apply"): _APPLICANT,
    ("GET", "/api/v1/smart/cases/{number}/decision"): access.CASE_READERS.name,
    ("POST", "/api/v1/smart/cases/{number}/human-review"): _APPLICANT,
    # pages
    ("GET", "/smart"): access.PUBLIC.name,
    ("GET", "/smart/{code}"): _APPLICANT,
    ("POST", "/smart/{code}"): _APPLICANT,
    ("GET", "/smart/cases/{number}"): _APPLICANT,
    ("POST", "/smart/cases/{number}/human-review"): _APPLICANT,
    ("GET", "/admin/rules"): _READERS,
    ("GET", "/admin/rules/{code}"): _READERS,
    ("POST", "/admin/rules/{code}/{rule_action}"): _ADMIN,
}
SAMPLES: dict[str, str] = {"item_code": "NOPE-0001", "rule_action": "validate"}
