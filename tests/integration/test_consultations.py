"""Consultation (咨询) through the services on both databases: asking online and through a clerk,
the department's answer and the asker told, who sees what, overdue questions, and answers
published on the item's guide as frequently asked questions."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import make_staff
from tests.integration.service_desk_fixtures import CONSULTATION_DAYS, Desk, build_desk
from tests.integration.test_cases import publish_item
from tongban.adapters.db.tables import audit_log, outbox
from tongban.adapters.db.tables_service_desk import consultations, item_faqs
from tongban.domain.errors import (
    ItemNotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from tongban.domain.people.model import Role
from tongban.domain.service_desk.consultation import AskedVia, QuestionStatus
from tongban.domain.service_desk.errors import (
    FaqAlreadyPublished,
    FaqNotFound,
    QuestionAlreadyAnswered,
    QuestionNotAnswered,
    QuestionNotFound,
)
from tongban.services.service_desk import consultation as svc
from tongban.services.service_desk import consultation_queries as queries
from tongban.services.service_desk import consultation_stats

TODAY = date(2026, 11, 16)
ITEM = "SCJGJ-0001"


@pytest.fixture
def desk(container: object) -> Desk:
    return build_desk(container)  # type: ignore[arg-type]


def ask(desk: Desk, who: int, **changes: object) -> svc.QuestionRef:
    values: dict[str, object] = {"item_code": ITEM, "question": "个体户名称可以用英文吗？"}
    values.update(changes)
    ref: svc.QuestionRef = desk.run(
        svc.ask,
        who,
        svc.AskInput(**values),
        days=CONSULTATION_DAYS,  # type: ignore[arg-type]
    )
    return ref


def count(desk: Desk, table: object) -> int:
    with desk.container.read() as uow:
        query = select(func.count()).select_from(table)  # type: ignore[arg-type]
        return int(uow.conn.execute(query).scalar_one())


def view(desk: Desk, who: int, number: str) -> queries.QuestionView:
    with desk.container.read() as uow:
        return queries.question_view(uow.conn, desk.actor(who).principal, number, TODAY)


def listed(desk: Desk, who: int, today: date = TODAY, **filters: object) -> list[str]:
    with desk.container.read() as uow:
        rows = queries.question_list(uow.conn, desk.actor(who).principal, today, **filters)  # type: ignore[arg-type]
    return [r.number for r in rows]


def faqs(desk: Desk) -> list[queries.FaqEntry]:
    with desk.container.read() as uow:
        return queries.faqs_for_item(uow.conn, ITEM)


def test_a_citizen_asks_the_department_answers_and_the_asker_is_told(desk: Desk) -> None:
    w = desk.world
    ref = ask(desk, w.citizen)
    assert (ref.number, ref.status) == ("ZX000001", QuestionStatus.OPEN)
    assert ref.due_on == date(2026, 11, 19)  # three working days after Monday the 16th
    for staff in (w.reviewer, w.chief):
        [told] = desk.inbox(staff)
        assert told["title"] == "新的咨询" and told["link"] == "/questions/ZX000001"
    assert desk.inbox(w.other_reviewer) == []  # another department
    assert [m["title"] for m in desk.inbox(w.citizen)] == ["咨询已收到"]

    sms_before = desk.sms_count()
    answered = desk.run(svc.answer, w.reviewer, ref.number, "可以使用，但须同时有中文名称。", 1)
    assert (answered.status, answered.version) == (QuestionStatus.ANSWERED, 2)
    told = desk.inbox(w.citizen)[-1]
    assert told["title"] == "咨询已答复" and told["link"] == "/my/questions/ZX000001"
    assert desk.sms_count() == sms_before + 1
    seen = view(desk, w.citizen, ref.number)
    assert seen.seen_as == "asker" and seen.answer == "可以使用，但须同时有中文名称。"
    assert seen.asker is None and not seen.may_answer
    with pytest.raises(QuestionAlreadyAnswered):
        desk.run(svc.answer, w.chief, ref.number, "再答一次", 2)


def test_a_clerk_takes_a_question_down_for_a_registered_person(desk: Desk) -> None:
    w = desk.world
    with pytest.raises(ValidationFailed) as refused:
        ask(desk, w.clerk)  # whose question?
    assert set(refused.value.fields) == {"asker_number"}
    ref = ask(desk, w.clerk, asker_number=desk.id_number(w.citizen))
    seen = view(desk, w.reviewer, ref.number)
    assert seen.summary.asked_via is AskedVia.WINDOW and seen.asker is not None
    assert seen.asker.id == w.citizen and seen.summary.centre_name == "桂城街道行政服务中心"
    assert listed(desk, w.citizen) == [ref.number]
    assert listed(desk, w.clerk) == [ref.number]  # taken down at the clerk's centre
    assert listed(desk, w.district_clerk) == []


def test_a_kiosk_question_is_the_askers_own_and_a_citizen_cannot_claim_a_window(
    desk: Desk,
) -> None:
    ref = ask(desk, desk.world.citizen, asked_via="self_service")
    assert view(desk, desk.world.citizen, ref.number).summary.asked_via is AskedVia.SELF_SERVICE
    with pytest.raises(ValidationFailed) as refused:
        ask(desk, desk.world.citizen, asked_via="window")
    assert set(refused.value.fields) == {"asked_via"}


def test_bad_input_is_refused_with_its_field_and_nothing_is_stored(desk: Desk) -> None:
    before = (count(desk, consultations), count(desk, outbox), count(desk, audit_log))
    with pytest.raises(ValidationFailed) as refused:
        ask(desk, desk.world.citizen, question="  ")
    assert refused.value.fields == {"question": "请填写要咨询的问题"}
    with pytest.raises(ItemNotFound) as unknown:
        ask(desk, desk.world.citizen, item_code="NOPE-0001")
    assert set(unknown.value.fields) == {"item_code"}
    assert (count(desk, consultations), count(desk, outbox), count(desk, audit_log)) == before
    ref = ask(desk, desk.world.citizen)
    with pytest.raises(ValidationFailed):
        desk.run(svc.answer, desk.world.reviewer, ref.number, " ", ref.version)
    assert view(desk, desk.world.reviewer, ref.number).summary.status is QuestionStatus.OPEN


def test_only_the_item_s_department_answers_and_each_reader_sees_their_own(desk: Desk) -> None:
    w = desk.world
    mine = ask(desk, w.citizen).number
    theirs = ask(desk, w.other_citizen).number
    with pytest.raises(QuestionNotFound):
        desk.run(svc.answer, w.other_reviewer, mine, "不归我们管", 1)
    with pytest.raises(QuestionNotFound):
        view(desk, w.other_citizen, mine)
    assert listed(desk, w.citizen) == [mine] and listed(desk, w.other_citizen) == [theirs]
    assert sorted(listed(desk, w.reviewer)) == [mine, theirs]
    assert listed(desk, w.other_reviewer) == []
    assert listed(desk, w.clerk) == []  # asked online: no centre took them down


def test_two_answers_at_once_never_both_win(desk: Desk) -> None:
    barrier = threading.Barrier(2)

    def answer(who: int, number: str) -> str:
        barrier.wait(timeout=10)
        with desk.container.uow() as uow:
            try:
                svc.answer(uow, desk.actor(who), number, f"{who} 的答复", 1)
            except StaleVersion as lost:
                return lost.code
            return "won"

    with ThreadPoolExecutor(max_workers=2) as pool:
        for trial in range(8):
            number = ask(desk, desk.world.citizen).number
            who = (desk.world.reviewer, desk.world.chief)
            outcomes = sorted(pool.map(answer, who, [number, number]))
            assert outcomes == ["stale_version", "won"], f"trial {trial}: {outcomes}"


def test_an_unanswered_question_past_its_deadline_alerts_the_department_once(desk: Desk) -> None:
    w = desk.world
    late = ask(desk, w.citizen)
    answered = ask(desk, w.citizen)
    desk.run(svc.answer, w.reviewer, answered.number, "已答复", 1)
    assert desk.run(svc.alert_overdue, None, date(2026, 11, 19), day="2026-11-19") == 0
    assert desk.run(svc.alert_overdue, None, date(2026, 11, 20), day="2026-11-20") == 1
    assert desk.run(svc.alert_overdue, None, date(2026, 11, 23), day="2026-11-23") == 1
    for who in (w.reviewer, w.chief):
        titles = [m["title"] for m in desk.inbox(who)]
        assert titles.count("咨询已超期未答复") == 1
    assert listed(desk, w.reviewer, date(2026, 11, 20), overdue_only=True) == [late.number]


def test_a_good_answer_becomes_a_faq_on_the_items_guide(desk: Desk) -> None:
    w = desk.world
    ref = ask(desk, w.citizen, question="我（手机 13800138000）能在周末办理吗？")
    with pytest.raises(QuestionNotAnswered):
        desk.run(svc.publish_faq, w.chief, ref.number)
    desk.run(svc.answer, w.reviewer, ref.number, "周六上午桂城中心有值班窗口。", 1)
    assert view(desk, w.chief, ref.number).may_publish
    assert not view(desk, w.reviewer, ref.number).may_publish
    with pytest.raises(PermissionDenied):
        desk.run(svc.publish_faq, w.reviewer, ref.number)

    published = desk.run(svc.publish_faq, w.chief, ref.number)
    [entry] = faqs(desk)
    assert entry.id == published.id and published.item_code == ITEM
    assert "13800138000" not in entry.question and "周末" in entry.question
    assert entry.answer == "周六上午桂城中心有值班窗口。"
    with pytest.raises(FaqAlreadyPublished):
        desk.run(svc.publish_faq, w.chief, ref.number)
    assert not view(desk, w.chief, ref.number).may_publish

    desk.run(svc.withdraw_faq, w.chief, published.id)
    assert faqs(desk) == []
    with pytest.raises(FaqNotFound):
        desk.run(svc.withdraw_faq, w.chief, published.id)
    again = desk.run(svc.publish_faq, w.chief, ref.number, "周末能办吗？", "周六上午可以。")
    assert again.id == published.id
    assert [(f.question, f.answer) for f in faqs(desk)] == [("周末能办吗？", "周六上午可以。")]
    assert count(desk, item_faqs) == 1


# --- statistics ----------------------------------------------------------------------------------


def test_statistics_of_questions_by_item_department_channel_and_status(desk: Desk) -> None:
    """Five questions by hand, asked and answered on chosen days of November 2026 (the 16th is
    a Monday; a deadline is three working days on):

    - ``online`` SCJGJ-0001 asked Mon 16, answered Wed 18 (2 working days, on time), published;
    - ``window`` (at 桂城) SCJGJ-0001 asked Mon 16, answered Mon 23 (5 days; due Thu 19: late);
    - ``self_service`` SCJGJ-0001 asked Mon 16, unanswered: overdue on Tue 24;
    - ``online`` RSJ-0001 asked Fri 20, unanswered, due Wed 25: not overdue yet;
    - ``online`` RSJ-0001 asked Fri 20, answered the same day (0 days, on time)."""
    w = desk.world
    publish_item(
        w.container, code="RSJ-0001", name="失业登记", department_code="RSJ", audience="citizen"
    )

    def asked(who: int, day: str, **changes: object) -> svc.QuestionRef:
        values: dict[str, object] = {"item_code": ITEM, "question": "需要带什么材料？"}
        values.update(changes)
        ref: svc.QuestionRef = desk.run(
            svc.ask,
            who,
            svc.AskInput(**values),
            days=CONSULTATION_DAYS,
            day=day,  # type: ignore[arg-type]
        )
        return ref

    one = asked(w.citizen, "2026-11-16")
    desk.run(svc.answer, w.reviewer, one.number, "身份证即可。", one.version, day="2026-11-18")
    desk.run(svc.publish_faq, w.chief, one.number, day="2026-11-18")
    two = asked(w.clerk, "2026-11-16", asked_via="window", asker_number=desk.id_number(w.citizen))
    desk.run(svc.answer, w.reviewer, two.number, "营业执照。", two.version, day="2026-11-23")
    asked(w.citizen, "2026-11-16", asked_via="self_service")
    asked(w.other_citizen, "2026-11-20", item_code="RSJ-0001")
    five = asked(w.other_citizen, "2026-11-20", item_code="RSJ-0001")
    desk.run(svc.answer, w.other_reviewer, five.number, "社保卡。", five.version, day="2026-11-20")
    leader = make_staff(w.container, Role.LEADER).user_id

    def figures(who: int, **period: date) -> consultation_stats.ConsultationStats:
        with desk.container.read() as uow:
            return consultation_stats.consultation_stats(
                uow.conn, desk.actor(who).principal, date(2026, 11, 24), **period
            )

    def row(t: consultation_stats.QuestionTally) -> tuple[object, ...]:
        return (
            t.key, t.total, t.open, t.answered, t.on_time, t.on_time_rate,
            t.mean_answer_days, t.overdue, t.faq,
        )  # fmt: skip

    everything = figures(leader)
    assert row(everything.all) == ("all", 5, 2, 3, 2, 0.6667, 2.33, 1, 1)
    assert [row(t) for t in everything.by_item] == [
        ("SCJGJ-0001", 3, 1, 2, 1, 0.5, 3.5, 1, 1),
        ("RSJ-0001", 2, 1, 1, 1, 1.0, 0.0, 0, 0),
    ]
    assert [(t.key, t.total, t.answered) for t in everything.by_department] == [
        ("SCJGJ", 3, 2),
        ("RSJ", 2, 1),
    ]
    assert [(t.key, t.total, t.on_time, t.overdue) for t in everything.by_channel] == [
        ("online", 3, 2, 0),
        ("self_service", 1, 0, 1),
        ("window", 1, 0, 0),
    ]
    assert [(t.key, t.total) for t in everything.by_status] == [("open", 2), ("answered", 3)]
    assert row(figures(leader, since=date(2026, 11, 20)).all) == (
        "all", 2, 1, 1, 1, 1.0, 0.0, 0, 0,
    )  # fmt: skip

    # The 桂城 manager counts the question taken down at 桂城's window only.
    assert row(figures(desk.manager).all) == ("all", 1, 0, 1, 0, 0.0, 5.0, 0, 0)
    # An entry taken off the guide no longer counts as published.
    with desk.container.read() as uow:
        faq_id = uow.conn.execute(select(item_faqs.c.id)).scalar_one()
    desk.run(svc.withdraw_faq, w.chief, faq_id, day="2026-11-24")
    assert figures(leader).all.faq == 0
    with pytest.raises(PermissionDenied):
        figures(w.clerk)
    with pytest.raises(ValidationFailed):
        figures(leader, since=date(2026, 11, 20), until=date(2026, 11, 19))
