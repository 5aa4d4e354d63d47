"""The hard-case window (办不成事) through the services on both databases: raising online and
at a window, owner, notes, resolution, the person's follow-up, who sees what, overdue alerts,
statistics, and two staff acting on one escalation at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, insert, select

from tests.factories import make_staff, resident_id
from tests.integration.service_desk_fixtures import Desk, build_desk
from tongban.adapters.db.tables import audit_log, centres, data_access_log, outbox
from tongban.adapters.db.tables_service_desk import hard_case_events, hard_cases
from tongban.domain.errors import (
    CaseNotFound,
    PermissionDenied,
    StaleVersion,
    UserNotFound,
    ValidationFailed,
)
from tongban.domain.people.model import Role
from tongban.domain.service_desk.errors import (
    HardCaseNotFound,
    HardCaseStepRefused,
    NotHardCaseOwner,
    OwnerNotEligible,
)
from tongban.domain.service_desk.hard_cases import HardCaseStatus, Outcome, RaisedVia
from tongban.domain.shared.clock import FixedClock
from tongban.services.service_desk import consultation, stats
from tongban.services.service_desk import follow_up as follow_up_svc
from tongban.services.service_desk import hard_case_queries as queries
from tongban.services.service_desk import hard_cases as svc
from tongban.worker import Worker

TODAY = date(2026, 11, 16)


@pytest.fixture
def desk(container: object) -> Desk:
    return build_desk(container)  # type: ignore[arg-type]


def count(desk: Desk, table: object) -> int:
    with desk.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def view(desk: Desk, who: int, number: str, today: date = TODAY) -> queries.HardCaseView:
    principal = desk.actor(who).principal
    with desk.container.read() as uow:
        return queries.hard_case_view(uow.conn, principal, number, today)


def numbers(desk: Desk, who: int, today: date = TODAY, **filters: object) -> list[str]:
    principal = desk.actor(who).principal
    with desk.container.read() as uow:
        rows = queries.hard_case_list(uow.conn, principal, today, **filters)  # type: ignore[arg-type]
    return [r.number for r in rows]


def test_a_citizen_escalates_online_and_the_centre_and_the_citizen_are_told(desk: Desk) -> None:
    citizen = desk.world.citizen
    ref = desk.raise_(citizen)
    assert ref.number == "BC000001" and ref.status is HardCaseStatus.OPEN
    assert ref.due_on == date(2026, 11, 23)  # five working days after Monday the 16th

    seen = view(desk, citizen, ref.number)
    assert seen.seen_as == "person" and seen.summary.raised_via is RaisedVia.ONLINE
    assert seen.summary.centre_code == "C-GC" and seen.person_id == citizen
    assert [e.kind.value for e in seen.events] == ["raised"]
    [to_manager] = desk.inbox(desk.manager)
    assert to_manager["title"] == "新的办不成事问题" and ref.number in to_manager["body"]
    assert to_manager["link"] == f"/centre/hard-cases/{ref.number}"
    [to_citizen] = desk.inbox(citizen)
    assert (
        "2026-11-23" in to_citizen["body"] and to_citizen["link"] == f"/my/hard-cases/{ref.number}"
    )


def test_an_escalation_about_a_case_goes_to_the_centre_chosen_or_the_case_s(desk: Desk) -> None:
    number = desk.case_number()
    with pytest.raises(ValidationFailed) as refused:  # not accepted anywhere yet: say where
        desk.raise_(desk.world.citizen, case_number=number, centre_code=None)
    assert set(refused.value.fields) == {"centre_code"}
    ref = desk.raise_(desk.world.citizen, case_number=number, centre_code="C-NH")
    assert view(desk, desk.world.citizen, ref.number).summary.case_number == number


def test_a_citizen_cannot_escalate_about_another_persons_case(desk: Desk) -> None:
    number = desk.case_number()
    before = count(desk, hard_cases)
    with pytest.raises(CaseNotFound) as refused:
        desk.raise_(desk.world.other_citizen, case_number=number)
    assert refused.value.fields == {"case_number": "找不到该办件"}
    assert count(desk, hard_cases) == before


def test_bad_input_is_refused_field_by_field_and_nothing_is_stored(desk: Desk) -> None:
    before = (count(desk, hard_cases), count(desk, outbox), count(desk, audit_log))
    with pytest.raises(ValidationFailed) as refused:
        desk.raise_(desk.world.citizen, type="unknown", summary=" ", description="")
    assert set(refused.value.fields) == {"type", "summary", "description"}
    assert refused.value.fields["summary"] == "请用一句话概括问题"
    with pytest.raises(ValidationFailed) as refused:
        desk.raise_(desk.world.citizen, centre_code="C-NOPE")
    assert refused.value.fields == {"centre_code": "找不到该服务中心"}
    with pytest.raises(UserNotFound):  # a clerk names a person nobody registered
        desk.raise_(desk.world.clerk, person_number=resident_id())
    assert (count(desk, hard_cases), count(desk, outbox), count(desk, audit_log)) == before


def test_a_clerk_registers_a_problem_for_a_person_at_their_own_centre(desk: Desk) -> None:
    citizen = desk.world.citizen
    ref = desk.raise_(
        desk.world.district_clerk, centre_code=None, person_number=desk.id_number(citizen)
    )
    seen = view(desk, desk.district_manager, ref.number)
    assert seen.summary.raised_via is RaisedVia.WINDOW and seen.summary.centre_code == "C-NH"
    assert seen.person is not None and seen.person.id == citizen
    assert view(desk, citizen, ref.number).seen_as == "person"
    # the person will read it: never about someone else's case
    with pytest.raises(ValidationFailed) as refused:
        desk.raise_(
            desk.world.clerk,
            centre_code=None,
            case_number=desk.case_number(),
            person_number=desk.id_number(desk.world.other_citizen),
        )
    assert refused.value.fields == {"case_number": "该办件不是反映人本人的办件"}
    # a problem of the service itself concerns nobody in particular
    systemic = desk.raise_(desk.world.clerk, type="system", centre_code=None)
    assert view(desk, desk.manager, systemic.number).person is None


def test_the_manager_gives_it_to_a_clerk_who_resolves_and_the_person_is_asked(desk: Desk) -> None:
    citizen, clerk = desk.world.citizen, desk.world.clerk
    ref = desk.raise_(citizen)
    ref = desk.run(svc.assign_owner, desk.manager, ref.number, clerk, ref.version)
    assert (ref.status, ref.owner_id) == (HardCaseStatus.IN_PROGRESS, clerk)
    assert [m["title"] for m in desk.inbox(clerk)] == ["办不成事问题交由您承办"]
    ref = desk.run(svc.add_note, clerk, ref.number, "已电话联系原单位主管部门。", ref.version)
    sms_before = desk.sms_count()
    ref = desk.run(
        svc.resolve, clerk, ref.number, "solved", "已协调区人社局出具证明，办成。", ref.version
    )
    assert ref.status is HardCaseStatus.RESOLVED
    asked = desk.inbox(citizen)[-1]
    assert asked["title"] == "问题解决了吗？" and "已办成" in asked["body"]
    assert desk.sms_count() == sms_before + 1

    seen = view(desk, citizen, ref.number)
    assert seen.may_answer and seen.summary.outcome is Outcome.SOLVED
    ref = desk.run(svc.answer_follow_up, citizen, ref.number, True, "谢谢", days=5)
    seen = view(desk, citizen, ref.number)
    assert not seen.may_answer and seen.summary.feedback_solved is True
    kinds = [e.kind.value for e in seen.events]
    assert kinds == ["raised", "assigned", "note", "resolved", "feedback"]
    with pytest.raises(HardCaseStepRefused):  # asked once per resolution
        desk.run(svc.answer_follow_up, citizen, ref.number, False, "", days=5)


def test_not_solved_reopens_it_with_the_same_owner_and_a_new_deadline(desk: Desk) -> None:
    citizen, clerk = desk.world.citizen, desk.world.clerk
    ref = desk.raise_(citizen)
    ref = desk.run(svc.assign_owner, clerk, ref.number, None, ref.version)
    ref = desk.run(svc.resolve, clerk, ref.number, "explained", "依法不能办理。", ref.version)
    ref = desk.run(
        svc.answer_follow_up, citizen, ref.number, False, "还是办不了", days=5, day="2026-11-18"
    )
    assert (ref.status, ref.owner_id) == (HardCaseStatus.IN_PROGRESS, clerk)
    assert ref.due_on == date(2026, 11, 25)  # five working days after Wednesday the 18th
    told = [m["title"] for m in desk.inbox(clerk)] + [m["title"] for m in desk.inbox(desk.manager)]
    assert told.count("办不成事问题未解决，已重新办理") == 2
    seen = view(desk, clerk, ref.number)
    assert seen.summary.outcome is None and seen.summary.reopened == 1
    # resolved again, the person is asked again
    ref = desk.run(svc.resolve, clerk, ref.number, "referred", "已转区司法局。", ref.version)
    assert view(desk, citizen, ref.number).may_answer


def test_a_clerk_may_take_an_escalation_but_not_give_it_to_someone_else(desk: Desk) -> None:
    ref = desk.raise_(desk.world.citizen)
    with pytest.raises(PermissionDenied):
        desk.run(svc.assign_owner, desk.world.clerk, ref.number, desk.manager, ref.version)
    with pytest.raises(OwnerNotEligible):  # a reviewer works at no centre
        desk.run(svc.assign_owner, desk.manager, ref.number, desk.world.reviewer, ref.version)
    ref = desk.run(svc.assign_owner, desk.world.clerk, ref.number, None, ref.version)
    assert ref.owner_id == desk.world.clerk
    assert desk.inbox(desk.world.clerk) == []  # nobody needs telling what they did themselves
    with pytest.raises(HardCaseNotFound):  # the district clerk works elsewhere
        desk.run(svc.resolve, desk.world.district_clerk, ref.number, "solved", "好", ref.version)
    # the district centre's manager looks after the town centre below it
    ref = desk.run(svc.assign_owner, desk.district_manager, ref.number, None, ref.version)
    assert ref.owner_id == desk.district_manager


def test_only_the_owner_or_a_manager_resolves_and_nothing_before_an_owner(desk: Desk) -> None:
    ref = desk.raise_(desk.world.citizen)
    with pytest.raises(HardCaseStepRefused):
        desk.run(svc.resolve, desk.manager, ref.number, "solved", "好", ref.version)
    second_clerk = make_staff(desk.container, Role.CLERK, name="另一位窗口人员").user_id
    ref = desk.run(svc.assign_owner, desk.world.clerk, ref.number, None, ref.version)
    with pytest.raises(NotHardCaseOwner):
        desk.run(svc.resolve, second_clerk, ref.number, "solved", "好", ref.version)
    ref = desk.run(svc.resolve, desk.manager, ref.number, "withdrawn", "反映人撤回。", ref.version)
    assert ref.status is HardCaseStatus.RESOLVED


def test_a_stale_version_is_refused_and_changes_nothing(desk: Desk) -> None:
    ref = desk.raise_(desk.world.citizen)
    moved = desk.run(svc.assign_owner, desk.world.clerk, ref.number, None, ref.version)
    events = count(desk, hard_case_events)
    with pytest.raises(StaleVersion):
        desk.run(svc.add_note, desk.manager, ref.number, "晚了一步", ref.version)
    assert count(desk, hard_case_events) == events
    assert view(desk, desk.manager, ref.number).version == moved.version


def test_two_staff_resolving_one_escalation_at_once_never_both_win(desk: Desk) -> None:
    trials = 10
    barrier = threading.Barrier(2)

    def resolve(who: int, number: str, version: int) -> str:
        barrier.wait(timeout=10)  # meet before beginning: BEGIN IMMEDIATE would serialise
        with desk.container.uow() as uow:
            try:
                svc.resolve(uow, desk.actor(who), number, "solved", f"由 {who} 办结", version)
            except StaleVersion as lost:
                return lost.code
            return "won"

    with ThreadPoolExecutor(max_workers=2) as pool:
        for trial in range(trials):
            ref = desk.raise_(desk.world.citizen)
            ref = desk.run(svc.assign_owner, desk.world.clerk, ref.number, None, ref.version)
            who = (desk.world.clerk, desk.manager)
            outcomes = sorted(pool.map(resolve, who, [ref.number] * 2, [ref.version] * 2))
            assert outcomes == ["stale_version", "won"], f"trial {trial}: {outcomes}"
            with desk.container.read() as uow:
                resolved = uow.conn.execute(
                    select(func.count())
                    .select_from(hard_case_events)
                    .join(hard_cases, hard_cases.c.id == hard_case_events.c.hard_case_id)
                    .where(hard_cases.c.number == ref.number, hard_case_events.c.kind == "resolved")
                ).scalar()
            assert resolved == 1


def test_each_reader_sees_only_what_concerns_them(desk: Desk) -> None:
    w = desk.world
    mine = desk.raise_(w.citizen).number
    theirs = desk.raise_(w.other_citizen).number
    at_district = desk.raise_(w.district_clerk, centre_code=None, type="system").number
    assert numbers(desk, w.citizen) == [mine]
    assert numbers(desk, w.other_citizen) == [theirs]
    with pytest.raises(HardCaseNotFound):
        view(desk, w.citizen, theirs)
    assert sorted(numbers(desk, w.clerk)) == [mine, theirs]  # the town centre's
    assert numbers(desk, w.district_clerk) == [at_district]  # a clerk: their centre only
    assert sorted(numbers(desk, desk.district_manager)) == sorted([mine, theirs, at_district])
    with pytest.raises(HardCaseNotFound):
        view(desk, w.clerk, at_district)
    with pytest.raises(PermissionDenied):
        numbers(desk, w.reviewer)


def test_staff_lists_mask_the_persons_name(desk: Desk) -> None:
    desk.raise_(desk.world.citizen)
    principal = desk.actor(desk.manager).principal
    with desk.container.read() as uow:
        [row] = queries.hard_case_list(uow.conn, principal, TODAY)
    assert row.person_name == "张**"


def test_an_overdue_escalation_alerts_the_manager_and_owner_once(desk: Desk) -> None:
    ref = desk.raise_(desk.world.citizen)
    desk.run(svc.assign_owner, desk.world.clerk, ref.number, None, ref.version)
    on_time = desk.run(svc.alert_overdue, None, date(2026, 11, 23), day="2026-11-23")
    assert on_time == 0
    late = desk.run(svc.alert_overdue, None, date(2026, 11, 24), day="2026-11-24")
    again = desk.run(svc.alert_overdue, None, date(2026, 11, 25), day="2026-11-25")
    assert late == again == 1
    for who in (desk.manager, desk.world.clerk):
        titles = [m["title"] for m in desk.inbox(who)]
        assert titles.count("办不成事问题已超期") == 1, who
    assert numbers(desk, desk.manager, date(2026, 11, 24), overdue_only=True) == [ref.number]


def test_a_community_centre_without_a_manager_alerts_the_town_s(desk: Desk) -> None:
    with desk.container.uow() as uow:
        town = uow.conn.execute(select(centres.c.id).where(centres.c.code == "C-GC")).scalar()
        uow.conn.execute(
            insert(centres).values(
                code="C-GC-001",
                name="桂城街道某社区服务站",
                level="community",
                town="桂城街道",
                parent_id=town,
                latitude=23.0,
                longitude=113.1,
                accessibility=[],
            )
        )
        uow.commit()
    community_clerk = make_staff(desk.container, Role.CLERK, centre_code="C-GC-001").user_id
    ref = desk.raise_(community_clerk, centre_code=None)
    assert [m["title"] for m in desk.inbox(desk.manager)] == ["新的办不成事问题"]
    # the town's manager may make themselves the owner of the community's escalation
    ref = desk.run(svc.assign_owner, desk.manager, ref.number, None, ref.version)
    assert ref.owner_id == desk.manager


def test_statistics_count_by_type_centre_and_outcome(desk: Desk) -> None:
    w = desk.world
    one = desk.raise_(w.citizen)
    desk.raise_(w.other_citizen, type="cross_department")
    desk.raise_(w.district_clerk, centre_code=None, type="system")
    one = desk.run(svc.assign_owner, w.clerk, one.number, None, one.version)
    desk.run(svc.resolve, w.clerk, one.number, "solved", "办成", one.version, day="2026-11-17")

    def figures(who: int, today: date = date(2026, 11, 24)) -> stats.HardCaseStats:
        with desk.container.read() as uow:
            return stats.hard_case_stats(uow.conn, desk.actor(who).principal, today)

    town = figures(desk.manager)
    assert (town.all.total, town.all.open, town.all.overdue, town.all.resolved) == (2, 1, 1, 1)
    assert town.all.on_time == 1
    assert {t.key: t.total for t in town.by_type} == {"missing_proof": 1, "cross_department": 1}
    assert [(t.key, t.total) for t in town.by_centre] == [("C-GC", 2)]
    assert town.by_outcome == [(Outcome.SOLVED, 1)]
    assert town.feedback == {"solved": 0, "unsolved": 0, "awaiting": 1, "no_answer": 0}
    district = figures(desk.district_manager)
    assert {t.key: t.total for t in district.by_centre} == {"C-GC": 2, "C-NH": 1}
    with desk.container.read() as uow:
        period = stats.hard_case_stats(
            uow.conn, desk.actor(desk.manager).principal, TODAY, since=date(2026, 11, 17)
        )
    assert period.all.total == 0
    with pytest.raises(PermissionDenied):
        figures(w.clerk)


def test_staff_reading_an_escalation_see_the_person_but_lists_never_log(desk: Desk) -> None:
    ref = desk.raise_(desk.world.citizen)
    seen = view(desk, desk.manager, ref.number)
    assert seen.person is not None and seen.person.name == "张小明"
    assert count(desk, data_access_log) == 0  # the page or the API logs the read it shows


def test_a_worker_pass_alerts_overdue_escalations_and_questions(desk: Desk) -> None:
    desk.raise_(desk.world.citizen)
    data = consultation.AskInput("SCJGJ-0001", "能办吗？")
    desk.run(consultation.ask, desk.world.citizen, data, days=3)
    desk.container.clock = FixedClock(desk.actor(None, "2026-11-24").at)
    report = Worker(desk.container, worker_id="w1").run_once()
    assert {"hard_case_overdue_alerts", "consultation_overdue_alerts"} <= set(report.sweeps)
    assert "办不成事问题已超期" in [m["title"] for m in desk.inbox(desk.manager)]
    assert "咨询已超期未答复" in [m["title"] for m in desk.inbox(desk.world.chief)]


# --- 问题解决了吗？ left unanswered: one reminder, then "no answer" ------------------------------


def follow_up(desk: Desk, day: str) -> follow_up_svc.FollowUpRun:
    today = date.fromisoformat(day)
    return desk.run(  # type: ignore[no-any-return]
        follow_up_svc.follow_up_unanswered, None, today, remind_days=3, lapse_days=5, day=day
    )


def resolved_for(desk: Desk, who: int) -> str:
    """An escalation by ``who``, resolved on Monday 16 November 2026."""
    ref = desk.raise_(who)
    ref = desk.run(svc.assign_owner, desk.world.clerk, ref.number, None, ref.version)
    ref = desk.run(svc.resolve, desk.world.clerk, ref.number, "solved", "已办成。", ref.version)
    return str(ref.number)


def reminders(desk: Desk, who: int) -> int:
    return [m["title"] for m in desk.inbox(who)].count("问题解决了吗？请告诉我们")


def test_an_unanswered_resolution_is_reminded_once_then_recorded_as_no_answer(
    desk: Desk,
) -> None:
    citizen = desk.world.citizen
    number = resolved_for(desk, citizen)
    sms_before = desk.sms_count()
    # Three working days after Monday the 16th is Thursday the 19th: nothing until it is past.
    assert follow_up(desk, "2026-11-19") == follow_up_svc.FollowUpRun(0, 0)
    assert follow_up(desk, "2026-11-20") == follow_up_svc.FollowUpRun(1, 0)
    assert follow_up(desk, "2026-11-20") == follow_up_svc.FollowUpRun(0, 0)  # run twice
    assert follow_up(desk, "2026-11-23") == follow_up_svc.FollowUpRun(0, 0)
    assert reminders(desk, citizen) == 1 and desk.sms_count() == sms_before + 1
    # Five working days after Friday the 20th is Friday the 27th: "no answer" the day after.
    assert follow_up(desk, "2026-11-27") == follow_up_svc.FollowUpRun(0, 0)
    assert follow_up(desk, "2026-11-28") == follow_up_svc.FollowUpRun(0, 1)
    assert follow_up(desk, "2026-11-30") == follow_up_svc.FollowUpRun(0, 0)
    assert reminders(desk, citizen) == 1
    with desk.container.read() as uow:
        row = uow.conn.execute(select(hard_cases).where(hard_cases.c.number == number)).one()
        actions = (
            uow.conn.execute(
                select(audit_log.c.action).where(audit_log.c.action.like("hard_case.feedback_%"))
            )
            .scalars()
            .all()
        )
    assert row.feedback_reminded_at is not None and row.feedback_lapsed_at is not None
    assert row.feedback_solved is None and row.status == "resolved"
    assert actions == ["hard_case.feedback_reminded", "hard_case.feedback_lapsed"]
    seen = view(desk, desk.manager, number, date(2026, 11, 30)).summary
    assert seen.feedback_reminded and seen.feedback_no_answer
    with desk.container.read() as uow:
        figures = stats.hard_case_stats(
            uow.conn, desk.actor(desk.manager).principal, date(2026, 11, 30)
        )
    assert figures.feedback == {"solved": 0, "unsolved": 0, "awaiting": 0, "no_answer": 1}

    # A late answer still counts, and then replaces the "no answer".
    desk.run(svc.answer_follow_up, citizen, number, True, "", days=5, day="2026-12-01")
    with desk.container.read() as uow:
        figures = stats.hard_case_stats(
            uow.conn, desk.actor(desk.manager).principal, date(2026, 12, 1)
        )
    assert figures.feedback == {"solved": 1, "unsolved": 0, "awaiting": 0, "no_answer": 0}


def test_an_answer_before_the_reminder_means_no_reminder_and_a_new_resolution_asks_anew(
    desk: Desk,
) -> None:
    citizen, clerk = desk.world.citizen, desk.world.clerk
    answered = resolved_for(desk, desk.world.other_citizen)
    desk.run(svc.answer_follow_up, desk.world.other_citizen, answered, True, "", days=5)
    number = resolved_for(desk, citizen)
    assert follow_up(desk, "2026-11-20") == follow_up_svc.FollowUpRun(1, 0)
    assert reminders(desk, desk.world.other_citizen) == 0

    ref = desk.run(svc.answer_follow_up, citizen, number, False, "", days=5, day="2026-11-23")
    ref = desk.run(
        svc.resolve, clerk, number, "referred", "已转办。", ref.version, day="2026-11-24"
    )
    assert follow_up(desk, "2026-11-27") == follow_up_svc.FollowUpRun(0, 0)  # 3 days from the 24th
    assert follow_up(desk, "2026-11-30") == follow_up_svc.FollowUpRun(1, 0)
    assert reminders(desk, citizen) == 2  # once per resolution


def test_two_sweeps_at_once_remind_exactly_once(desk: Desk) -> None:
    citizens = [desk.world.citizen, desk.world.other_citizen]
    for who in citizens:
        resolved_for(desk, who)
    barrier = threading.Barrier(2)

    def sweep(_: int) -> int:
        barrier.wait(timeout=10)
        return follow_up(desk, "2026-11-20").reminded

    with ThreadPoolExecutor(max_workers=2) as pool:
        reminded = list(pool.map(sweep, range(2)))
    assert sum(reminded) == 2  # two escalations, each reminded by one of the sweeps
    assert [reminders(desk, who) for who in citizens] == [1, 1]
    with desk.container.read() as uow:
        queued = uow.conn.execute(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.dedup_key.like("%feedback-reminder%"))
        ).scalar()
    assert queued == 4  # an inbox message and an SMS each


def test_the_worker_follows_up_unanswered_resolutions(desk: Desk) -> None:
    resolved_for(desk, desk.world.citizen)
    desk.container.clock = FixedClock(desk.actor(None, "2026-11-20").at)
    report = Worker(desk.container, worker_id="w1").run_once()
    assert "hard_case_follow_up" in report.sweeps
    assert reminders(desk, desk.world.citizen) == 1
