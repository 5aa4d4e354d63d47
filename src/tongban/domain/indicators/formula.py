"""The formula language of indicators: a small, safe arithmetic over summed measures.

``100 * sum(cases_finished_on_time) / sum(cases_finished)`` — numbers, ``+ - * /``, brackets,
``sum(<measure>)`` (the measure summed over the cut being asked for) and ``indicator(<code>)``
(another indicator's value over the same cut).  Nothing else: no attribute access, no calls
of our own code.  A recursive-descent parser (the same approach as the rule expressions'
scanner, with positions kept) turns the text into a tree; every error names the 1-based
character position where it was found.  Evaluation is over plain numbers; a missing figure
(``None``: no data) or a division by zero makes the whole value ``None`` — "no data", never 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from tongban.domain.indicators.errors import FormulaSyntaxError

MAX_FORMULA = 500
FUNCTIONS = ("sum", "indicator")

_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<num>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/()])"
)


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Sum:
    measure: str
    position: int


@dataclass(frozen=True)
class Ref:
    code: str
    position: int


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


Node = Number | Sum | Ref | Neg | Binary


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int  # 1-based


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            raise FormulaSyntaxError(position=at + 1, problem=f"不认识的字符“{text[at]}”")
        kind = match.lastgroup or ""
        if kind != "space":
            out.append(_Token(kind, match.group(), at + 1))
        at = match.end()
    out.append(_Token("end", "", len(text) + 1))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    @property
    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str) -> _Token:
        token = self.take()
        if token.text != text:
            found = token.text or "公式结尾"
            raise FormulaSyntaxError(
                position=token.position, problem=f"应为“{text}”，却是“{found}”"
            )
        return token

    def expression(self) -> Node:
        node = self.term()
        while self.peek.text in ("+", "-"):
            node = Binary(self.take().text, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek.text in ("*", "/"):
            node = Binary(self.take().text, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek.text == "-":
            self.take()
            return Neg(self.unary())
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "num":
            return Number(float(token.text))
        if token.text == "(":
            node = self.expression()
            self.expect(")")
            return node
        if token.kind == "name":
            if token.text not in FUNCTIONS:
                raise FormulaSyntaxError(
                    position=token.position,
                    problem=f"“{token.text}”不是函数；度量请写成 sum({token.text})",
                )
            self.expect("(")
            argument = self.take()
            if argument.kind != "name":
                found = argument.text or "公式结尾"
                raise FormulaSyntaxError(
                    position=argument.position, problem=f"应为名称，却是“{found}”"
                )
            self.expect(")")
            if token.text == "sum":
                return Sum(argument.text, argument.position)
            return Ref(argument.text, argument.position)
        found = token.text or "公式结尾"
        raise FormulaSyntaxError(position=token.position, problem=f"这里不能是“{found}”")


@lru_cache(maxsize=1024)
def parse(text: str) -> Node:
    """The formula's tree; ``FormulaSyntaxError`` with the position of the first error."""
    if not text.strip():
        raise FormulaSyntaxError(position=1, problem="公式不能为空")
    if len(text) > MAX_FORMULA:
        raise FormulaSyntaxError(position=MAX_FORMULA + 1, problem="公式不超过 500 个字符")
    parser = _Parser(text)
    node = parser.expression()
    if parser.peek.kind != "end":
        token = parser.peek
        raise FormulaSyntaxError(position=token.position, problem=f"多余的“{token.text}”")
    return node


def measures(node: Node) -> list[Sum]:
    """Every ``sum(...)`` of the tree, in reading order."""
    if isinstance(node, Sum):
        return [node]
    if isinstance(node, Neg):
        return measures(node.operand)
    if isinstance(node, Binary):
        return measures(node.left) + measures(node.right)
    return []


def references(node: Node) -> list[Ref]:
    """Every ``indicator(...)`` of the tree, in reading order."""
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, Neg):
        return references(node.operand)
    if isinstance(node, Binary):
        return references(node.left) + references(node.right)
    return []


def evaluate(
    node: Node,
    totals: Mapping[str, float | None],
    indicator: Callable[[str], float | None] = lambda code: None,
) -> float | None:
    """The value over ``totals`` (each measure summed over the cut); ``None`` is "no data"."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Sum):
        return totals.get(node.measure)
    if isinstance(node, Ref):
        return indicator(node.code)
    if isinstance(node, Neg):
        value = evaluate(node.operand, totals, indicator)
        return None if value is None else -value
    left = evaluate(node.left, totals, indicator)
    right = evaluate(node.right, totals, indicator)
    if left is None or right is None:
        return None
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    return None if right == 0 else left / right
