"""The service desk's pure rules: escalations (办不成事) and questions (咨询) — what is checked
when people type, which steps each status allows, and what the public FAQ may show."""

from __future__ import annotations

from datetime import date

import pytest

from tongban.domain.errors import ValidationFailed
from tongban.domain.service_desk.consultation import (
    Question,
    QuestionStatus,
    check_faq,
    check_question,
    question_number,
)
from tongban.domain.service_desk.errors import (
    HardCaseStepRefused,
    QuestionAlreadyAnswered,
    QuestionNotAnswered,
)
from tongban.domain.service_desk.hard_cases import (
    HardCase,
    HardCaseStatus,
    HardCaseType,
    Outcome,
    check_escalation,
    hard_case_number,
)

DUE = date(2026, 11, 23)


def escalation(**changes: object) -> HardCase:
    values: dict[str, object] = {
        "number": "BC000001",
        "status": HardCaseStatus.OPEN,
        "owner_id": None,
        "person_id": 7,
        "due_on": DUE,
        "version": 1,
    }
    values.update(changes)
    return HardCase(**values)  # type: ignore[arg-type]


def test_numbers_are_readable_and_fixed_width() -> None:
    assert hard_case_number(42) == "BC000042"
    assert question_number(7) == "ZX000007"


def test_an_escalation_needs_a_known_type_a_one_line_summary_and_a_description() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_escalation("bogus", "  ", "x" * 2001)
    assert set(refused.value.fields) == {"type", "summary", "description"}
    checked = check_escalation("missing_proof", " 无犯罪记录\n证明  开不出 ", " 要单位出函 ")
    assert checked.type is HardCaseType.MISSING_PROOF
    assert checked.summary == "无犯罪记录 证明 开不出"
    assert checked.description == "要单位出函"


def test_an_owner_starts_the_work_and_only_a_worked_on_escalation_is_resolved() -> None:
    with pytest.raises(HardCaseStepRefused):
        escalation().resolve("solved", "已办成")
    owned = escalation().assign(5)
    assert (owned.status, owned.owner_id) == (HardCaseStatus.IN_PROGRESS, 5)
    with pytest.raises(ValidationFailed) as refused:
        owned.resolve("maybe", "")
    assert set(refused.value.fields) == {"outcome", "resolution"}
    done = owned.resolve("referred", " 已协调区民政局办理 ")
    assert (done.status, done.outcome, done.resolution) == (
        HardCaseStatus.RESOLVED,
        Outcome.REFERRED,
        "已协调区民政局办理",
    )
    with pytest.raises(HardCaseStepRefused):
        done.assign(6)
    with pytest.raises(HardCaseStepRefused):
        done.add_note()


def test_a_resolved_escalation_is_overdue_never_and_an_open_one_after_its_day() -> None:
    assert not escalation().is_overdue(DUE)
    assert escalation().is_overdue(date(2026, 11, 24))
    done = escalation().assign(5).resolve("solved", "好了")
    assert not done.is_overdue(date(2027, 1, 1))


def test_the_person_says_solved_once_and_not_solved_reopens_with_a_new_deadline() -> None:
    done = escalation().assign(5).resolve("solved", "已办成")
    assert done.awaits_feedback
    closed = done.answer_follow_up(True, date(2026, 12, 1))
    assert closed.feedback_solved is True and closed.status is HardCaseStatus.RESOLVED
    with pytest.raises(HardCaseStepRefused):
        closed.answer_follow_up(False, date(2026, 12, 1))

    again = done.answer_follow_up(False, date(2026, 12, 1))
    assert (again.status, again.owner_id, again.due_on) == (
        HardCaseStatus.IN_PROGRESS,
        5,
        date(2026, 12, 1),
    )
    assert (again.outcome, again.reopened, again.feedback_solved) == (None, 1, False)
    assert again.resolve("solved", "第二次办成").awaits_feedback


def test_nobody_is_asked_when_no_person_is_concerned() -> None:
    done = escalation(person_id=None).assign(5).resolve("explained", "系统问题已报修")
    assert not done.awaits_feedback
    with pytest.raises(HardCaseStepRefused):
        done.answer_follow_up(True, DUE)


def test_a_question_is_answered_once_and_only_an_answered_one_is_published() -> None:
    with pytest.raises(ValidationFailed):
        check_question(" ")
    asked = Question("ZX000001", QuestionStatus.OPEN, 1)
    with pytest.raises(QuestionNotAnswered):
        asked.require_answered()
    with pytest.raises(ValidationFailed) as refused:
        asked.answered_with("")
    assert set(refused.value.fields) == {"answer"}
    answered = asked.answered_with(" 可以，带身份证原件即可。 ")
    assert answered.answer == "可以，带身份证原件即可。"
    answered.require_answered()
    with pytest.raises(QuestionAlreadyAnswered):
        answered.answered_with("再答一次")


def test_the_public_faq_never_shows_an_id_or_mobile_number() -> None:
    faq = check_faq("我的身份证 440605198503120318 能办吗？", "请致电 13802610031 预约。")
    assert "440605198503120318" not in faq.question and "13802610031" not in faq.answer
    with pytest.raises(ValidationFailed) as refused:
        check_faq("", "")
    assert set(refused.value.fields) == {"question", "answer"}
