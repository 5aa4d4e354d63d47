"""Access-matrix rows of the service desk: the hard-case window (办不成事), consultation (咨询)."""

from __future__ import annotations

from tongban.services.platform import access
from tongban.services.service_desk.access import (
    CONSULTATION_STATS,
    FAQ_EDITORS,
    HARD_CASE_RAISERS,
    HARD_CASE_READERS,
    HARD_CASE_STAFF,
    HARD_CASE_STATS,
    QUESTION_ANSWERERS,
    QUESTION_ASKERS,
    QUESTION_READERS,
    QUESTION_STAFF,
)

_APPLICANT = access.APPLICANT.name
HARD = "/api/v1/hard-cases"

ROWS: dict[tuple[str, str], str] = {
    # hard cases (办不成事)
    ("POST", HARD): HARD_CASE_RAISERS.name,
    ("GET", HARD): HARD_CASE_READERS.name,
    ("GET", f"{HARD}/stats"): HARD_CASE_STATS.name,
    ("GET", f"{HARD}/{{number}}"): HARD_CASE_READERS.name,
    ("POST", f"{HARD}/{{number}}/owner"): HARD_CASE_STAFF.name,
    ("POST", f"{HARD}/{{number}}/notes"): HARD_CASE_STAFF.name,
    ("POST", f"{HARD}/{{number}}/resolve"): HARD_CASE_STAFF.name,
    ("POST", f"{HARD}/{{number}}/feedback"): _APPLICANT,
    # consultation (咨询) and the items' FAQ
    ("POST", "/api/v1/consultations"): QUESTION_ASKERS.name,
    ("GET", "/api/v1/consultations"): QUESTION_READERS.name,
    ("GET", "/api/v1/consultations/stats"): CONSULTATION_STATS.name,
    ("GET", "/api/v1/consultations/{number}"): QUESTION_READERS.name,
    ("POST", "/api/v1/consultations/{number}/answer"): QUESTION_ANSWERERS.name,
    ("POST", "/api/v1/consultations/{number}/faq"): FAQ_EDITORS.name,
    ("GET", "/api/v1/items/{code}/faqs"): access.PUBLIC.name,
    ("POST", "/api/v1/faqs/{faq_id}/withdraw"): FAQ_EDITORS.name,
    # pages
    ("GET", "/my/hard-cases"): _APPLICANT,
    ("POST", "/my/hard-cases"): _APPLICANT,
    ("GET", "/my/hard-cases/{number}"): _APPLICANT,
    ("POST", "/my/hard-cases/{number}/feedback"): _APPLICANT,
    ("GET", "/centre/hard-cases"): HARD_CASE_STAFF.name,
    ("POST", "/centre/hard-cases"): access.CASE_CLERKS.name,
    ("GET", "/centre/hard-cases/stats"): HARD_CASE_STATS.name,
    ("GET", "/centre/hard-cases/{number}"): HARD_CASE_STAFF.name,
    ("POST", "/centre/hard-cases/{number}/{action}"): HARD_CASE_STAFF.name,
    ("GET", "/my/questions"): _APPLICANT,
    ("POST", "/my/questions"): _APPLICANT,
    ("GET", "/my/questions/{number}"): _APPLICANT,
    ("GET", "/centre/questions/stats"): CONSULTATION_STATS.name,
    ("GET", "/questions"): QUESTION_STAFF.name,
    ("POST", "/questions"): access.CASE_CLERKS.name,
    ("GET", "/questions/{number}"): QUESTION_STAFF.name,
    ("POST", "/questions/{number}/{action}"): QUESTION_ANSWERERS.name,
}
SAMPLES: dict[str, str] = {"faq_id": "999999"}
