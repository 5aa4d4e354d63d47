"""Catalogue search on both engines: words, pinyin, synonyms, needs, typos, filters, freshness."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text, update

from tongban.adapters.db import migrate
from tongban.adapters.db.engine import build_engine
from tongban.adapters.db.tables import item_search, service_items
from tongban.domain.catalogue.search_terms import analyse_query, document_terms, render_document
from tongban.services.catalogue import search
from tongban.services.catalogue.search import (
    SearchResult,
    Vocabulary,
    rank_candidates,
    search_items,
)

from .search_fixtures import CATALOGUE, DEPARTMENTS, DRAFT, add_item, department_id, make_spec
from .search_fixtures import load_catalogue as load

# Recorded once and checked on every engine: the same codes in the same order everywhere.
EXPECTED: dict[str, list[str]] = {
    "社保": ["RSJ-0001", "RSJ-0006", "RSJ-0002", "RSJ-0003", "YBJ-0001", "RSJ-0005", "RSJ-0004"],
    "shbzk": ["RSJ-0001", "RSJ-0002"],
    "shebao": ["RSJ-0001", "RSJ-0006", "RSJ-0002", "RSJ-0003"],
    "我想开奶茶店": ["SCJGJ-0001", "SCJGJ-0003"],
    "营业执照": ["SCJGJ-0004", "SCJGJ-0001", "SCJGJ-0006"],
    "yyzz": ["SCJGJ-0004", "SCJGJ-0001", "SCJGJ-0006"],
    "公积金提取": ["GJJ-0001"],
    "社报卡": ["RSJ-0001", "RSJ-0002"],
    "身份正补办": ["GAJ-0002"],
    "我想生孩子": ["WJJ-0001", "YBJ-0001", "WJJ-0002"],
    "驾照": ["GAJ-0003"],
    "退休": ["RSJ-0004"],
    "身份证": ["GAJ-0001", "GAJ-0002"],
}


@pytest.fixture
def catalogue(engine: Engine) -> dict[str, int]:
    return load(engine)


def find(engine: Engine, query: str, **filters: Any) -> SearchResult:
    with engine.connect() as conn:
        return search_items(conn, query, **filters)


def codes(engine: Engine, query: str, **filters: Any) -> list[str]:
    return [hit.code for hit in find(engine, query, **filters).hits]


def python_only_ranking(query: str) -> list[str]:
    """The expected order computed without any database: every published item a candidate."""
    names = {spec.code: spec.name for spec in CATALOGUE}
    vocab = Vocabulary((n, render_document(document_terms(s))) for n, s in enumerate(CATALOGUE))
    candidates = {
        n: (s.code, s.name, DEPARTMENTS[s.department_code]) for n, s in enumerate(CATALOGUE)
    }
    assert len(names) == len(candidates)
    ranked = rank_candidates(analyse_query(query, vocab), candidates, vocab)
    return [candidates[item][0] for item, _, _ in ranked]


def test_shebao_finds_the_social_security_card_and_social_insurance_items(
    engine: Engine, catalogue: dict[str, int]
) -> None:
    found = codes(engine, "社保")
    assert {"RSJ-0001", "RSJ-0003", "RSJ-0006"} <= set(found)
    assert not any(code.startswith(("SCJGJ", "GAJ", "GJJ")) for code in found)


def test_pinyin_and_initials_find_the_social_security_card(
    engine: Engine, catalogue: dict[str, int]
) -> None:
    wanted = {"shbzk": "社会保障卡", "shehuibaozhangka": "社会保障卡", "ＳＨＢＺＫ": "社会保障卡",
              "shbz": "社会保障", "shbzksl": "社会保障卡申领"}  # fmt: skip
    top = {query: find(engine, query).hits[0] for query in wanted}
    assert {query: (hit.code, hit.matched) for query, hit in top.items()} == {
        query: ("RSJ-0001", [matched]) for query, matched in wanted.items()
    }


def test_pinyin_of_a_synonym_finds_its_items(engine: Engine, catalogue: dict[str, int]) -> None:
    assert {"RSJ-0001", "RSJ-0003", "RSJ-0006"} <= set(codes(engine, "shebao"))


def test_opening_a_milk_tea_shop_needs_a_business_licence_and_a_food_permit(
    engine: Engine, catalogue: dict[str, int]
) -> None:
    result = find(engine, "我想开奶茶店")
    assert [h.code for h in result.hits] == ["SCJGJ-0001", "SCJGJ-0003"]
    assert result.hits[0].matched == ["开奶茶店"]
    assert result.suggestion is None


def test_a_typo_finds_the_intended_item_and_suggests_the_correction(
    engine: Engine, catalogue: dict[str, int]
) -> None:
    wanted = {
        "社报卡": ("RSJ-0001", "社保卡"),
        "shebaokka": ("RSJ-0001", "社保卡"),
        "身份正补办": ("GAJ-0002", "身份证补办"),
        "营业执找": ("SCJGJ-0004", "营业执照"),
    }
    results = {typo: find(engine, typo) for typo in wanted}
    assert {t: (r.hits[0].code, r.suggestion) for t, r in results.items()} == wanted


def test_a_correct_query_gets_no_suggestion(engine: Engine, catalogue: dict[str, int]) -> None:
    assert find(engine, "社保卡").suggestion is None


def test_a_draft_item_is_not_found_even_if_indexed(
    engine: Engine, catalogue: dict[str, int]
) -> None:
    assert DRAFT.code not in codes(engine, DRAFT.name)
    with engine.begin() as conn:
        search.index_item(conn, catalogue[DRAFT.code], DRAFT)
    assert DRAFT.code not in codes(engine, DRAFT.name)
    assert DRAFT.code not in codes(engine, "我想开奶茶店")


def test_a_withdrawn_item_leaves_search(engine: Engine, catalogue: dict[str, int]) -> None:
    item_id = catalogue["GAJ-0003"]
    with engine.begin() as conn:
        conn.execute(
            update(service_items).where(service_items.c.id == item_id).values(status="withdrawn")
        )
        search.unindex_item(conn, item_id)
    assert codes(engine, "驾照") == []
    with engine.connect() as conn:
        assert (
            conn.execute(select(item_search).where(item_search.c.item_id == item_id)).first()
            is None
        )


def test_blank_and_filler_queries_find_nothing(engine: Engine, catalogue: dict[str, int]) -> None:
    for query in ["", "   ", "？！。", "我想要怎么办理", "请问去哪里办理什么"]:
        assert find(engine, query) == SearchResult(total=0, hits=[], suggestion=None), query


def test_every_engine_ranks_exactly_as_recorded_and_as_python_alone(
    engine: Engine, catalogue: dict[str, int]
) -> None:
    assert {query: codes(engine, query) for query in EXPECTED} == EXPECTED
    assert {query: python_only_ranking(query) for query in EXPECTED} == EXPECTED


def test_the_order_is_stable_across_repeated_searches(
    engine: Engine, catalogue: dict[str, int]
) -> None:
    first = find(engine, "公积金")
    search._cache.clear()
    assert find(engine, "公积金") == first


def test_filters_by_department_audience_and_online(
    engine: Engine, catalogue: dict[str, int]
) -> None:
    assert codes(engine, "公积金", department_code="GJJ") == ["GJJ-0001", "GJJ-0002", "GJJ-0003"]
    assert codes(engine, "公积金", department_code="RSJ") == []
    assert codes(engine, "公积金", audience="enterprise") == ["GJJ-0003"]
    assert "GJJ-0003" not in codes(engine, "公积金", audience="citizen")
    assert codes(engine, "公积金", online_only=True) == ["GJJ-0001", "GJJ-0003"]
    both = codes(engine, "营业执照", audience="citizen")
    assert both == ["SCJGJ-0004", "SCJGJ-0001"]


def test_pages_split_one_ranking(engine: Engine, catalogue: dict[str, int]) -> None:
    everything = codes(engine, "社保")
    first, second = find(engine, "社保", limit=3), find(engine, "社保", limit=3, offset=3)
    assert first.total == second.total == len(everything)
    assert [h.code for h in first.hits + second.hits] == everything[:6]
    hit = first.hits[0]
    assert (hit.name, hit.department_name) == ("社会保障卡申领", "区人力资源和社会保障局")


def test_another_process_publishing_refreshes_the_vocabulary(
    engine: Engine, catalogue: dict[str, int]
) -> None:
    assert find(engine, "宠物医远").hits == []
    other = build_engine(engine.url.render_as_string(hide_password=False))
    try:
        with other.begin() as conn:
            spec = make_spec("NYNCJ-0001", "动物诊疗许可证核发", keywords=("宠物医院",),
                             needs=("开宠物医院",))  # fmt: skip
            add_item(conn, spec, department_id(conn, "SCJGJ"))
    finally:
        other.dispose()
    result = find(engine, "宠物医远")
    assert [h.code for h in result.hits] == ["NYNCJ-0001"]
    assert result.suggestion == "宠物医院"
    assert codes(engine, "我想开宠物医院") == ["NYNCJ-0001"]


def test_indexing_an_unchanged_item_keeps_caches_warm(
    engine: Engine, catalogue: dict[str, int]
) -> None:
    with engine.begin() as conn:
        before = search._generation(conn)
        search.index_item(conn, catalogue["RSJ-0001"], CATALOGUE[6])
        assert search._generation(conn) == before
        search.index_item(conn, catalogue["RSJ-0001"], make_spec("RSJ-0001", "社会保障卡申领"))
        assert search._generation(conn) != before


def test_reindex_all_rebuilds_every_published_document(
    engine: Engine, catalogue: dict[str, int]
) -> None:
    with engine.begin() as conn:
        conn.execute(update(item_search).values(document="stale"))
        assert search.reindex_all(conn) == len(CATALOGUE)
    assert codes(engine, "我想开奶茶店") == ["SCJGJ-0001", "SCJGJ-0003"]


def _search_objects(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        if engine.dialect.name == "sqlite":
            rows = conn.execute(
                text("SELECT name FROM sqlite_master WHERE name LIKE 'item_search%'")
            )
            names |= {row[0] for row in rows}
        else:
            names |= {c["name"] for c in inspect(conn).get_columns("item_search")}
            names |= {i["name"] or "" for i in inspect(conn).get_indexes("item_search")}
    return names & {
        "search_state", "item_search_fts", "item_search_fts_insert", "item_search_fts_update",
        "item_search_fts_delete", "document_tsv", "ix_item_search_document_tsv",
    }  # fmt: skip


def test_the_migration_adds_and_removes_the_full_text_index(engine: Engine) -> None:
    added = _search_objects(engine)
    assert len(added) == (5 if engine.dialect.name == "sqlite" else 3)
    migrate.downgrade(engine, "0001")
    try:
        assert _search_objects(engine) == set()
    finally:
        migrate.upgrade(engine)
    assert _search_objects(engine) == added
