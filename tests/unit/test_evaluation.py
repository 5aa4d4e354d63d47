"""The rules of 好差评 in plain Python: the five levels and what is poor, checking what a rater
gives, the edit window, the rectification's steps, and the signed SMS link."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tongban.domain.errors import ValidationFailed
from tongban.domain.evaluation import links
from tongban.domain.evaluation.errors import (
    EditWindowClosed,
    RatingAlreadyEdited,
    RatingLinkInvalid,
    RectificationStepRefused,
    ReRatingNotOpen,
    UnknownLevel,
)
from tongban.domain.evaluation.model import (
    COMMENT_LIMIT,
    Dimension,
    Level,
    Marks,
    Rating,
    Subject,
    check_marks,
)
from tongban.domain.evaluation.rectification import Rectification, RectificationStatus

AT = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
KEY = "a secret key of the platform"


@pytest.mark.parametrize(
    ("level", "label", "score", "poor"),
    [
        ("very_satisfied", "非常满意", 5, False),
        ("satisfied", "满意", 4, False),
        ("fairly_satisfied", "基本满意", 3, False),
        ("dissatisfied", "不满意", 2, True),
        ("very_dissatisfied", "非常不满意", 1, True),
    ],
)
def test_the_five_levels_of_gb_t_39734_and_the_two_poor_ones(
    level: str, label: str, score: int, poor: bool
) -> None:
    chosen = Level(level)
    assert (chosen.label, chosen.score, chosen.is_poor) == (label, score, poor)


def test_marks_keep_the_dimensions_rated_and_a_trimmed_comment() -> None:
    marks = check_marks("satisfied", {"efficiency": "very_satisfied", "usability": ""}, "  好  ")
    assert marks == Marks(Level.SATISFIED, {Dimension.EFFICIENCY: Level.VERY_SATISFIED}, "好")


@pytest.mark.parametrize(
    ("level", "dimensions", "comment", "error", "field"),
    [
        ("excellent", {}, "", UnknownLevel, "level"),
        ("", {}, "", UnknownLevel, "level"),
        ("satisfied", {"efficiency": "great"}, "", UnknownLevel, "dimensions.efficiency"),
        ("satisfied", {"speed": "satisfied"}, "", ValidationFailed, "dimensions.speed"),
        ("satisfied", {}, "字" * (COMMENT_LIMIT + 1), ValidationFailed, "comment"),
    ],
)
def test_an_unknown_level_or_dimension_or_a_long_comment_is_refused(
    level: str, dimensions: dict[str, object], comment: str, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as refused:
        check_marks(level, dimensions, comment)
    assert field in refused.value.fields  # type: ignore[attr-defined]


def test_a_rating_changes_once_and_only_within_the_window() -> None:
    rating = Rating(1, Subject.CASE, 7, Marks(Level.FAIRLY_SATISFIED), AT)
    better = rating.edit(Marks(Level.SATISFIED), AT + WEEK, WEEK)  # the last moment counts
    assert (better.marks.level, better.edits) == (Level.SATISFIED, 1)
    assert not better.editable(AT, WEEK)
    with pytest.raises(RatingAlreadyEdited):
        better.edit(Marks(Level.VERY_SATISFIED), AT, WEEK)
    with pytest.raises(EditWindowClosed):
        rating.edit(Marks(Level.SATISFIED), AT + WEEK + timedelta(seconds=1), WEEK)


def test_a_rectification_is_answered_once_and_rated_again_once_after_the_answer() -> None:
    task = Rectification("ZG000001", RectificationStatus.OPEN, None, date(2026, 12, 7), 1)
    assert task.is_overdue(date(2026, 12, 8)) and not task.is_overdue(date(2026, 12, 7))
    with pytest.raises(ReRatingNotOpen):
        task.re_rate(Level.SATISFIED)
    with pytest.raises(ValidationFailed):
        task.respond("  ")
    answered = task.record_callback().respond("已统一材料清单")
    assert answered.called_back and not answered.is_overdue(date(2027, 1, 1))
    with pytest.raises(RectificationStepRefused):
        answered.respond("再答复一次")
    closed = answered.re_rate(Level.SATISFIED)
    assert closed.status is RectificationStatus.CLOSED
    with pytest.raises(ReRatingNotOpen):
        closed.re_rate(Level.VERY_SATISFIED)
    with pytest.raises(RectificationStepRefused):
        closed.record_callback()


def test_a_link_verifies_as_signed_and_any_change_to_it_is_refused() -> None:
    expires = AT + timedelta(days=15)
    token = links.sign(KEY, "abc123", expires)
    assert links.verify(KEY, token) == links.LinkClaims("abc123", expires)
    prefix, jti, expiry, signature = token.split(".")
    for bad in (
        f"{prefix}.abd123.{expiry}.{signature}",
        f"{prefix}.{jti}.{int(expiry) + 1}.{signature}",
        f"TB1.{jti}.{expiry}.{signature}",
        links.sign("another key", jti, expires),
        token + "x",
        "",
        "甲.乙.丙.丁",
    ):
        with pytest.raises(RatingLinkInvalid):
            links.verify(KEY, bad)


def test_a_pad_token_fits_one_ticket_only() -> None:
    links.check_pad_token(KEY, 41, links.pad_token(KEY, 41))
    for ticket, token in (
        (42, links.pad_token(KEY, 41)),
        (41, "评价"),
        (41, links.sign(KEY, "41", AT)),
    ):
        with pytest.raises(RatingLinkInvalid):
            links.check_pad_token(KEY, ticket, token)
