"""Access-matrix rows of 用户管理 (staff accounts): the user administrator only, on the page and
in the API; the account security page (a second factor) for anyone signed in."""

from __future__ import annotations

from tongban.services.platform.access import AUTHENTICATED, USER_ADMINS

API = "/api/v1/admin/users"
ADMIN, SIGNED_IN = USER_ADMINS.name, AUTHENTICATED.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", API): ADMIN,
    ("POST", API): ADMIN,
    ("GET", f"{API}/changes"): ADMIN,
    ("POST", f"{API}/import"): ADMIN,
    ("GET", f"{API}/{{user_id}}"): ADMIN,
    ("POST", f"{API}/{{user_id}}/disable"): ADMIN,
    ("POST", f"{API}/{{user_id}}/enable"): ADMIN,
    ("POST", f"{API}/{{user_id}}/reset-password"): ADMIN,
    ("POST", f"{API}/{{user_id}}/reset-totp"): ADMIN,
    ("POST", f"{API}/{{user_id}}/roles"): ADMIN,
    ("DELETE", f"{API}/{{user_id}}/roles/{{assignment_id}}"): ADMIN,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users/new"): ADMIN,
    ("POST", "/admin/users/import"): ADMIN,
    ("GET", "/admin/users/{user_id}"): ADMIN,
    ("POST", "/admin/users/{user_id}/active"): ADMIN,
    ("POST", "/admin/users/{user_id}/reset-password"): ADMIN,
    ("POST", "/admin/users/{user_id}/reset-totp"): ADMIN,
    ("POST", "/admin/users/{user_id}/roles"): ADMIN,
    ("POST", "/admin/users/{user_id}/roles/{assignment_id}/revoke"): ADMIN,
    ("GET", "/account/security"): SIGNED_IN,
    ("GET", "/api/v1/me/totp"): SIGNED_IN,
    ("POST", "/api/v1/me/totp/enrolment"): SIGNED_IN,
    ("POST", "/api/v1/me/totp/confirm"): SIGNED_IN,
    ("POST", "/api/v1/me/totp/disable"): SIGNED_IN,
    ("POST", "/account/security/totp/start"): SIGNED_IN,
    ("POST", "/account/security/totp/confirm"): SIGNED_IN,
    ("POST", "/account/security/totp/disable"): SIGNED_IN,
}
SAMPLES: dict[str, str] = {"user_id": "999999", "assignment_id": "999999"}
