"""The cases behind a figure: the bottom of the drill-down, from the case facts.

The list shows the applicant's name masked; even so it is a staff read of a person's data, so
each applicant shown is logged in their access log with the indicator as its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, literal, select

from tongban.adapters.db.tables import cases, centres, service_items, users
from tongban.adapters.db.tables_indicators import indicator_case_facts as facts
from tongban.domain.indicators.errors import DimensionNotSupported
from tongban.domain.indicators.facts import FINISHED
from tongban.domain.indicators.model import DIMENSION_LABELS, MEASURES, Dimension, Period, Source
from tongban.domain.shared.masking import mask_name
from tongban.services.indicators.access import Scope, check_filters
from tongban.services.indicators.figures import needs, period_range, spec_of
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

PAGE = 50


@dataclass(frozen=True)
class CaseLine:
    number: str
    item_name: str
    centre_code: str
    channel: str
    status: str
    applicant: str
    """Masked (张**)."""
    received_on: date
    finished_on: date | None
    counts: dict[str, int]
    """What the case counts for in the figure's measures (finished, on time, visits…)."""


@dataclass(frozen=True)
class CaseList:
    code: str
    start: date
    end: date
    total: int
    lines: list[CaseLine]
    by_finish: bool
    """True: the cases finished in the period (the indicator counts finishing); False: those
    submitted in it."""


_COLUMN = {
    Dimension.TOWN: func.coalesce(centres.c.town, literal("")),
    Dimension.CENTRE: facts.c.centre_code,
    Dimension.DEPARTMENT: facts.c.department_code,
    Dimension.ITEM: facts.c.item_code,
    Dimension.CHANNEL: facts.c.channel,
}
_FACT_OF = {m.name: m.cases_filter for m in MEASURES.values() if m.source is Source.CASES}


@atomic
def cases_behind(
    uow: UnitOfWork,
    actor: Actor,
    scope: Scope,
    code: str,
    *,
    period: Period,
    at: date,
    filters: Mapping[Dimension, str] | None = None,
    offset: int = 0,
) -> CaseList:
    """The cases a case indicator counts over the period and cut, newest first, a page at a
    time; each applicant shown gets an entry in their access log."""
    conn = uow.conn
    spec, specs = spec_of(conn, code)
    asked = dict(filters or {})
    for dimension in asked:
        if dimension not in spec.dimensions:
            raise DimensionNotSupported(name=DIMENSION_LABELS[dimension])
    cut = check_filters(scope, asked)
    start, end = period_range(period, at)
    names = [n for n in sorted(needs(spec, specs)) if n in _FACT_OF]
    by_finish = any(n in FINISHED for n in names)
    day = facts.c.finished_on if by_finish else facts.c.received_on
    where = [day >= start, day <= end]
    where += [_COLUMN[d] == v for d, v in cut.items()]
    joined = (
        facts.join(cases, cases.c.id == facts.c.case_id)
        .join(service_items, service_items.c.id == cases.c.item_id)
        .join(users, users.c.id == cases.c.applicant_id)
        .outerjoin(centres, centres.c.code == facts.c.centre_code)
    )
    total = conn.execute(select(func.count()).select_from(joined).where(and_(*where))).scalar_one()
    rows = conn.execute(
        select(
            facts,
            cases.c.number,
            cases.c.status,
            cases.c.applicant_id,
            service_items.c.name.label("item_name"),
            users.c.name.label("applicant_name"),
        )
        .select_from(joined)
        .where(and_(*where))
        .order_by(day.desc(), cases.c.id.desc())
        .limit(PAGE)
        .offset(max(offset, 0))
    ).all()
    fact_names = sorted({_FACT_OF[n] for n in names})
    lines = [
        CaseLine(
            number=row.number,
            item_name=row.item_name,
            centre_code=row.centre_code,
            channel=row.channel,
            status=row.status,
            applicant=mask_name(row.applicant_name),
            received_on=row.received_on,
            finished_on=row.finished_on,
            counts={n: int(row._mapping[n]) for n in fact_names},
        )
        for row in rows
    ]
    purpose = f"指标下钻：{spec.name}（{code}）的办件清单"
    for applicant_id in sorted({row.applicant_id for row in rows}):
        audit.record_data_access(conn, actor, applicant_id, "case:list", purpose)
    return CaseList(code, start, end, int(total), lines, by_finish)
