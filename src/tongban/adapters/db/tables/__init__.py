"""The relational schema, as SQLAlchemy Core tables shared by both engines.

Migrations under ``migrations/`` are the source of truth for the deployed schema; these modules
mirror them so queries can be written with Core, and a test checks the two agree.  Every table
is on the one ``metadata`` (``base``); the core areas live in this package (``catalogue``,
``people``, ``platform``, ``casework``) and are re-exported here, so ``from
tongban.adapters.db.tables import cases`` works as it always did; the other areas keep their
tables in ``adapters/db/tables_<area>.py``, imported at the end of this module.
"""

from __future__ import annotations

from tongban.adapters.db.tables.base import metadata
from tongban.adapters.db.tables.casework import (
    case_events,
    case_number_counters,
    case_review_steps,
    cases,
    review_plans,
)
from tongban.adapters.db.tables.catalogue import (
    SEARCH_ONLY_IN_MIGRATIONS,
    centres,
    departments,
    item_search,
    list_entries,
    search_state,
    service_item_versions,
    service_items,
)
from tongban.adapters.db.tables.people import (
    api_tokens,
    login_throttle,
    password_history,
    role_assignments,
    sessions,
    sms_codes,
    totp_recovery_codes,
    users,
)
from tongban.adapters.db.tables.platform import (
    audit_log,
    calendar_days,
    calendar_years,
    data_access_log,
    idempotency_keys,
    inbox_messages,
    job_runs,
    jurisdiction,
    outbox,
    sweep_failures,
    worker_heartbeats,
)

__all__ = [
    "SEARCH_ONLY_IN_MIGRATIONS",
    "api_tokens",
    "audit_log",
    "calendar_days",
    "calendar_years",
    "case_events",
    "case_number_counters",
    "case_review_steps",
    "cases",
    "centres",
    "data_access_log",
    "departments",
    "idempotency_keys",
    "inbox_messages",
    "item_search",
    "job_runs",
    "jurisdiction",
    "list_entries",
    "login_throttle",
    "metadata",
    "outbox",
    "password_history",
    "review_plans",
    "role_assignments",
    "search_state",
    "service_item_versions",
    "service_items",
    "sessions",
    "sms_codes",
    "sweep_failures",
    "totp_recovery_codes",
    "users",
    "worker_heartbeats",
]

# Each area keeps its tables in its own module on the same ``metadata``; importing them here
# means whoever imports ``tables`` sees the whole schema.
from tongban.adapters.db import (  # noqa: F401
    tables_approval,
    tables_bundles,
    tables_data_space,
    tables_evaluation,
    tables_federation,
    tables_indicators,
    tables_licences,
    tables_network,
    tables_projects,
    tables_rules,
    tables_self_service,
    tables_service_desk,
    tables_supervision,
    tables_visits,
)
