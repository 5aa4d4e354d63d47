"""Tests of how item texts and citizens' queries become search terms."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.domain.catalogue.model import Level, ServiceItemSpec
from tongban.domain.catalogue.search_terms import (
    STOP_WORDS,
    SYNONYMS,
    Field,
    analyse_query,
    document_terms,
    normalise,
    parse_document,
    pinyin_forms,
    query_terms,
    render_document,
    synonyms,
)
from tongban.domain.catalogue.synonyms import SYNONYM_GROUPS


class FakeLexicon:
    """A vocabulary given as plain data: terms, Chinese terms by pinyin, typos by term."""

    def __init__(self, *terms: str, similar: dict[str, tuple[str, ...]] | None = None) -> None:
        self.terms = set(terms)
        self.sources: dict[str, list[str]] = {}
        for term in sorted(terms):
            for form in pinyin_forms(term) or ():
                self.terms.add(form)
                self.sources.setdefault(form, []).append(term)
        self.close = similar or {}

    def known(self, term: str) -> bool:
        return term in self.terms

    def homophones(self, pinyin: str) -> Sequence[str]:
        return self.sources.get(pinyin, [])

    def with_prefix(self, prefix: str) -> Sequence[str]:
        return sorted(t for t in self.terms if t.isascii() and t.startswith(prefix))

    def similar(self, term: str) -> Sequence[str]:
        return self.close.get(term, ())


def make_spec(**fields: object) -> ServiceItemSpec:
    values: dict[str, object] = {
        "code": "RSJ-0001",
        "name": "社会保障卡申领",
        "department_code": "RSJ",
        "level": Level.DISTRICT,
        "legal_limit_days": 20,
        "promised_limit_days": 5,
        "legal_basis": ("《社会保险法》",),
        "keywords": ("社保卡",),
        "needs": ("办社保卡",),
        "category": "社会保障",
        "result_name": "社会保障卡",
    }
    values.update(fields)
    return ServiceItemSpec.model_validate(values)


def test_normalise_folds_full_width_case_and_punctuation() -> None:
    assert normalise("ＳＣ证，请问办理？") == "sc 证 请问办理"
    assert normalise("  Hello-World！ ") == "hello world"
    assert normalise("3C认证") == "3c 认证"


@given(st.text())
def test_normalise_is_idempotent_and_leaves_only_words(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert all(part.isalnum() for part in once.split())


def test_query_terms_strip_the_filler_of_plain_language_questions() -> None:
    assert query_terms("我想开奶茶店") == ["开", "奶茶", "店"]
    assert query_terms("请问怎么办理营业执照？") == ["营业执照"]
    assert query_terms("退休了怎么领养老金") == ["退休", "领", "养老金"]


def test_a_question_of_only_filler_has_no_terms() -> None:
    assert query_terms("请问我要去哪里办理？") == []
    assert query_terms("我想要了解一下怎么办理") == ["了解"]
    assert query_terms("") == []
    assert {
        "我",
        "想",
        "要",
        "怎么",
        "如何",
        "办理",
        "去哪",
        "需要",
        "什么",
        "的",
        "了",
        "请问",
    } <= (STOP_WORDS)


def test_pinyin_forms_are_full_pinyin_and_initials() -> None:
    assert pinyin_forms("社会保障卡") == ("shehuibaozhangka", "shbzk")
    assert pinyin_forms("银行") == ("yinhang", "yh")
    assert pinyin_forms("卡") is None
    assert pinyin_forms("icp") is None


def test_synonyms_are_symmetric_within_a_group() -> None:
    assert {"社会保险", "社会保障"} <= set(synonyms("社保"))
    assert "社保" in synonyms("社会保险")
    assert "居民身份证" in synonyms("身份证")
    assert "驾驶证" in synonyms("驾照")
    assert {"生育", "生孩子"} <= set(synonyms("生娃"))
    assert synonyms("奶茶") == ()


def test_the_synonym_table_is_clean_data() -> None:
    assert len(SYNONYM_GROUPS) >= 40
    for group in SYNONYM_GROUPS:
        assert len(group) == len(set(group)) >= 2
        for word in group:
            assert normalise(word) == word and len(word) >= 2
    assert all(word not in STOP_WORDS for word in SYNONYMS)


def test_document_terms_put_each_term_in_its_best_field() -> None:
    groups = {g.field: g.terms for g in document_terms(make_spec())}
    assert {"社会保障卡申领", "社会保障", "申领", "社会保障卡"} <= set(groups[Field.NAME])
    assert {"社保卡", "社保"} <= set(groups[Field.KEYWORD])
    assert {"社会保险", "医保卡"} <= set(groups[Field.SYNONYM])
    assert "办社保卡" in groups[Field.NEEDS]
    assert "社会保障" not in groups[Field.CATEGORY]
    chinese = [t for f, terms in groups.items() if f is not Field.PINYIN for t in terms]
    assert len(chinese) == len(set(chinese))


def test_document_terms_leave_out_filler() -> None:
    groups = document_terms(make_spec(name="办理居民身份证", needs=("我想办身份证",)))
    terms = {t for g in groups for t in g.terms}
    assert "办理" not in terms and "我" not in terms
    assert "居民身份证" in terms


def test_the_pinyin_group_traces_each_pinyin_back_to_its_chinese() -> None:
    document = render_document(document_terms(make_spec()))
    parsed = list(parse_document(document))
    sources = {term: source for term, field, source in parsed if source}
    assert sources["shbzk"] == "社会保障卡"
    assert sources["shebao"] == "社保"
    assert sources["shehuibaozhangkashenling"] == "社会保障卡申领"
    fields = {term: field for term, field, _ in reversed(parsed)}
    assert fields["社会保障卡申领"] is Field.NAME
    assert fields["shbzk"] is Field.PINYIN


def test_a_known_need_becomes_one_phrase_that_may_also_match_word_by_word() -> None:
    plan = analyse_query("我想开奶茶店", FakeLexicon("开奶茶店", "奶茶", "开", "店"))
    [unit] = plan.units
    assert unit.text == "开奶茶店" and not unit.corrected
    assert [a.terms for a in unit.alternatives] == [("开奶茶店",), ("开", "奶茶", "店")]
    assert plan.suggestion is None


def test_a_query_word_expands_to_its_synonyms() -> None:
    [unit] = analyse_query("社保", FakeLexicon("社保", "社会保障")).units
    expansions = {a.terms[0]: a.factor for a in unit.alternatives}
    assert expansions["社保"] == 1.0
    assert expansions["社会保险"] == expansions["社会保障"] < 1.0


def test_a_homophone_typo_is_corrected_and_suggested() -> None:
    plan = analyse_query("社报卡", FakeLexicon("社保卡", "卡"))
    [unit] = plan.units
    assert (unit.typed, unit.text, unit.corrected) == ("社报卡", "社保卡", True)
    assert plan.suggestion == "社保卡"


def test_a_typo_is_corrected_together_with_its_neighbour() -> None:
    plan = analyse_query("身份正补办", FakeLexicon("身份", "身份证", "补办"))
    assert [u.text for u in plan.units] == ["身份证", "补办"]
    assert plan.suggestion == "身份证补办"


def test_pinyin_matches_by_prefix_and_through_the_chinese_it_stands_for() -> None:
    lexicon = FakeLexicon("社会保障卡", "社会保障卡申领")
    [unit] = analyse_query("shbzk", lexicon).units
    assert unit.prefix == "shbzk"
    terms = [a.terms[0] for a in unit.alternatives]
    assert terms[0] == "shbzk" and "shbzksl" in terms and "社会保障卡" in terms


def test_short_pinyin_is_not_searched_by_prefix() -> None:
    [unit] = analyse_query("sb", FakeLexicon("社保")).units
    assert unit.prefix is None
    assert [a.terms[0] for a in unit.alternatives] == ["sb", "社保"]


def test_pinyin_typed_syllable_by_syllable_is_read_as_one_word() -> None:
    [unit] = analyse_query("she bao ka", FakeLexicon("社保卡")).units
    assert unit.text == "shebaoka"
    assert ("社保卡",) in [a.terms for a in unit.alternatives]


def test_mistyped_pinyin_is_matched_to_close_pinyin() -> None:
    lexicon = FakeLexicon("社保卡", similar={"shebaokka": ("shebaoka",)})
    plan = analyse_query("shebaokka", lexicon)
    assert plan.suggestion == "社保卡"
    assert ("社保卡",) in [a.terms for a in plan.units[0].alternatives]


@pytest.mark.parametrize("query", ["", "   ", "？！", "我想要怎么办理", "请问的了"])
def test_blank_and_filler_queries_have_no_units(query: str) -> None:
    assert analyse_query(query, FakeLexicon("社保")).units == ()


def test_a_repeated_word_is_one_unit() -> None:
    assert [u.text for u in analyse_query("社保 社保", FakeLexicon("社保")).units] == ["社保"]
