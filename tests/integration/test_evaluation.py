"""好差评 through the services on both databases: one rating per finished case by its
applicant, the edit window, the poor rating → rectification → call-back → response →
re-rating flow with its deadline on the official calendar, the call-back rate, overdue alerts,
the SMS link (valid, expired, tampered, reused), the window pad, statistics by scope, and two
staff acting on one task at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.factories import make_staff
from tests.integration.evaluation_fixtures import (
    DAY,
    EDIT_DAYS,
    RECTIFICATION_DAYS,
    Ratings,
    build_ratings,
    lay_out_town_centre,
)
from tongban.adapters.db.tables import audit_log, cases
from tongban.adapters.db.tables_evaluation import (
    rating_links,
    ratings,
    rectifications,
)
from tongban.domain.errors import PermissionDenied, StaleVersion
from tongban.domain.evaluation import links as tokens
from tongban.domain.evaluation.errors import (
    CaseNotFinished,
    EditWindowClosed,
    NotTheApplicant,
    RatingAlreadyEdited,
    RatingExists,
    RatingLinkExpired,
    RatingLinkInvalid,
    RatingLinkUsed,
    RectificationNotFound,
    ReRatingNotOpen,
    TicketNotRateable,
    UnknownLevel,
)
from tongban.domain.evaluation.rectification import RectificationStatus
from tongban.domain.people.model import Role
from tongban.services.evaluation import links, pad, queries, stats
from tongban.services.evaluation import ratings as svc
from tongban.services.evaluation import rectifications as tasks
from tongban.services.visits import queue

GOOD = {"efficiency": "very_satisfied", "guide_accuracy": "satisfied"}


@pytest.fixture
def r(container: object) -> Ratings:
    return build_ratings(container)  # type: ignore[arg-type]


def count(r: Ratings, table: object) -> int:
    with r.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def rate(r: Ratings, number: str, level: str = "very_satisfied", **kw: object) -> svc.RatingRef:
    who = kw.pop("who", r.world.citizen)
    day = kw.pop("day", DAY)
    comment = kw.pop("comment", "")
    ref: svc.RatingRef = r.run(
        svc.rate_case,
        who,
        number,
        level,
        GOOD,
        comment,
        rectification_days=RECTIFICATION_DAYS,
        day=day,
    )
    return ref


def edit(r: Ratings, number: str, level: str, day: str = DAY) -> svc.RatingRef:
    ref: svc.RatingRef = r.run(
        svc.edit_case_rating,
        r.world.citizen,
        number,
        level,
        {},
        "",
        edit_days=EDIT_DAYS,
        rectification_days=RECTIFICATION_DAYS,
        day=day,
    )
    return ref


# --- the rating rules --------------------------------------------------------------------------


def test_the_applicant_rates_a_finished_case_once_and_the_comment_is_masked_when_shown(
    r: Ratings,
) -> None:
    number = r.finished_case()
    ref = rate(r, number, "satisfied", comment="办事快，我的电话13800138000")
    assert ref.rectification is None and ref.level == "satisfied"
    with r.container.read() as uow:
        row = uow.conn.execute(select(ratings)).one()
        principal = r.actor(r.world.citizen).principal
        view = queries.case_rating(uow.conn, principal, number, r.actor(None).at, EDIT_DAYS)
    assert (row.subject, row.channel, row.score, row.rater_id) == (
        "case",
        "online",
        4,
        r.world.citizen,
    )
    assert row.dimensions == GOOD
    assert view.level is not None and view.level.value == "satisfied" and view.editable
    with pytest.raises(RatingExists) as refused:
        rate(r, number, "very_satisfied")
    assert refused.value.code == "rating_exists" and refused.value.status == 409
    assert count(r, ratings) == 1


def test_nobody_rates_another_persons_case_an_unfinished_case_or_with_an_unknown_level(
    r: Ratings,
) -> None:
    finished = r.finished_case()
    unfinished = r.open_case()
    with pytest.raises(NotTheApplicant) as other:
        rate(r, finished, who=r.world.other_citizen)
    assert other.value.status == 403
    with pytest.raises(CaseNotFinished) as early:
        rate(r, unfinished)
    assert early.value.code == "case_not_finished" and early.value.status == 409
    with pytest.raises(UnknownLevel) as unknown:
        rate(r, finished, "rather_good")
    assert unknown.value.status == 422 and "level" in unknown.value.fields
    assert count(r, ratings) == 0 and count(r, rectifications) == 0


def test_a_rating_is_changed_once_within_the_window_and_never_after_it(r: Ratings) -> None:
    first, second = r.finished_case(), r.finished_case()
    rate(r, first, "fairly_satisfied")
    rate(r, second, "satisfied")
    edit(r, first, "very_satisfied", day="2026-11-23")  # day 7: still within
    with pytest.raises(RatingAlreadyEdited):
        edit(r, first, "satisfied", day="2026-11-23")
    with pytest.raises(EditWindowClosed) as late:
        edit(r, second, "very_satisfied", day="2026-11-24")
    assert late.value.code == "rating_edit_closed"
    with r.container.read() as uow:
        levels = dict(uow.conn.execute(select(ratings.c.case_id, ratings.c.level)).all())
    assert sorted(levels.values()) == ["satisfied", "very_satisfied"]


# --- the poor rating and its rectification ------------------------------------------------------


def test_a_poor_rating_is_rectified_called_back_answered_and_rated_again_once(r: Ratings) -> None:
    number = r.finished_case()
    ref = rate(r, number, "very_dissatisfied", comment="材料要求反复变化，身份证11010519491231002X")
    assert ref.rectification is not None
    with r.container.read() as uow:
        task = uow.conn.execute(select(rectifications)).one()
    # 15 working days on the official calendar from Monday 16 November.
    assert task.due_on == date(2026, 12, 7) and task.status == "open"
    heads = [m for m in r.messages("inbox") if m["user_id"] == r.chief]
    assert any(ref.rectification in m["body"] for m in heads)

    with pytest.raises(ReRatingNotOpen):  # not before the response
        r.run(tasks.re_rate, r.world.citizen, ref.rectification, "satisfied")

    after = r.run(
        tasks.assign_owner, r.chief, ref.rectification, r.world.reviewer, task.lock_version
    )
    after = r.run(
        tasks.record_callback,
        r.world.reviewer,
        ref.rectification,
        date(2026, 11, 17),
        "reached",
        "已电话联系，解释材料要求",
        after.version,
        day="2026-11-17",
    )
    after = r.run(
        tasks.respond,
        r.world.reviewer,
        ref.rectification,
        "已统一材料清单并在办事指南中公布",
        after.version,
        day="2026-11-18",
    )
    assert after.status is RectificationStatus.RESPONDED
    closed = r.run(tasks.re_rate, r.world.citizen, ref.rectification, "satisfied", day="2026-11-19")
    assert closed.status is RectificationStatus.CLOSED
    with pytest.raises(ReRatingNotOpen):  # once only
        r.run(tasks.re_rate, r.world.citizen, ref.rectification, "very_satisfied")

    with r.container.read() as uow:
        chief = r.actor(r.chief).principal
        view = queries.task_view(uow.conn, chief, ref.rectification, date(2026, 11, 19))
        figures = stats.callback_rate(uow.conn, chief, date(2026, 11, 1), date(2026, 11, 30))
        actions = list(
            uow.conn.execute(
                select(audit_log.c.action).where(audit_log.c.object_type == "rectification")
            ).scalars()
        )
    assert [c.outcome.value for c in view.callbacks] == ["reached"]
    assert view.summary.re_level is not None and view.summary.re_level.value == "satisfied"
    assert "11010519491231002X" not in view.summary.comment  # masked where shown
    assert (figures.poor_real_name, figures.called_back, figures.rate) == (1, 1, 1.0)
    assert actions == [
        "rectification.opened",
        "rectification.assigned",
        "rectification.called_back",
        "rectification.responded",
        "rectification.re_rated",
    ]


def test_the_call_back_rate_counts_real_name_poor_ratings_not_yet_called(r: Ratings) -> None:
    called, waiting = r.finished_case(), r.finished_case()
    rate(r, r.finished_case(), "very_satisfied")
    first = rate(r, called, "dissatisfied").rectification
    rate(r, waiting, "very_dissatisfied")
    r.run(tasks.record_callback, r.chief, first, date(2026, 11, 16), "unreachable", "", 1)
    with r.container.read() as uow:
        figures = stats.callback_rate(uow.conn, r.actor(r.leader).principal, None, None)
    assert (figures.poor_real_name, figures.called_back, figures.rate) == (2, 1, 0.5)


def test_only_staff_of_the_items_department_see_and_act_on_its_tasks(r: Ratings) -> None:
    number = rate(r, r.finished_case(), "dissatisfied").rectification
    assert number is not None
    with pytest.raises(RectificationNotFound):
        r.run(tasks.respond, r.other_chief, number, "答复", 1)
    with pytest.raises(PermissionDenied):  # a reviewer does not assign: the head does
        r.run(tasks.assign_owner, r.world.reviewer, number, r.world.reviewer, 1)
    with r.container.read() as uow:
        mine = queries.task_list(uow.conn, r.actor(r.chief).principal, date(2026, 11, 16))
        theirs = queries.task_list(uow.conn, r.actor(r.other_chief).principal, date(2026, 11, 16))
    assert [t.number for t in mine] == [number] and theirs == []


def test_an_overdue_task_alerts_the_department_head_once(r: Ratings) -> None:
    number = rate(r, r.finished_case(), "dissatisfied").rectification
    assert r.run(tasks.alert_overdue, None, date(2026, 12, 7)) == 0  # due that day: not yet
    assert r.run(tasks.alert_overdue, None, date(2026, 12, 8)) == 1
    assert r.run(tasks.alert_overdue, None, date(2026, 12, 8)) == 1  # a second run ...
    alerts = [m for m in r.messages("inbox") if "超过整改期限" in m["body"]]
    assert [(m["user_id"], number in m["body"]) for m in alerts] == [(r.chief, True)]  # ... once


def test_two_staff_acting_on_one_task_at_once_exactly_one_wins(r: Ratings) -> None:
    number = rate(r, r.finished_case(), "dissatisfied").rectification
    barrier = threading.Barrier(2)

    def answer(text: str) -> str:
        barrier.wait()
        try:
            r.run(tasks.respond, r.chief, number, text, 1)
            return "won"
        except StaleVersion:
            return "stale"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(answer, ["答复甲", "答复乙"]))
    assert outcomes == ["stale", "won"]
    with r.container.read() as uow:
        row = uow.conn.execute(select(rectifications)).one()
    assert row.lock_version == 2 and row.response in ("答复甲", "答复乙")


# --- the SMS link ------------------------------------------------------------------------------


def _invite(r: Ratings, day: str = DAY) -> str:
    """Run the invitation sweep; the token of the link it sent by SMS."""
    assert r.run(links.invite_finished, None, r.container.secret_key, link_days=15, day=day) == 1
    [sms] = [m for m in r.messages("sms") if "/rate/" in m["text"]]
    return str(sms["text"].split("/rate/")[1])


def test_a_finished_case_gets_one_signed_link_that_rates_it_once_without_log_in(r: Ratings) -> None:
    number = r.finished_case()
    r.open_case()  # not finished: not invited
    with r.container.uow() as uow:  # finished lately, as the sweep looks back three days
        uow.conn.execute(
            update(cases).where(cases.c.number == number).values(updated_at=r.actor(None).at)
        )
        uow.commit()
    token = _invite(r)
    assert r.run(links.invite_finished, None, r.container.secret_key, link_days=15) == 0
    with r.container.read() as uow:
        shown = links.open_link(uow.conn, r.container.secret_key, token, r.actor(None).at)
    assert shown.number == number and not shown.rated
    ref = r.run(
        links.rate_by_link,
        None,
        r.container.secret_key,
        token,
        "very_satisfied",
        {},
        "",
        rectification_days=RECTIFICATION_DAYS,
    )
    with r.container.read() as uow:
        row = uow.conn.execute(select(ratings)).one()
    assert (row.id, row.channel, row.rater_id) == (ref.id, "sms", r.world.citizen)
    with pytest.raises(RatingLinkUsed):  # reused
        r.run(
            links.rate_by_link,
            None,
            r.container.secret_key,
            token,
            "satisfied",
            {},
            "",
            rectification_days=RECTIFICATION_DAYS,
        )


def test_a_tampered_foreign_or_expired_link_rates_nothing(r: Ratings) -> None:
    number = r.finished_case()
    with r.container.uow() as uow:
        uow.conn.execute(
            update(cases).where(cases.c.number == number).values(updated_at=r.actor(None).at)
        )
        uow.commit()
    token = _invite(r)
    body, signature = token.rsplit(".", 1)
    prefix, jti, expiry = body.split(".")
    forged = [
        f"{prefix}.{jti}.{int(expiry) + 86400}.{signature}",  # expiry pushed back
        tokens.sign("another key", jti, r.actor(None).at + timedelta(days=30)),
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    ]
    for bad in forged:
        with pytest.raises(RatingLinkInvalid):
            r.run(
                links.rate_by_link,
                None,
                r.container.secret_key,
                bad,
                "satisfied",
                {},
                "",
                rectification_days=RECTIFICATION_DAYS,
            )
    with pytest.raises(RatingLinkExpired):
        r.run(
            links.rate_by_link,
            None,
            r.container.secret_key,
            token,
            "satisfied",
            {},
            "",
            rectification_days=RECTIFICATION_DAYS,
            day="2026-12-02",
        )
    assert count(r, ratings) == 0
    with r.container.read() as uow:
        assert uow.conn.execute(select(rating_links.c.used_at)).scalar() is None


# --- the window pad ----------------------------------------------------------------------------


def test_the_pad_rates_the_ticket_just_served_once_and_the_linked_finished_case(
    r: Ratings,
) -> None:
    lay_out_town_centre(r.container)
    number = r.finished_case()
    clerk = r.world.clerk
    key = r.container.secret_key
    with r.container.uow() as uow:
        queue.open_window(uow, r.actor(clerk, hour=9), "C-GC", 2)
    with r.container.uow() as uow:
        ticket = queue.take_ticket(
            uow, r.actor(clerk, hour=9), "C-GC", group_code="A", user_id=r.world.citizen
        )
    for fn in (queue.call_next,):
        with r.container.uow() as uow:
            fn(uow, r.actor(clerk, hour=10))
    r.run(queue.start_service, clerk, ticket.id)
    with r.container.read() as uow:
        assert pad.pad_ticket(uow.conn, r.actor(clerk), key) is None  # still being served
    r.run(queue.finish_service, clerk, ticket.id, number)
    with r.container.read() as uow:
        offered = pad.pad_ticket(uow.conn, r.actor(clerk), key)
    assert offered is not None and offered.ticket_id == ticket.id
    with pytest.raises(RatingLinkInvalid):  # a token of another ticket
        r.run(
            pad.rate_ticket,
            clerk,
            key,
            ticket.id,
            tokens.pad_token(key, ticket.id + 1),
            "satisfied",
            rectification_days=15,
        )
    neighbour = make_staff(r.container, Role.CLERK).user_id
    with r.container.uow() as uow:
        queue.open_window(uow, r.actor(neighbour, hour=9), "C-GC", 3)
    with pytest.raises(TicketNotRateable):  # the pad of another window
        r.run(
            pad.rate_ticket,
            neighbour,
            key,
            ticket.id,
            offered.token,
            "satisfied",
            rectification_days=15,
        )
    r.run(
        pad.rate_ticket,
        clerk,
        key,
        ticket.id,
        offered.token,
        "very_satisfied",
        rectification_days=15,
    )
    with pytest.raises(RatingExists):  # one rating per ticket
        r.run(
            pad.rate_ticket,
            clerk,
            key,
            ticket.id,
            offered.token,
            "dissatisfied",
            rectification_days=15,
        )
    with r.container.read() as uow:
        rows = uow.conn.execute(
            select(
                ratings.c.subject, ratings.c.channel, ratings.c.rater_id, ratings.c.staff_id
            ).order_by(ratings.c.id)
        ).all()
        assert pad.pad_ticket(uow.conn, r.actor(clerk), key) is None
    # The visitor's rating, never the clerk's; the clerk is whom it counts for.
    assert [tuple(x) for x in rows] == [
        ("ticket", "pad", r.world.citizen, clerk),
        ("case", "pad", r.world.citizen, r.world.reviewer),
    ]


# --- statistics --------------------------------------------------------------------------------


def test_a_department_head_sees_only_their_departments_ratings(r: Ratings) -> None:
    rate(r, r.finished_case(), "very_satisfied")
    rate(r, r.finished_case(), "satisfied")
    rate(r, r.finished_case(), "dissatisfied")
    with r.container.read() as uow:
        mine = stats.rating_stats(uow.conn, r.actor(r.chief).principal)
        theirs = stats.rating_stats(uow.conn, r.actor(r.other_chief).principal)
        district = stats.rating_stats(
            uow.conn, r.actor(r.leader).principal, date(2026, 11, 16), date(2026, 11, 16)
        )
        before = stats.rating_stats(uow.conn, r.actor(r.leader).principal, None, date(2026, 11, 15))
        with pytest.raises(PermissionDenied):
            stats.rating_stats(uow.conn, r.actor(r.world.citizen).principal)
    assert mine.all.total == 3 and mine.all.poor == 1 and mine.all.average == round(11 / 3, 2)
    assert [(t.key, t.total) for t in mine.by_department] == [("SCJGJ", 3)]
    assert [(t.key, t.total) for t in mine.by_item] == [("SCJGJ-0001", 3)]
    assert [(int(t.key), t.total) for t in mine.by_staff] == [(r.world.reviewer, 3)]
    assert theirs.all.total == 0 and theirs.by_department == []
    assert district.all.total == 3 and before.all.total == 0
    assert mine.all.satisfaction == round(2 / 3, 4)
