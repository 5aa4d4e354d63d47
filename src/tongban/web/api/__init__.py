"""JSON API routers, mounted under ``/api/v1``."""

from __future__ import annotations

from importlib import import_module

from fastapi import APIRouter

# One module per area; each defines ``router``.  Requests are matched against the routes in
# this order, one by one (each try costs some microseconds: a 秒批 request went through about
# a hundred routes first), so the busiest come first: the cases, then 秒批.
MODULES = (
    "cases",
    "cases_actions",
    "smart",
    "system",
    "catalogue",
    "catalogue_io",
    "calendar",
    "nearby",  # before network: /centres/nearest-open is no centre code
    "network",
    "auth",
    "review_steps",
    "attachments",
    "licences",
    "data_space",
    "identity",
    "rules",
    "projects",
    "bundles",
    "approval_centre",
    "queue",
    "appointments",
    "hard_cases",
    "consultations",
    "kiosk",
    "assist",
    "supervision",
    "evaluation",
    "indicators",
    "users_admin",
    "federation",
    "federation_admin",
    "account_security",
    "dashboard",
)


def routers() -> list[APIRouter]:
    return [import_module(f"{__name__}.{name}").router for name in MODULES]
