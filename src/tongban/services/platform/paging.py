"""Keyset (seek) pagination: a list is read a page at a time from where the last page ended,
never cut off at a fixed number of rows and never shifted by rows added meanwhile.

A list's order is a tuple of sort keys that ends in a unique column (the row id), so every row
has one position.  ``seek`` adds the keys to the query (labelled ``seek_0``, ``seek_1``, …),
orders by them, keeps only rows after the given position and reads one row more than the page
to know whether another page follows; ``split`` cuts that extra row off and gives the position
of the page's last row, the start of the next page.  A nullable key is wrapped in ``coalesce``
by the caller, so every position is comparable.  Lists that are small by nature (a case's
steps, today's slots) are cut the same way in memory by ``in_memory``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Row, Select, and_, or_
from sqlalchemy.sql import ColumnElement

from tongban.domain.errors import ValidationFailed

T = TypeVar("T")
Value = datetime | date | int | str | bool
Position = tuple[Value, ...]

DEFAULT_LIMIT = 100
MAX_LIMIT = 200


class CursorInvalid(ValidationFailed):
    code = "cursor_invalid"
    template = "分页游标无效：请使用上一页答复中 Link 头给出的地址。"

    def __init__(self) -> None:
        super().__init__(fields={"cursor": self.template})


@dataclass(frozen=True)
class PageRequest:
    """How many rows, and after which position (``None``: from the start)."""

    limit: int = DEFAULT_LIMIT
    after: Position | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    next: Position | None
    """The position of the last row when more rows follow, else ``None``."""


@dataclass(frozen=True)
class Key:
    """One sort key: an expression and its direction."""

    expression: ColumnElement[Any]
    descending: bool = False


def _python_type(column_type: Any) -> type:
    try:
        found: type = column_type.python_type
    except NotImplementedError:  # pragma: no cover - every key here has a Python type
        return object
    return found


def _after(keys: Sequence[Key], position: Position) -> ColumnElement[bool]:
    """Rows strictly after ``position`` in the order of ``keys`` (the expanded row comparison:
    k1 beyond v1, or k1 = v1 and k2 beyond v2, …), which works for mixed directions."""
    if len(position) != len(keys):
        raise CursorInvalid()
    for key, value in zip(keys, position, strict=True):
        column_type = key.expression.type
        expected = _python_type(column_type)
        if expected is object:  # a decorated type (UTCDateTime): what it stores
            expected = _python_type(getattr(column_type, "impl_instance", column_type))
        fits = isinstance(value, expected) and (expected is datetime) == isinstance(value, datetime)
        if not fits or (isinstance(value, bool) and expected is not bool):
            raise CursorInvalid()
    terms: list[ColumnElement[bool]] = []
    for i, key in enumerate(keys):
        equal = [keys[j].expression == position[j] for j in range(i)]
        beyond = key.expression < position[i] if key.descending else key.expression > position[i]
        terms.append(and_(*equal, beyond))
    return or_(*terms)


def seek(query: Select[Any], keys: Sequence[Key], page: PageRequest) -> Select[Any]:
    """``query`` ordered by ``keys``, from after ``page.after``, one row more than the page."""
    query = query.add_columns(*(k.expression.label(f"seek_{i}") for i, k in enumerate(keys)))
    if page.after is not None:
        query = query.where(_after(keys, page.after))
    order = [k.expression.desc() if k.descending else k.expression.asc() for k in keys]
    return query.order_by(None).order_by(*order).limit(page.limit + 1)


def split(rows: Sequence[Row[Any]], keys: Sequence[Key], page: PageRequest) -> Page[Row[Any]]:
    """The page's rows (the extra row cut off) and where the next page starts."""
    shown = list(rows[: page.limit])
    if len(rows) <= page.limit or not shown:
        return Page(shown, None)
    last = shown[-1]._mapping
    return Page(shown, tuple(last[f"seek_{i}"] for i in range(len(keys))))


def mapped(page: Page[Row[Any]], convert: Callable[[Row[Any]], T]) -> Page[T]:
    return Page([convert(r) for r in page.rows], page.next)


def in_memory(
    items: Sequence[T],
    key: Callable[[T], Position],
    page: PageRequest,
    *,
    descending: bool = False,
) -> Page[T]:
    """A bounded list cut into pages by a unique key (the same contract as ``seek``)."""
    ordered = sorted(items, key=key, reverse=descending)
    if page.after is not None:
        after = page.after
        if ordered and len(key(ordered[0])) != len(after):
            raise CursorInvalid()
        try:
            if descending:
                ordered = [i for i in ordered if key(i) < after]
            else:
                ordered = [i for i in ordered if key(i) > after]
        except TypeError:
            raise CursorInvalid() from None
    shown = ordered[: page.limit]
    more = len(ordered) > page.limit
    return Page(shown, key(shown[-1]) if more and shown else None)


def read_page(
    conn: Connection,
    query: Select[Any],
    keys: Sequence[Key],
    page: PageRequest,
    convert: Callable[[Row[Any]], T],
) -> Page[T]:
    """Run ``query`` as one page in the order of ``keys`` and convert its rows."""
    rows = conn.execute(seek(query.limit(None), keys, page)).all()
    return mapped(split(rows, keys, page), convert)
