"""申请人工复核 and reading an automated decision (《个人信息保护法》第二十四条).

The applicant sees how the rules decided on their case — each rule's outcome and explanation,
not the personal data of the inputs — and may ask once for a person to review the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from tongban.adapters.db.tables_rules import automated_decisions, human_review_requests
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import CaseStatus
from tongban.domain.errors import ValidationFailed
from tongban.domain.rules.errors import DecisionNotFound, HumanReviewAlreadyRequested
from tongban.domain.rules.evaluation import Outcome
from tongban.services.cases import queries as case_queries
from tongban.services.cases import repository as repo
from tongban.services.cases.notify import notify
from tongban.services.cases.roles import APPLICANT, performer
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

PIPL_ART_24 = "《个人信息保护法》第二十四条"


@dataclass(frozen=True)
class DecisionView:
    number: str
    item_code: str
    outcome: Outcome
    rule_set_version: int
    results: list[dict[str, Any]]
    licence_id: str | None
    decided_at: datetime
    case_status: CaseStatus
    case_version: int
    human_review: dict[str, Any] | None


def has_automated_decision(conn: Connection, case_id: int | None) -> bool:
    """Whether rules decided this case (its page then links to the decision and its review)."""
    if case_id is None:
        return False
    found = conn.execute(
        select(automated_decisions.c.id).where(automated_decisions.c.case_id == case_id)
    ).first()
    return found is not None


def _decision_row(conn: Connection, case: Case) -> Any:
    row = conn.execute(
        select(automated_decisions).where(automated_decisions.c.case_id == case.id)
    ).first()
    if row is None:
        raise DecisionNotFound()
    return row


def _view(case: Case, row: Any, review: dict[str, Any] | None) -> DecisionView:
    return DecisionView(
        number=case.number,
        item_code=row.item_code,
        outcome=Outcome(row.outcome),
        rule_set_version=row.rule_set_version,
        results=list(row.explanation),
        licence_id=row.licence_id,
        decided_at=row.decided_at,
        case_status=case.status,
        case_version=case.version,
        human_review=review,
    )


def decision_for(conn: Connection, actor: Actor, number: str) -> DecisionView:
    """The automated decision on a case, for its applicant or the staff who may read the case
    (404 for anyone else); the rules' explanation, not the inputs' personal data."""
    case = case_queries.access_case(conn, actor.principal, number, actor.at)
    row = _decision_row(conn, case)
    review = conn.execute(
        select(
            human_review_requests.c.status,
            human_review_requests.c.reason,
            human_review_requests.c.requested_at,
        ).where(human_review_requests.c.decision_id == row.id)
    ).first()
    return _view(case, row, None if review is None else dict(review._mapping))


@atomic
def request_human_review(uow: UnitOfWork, actor: Actor, number: str, reason: str) -> DecisionView:
    """申请人工复核: the applicant asks a person to review the automated decision on their case
    (《个人信息保护法》第二十四条); recorded once, in the case's audit trail, and sent to the
    department's reviewers.  The case is loaded once (another's: 404)."""
    conn = uow.conn
    case = case_queries.case_to_act_on(conn, actor.principal, number)
    by = performer(actor, case, APPLICANT)
    row = _decision_row(conn, case)
    text = reason.strip()
    if not text or len(text) > 1000:
        raise ValidationFailed(fields={"reason": "请说明申请人工复核的理由（不超过 1000 字）"})
    already = conn.execute(
        select(human_review_requests.c.id).where(human_review_requests.c.decision_id == row.id)
    ).first()
    if already is not None:
        raise HumanReviewAlreadyRequested()
    conn.execute(
        insert(human_review_requests).values(
            decision_id=row.id,
            case_id=case.id,
            requested_by=by.user_id,
            reason=text,
            status="open",
            requested_at=actor.at,
        )
    )
    case.note(
        "HumanReviewRequested", by, actor.at, text, legal_basis="《个人信息保护法》第二十四条"
    )
    notify(conn, case, actor.at)
    repo.save(conn, case, actor.at)
    audit.record(conn, actor, "smart.human_review", "case", case.number)
    review = {"status": "open", "reason": text, "requested_at": actor.at.astimezone(UTC)}
    return _view(case, row, review)
