"""``tongban calendar ...`` against a fresh SQLite database, as an operator would run it right
after ``tongban migrate``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import tongban
from tests.calendar_fixtures import notice_2027
from tests.clock import TEST_START
from tongban.cli.app import app

EXAMPLE_2027 = Path(tongban.__file__).parent / "demo" / "data" / "calendar-2027-example.csv"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated, empty database; the calendar is seeded by the first command that needs it."""
    data_dir = tmp_path_factory.mktemp("cli")
    variables = {
        "TONGBAN_DATA_DIR": str(data_dir),
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
        "TONGBAN_DATABASE_URL": f"sqlite:///{data_dir / 'tongban.db'}",
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(app, ["migrate"], env=variables)
    assert result.exit_code == 0, result.output
    return variables


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["calendar", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_deadline_prints_only_the_date(env: dict[str, str]) -> None:
    assert run(env, "deadline", "2026-02-13", "5") == (0, "2026-02-27\n", "")


def test_deadline_skips_a_clock_stop(env: dict[str, str]) -> None:
    code, out, _ = run(env, "deadline", "2026-03-02", "5", "--stop", "2026-03-03:2026-03-05")
    assert (code, out) == (0, "2026-03-11\n")


def test_a_date_in_an_unknown_year_is_refused_in_chinese(env: dict[str, str]) -> None:
    code, out, err = run(env, "deadline", "2031-03-03", "5")
    assert code == 2
    assert out == ""
    assert "工作日历尚未包含" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2026-02-30", "5"), "起算日“2026-02-30”无效"),
        (("2026-02-13", "-1"), "期限不能为负数"),
        (("2026-02-13", "五"), "期限“五”无效"),
        (("2026-02-13", "5", "--stop", "3月3日"), "暂停时段“3月3日”无效"),
    ],
)
def test_bad_input_is_refused_in_chinese(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(env, "deadline", *args)
    assert (code, out) == (2, "")
    assert message in err


def test_a_bad_notice_is_listed_row_by_row_and_changes_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    notice = tmp_path / "2028.csv"
    notice.write_text(
        "date,kind,name\n2028-01-01,holiday,元旦\n2028-01-03,makeup_workday,元旦\n", "utf-8"
    )
    code, _, err = run(env, "import", str(notice))
    assert code == 1
    assert "3" in err and "调休上班日只能是星期六或星期日" in err
    assert run(env, "show", "2028")[0] == 2


def test_importing_next_years_notice_extends_the_calendar(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert run(env, "seed")[0] == 0
    notice = tmp_path / "calendar-2027.csv"
    notice.write_text(notice_2027(), "utf-8")
    code, out, _ = run(env, "import", str(notice))
    assert code == 0, out
    assert "2027" in out

    code, out, _ = run(env, "show", "2027")
    assert code == 0
    assert "2027-02-05" in out and "春节" in out and "调休上班" in out

    code, out, _ = run(env, "status")
    assert code == 0
    assert "2027-12-31" in out
    assert run(env, "deadline", "2026-12-30", "5")[1] == "2027-01-07\n"


def test_seeding_again_adds_nothing(env: dict[str, str]) -> None:
    assert run(env, "seed")[0] == 0
    code, out, _ = run(env, "seed")
    assert code == 0
    assert "无需写入" in out
