"""Access-matrix rows of the queue routes (取号叫号)."""

from __future__ import annotations

from tongban.services.platform import access

API = "/api/v1/queue"
CLERKS = access.CASE_CLERKS.name

ROWS: dict[tuple[str, str], str] = {
    ("POST", f"{API}/centres/{{code}}/tickets"): access.CASE_APPLICANT_OR_CLERK.name,
    ("GET", f"{API}/centres/{{code}}/board"): access.PUBLIC.name,
    ("GET", f"{API}/window"): CLERKS,
    ("POST", f"{API}/window"): CLERKS,
    ("POST", f"{API}/window/close"): CLERKS,
    ("POST", f"{API}/call-next"): CLERKS,
    ("POST", f"{API}/tickets/{{ticket_id}}/{{action}}"): CLERKS,
    ("GET", f"{API}/my-tickets"): access.APPLICANT.name,
}
SAMPLES: dict[str, str] = {"ticket_id": "999999", "booking_id": "999999"}
ROWS.update(
    {  # appointments
        ("GET", "/api/v1/appointments/slots"): access.PUBLIC.name,
        ("POST", "/api/v1/appointments"): access.APPLICANT.name,
        ("GET", "/api/v1/appointments"): access.APPLICANT.name,
        ("POST", "/api/v1/appointments/{booking_id}/cancel"): access.APPLICANT.name,
        ("POST", "/api/v1/appointments/{booking_id}/reschedule"): access.APPLICANT.name,
        ("POST", f"{API}/centres/{{code}}/check-in"): access.CASE_APPLICANT_OR_CLERK.name,
        ("GET", "/items/{code}/book"): access.APPLICANT.name,
        ("POST", "/items/{code}/book"): access.APPLICANT.name,
        ("GET", "/my/appointments"): access.APPLICANT.name,
        ("POST", "/my/appointments/{booking_id}/{action}"): access.APPLICANT.name,
        ("POST", "/centres/{code}/check-in"): access.CASE_APPLICANT_OR_CLERK.name,
    }
)
ROWS.update(
    {  # pages
        ("GET", "/centres/{code}/board"): access.PUBLIC.name,
        ("GET", "/centres/{code}/board/live"): access.PUBLIC.name,
        ("GET", "/centres/{code}/take"): access.CASE_APPLICANT_OR_CLERK.name,
        ("POST", "/centres/{code}/take"): access.CASE_APPLICANT_OR_CLERK.name,
        ("GET", "/queue/tickets/{ticket_id}"): access.CASE_APPLICANT_OR_CLERK.name,
        ("GET", "/window/queue"): CLERKS,
        ("POST", "/window/queue/{action}"): CLERKS,
        ("GET", "/centre/visits"): access.CENTRE_MANAGERS.name,
    }
)
