"""Health of a running instance: the database answers, and the calendar is known far enough."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, text

from tongban.adapters.db.tables import calendar_days
from tongban.services.unit_of_work import UnitOfWork


def check(uow: UnitOfWork, *, today: date, warn_days: int) -> dict[str, Any]:
    """Status ``ok`` or ``warn`` with the reasons; a database failure propagates."""
    uow.conn.execute(text("SELECT 1"))
    known_until = uow.conn.execute(select(func.max(calendar_days.c.day))).scalar()
    warnings: list[str] = []
    days_ahead = (known_until - today).days if known_until else -1
    if known_until is None or days_ahead < warn_days:
        warnings.append("calendar_short")
    return {
        "status": "warn" if warnings else "ok",
        "database": uow.dialect,
        "calendar_known_until": known_until.isoformat() if known_until else None,
        "calendar_days_ahead": days_ahead,
        "warnings": warnings,
    }
