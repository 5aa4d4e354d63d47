"""Access-matrix rows of the indicator system (指标体系): definitions for staff, edits for the
catalogue admin; figures, the cases behind them and the dashboard for leaders and department
heads."""

from __future__ import annotations

from tongban.services.indicators.access import FIGURE_READERS, INDICATOR_EDITORS, INDICATOR_READERS

API = "/api/v1/indicators"
READ, EDIT, FIGURES = INDICATOR_READERS.name, INDICATOR_EDITORS.name, FIGURE_READERS.name

ROWS: dict[tuple[str, str], str] = {
    ("GET", API): READ,
    ("GET", f"{API}/measures"): READ,
    ("GET", f"{API}/{{code}}"): READ,
    ("POST", API): EDIT,
    ("PUT", f"{API}/{{code}}/draft"): EDIT,
    ("POST", f"{API}/{{code}}/publish"): EDIT,
    ("GET", f"{API}/{{code}}/versions/{{version}}"): READ,
    ("GET", f"{API}/{{code}}/figures"): FIGURES,
    ("GET", f"{API}/{{code}}/cases"): FIGURES,
    ("GET", "/indicators"): READ,
    ("GET", "/indicators/{code}"): FIGURES,
    ("GET", "/indicators/{code}/cases"): FIGURES,
    # the indicator administrator's editor and the versions as they were
    ("GET", "/admin/indicators"): EDIT,
    ("GET", "/admin/indicators/new"): EDIT,
    ("POST", "/admin/indicators/new"): EDIT,
    ("GET", "/admin/indicators/{code}/edit"): EDIT,
    ("POST", "/admin/indicators/{code}/edit"): EDIT,
    ("GET", "/admin/indicators/{code}/versions"): READ,
    ("GET", "/admin/indicators/{code}/versions/{number}"): READ,
    # the leaders' dashboard (领导驾驶舱) reads the same figures
    ("GET", "/api/v1/dashboard"): FIGURES,
    ("GET", "/api/v1/dashboard/export"): FIGURES,
    ("GET", "/dashboard"): FIGURES,
    ("GET", "/dashboard/export"): FIGURES,
}
SAMPLES: dict[str, str] = {}
