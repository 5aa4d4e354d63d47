"""A small interface of ours over CEL (common-expression-language): compile, check, evaluate.

The library parses and evaluates but does not know our variables, so ``references`` scans an
expression conservatively for identifier chains outside string literals (``form.x``,
``data.hukou.address``, ``pred.age_at_least_80``, ``today``) and ``check`` refuses any chain
the rule set did not declare.  Comprehension variables (``list.all(x, ...)``) are local.

Note for rule authors: this CEL implementation's ``size()`` counts a string's UTF-8 bytes, not
its characters; count Chinese text with a regular expression (``x.matches('^.{2,20}$')``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import cel

from tongban.domain.rules.errors import RuleSyntaxError, RuleUnknownVariable

ROOTS = ("form", "data", "pred", "today")
KEYWORDS = frozenset({"true", "false", "null", "in"})
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
MAX_EXPRESSION = 2000

_STRING = re.compile(
    r"""(?:[rRbB]{0,2})("{3}[\s\S]*?"{3}|'{3}[\s\S]*?'{3}|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')"""
)
_TOKEN = re.compile(
    r"\s*(?:(?P<num>0[xX][0-9a-fA-F]+u?|\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?"
    r"|\d+(?:[eE][+-]?\d+)?u?)|(?P<id>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\S))"
)


@dataclass(frozen=True)
class Vocabulary:
    """The variables a rule set may use: the item's form fields, licence data fields by
    licence type (an empty set: any field of that type), and the predicate names."""

    form: frozenset[str] = frozenset()
    data: Mapping[str, frozenset[str]] = field(default_factory=dict)
    predicates: frozenset[str] = frozenset()

    def unknown(self, ref: tuple[str, ...]) -> bool:
        root = ref[0]
        if root == "today":
            return len(ref) != 1
        if root == "form":
            return len(ref) != 2 or ref[1] not in self.form
        if root == "pred":
            return len(ref) != 2 or ref[1] not in self.predicates
        if root == "data":
            if len(ref) != 3 or ref[1] not in self.data:
                return True
            fields = self.data[ref[1]]
            return bool(fields) and ref[2] not in fields
        return True


def _tokens(expression: str) -> list[tuple[str, str]]:
    text = _STRING.sub('""', expression)
    out: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is None:
            continue
        out.append((kind, match.group(kind)))
    return out


@lru_cache(maxsize=4096)
def references(expression: str) -> tuple[tuple[str, ...], ...]:
    """Every variable chain the expression reads, in order, without repeats.

    A chain is cut before a method call (``form.name.startsWith(...)`` reads ``form.name``) and
    before an index (``data["x"]`` reads ``data``, which ``Vocabulary`` then refuses as
    incomplete); global functions and comprehension variables are not variables.
    """
    tokens = _tokens(expression)
    local: set[str] = set()
    for i, (kind, value) in enumerate(tokens):
        if (
            kind == "id"
            and value in MACROS
            and i > 0
            and tokens[i - 1][1] == "."
            and i + 2 < len(tokens)
            and tokens[i + 1][1] == "("
            and tokens[i + 2][0] == "id"
        ):
            local.add(tokens[i + 2][1])
    found: dict[tuple[str, ...], None] = {}
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        starts = kind == "id" and (i == 0 or tokens[i - 1][1] != ".")
        if not starts:
            i += 1
            continue
        chain = [value]
        j = i + 1
        while j + 1 < len(tokens) and tokens[j][1] == "." and tokens[j + 1][0] == "id":
            chain.append(tokens[j + 1][1])
            j += 2
        if j < len(tokens) and tokens[j][1] == "(":
            chain.pop()  # a call: the last name is a function or a method
        if chain and chain[0] not in KEYWORDS and chain[0] not in local:
            found[tuple(chain)] = None
        i = j
    return tuple(found)


@lru_cache(maxsize=4096)
def guarded(expression: str) -> frozenset[tuple[str, ...]]:
    """Chains tested with ``has(...)``: the rule handles their absence itself."""
    tokens = _tokens(expression)
    out: set[tuple[str, ...]] = set()
    for i in range(2, len(tokens)):
        if tokens[i - 2][1] == "has" and tokens[i - 1][1] == "(" and tokens[i][0] == "id":
            chain = [tokens[i][1]]
            j = i + 1
            while j + 1 < len(tokens) and tokens[j][1] == "." and tokens[j + 1][0] == "id":
                chain.append(tokens[j + 1][1])
                j += 2
            out.add(tuple(chain))
    return frozenset(out)


@lru_cache(maxsize=4096)
def _compiled(expression: str) -> Any:
    return cel.compile(expression)


def compile_checked(rule_id: str, expression: str, vocabulary: Vocabulary) -> Any:
    """The compiled program; refuses a syntax error or a variable the rule set did not declare."""
    text = expression.strip()
    key = f"rules.{rule_id}"
    if not text or len(text) > MAX_EXPRESSION:
        raise RuleSyntaxError(rule_id=rule_id, fields={key: "表达式不能为空，且不超过 2000 字"})
    try:
        program = _compiled(text)
    except (ValueError, RuntimeError) as error:
        detail = str(error).split("\n", 1)[-1].strip() or str(error)
        raise RuleSyntaxError(rule_id=rule_id, fields={key: "语法错误：" + detail[:300]}) from None
    bad = [".".join(ref) for ref in references(text) if vocabulary.unknown(ref)]
    if bad:
        names = "、".join(bad)
        raise RuleUnknownVariable(
            rule_id=rule_id, names=names, fields={key: "未声明的变量：" + names}
        )
    return program


def run(expression: str, variables: Mapping[str, Any]) -> Any:
    """Evaluate a compiled-checked expression; raises ``ValueError``/``TypeError`` on failure."""
    return _compiled(expression.strip()).execute(dict(variables))
