"""HTML page routers (full pages and htmx partials)."""

from __future__ import annotations

from importlib import import_module

from fastapi import APIRouter

# One module per area; each defines ``router``.  Order matters only for overlapping paths.
MODULES = (
    "home",
    "system",
    "catalogue",
    "catalogue_admin",
    "calendar",
    "network",
    "nearby",
    "lists",
    "auth",
    "register",
    "account",
    "workbench",
    "evaluation",  # before cases.citizen: /my/cases/{number}/rating is no case action
    "cases.citizen",
    "cases.attachments",
    "cases.window",
    "cases.review",
    "cases.manager",
    "api_docs",
    "inbox",
    "licences",
    "federation",
    "federation_cases",
    "federation_admin",
    "data_space",
    "identity",
    "smart",
    "projects",
    "bundles",
    "approval_centre",
    "queue",
    "appointments",
    "service_desk.hard_cases",
    "service_desk.consultation",
    "kiosk",
    "kiosk_admin",
    "assist",
    "supervision",
    "indicators",
    "indicators_admin",
    "users_admin",
    "dashboard",
)


def routers() -> list[APIRouter]:
    return [import_module(f"{__name__}.{name}").router for name in MODULES]
