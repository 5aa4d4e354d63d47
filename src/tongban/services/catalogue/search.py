"""Catalogue search (事项搜索): the index of published items and the search citizens use.

The database's full-text index (FTS5 on SQLite, a GIN-indexed ``tsvector`` on PostgreSQL) finds
candidates; ranking happens here in Python, so both engines return the same hits in the same
order. The catalogue service calls ``index_item`` on publish and ``unindex_item`` on withdrawal.
"""

from __future__ import annotations

import bisect
import re
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    delete,
    insert,
    literal_column,
    select,
    table,
    text,
    true,
    update,
)
from sqlalchemy.engine import URL

from tongban.adapters.db.tables import (
    departments,
    item_search,
    search_state,
    service_item_versions,
    service_items,
)
from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.domain.catalogue.search_terms import (
    DOCUMENT_SEPARATOR,
    FIELD_ORDER,
    QueryPlan,
    analyse_query,
    document_terms,
    normalise,
    pinyin_forms,
    query_runs,
    render_document,
)

MAX_QUERY_LENGTH = 100
"""Longer input is cut: a search box, not a document search."""
NAME_EXACT_BONUS = 100.0
NAME_CONTAINS_BONUS = 10.0
_SAFE_TERM = re.compile(r"[a-z0-9\u3400-\u4dbf\u4e00-\u9fff]+")
_CACHE_SIZE = 4
_MEMO_SIZE = 20_000


@dataclass(frozen=True)
class SearchHit:
    item_id: int
    code: str
    name: str
    department_name: str
    score: float
    matched: list[str]
    """Indexed terms that matched, in query order, for highlighting."""


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[SearchHit]
    suggestion: str | None = None
    """您是不是要找: the corrected query when a typo was corrected."""


EMPTY = SearchResult(total=0, hits=[])


class Vocabulary:
    """The indexed terms of all published items at one generation (a ``Lexicon``)."""

    def __init__(self, documents: Iterable[tuple[int, str]]) -> None:
        self.postings: dict[str, dict[int, int]] = {}
        pairs: dict[str, dict[str, int]] = {}
        weights = [f.value for f in FIELD_ORDER]
        for item_id, document in documents:
            groups = document.split(DOCUMENT_SEPARATOR)
            for weight, group in zip(weights, groups, strict=False):
                for term in group.split():
                    posting = self.postings.setdefault(term, {})
                    if item_id not in posting:
                        posting[item_id] = weight
            if len(groups) == len(weights):
                self._pair_pinyin(groups[-1].split(), pairs)
        self._sources = {
            py: tuple(sorted(counts, key=lambda s: (-counts[s], s))) for py, counts in pairs.items()
        }
        self._latin = sorted(t for t in self.postings if t.isascii())
        self._memo: dict[tuple[str, str], tuple[str, ...]] = {}
        self._chinese_terms: list[str] | None = None

    @staticmethod
    def _pair_pinyin(tokens: list[str], pairs: dict[str, dict[str, int]]) -> None:
        source = ""
        for token in tokens:
            if not token.isascii():
                source = token
            elif source:
                counts = pairs.setdefault(token, {})
                counts[source] = counts.get(source, 0) + 1

    def __len__(self) -> int:
        return len(self.postings)

    def known(self, term: str) -> bool:
        return term in self.postings

    def homophones(self, pinyin: str) -> Sequence[str]:
        return self._sources.get(pinyin, ())

    def with_prefix(self, prefix: str) -> Sequence[str]:
        return self._remember("prefix", prefix)

    def similar(self, term: str) -> Sequence[str]:
        return self._remember("similar", term)

    def _remember(self, kind: str, term: str) -> tuple[str, ...]:
        key = (kind, term)
        if key not in self._memo:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()  # bounded: queries are citizen input
            if kind == "prefix":
                start = bisect.bisect_left(self._latin, term)
                end = bisect.bisect_left(self._latin, term + "\x7f")
                self._memo[key] = self._by_use(self._latin[start:end])
            else:
                self._memo[key] = self._similar(term)
        return self._memo[key]

    def _chinese(self) -> list[str]:
        if self._chinese_terms is None:
            self._chinese_terms = [t for t in self.postings if not t.isascii()]
        return self._chinese_terms

    def _by_use(self, terms: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(terms, key=lambda t: (-len(self.postings.get(t, ())), t)))

    def _similar(self, term: str) -> tuple[str, ...]:
        scored: dict[str, float] = {}
        if term.isascii():
            if len(term) >= 4:
                scored.update(_close(term, self._latin, 85))
        else:
            forms = pinyin_forms(term)
            if forms and len(forms[0]) >= 4:
                for py, score in _close(forms[0], self._sources, 85).items():
                    for source in self._sources[py][:1]:
                        scored[source] = max(scored.get(source, 0.0), score)
            if len(term) >= 4:
                scored.update(_close(term, self._chinese(), 75))
        ranked = sorted(scored, key=lambda t: (-scored[t], -len(self.postings.get(t, ())), t))
        return tuple(ranked[:5])


def _close(term: str, choices: Iterable[str], cutoff: float) -> dict[str, float]:
    pool = [c for c in choices if abs(len(c) - len(term)) <= 2 and c != term]
    found = process.extract(term, pool, scorer=fuzz.ratio, score_cutoff=cutoff, limit=10)
    return {choice: round(score, 3) for choice, score, _ in found}


_cache: dict[tuple[URL, str], Vocabulary] = {}
_cache_lock = threading.Lock()


_GENERATION = select(search_state.c.generation).where(search_state.c.id == 1)


def _generation(conn: Connection) -> str:
    return conn.execute(_GENERATION).scalar() or ""


def index_generation(conn: Connection) -> str:
    """A token that changes whenever a published item is added, changed or withdrawn (empty
    before the first): what a cache of facts about published items can be keyed by."""
    return _generation(conn)


def _bump_generation(conn: Connection) -> None:
    token = uuid.uuid4().hex
    done = conn.execute(update(search_state).where(search_state.c.id == 1).values(generation=token))
    if done.rowcount == 0:
        conn.execute(insert(search_state).values(id=1, generation=token))


def vocabulary(conn: Connection) -> Vocabulary:
    """The vocabulary of published items, rebuilt when any process changed the index."""
    generation = _generation(conn)
    key = (conn.engine.url, generation)
    found = _cache.get(key)
    if found is not None:
        return found
    rows = conn.execute(
        select(item_search.c.item_id, item_search.c.document)
        .join(service_items, service_items.c.id == item_search.c.item_id)
        .where(service_items.c.status == "published")
        .order_by(item_search.c.item_id)
    )
    built = Vocabulary((item_id, document) for item_id, document in rows)
    if not generation:  # no state row (a truncated test database): nothing to key a cache on
        return built
    with _cache_lock:
        _cache[key] = built
        while len(_cache) > _CACHE_SIZE:
            del _cache[next(iter(_cache))]
    return built


def index_item(conn: Connection, item_id: int, spec: ServiceItemSpec) -> None:
    """Store the search document of a published item (in the caller's transaction)."""
    document = render_document(document_terms(spec))
    where = item_search.c.item_id == item_id
    current = conn.execute(select(item_search.c.document).where(where)).scalar()
    if current == document:
        return
    if current is None:
        conn.execute(insert(item_search).values(item_id=item_id, document=document))
    else:
        conn.execute(update(item_search).where(where).values(document=document))
    _bump_generation(conn)


def index_items(conn: Connection, pairs: Sequence[tuple[int, ServiceItemSpec]]) -> None:
    """``index_item`` for a batch: one read, one write per table, one generation bump."""
    if not pairs:
        return
    documents = {item_id: render_document(document_terms(spec)) for item_id, spec in pairs}
    rows = conn.execute(
        select(item_search.c.item_id, item_search.c.document).where(
            item_search.c.item_id.in_(list(documents))
        )
    )
    current = {row.item_id: row.document for row in rows}
    fresh = [{"item_id": i, "document": d} for i, d in documents.items() if i not in current]
    stale = [
        {"_id": i, "document": d} for i, d in documents.items() if i in current and current[i] != d
    ]
    if fresh:
        conn.execute(insert(item_search), fresh)
    if stale:
        conn.execute(update(item_search).where(item_search.c.item_id == bindparam("_id")), stale)
    if fresh or stale:
        _bump_generation(conn)


def unindex_item(conn: Connection, item_id: int) -> None:
    """Remove an item from search (withdrawn, or replaced by another item)."""
    done = conn.execute(delete(item_search).where(item_search.c.item_id == item_id))
    if done.rowcount:
        _bump_generation(conn)


def reindex_all(conn: Connection) -> int:
    """Rebuild every document from the published versions (after the synonym table changed)."""
    items, versions = service_items, service_item_versions
    rows = conn.execute(
        select(items.c.id, versions.c.spec)
        .join(versions, (versions.c.item_id == items.c.id))
        .where(items.c.status == "published", versions.c.version == items.c.published_version)
        .order_by(items.c.id)
    ).all()
    published = select(items.c.id).where(items.c.status == "published")
    conn.execute(delete(item_search).where(item_search.c.item_id.not_in(published)))
    for item_id, spec in rows:
        index_item(conn, item_id, ServiceItemSpec.model_validate(spec))
    _bump_generation(conn)
    return len(rows)


def search_items(
    conn: Connection,
    query: str,
    *,
    limit: int = 20,
    offset: int = 0,
    department_code: str | None = None,
    audience: str | None = None,
    online_only: bool = False,
) -> SearchResult:
    """Published items matching ``query``, best first; blank or filler-only queries find none.
    ``audience`` citizen or enterprise also keeps items for both."""
    query = query[:MAX_QUERY_LENGTH]
    if not query_runs(query):
        return EMPTY
    vocab = vocabulary(conn)
    plan = analyse_query(query, vocab)
    if not plan.units:
        return EMPTY
    candidates = _candidates(conn, plan, vocab, department_code, audience, online_only)
    ranked = rank_candidates(plan, candidates, vocab)
    hits = [
        SearchHit(
            item_id=item_id,
            code=candidates[item_id][0],
            name=candidates[item_id][1],
            department_name=candidates[item_id][2],
            score=round(score, 2),
            matched=_display_terms(matched, item_id, vocab),
        )
        for item_id, score, matched in ranked[offset : offset + max(limit, 0)]
    ]
    return SearchResult(total=len(ranked), hits=hits, suggestion=plan.suggestion)


def _match_expression(plan: QueryPlan, vocab: Vocabulary, dialect: str) -> str:
    """The full-text query: every indexed term the plan may match, OR-ed (ranking decides)."""
    prefixes = sorted({u.prefix for u in plan.units if u.prefix and vocab.with_prefix(u.prefix)})
    terms = {t for u in plan.units for a in u.alternatives for t in a.terms if vocab.known(t)}
    exact = sorted(t for t in terms if not any(t.startswith(p) for p in prefixes))
    words = [t for t in exact if _SAFE_TERM.fullmatch(t)]
    starts = [p for p in prefixes if _SAFE_TERM.fullmatch(p)]
    if dialect == "sqlite":
        return " OR ".join([f'"{t}"' for t in words] + [f'"{p}"*' for p in starts])
    return " | ".join([f"'{t}'" for t in words] + [f"'{p}':*" for p in starts])


@cache
def _candidate_statement(
    dialect: str, by_department: bool, by_audience: bool, online_only: bool
) -> Select[Any]:
    """Built once per shape: building and cache-keying a select costs more than running it."""
    matching: Select[Any]
    if dialect == "sqlite":
        matching = (
            select(literal_column("rowid"))
            .select_from(table("item_search_fts"))
            .where(text("item_search_fts MATCH :match"))
        )
    else:
        tsquery = "item_search.document_tsv @@ to_tsquery('simple', :match)"
        matching = select(item_search.c.item_id).where(text(tsquery))
    # Materialised so the full-text index drives the query whatever the planner's statistics.
    found = matching.cte("matching").prefix_with("MATERIALIZED", dialect="postgresql")
    items = service_items
    stmt = (
        select(items.c.id, items.c.code, items.c.name, departments.c.name)
        .select_from(found)
        .join(items, items.c.id == found.c[0])
        .join(departments, departments.c.id == items.c.department_id)
        .where(items.c.status == "published")
    )
    if by_department:
        stmt = stmt.where(departments.c.code == bindparam("department"))
    if by_audience:
        stmt = stmt.where(items.c.audience.in_(bindparam("audiences", expanding=True)))
    if online_only:
        stmt = stmt.where(items.c.online_capable == true())
    return stmt


def _candidates(
    conn: Connection,
    plan: QueryPlan,
    vocab: Vocabulary,
    department_code: str | None,
    audience: str | None,
    online_only: bool,
) -> dict[int, tuple[str, str, str]]:
    """Published items the full-text index matches: item_id → (code, name, department name)."""
    dialect = conn.dialect.name
    expression = _match_expression(plan, vocab, dialect)
    if not expression:
        return {}
    params: dict[str, Any] = {"match": expression}
    if department_code:
        params["department"] = department_code
    if audience:
        params["audiences"] = sorted({audience, "both"})
    stmt = _candidate_statement(dialect, bool(department_code), bool(audience), online_only)
    return {row[0]: (row[1], row[2], row[3]) for row in conn.execute(stmt, params)}


def rank_candidates(
    plan: QueryPlan, candidates: dict[int, tuple[str, str, str]], vocab: Vocabulary
) -> list[tuple[int, float, list[str]]]:
    """Score = Σ over query units of the best (field weight × match factor); only the items
    matching the most units are kept; ties go to the shorter name, then the item code."""
    scores: dict[int, float] = {}
    covered: dict[int, int] = {}
    matched: dict[int, list[str]] = {}
    for unit in plan.units:
        best: dict[int, tuple[float, tuple[str, ...]]] = {}
        for alt in unit.alternatives:
            lists = [vocab.postings.get(t) for t in alt.terms]
            if not all(lists):
                continue
            postings = sorted((p for p in lists if p), key=len)
            smallest = postings[0]
            pool = smallest if len(smallest) <= len(candidates) else candidates
            for item_id in pool:
                if item_id in candidates and all(item_id in p for p in postings):
                    score = min(p[item_id] for p in postings) * alt.factor
                    if score > best.get(item_id, (0.0, ()))[0]:
                        best[item_id] = (score, alt.terms)
        for item_id, (score, terms) in best.items():
            scores[item_id] = scores.get(item_id, 0.0) + score
            covered[item_id] = covered.get(item_id, 0) + 1
            matched.setdefault(item_id, []).extend(terms)
    if not covered:
        return []
    most = max(covered.values())
    content = plan.content
    ranked: list[tuple[int, float, list[str]]] = []
    for item_id, count in covered.items():
        if count < most:
            continue
        name = "".join(normalise(candidates[item_id][1]).split())
        bonus = NAME_EXACT_BONUS if name == content else 0.0
        if not bonus and len(content) >= 2 and content in name:
            bonus = NAME_CONTAINS_BONUS
        ranked.append((item_id, round(scores[item_id] + bonus, 6), matched[item_id]))
    # Equal scores: the shorter name is the more specific match (生育登记 before 非婚生育子女入户).
    ranked.sort(key=lambda hit: (-hit[1], len(candidates[hit[0]][1]), candidates[hit[0]][0]))
    return ranked


def _display_terms(terms: list[str], item_id: int, vocab: Vocabulary) -> list[str]:
    """Matched terms for highlighting: a pinyin term is shown as the Chinese it stands for."""
    shown: list[str] = []
    for term in terms:
        if term.isascii():
            sources = [s for s in vocab.homophones(term) if item_id in vocab.postings.get(s, {})]
            term = sources[0] if sources else term
        if term not in shown:
            shown.append(term)
    return shown
