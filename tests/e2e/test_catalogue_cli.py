"""``tongban catalogue ...`` against a fresh SQLite database: the full demo catalogue of 2,155
items is imported from JSON and its figures are the seed's (可网办率 93.55% and the rest)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from tests.clock import TEST_START
from tongban.adapters.db import migrate
from tongban.adapters.db.engine import build_engine
from tongban.adapters.db.tables import departments
from tongban.cli.app import app
from tongban.demo import generate
from tongban.demo.departments import DEPARTMENTS
from tongban.services.catalogue.items import spec_to_json


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A migrated database holding the 28 departments and no items."""
    url = f"sqlite:///{tmp_path / 'tongban.db'}"
    engine = build_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        rows = [{"code": d.code, "name": d.name, "short_name": d.short_name} for d in DEPARTMENTS]
        conn.execute(insert(departments), rows)
    engine.dispose()
    return {
        "TONGBAN_DATA_DIR": str(tmp_path),
        "TONGBAN_DATABASE_URL": url,
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
        "COLUMNS": "200",
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["catalogue", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def catalogue_file(path: Path, items: list[dict[str, object]]) -> Path:
    document = {"format": "tongban-catalogue", "version": 1, "items": items}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_full_catalogue_imports_and_shows_the_seed_figures(
    env: dict[str, str], tmp_path: Path
) -> None:
    specs = generate.full_catalogue()
    source = catalogue_file(tmp_path / "full.json", [spec_to_json(s) for s in specs])
    code, out, err = run(env, "import", str(source))
    assert code == 0, err
    assert "新增 2155" in out, out
    code, out, _ = run(env, "stats")
    assert code == 0
    expected = generate.catalogue_figures(specs)
    for figure in ("2,155", "2,016", "93.55%", "340", "51", f"{expected['certificate_free']:,}"):
        assert figure in out, (figure, out)
    code, out, _ = run(env, "stats", "--json")
    figures = json.loads(out)["figures"]
    assert {name: figures[name] for name in expected} == {
        name: str(value) if isinstance(value, Decimal) else value
        for name, value in expected.items()
    }


def test_stats_by_department_and_level_add_up(env: dict[str, str], tmp_path: Path) -> None:
    specs = generate.full_catalogue()[:300]
    source = catalogue_file(tmp_path / "part.json", [spec_to_json(s) for s in specs])
    assert run(env, "import", str(source))[0] == 0
    for by in ("department", "level"):
        code, out, _ = run(env, "stats", "--by", by, "--json")
        assert code == 0
        groups = json.loads(out)["groups"]
        assert sum(g["figures"]["items"] for g in groups) == 300
    code, out, _ = run(env, "stats", "--by", "level")
    assert code == 0 and "合计" in out


def test_a_bad_file_is_listed_row_by_row_and_imports_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    items = [spec_to_json(s) for s in generate.full_catalogue()[:20]]
    items[6]["level"] = "province"
    items[11]["department_code"] = "NOPE"
    code, _, err = run(env, "import", str(catalogue_file(tmp_path / "bad.json", items)))
    assert code == 1
    assert "共 2 处错误" in err
    assert "level" in err and "不是允许的取值" in err
    assert "department_code" in err and "未知部门编码：NOPE" in err
    assert json.loads(run(env, "stats", "--json")[1])["figures"]["items"] == 0


def test_an_export_round_trips_through_import(env: dict[str, str], tmp_path: Path) -> None:
    specs = generate.full_catalogue()[:100]
    source = catalogue_file(tmp_path / "part.json", [spec_to_json(s) for s in specs])
    assert run(env, "import", str(source))[0] == 0
    for name in ("export.json", "export.xlsx"):
        code, out, _ = run(env, "export", str(tmp_path / name))
        assert code == 0 and "已导出 100 个事项" in out
        code, out, err = run(env, "import", str(tmp_path / name))
        assert code == 0, err
        assert "未变 100" in out
    assert run(env, "export", str(tmp_path / "export.csv"))[0] == 2
