"""Access-matrix rows of 好差评: ratings, the SMS link, the pad, rectification, statistics."""

from __future__ import annotations

from tongban.services.evaluation.access import (
    PAD,
    RATERS,
    RATING_STATS,
    RECTIFICATION_WORKERS,
    RECTIFIERS,
)
from tongban.services.platform import access

TASKS = "/api/v1/rectifications"

ROWS: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/cases/{number}/rating"): RATERS.name,
    ("POST", "/api/v1/cases/{number}/rating"): RATERS.name,
    ("PUT", "/api/v1/cases/{number}/rating"): RATERS.name,
    ("GET", "/api/v1/rating-links/{token}"): access.PUBLIC.name,
    ("POST", "/api/v1/rating-links/{token}"): access.PUBLIC.name,
    ("GET", "/api/v1/queue/window/pad"): PAD.name,
    ("POST", "/api/v1/queue/window/pad"): PAD.name,
    ("GET", "/api/v1/evaluation/stats"): RATING_STATS.name,
    ("GET", "/api/v1/evaluation/callback-rate"): RATING_STATS.name,
    ("GET", TASKS): RECTIFIERS.name,
    ("GET", f"{TASKS}/{{number}}"): RECTIFIERS.name,
    ("POST", f"{TASKS}/{{number}}/owner"): RECTIFICATION_WORKERS.name,
    ("POST", f"{TASKS}/{{number}}/callbacks"): RECTIFICATION_WORKERS.name,
    ("POST", f"{TASKS}/{{number}}/response"): RECTIFICATION_WORKERS.name,
    ("POST", f"{TASKS}/{{number}}/re-rating"): RATERS.name,
    # pages
    ("GET", "/my/cases/{number}/rating"): RATERS.name,
    ("POST", "/my/cases/{number}/rating"): RATERS.name,
    ("POST", "/my/cases/{number}/rating/again"): RATERS.name,
    ("GET", "/rate/{token}"): access.PUBLIC.name,
    ("POST", "/rate/{token}"): access.PUBLIC.name,
    ("GET", "/window/pad"): PAD.name,
    ("GET", "/window/pad/live"): PAD.name,
    ("POST", "/window/pad"): PAD.name,
    ("GET", "/evaluation/stats"): RATING_STATS.name,
    ("GET", "/evaluation/rectifications"): RECTIFIERS.name,
    ("GET", "/evaluation/rectifications/{number}"): RECTIFIERS.name,
    ("POST", "/evaluation/rectifications/{number}/{action}"): RECTIFICATION_WORKERS.name,
}
SAMPLES: dict[str, str] = {"token": "TR1.x.1.y"}
