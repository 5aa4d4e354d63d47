"""Rule sets (规则集) as data: per item, versioned, with effective dates and legal references.

Each ``Rule`` has an id (``R1``), a plain-language statement in Chinese, a CEL expression over
``form``, ``data`` (verified licence data), ``pred`` (yes/no predicates, 最小必要) and
``today``, and its legal basis.  A *condition* that does not hold sends the case to manual
review as failed; a *data-required* rule that does not hold means the data to decide is
missing.  Nothing here rejects: a rejection always needs a person (否决权上移).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tongban.domain.errors import ValidationFailed
from tongban.domain.rules.expressions import Vocabulary, compile_checked, references


class RuleSetStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class RuleKind(StrEnum):
    CONDITION = "condition"
    """审批条件: false means the application does not meet it."""
    DATA_REQUIRED = "data_required"
    """必需数据: false means the data needed to decide is missing."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


Text = Annotated[str, Field(min_length=1, max_length=500)]


class Rule(_Model):
    """One rule: what it says in plain Chinese, the CEL expression, and where the law says it."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,19}$")]
    statement: Text
    expression: Annotated[str, Field(min_length=1, max_length=2000)]
    legal_basis: Annotated[str, Field(max_length=500)] = ""
    kind: RuleKind = RuleKind.CONDITION


class ResultHolder(StrEnum):
    APPLICANT = "applicant"
    """The licence is the applicant's own (their ID number or credit code)."""
    NEW_INDIVIDUAL_BUSINESS = "new_individual_business"
    """A new 个体工商户 is registered: it gets its own unified social credit code."""


class ResultSpec(_Model):
    """What an automated approval issues: the e-licence type and each field as an expression;
    ``serial_field`` gets the licence's number (prefix + the case number's digits)."""

    licence_type: Annotated[str, Field(min_length=1, max_length=40)]
    fields: dict[str, str] = Field(default_factory=dict)
    valid_years: int | None = Field(default=None, ge=1, le=50)
    holder: ResultHolder = ResultHolder.APPLICANT
    holder_name: str | None = None
    """An expression for the holder's name; the applicant's name when absent."""
    serial_field: str | None = None
    serial_prefix: Annotated[str, Field(max_length=10)] = ""


class RuleSetSpec(_Model):
    """What an author edits: the rules, legal references, effective dates and the result."""

    title: Annotated[str, Field(max_length=200)] = ""
    effective_from: date
    effective_to: date | None = None
    legal_references: tuple[Text, ...] = ()
    rules: tuple[Rule, ...] = Field(min_length=1, max_length=50)
    result: ResultSpec | None = None

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        ids = [r.id for r in rules]
        if len(ids) != len(set(ids)):
            raise ValueError("规则编号不得重复")
        return rules

    @model_validator(mode="after")
    def _dates(self) -> RuleSetSpec:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("失效日期应晚于生效日期")
        return self

    def references(self) -> tuple[tuple[str, ...], ...]:
        """Every variable the rules and the result read (what the service must fetch)."""
        found: dict[tuple[str, ...], None] = {}
        texts = [r.expression for r in self.rules]
        if self.result is not None:
            texts += list(self.result.fields.values())
            texts += [self.result.holder_name] if self.result.holder_name else []
        for text in texts:
            for ref in references(text):
                found[ref] = None
        return tuple(found)

    def data_needed(self) -> dict[str, list[str]]:
        """Licence types and fields the rules read (``data.<type>.<field>``)."""
        needed: dict[str, list[str]] = {}
        for ref in self.references():
            if ref[0] == "data" and len(ref) == 3:
                needed.setdefault(ref[1], [])
                if ref[2] not in needed[ref[1]]:
                    needed[ref[1]].append(ref[2])
        return needed

    def predicates_needed(self) -> list[str]:
        return [ref[1] for ref in self.references() if ref[0] == "pred" and len(ref) == 2]

    def errors(self, vocabulary: Vocabulary) -> list[ValidationFailed]:
        """Every expression that fails to compile, as its error (the rule id in ``fields``)."""
        found: list[ValidationFailed] = []
        named = [(r.id, r.expression) for r in self.rules]
        if self.result is not None:
            named += [(f"result.{k}", v) for k, v in self.result.fields.items()]
            if self.result.holder_name:
                named.append(("result.holder_name", self.result.holder_name))
        for rule_id, text in named:
            try:
                compile_checked(rule_id, text, vocabulary)
            except ValidationFailed as error:
                found.append(error)
        return found

    def check(self, vocabulary: Vocabulary) -> None:
        """Refuses the rule set (422) when any expression fails to compile: the first error's
        code (``rule_syntax_error`` or ``rule_unknown_variable``), every rule in ``fields``."""
        found = self.errors(vocabulary)
        if found:
            first = found[0]
            for other in found[1:]:
                first.fields.update(other.fields)
            raise first


class RuleSet(_Model):
    """One stored version of an item's rule set."""

    item_code: str
    version: int = Field(ge=1)
    status: RuleSetStatus
    spec: RuleSetSpec

    def in_force_on(self, day: date) -> bool:
        if self.status is not RuleSetStatus.PUBLISHED or day < self.spec.effective_from:
            return False
        return self.spec.effective_to is None or day < self.spec.effective_to


def in_force(rule_sets: Sequence[RuleSet], day: date) -> RuleSet | None:
    """The published version in force on ``day``: the latest whose dates cover it."""
    candidates = [r for r in rule_sets if r.in_force_on(day)]
    return max(candidates, key=lambda r: (r.spec.effective_from, r.version), default=None)
