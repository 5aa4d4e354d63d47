"""Catalogue search benchmark: the full 2,155-item catalogue, ~30 citizen queries, per engine.

    .venv/bin/python bench/search_bench.py [--search-rounds 100] [--search-warmup 3]
    TONGBAN_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/search_bench.py

Times ``search_items`` in-process (inside a read-only unit of work, as the search page calls
it), every query once per round, round after round, after a few untimed warm-up rounds (the
first search after start-up builds the vocabulary: printed on its own).  Prints figures in
milliseconds; never fails on time.  Target (the issue): p99 under 10 ms on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass

from common import (
    MEASURED_HEADERS,
    BenchDatabase,
    CpuMeter,
    Figures,
    Measured,
    Timings,
    databases,
    print_table,
)

from tongban.services.catalogue import search

TARGET_MS = 10.0
QUERIES: tuple[str, ...] = (
    "社保", "shbzk", "shebao", "shehuibaozhangka", "我想开奶茶店", "营业执照", "公积金提取",
    "社报卡", "shebaokka", "身份证", "身份正补办", "驾照换证", "我想生孩子", "退休", "养老金",
    "医保", "个体户", "开店", "结婚证", "户口迁移", "新生儿落户", "失业金", "食品经营许可证",
    "施工许可", "宅基地", "无犯罪记录证明", "怎么办理居住证", "yyzz", "gongjijin", "网约车",
    "营业执找", "残疾证",
)  # fmt: skip


@dataclass(frozen=True)
class SearchFigures:
    engine: str
    search: Measured
    """``search_items`` alone: the issue's figure."""
    with_uow: Measured
    """Opening the read-only unit of work, ``search_items``, closing it."""
    cold_vocabulary_ms: float
    first_run: Figures


def _search_once(db: BenchDatabase, query: str, inner: Timings, outer: Timings) -> None:
    def searched() -> None:
        with db.container.read() as uow:
            inner.add(lambda: search.search_items(uow.conn, query))

    outer.add(searched)


def run(db: BenchDatabase, *, rounds: int, warmup: int) -> SearchFigures:
    print(f"\n== search_items on {db.label}: {len(QUERIES)} queries × {rounds} rounds "
          f"(+{warmup} warm-up rounds)")  # fmt: skip
    search._cache.clear()  # the first search after start-up builds the vocabulary
    started = time.perf_counter()
    with db.container.read() as uow:
        vocab = search.vocabulary(uow.conn)
    cold_ms = (time.perf_counter() - started) * 1000
    print(f"vocabulary build (first search after start-up): {cold_ms:.1f} ms, {len(vocab)} terms")
    first, scratch = Timings(), Timings()
    for query in QUERIES:  # typo and prefix look-ups not memoised yet
        _search_once(db, query, first, scratch)
    for _ in range(warmup):
        for query in QUERIES:
            _search_once(db, query, scratch, scratch)
    per_query = {q: Timings() for q in QUERIES}
    every, outer = Timings(), Timings()
    with CpuMeter() as meter:
        for _ in range(rounds):
            for query in QUERIES:
                _search_once(db, query, per_query[query], outer)
    rows: list[list[str]] = []
    with db.container.read() as uow:
        for query in QUERIES:
            result = search.search_items(uow.conn, query)
            wall, cpu = per_query[query].figures()
            every.wall += per_query[query].wall
            every.cpu += per_query[query].cpu
            top = result.hits[0].name if result.hits else "-"
            cells = [f"{wall.median:.2f}", f"{wall.max:.2f}", f"{cpu.median:.2f}"]
            rows.append([query, str(result.total), *cells, top, result.suggestion or ""])
    headers = ["query", "hits", "median ms", "max ms", "CPU median", "top hit", "您是不是要找"]
    print_table(headers, rows)
    figures = SearchFigures(
        engine=db.label,
        search=Measured.of(every, meter),
        with_uow=Measured.of(outer, meter),
        cold_vocabulary_ms=cold_ms,
        first_run=Figures.of(first.wall),
    )
    first_cells = [*figures.first_run.cells(), "-", "-", "-"]
    print_table(
        ["", *MEASURED_HEADERS],
        [
            ["search_items", *figures.search.cells()],
            ["read unit of work + search_items", *figures.with_uow.cells()],
            ["first run of each query (cold memo)", *first_cells],
        ],
    )
    return figures


def run_all(dbs: Sequence[BenchDatabase], *, rounds: int, warmup: int) -> list[SearchFigures]:
    return [run(db, rounds=rounds, warmup=warmup) for db in dbs]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--search-rounds", type=int, default=100, help="rounds of every query")
    parser.add_argument("--search-warmup", type=int, default=3, help="untimed rounds first")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args()
    with databases() as dbs:
        results = run_all(dbs, rounds=args.search_rounds, warmup=args.search_warmup)
    print_table(
        ["engine", *MEASURED_HEADERS, "target p99 ms"],
        [[r.engine, *r.search.cells(), f"{TARGET_MS:.0f}"] for r in results],
        title="search_items, all queries",
    )


if __name__ == "__main__":
    main()
