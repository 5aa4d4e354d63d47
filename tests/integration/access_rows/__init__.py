"""Rows of the access matrix, one module per area: each defines ``ROWS`` and ``SAMPLES``.

``ROWS`` maps (method, path) to the policy name the route must declare; ``SAMPLES`` gives a value
for each new path parameter.  ``test_access_matrix`` merges them into its tables.
"""

from __future__ import annotations

from importlib import import_module

AREAS = (
    "licences",
    "data_space",
    "identity",
    "rules_smart",
    "projects",
    "bundles",
    "approval_centre",
    "queue",
    "service_desk",
    "self_service",
    "nearby",
    "supervision",
    "evaluation",
    "indicators",
    "users_admin",
    "federation",
    "cross_border",
)


def merged() -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    rows: dict[tuple[str, str], str] = {}
    samples: dict[str, str] = {}
    for area in AREAS:
        module = import_module(f"{__name__}.{area}")
        clash = set(rows) & set(module.ROWS)
        assert not clash, f"{area} repeats rows: {sorted(clash)}"
        rows.update(module.ROWS)
        samples.update(module.SAMPLES)
    return rows, samples
