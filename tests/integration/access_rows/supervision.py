"""Access-matrix rows of post-approval supervision (批后监管) and the revocation list."""

from __future__ import annotations

from tongban.services.platform import access
from tongban.services.supervision.access import (
    DRAW_RUNNERS,
    FIGURE_READERS,
    INSPECTORS,
    LIST_EDITORS,
    TASK_READERS,
)

API = "/api/v1/supervision"
PUBLIC = access.PUBLIC.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", f"{API}/items"): PUBLIC,
    ("POST", f"{API}/items"): LIST_EDITORS.name,
    ("GET", f"{API}/tasks"): TASK_READERS.name,
    ("GET", f"{API}/tasks/{{number}}"): TASK_READERS.name,
    ("POST", f"{API}/tasks/{{number}}/findings"): INSPECTORS.name,
    ("POST", f"{API}/tasks/{{number}}/conclusion"): INSPECTORS.name,
    ("POST", f"{API}/draws"): DRAW_RUNNERS.name,
    ("GET", f"{API}/draws"): PUBLIC,
    ("GET", f"{API}/draws/{{number}}/replay"): PUBLIC,
    ("GET", f"{API}/figures"): FIGURE_READERS.name,
    # pages
    ("GET", "/supervision/tasks"): TASK_READERS.name,
    ("GET", "/supervision/tasks/{number}"): TASK_READERS.name,
    ("POST", "/supervision/tasks/{number}/findings"): INSPECTORS.name,
    ("POST", "/supervision/tasks/{number}/conclusion"): INSPECTORS.name,
    ("POST", "/supervision/draws"): DRAW_RUNNERS.name,
    ("GET", "/supervision/draws"): PUBLIC,
    ("GET", "/supervision/figures"): FIGURE_READERS.name,
    # the signed revocation list of e-licences, beside the published keys
    ("GET", "/.well-known/licence-revocations.json"): PUBLIC,
}
SAMPLES: dict[str, str] = {}
