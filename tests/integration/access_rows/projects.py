"""Access-matrix rows of the projects routes (代办)."""

from __future__ import annotations

from tongban.services.projects.access import (
    PROJECT_AGENTS,
    PROJECT_CENTRE,
    PROJECT_COMPANIES,
    PROJECT_READERS,
)

COMPANY = PROJECT_COMPANIES.name
AGENT = PROJECT_AGENTS.name
CENTRE = PROJECT_CENTRE.name
READERS = PROJECT_READERS.name

ROWS: dict[tuple[str, str], str] = {
    # pages: the company, the agent, the centre
    ("GET", "/enterprise/projects"): COMPANY,
    ("POST", "/enterprise/projects"): COMPANY,
    ("GET", "/enterprise/projects/{code}"): COMPANY,
    ("POST", "/enterprise/projects/{code}/request-agent"): COMPANY,
    ("POST", "/enterprise/projects/{code}/authorise"): COMPANY,
    ("POST", "/enterprise/projects/{code}/revoke"): COMPANY,
    ("GET", "/agent/projects"): AGENT,
    ("GET", "/agent/projects/{code}"): AGENT,
    ("POST", "/agent/projects/{code}/steps/{position}/file"): AGENT,
    ("POST", "/agent/projects/{code}/notes"): AGENT,
    ("GET", "/proxy-centre"): CENTRE,
    ("GET", "/proxy-centre/projects/{code}"): CENTRE,
    # JSON API
    ("GET", "/api/v1/projects"): READERS,
    ("POST", "/api/v1/projects"): COMPANY,
    ("GET", "/api/v1/projects/dashboard"): CENTRE,
    ("GET", "/api/v1/projects/{code}"): READERS,
    ("POST", "/api/v1/projects/{code}/request-agent"): COMPANY,
    ("POST", "/api/v1/projects/{code}/authorisation"): COMPANY,
    ("POST", "/api/v1/projects/{code}/authorisation/revoke"): COMPANY,
    ("POST", "/api/v1/projects/{code}/steps/{position}/file"): AGENT,
    ("POST", "/api/v1/projects/{code}/notes"): AGENT,
}
SAMPLES: dict[str, str] = {"position": "1"}
