"""Health of a running instance: the database answers, and the calendar is known far enough."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text

from tongban.services.platform.calendar import calendar_status
from tongban.services.platform.unit_of_work import UnitOfWork


def check(uow: UnitOfWork, *, today: date, warn_days: int) -> dict[str, Any]:
    """Status ``ok`` or ``warn`` with the reasons (``calendar_short``: the official years reach
    fewer than ``warn_days`` ahead; ``calendar_example``: an example year is loaded); a database
    failure propagates."""
    uow.conn.execute(text("SELECT 1"))
    calendar = calendar_status(uow.conn, today, warn_days)
    warnings = ["calendar_short"] if calendar.warn else []
    if calendar.example_years:
        warnings.append("calendar_example")
    known_until = calendar.known_until
    official_until = calendar.official_until
    return {
        "status": "warn" if warnings else "ok",
        "database": uow.dialect,
        "calendar_known_until": known_until.isoformat() if known_until else None,
        "calendar_days_ahead": calendar.days_known_ahead,
        "calendar_official_until": official_until.isoformat() if official_until else None,
        "calendar_example_years": list(calendar.example_years),
        "warnings": warnings,
    }
