"""How item texts and citizens' queries become search terms (分词, 拼音, 同义词, 纠错).

Pure Python: the service stores ``render_document(document_terms(spec))`` in the index and
ranks candidates with ``analyse_query``, which only needs a ``Lexicon`` of the indexed terms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cache, lru_cache
from typing import Any, NamedTuple, Protocol

import rjieba
from pypinyin import lazy_pinyin

from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.domain.catalogue.synonyms import SYNONYM_GROUPS

_TOKEN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z0-9]+")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")

_FILLER = (
    "我 我们 你 您 你好 您好 请 请问 想 想要 要 我想 我要 需要 得 该 应该 能 能不能 可以 可不可以 "
    "怎么 怎样 怎么样 怎么办 如何 怎么弄 弄 搞 办 办理 申请 去 到 在 去哪 去哪里 去哪儿 哪 哪里 "
    "哪儿 在哪 在哪里 什么 啥 什么样 多少 的 了 吗 呢 啊 吧 呀 嘛 一下 个 一个 给 帮 帮我 和 与 "
    "及 或 是 有 还 也 就 都 手续 流程"
)
STOP_WORDS: frozenset[str] = frozenset(_FILLER.split())
"""Filler of plain-language questions: a query of only these finds nothing."""

# Dictionary words that fuse filler with the verb that matters (想开 in 我想开奶茶店).
_SPLIT_APART = ("想开", "想办", "要办", "去办", "来办", "办个", "想生", "要生", "想考")


class Field(IntEnum):
    """Where an index term comes from; the value is its ranking weight."""

    NAME = 40
    KEYWORD = 30
    SYNONYM = 25
    NEEDS = 20
    CATEGORY = 15
    PINYIN = 10


FIELD_ORDER: tuple[Field, ...] = tuple(sorted(Field, reverse=True))
"""The order of the groups in a stored document, best first."""

DOCUMENT_SEPARATOR = "|"
"""Separates field groups in a stored document; both full-text engines skip it."""

SYNONYM_FACTOR = 0.7
PARTS_FACTOR = 0.7
PREFIX_FACTOR = 0.9
PINYIN_FACTOR = 0.9
HOMOPHONE_FACTOR = 0.6
FUZZY_FACTOR = 0.4
MIN_PREFIX = 3
MAX_EXPANSIONS = 48
MAX_HOMOPHONES = 8


def normalise(text: str) -> str:
    """Full-width to half-width, lower case; punctuation, symbols and script changes become
    single spaces (``"ＳＣ证，办理"`` → ``"sc 证 办理"``)."""
    folded = unicodedata.normalize("NFKC", text).lower().replace("ü", "v")
    return " ".join(_TOKEN_RE.findall(folded))


def is_chinese(term: str) -> bool:
    return _CJK_RE.fullmatch(term) is not None


@cache
def _jieba() -> Any:
    jieba = rjieba.Jieba()
    for word in _SPLIT_APART:
        jieba.add_word(word, 0, None)
    for word in sorted(SYNONYMS):
        jieba.add_word(word, None, None)
    return jieba


def segment(run: str) -> list[str]:
    """The words of a Chinese run in reading order (precise mode, no guessed words)."""
    return [w for w in _jieba().cut(run, hmm=False) if w.strip()]


def search_words(run: str) -> list[str]:
    """The words of a Chinese run and their sub-words (社会保障 → 社会, 保障, 社会保障)."""
    return [w for w in _jieba().cut_for_search(run, hmm=False) if w.strip()]


@lru_cache(maxsize=65536)
def pinyin_forms(term: str) -> tuple[str, str] | None:
    """Full pinyin and initials of a Chinese term of two or more characters (社保 → shebao, sb)."""
    if len(term) < 2 or not is_chinese(term):
        return None
    syllables = lazy_pinyin(term)
    if not all(s.isascii() and s.isalpha() for s in syllables):
        return None
    return "".join(syllables), "".join(s[0] for s in syllables)


def _synonym_index() -> dict[str, tuple[str, ...]]:
    mates: dict[str, list[str]] = {}
    for group in SYNONYM_GROUPS:
        words = ["".join(normalise(w).split()) for w in group]
        for word in words:
            known = mates.setdefault(word, [])
            known.extend(m for m in words if m != word and m not in known)
    return {word: tuple(others) for word, others in mates.items()}


SYNONYMS: dict[str, tuple[str, ...]] = _synonym_index()
"""Each word of the synonym table → the other members of every group it belongs to."""


def synonyms(term: str) -> tuple[str, ...]:
    return SYNONYMS.get(term, ())


@lru_cache(maxsize=16384)
def synonym_entries_in(run: str) -> tuple[str, ...]:
    """Synonym-table words that occur inside ``run`` (社会保障卡申领 → 社会保障卡, 社会保障)."""
    return tuple(entry for entry in SYNONYMS if entry in run)


class FieldTerms(NamedTuple):
    field: Field
    terms: tuple[str, ...]


def _phrase_terms(phrases: Sequence[str]) -> list[str]:
    terms: list[str] = []
    for phrase in phrases:
        for run in normalise(phrase).split():
            terms.append(run)
            if is_chinese(run):
                terms.extend(search_words(run))
                terms.extend(synonym_entries_in(run))
    return terms


def _mates(terms: Sequence[str]) -> list[str]:
    return [mate for term in terms for mate in synonyms(term)]


def document_terms(spec: ServiceItemSpec) -> list[FieldTerms]:
    """An item's index terms per field, best field first; each term only in its best field.

    The pinyin group pairs each Chinese term with its full pinyin and initials, so the pinyin
    of a term can be traced back to it (``社保 shebao sb``)."""
    name = _phrase_terms([spec.name])
    keywords = _phrase_terms([*spec.keywords, spec.result_name])
    needs = _phrase_terms(spec.needs)
    raw: list[tuple[Field, list[str]]] = [
        (Field.NAME, name),
        (Field.KEYWORD, keywords),
        (Field.SYNONYM, _mates(name) + _mates(keywords)),
        (Field.NEEDS, needs + _mates(needs)),
        (Field.CATEGORY, _phrase_terms([spec.category])),
    ]
    seen: set[str] = set()
    groups: list[FieldTerms] = []
    for field, terms in raw:
        kept = [t for t in dict.fromkeys(terms) if t not in seen and t not in STOP_WORDS]
        seen.update(kept)
        groups.append(FieldTerms(field, tuple(kept)))
    pinyin: list[str] = []
    for group in groups:
        for term in group.terms:
            forms = pinyin_forms(term)
            if forms:
                pinyin.extend((term, *dict.fromkeys(forms)))
    groups.append(FieldTerms(Field.PINYIN, tuple(pinyin)))
    return groups


def render_document(groups: Sequence[FieldTerms]) -> str:
    """The stored document: field groups in ``FIELD_ORDER``, separated by ``|``."""
    by_field = {g.field: g.terms for g in groups}
    return f" {DOCUMENT_SEPARATOR} ".join(" ".join(by_field.get(f, ())) for f in FIELD_ORDER)


def parse_document(document: str) -> Iterator[tuple[str, Field, str | None]]:
    """(term, field, Chinese source of a pinyin term) in document order; a term recurs when it
    is also the source of pinyin terms."""
    for field, group in zip(FIELD_ORDER, document.split(DOCUMENT_SEPARATOR), strict=False):
        source: str | None = None
        for term in group.split():
            if field is Field.PINYIN and not term.isascii():
                source = term
                yield term, field, None
            else:
                yield term, field, source if field is Field.PINYIN else None


class Lexicon(Protocol):
    """The indexed vocabulary, as query analysis needs it."""

    def known(self, term: str) -> bool: ...

    def homophones(self, pinyin: str) -> Sequence[str]:
        """Chinese terms whose full pinyin or initials are ``pinyin``, most used first."""
        ...

    def with_prefix(self, prefix: str) -> Sequence[str]:
        """Latin-letter terms that start with ``prefix``, most used first."""
        ...

    def similar(self, term: str) -> Sequence[str]:
        """Terms close to an unknown ``term`` (a typo), closest first."""
        ...


@dataclass(frozen=True)
class Alternative:
    """One way a query unit matches an item: all ``terms`` indexed; weight × ``factor``."""

    terms: tuple[str, ...]
    factor: float


@dataclass(frozen=True)
class QueryUnit:
    """One thing the citizen asked for (a word, a need, a pinyin string)."""

    typed: str
    text: str
    alternatives: tuple[Alternative, ...]
    prefix: str | None = None
    corrected: bool = False


@dataclass(frozen=True)
class QueryPlan:
    units: tuple[QueryUnit, ...]

    @property
    def content(self) -> str:
        """The query as understood, without filler (compared with item names)."""
        return "".join(u.text for u in self.units)

    @property
    def suggestion(self) -> str | None:
        """您是不是要找: the query with typos corrected, when any were."""
        if not any(u.corrected for u in self.units):
            return None
        text = ""
        for unit in self.units:
            gap = "" if not text or (is_chinese(text[-1]) and is_chinese(unit.text[0])) else " "
            text += gap + unit.text
        return text


def query_runs(text: str) -> list[list[str]]:
    """The words of a query without filler, in runs of one script; a stop word ends a run."""
    runs: list[list[str]] = []
    current: list[str] = []
    script = ""
    for chunk in normalise(text).split():
        kind = "latin" if chunk.isascii() else "chinese"
        if kind != script and current:
            runs.append(current)
            current = []
        script = kind
        for word in [chunk] if kind == "latin" else segment(chunk):
            if word in STOP_WORDS:
                if current:
                    runs.append(current)
                current = []
            else:
                current.append(word)
    if current:
        runs.append(current)
    return runs


def query_terms(text: str) -> list[str]:
    """The words of a query, filler removed (我想开奶茶店 → 开, 奶茶, 店)."""
    return [word for run in query_runs(text) for word in run]


class _Word(NamedTuple):
    text: str
    parts: tuple[str, ...]
    typed: str
    factor: float = 1.0
    corrected: bool = False


def _known(term: str, lexicon: Lexicon) -> bool:
    return term in SYNONYMS or lexicon.known(term)


def _merge(words: list[_Word], lexicon: Lexicon) -> list[_Word]:
    """Join neighbours into the longest known phrase (开 奶茶 店 → 开奶茶店, a listed need)."""
    out: list[_Word] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + 6), i + 1, -1):
            joined = "".join(w.text for w in words[i:j])
            if _known(joined, lexicon):
                part = words[i:j]
                typed = "".join(w.typed for w in part)
                factor = min(w.factor for w in part)
                corrected = any(w.corrected for w in part)
                out.append(_Word(joined, tuple(w.text for w in part), typed, factor, corrected))
                i = j
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _weak(word: _Word, lexicon: Lexicon) -> bool:
    if word.corrected or len(word.parts) > 1:
        return False
    return len(word.text) == 1 or not _known(word.text, lexicon)


def _fix(words: list[_Word], i: int, j: int, lexicon: Lexicon) -> tuple[int, int, _Word] | None:
    """Correct the weak words ``i:j``, alone or with a neighbour (身份 正 → 身份证)."""
    for start, end in ((i, j), (i - 1, j), (i, j + 1), (i - 1, j + 1)):
        if start < 0 or end > len(words) or any(w.corrected for w in words[start:end]):
            continue
        typed = "".join(w.text for w in words[start:end])
        if len(typed) < 2 or _known(typed, lexicon):
            continue
        forms = pinyin_forms(typed)
        hits = lexicon.homophones(forms[0]) if forms else ()
        factor = HOMOPHONE_FACTOR
        if not hits and (start, end) == (i, j):
            hits, factor = lexicon.similar(typed), FUZZY_FACTOR
        if hits:
            return start, end, _Word(hits[0], (hits[0],), typed, factor, corrected=True)
    return None


def _correct(words: list[_Word], lexicon: Lexicon) -> list[_Word]:
    out = list(words)
    i = 0
    while i < len(out):
        if not _weak(out[i], lexicon):
            i += 1
            continue
        j = i
        while j < len(out) and _weak(out[j], lexicon):
            j += 1
        fix = _fix(out, i, j, lexicon)
        if fix is None:
            i = j
            continue
        start, end, word = fix
        out[start:end] = [word]
        i = start + 1
    return out


def _chinese_units(run: list[str], lexicon: Lexicon) -> list[QueryUnit]:
    words = _merge([_Word(w, (w,), w) for w in run], lexicon)
    words = _merge(_correct(words, lexicon), lexicon)
    units: list[QueryUnit] = []
    for word in words:
        alts = [Alternative((word.text,), word.factor)]
        alts += [Alternative((m,), word.factor * SYNONYM_FACTOR) for m in synonyms(word.text)]
        if len(word.parts) > 1:
            alts.append(Alternative(word.parts, word.factor * PARTS_FACTOR))
        units.append(QueryUnit(word.typed, word.text, tuple(alts), corrected=word.corrected))
    return units


def _latin_unit(token: str, lexicon: Lexicon) -> QueryUnit:
    alts = [Alternative((token,), 1.0)]
    prefix = token if len(token) >= MIN_PREFIX else None
    longer = [t for t in lexicon.with_prefix(token) if t != token] if prefix else []
    alts += [Alternative((t,), PREFIX_FACTOR) for t in longer[:MAX_EXPANSIONS]]
    alts += [Alternative((c,), PINYIN_FACTOR) for c in lexicon.homophones(token)[:MAX_HOMOPHONES]]
    if lexicon.known(token) or longer:
        return QueryUnit(token, token, tuple(alts), prefix)
    close = list(lexicon.similar(token))[:3]
    if not close:
        return QueryUnit(token, token, tuple(alts), prefix)
    names = list(lexicon.homophones(close[0]))[:MAX_HOMOPHONES]
    alts += [Alternative((t,), FUZZY_FACTOR) for t in [*close, *names]]
    shown = names[0] if names else close[0]
    return QueryUnit(token, shown, tuple(alts), prefix, corrected=True)


def analyse_query(text: str, lexicon: Lexicon) -> QueryPlan:
    """Units of a query with the ways each may match: exact, synonym, pinyin, typo-corrected."""
    units: list[QueryUnit] = []
    for run in query_runs(text):
        if run[0].isascii():
            joined = "".join(run)
            if len(run) > 1 and (lexicon.known(joined) or lexicon.with_prefix(joined)):
                run = [joined]
            units.extend(_latin_unit(token, lexicon) for token in run)
        else:
            units.extend(_chinese_units(run, lexicon))
    unique = {unit.text: unit for unit in reversed(units)}
    return QueryPlan(tuple(u for u in units if unique[u.text] is u))
