"""Consultation (咨询): a citizen or a company asks a question about a service item — online, at
a kiosk or through a clerk — and the item's department answers within a deadline in working
days; a good answer may be published on the item's guide as a frequently asked question.

Pure Python: channels and statuses, the checks of the texts, and the question's steps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from tongban.domain.errors import ValidationFailed
from tongban.domain.service_desk.errors import QuestionAlreadyAnswered, QuestionNotAnswered
from tongban.domain.shared.masking import mask_text

QUESTION_LIMIT = 1000
ANSWER_LIMIT = 2000


class AskedVia(StrEnum):
    """Where the question was asked."""

    ONLINE = "online"
    SELF_SERVICE = "self_service"
    """A self-service kiosk (自助终端), the asker signed in there."""
    WINDOW = "window"
    """A clerk took the question down for the asker."""

    @property
    def label(self) -> str:
        return ASKED_VIA_LABELS[self]


ASKED_VIA_LABELS = {
    AskedVia.ONLINE: "网上咨询",
    AskedVia.SELF_SERVICE: "自助终端咨询",
    AskedVia.WINDOW: "窗口代为咨询",
}


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"

    @property
    def label(self) -> str:
        return QUESTION_STATUS_LABELS[self]


QUESTION_STATUS_LABELS = {QuestionStatus.OPEN: "待答复", QuestionStatus.ANSWERED: "已答复"}


def question_number(question_id: int) -> str:
    """The readable number: ZX (咨询) + six digits of the id."""
    return f"ZX{question_id:06d}"


def _text(value: str | None, field: str, limit: int, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(fields={field: missing})
    if len(text) > limit:
        raise ValidationFailed(fields={field: f"不能超过 {limit} 个字"})
    return text


def check_question(text: str | None) -> str:
    return _text(text, "question", QUESTION_LIMIT, "请填写要咨询的问题")


def check_answer(text: str | None) -> str:
    return _text(text, "answer", ANSWER_LIMIT, "请填写答复内容")


@dataclass(frozen=True)
class Faq:
    """A question and its answer as the public guide shows them."""

    question: str
    answer: str


def check_faq(question: str | None, answer: str | None) -> Faq:
    """The public texts of a frequently asked question.  ID and mobile numbers are masked
    whatever the editor left in: the guide is public and the asker's data must not reach it."""
    errors: dict[str, str] = {}
    texts: dict[str, str] = {}
    for field, value, limit, missing in (
        ("question", question, QUESTION_LIMIT, "请填写公开的问题"),
        ("answer", answer, ANSWER_LIMIT, "请填写公开的答复"),
    ):
        try:
            texts[field] = mask_text(_text(value, field, limit, missing))
        except ValidationFailed as error:
            errors.update(error.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    return Faq(texts["question"], texts["answer"])


@dataclass(frozen=True)
class Question:
    """A question as its rules see it."""

    number: str
    status: QuestionStatus
    version: int
    answer: str = ""

    def answered_with(self, text: str | None) -> Question:
        """答复: once; a second answer would silently replace what the asker was told."""
        if self.status is QuestionStatus.ANSWERED:
            raise QuestionAlreadyAnswered()
        return replace(self, status=QuestionStatus.ANSWERED, answer=check_answer(text))

    def require_answered(self) -> None:
        """Only an answered question may become a frequently asked one."""
        if self.status is not QuestionStatus.ANSWERED:
            raise QuestionNotAnswered()
