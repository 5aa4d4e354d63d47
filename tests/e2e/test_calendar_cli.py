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


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands' consoles are built once per process, at import, from that moment's
    COLUMNS; here they are as wide as ``COLUMNS`` above says, whichever test imported them."""
    from tongban.cli import calendar as calendar_cli

    for console in (calendar_cli.out, calendar_cli.err):
        monkeypatch.setattr(console, "width", 200)


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


# --- the yearly procedure: template, dry run, import, status -----------------------------------


@pytest.fixture
def fresh(tmp_path: Path) -> dict[str, str]:
    """A migrated database of its own, seeded with the official years, on 6 December 2026."""
    variables = {
        "TONGBAN_DATA_DIR": str(tmp_path),
        "TONGBAN_CLOCK_START": "2026-12-06T09:30:00+08:00",
        "TONGBAN_DATABASE_URL": f"sqlite:///{tmp_path / 'tongban.db'}",
        "COLUMNS": "200",
    }
    assert CliRunner().invoke(app, ["migrate"], env=variables).exit_code == 0
    assert run(variables, "seed")[0] == 0
    return variables


def snapshot(env: dict[str, str]) -> tuple[str, str]:
    """What the stored calendar says: the 2026 and 2027 answers of ``show``."""
    return run(env, "show", "2026")[1], run(env, "show", "2027")[1]


def test_status_exits_non_zero_while_the_calendar_is_short_and_zero_after_the_import(
    fresh: dict[str, str], tmp_path: Path
) -> None:
    code, out, err = run(fresh, "status")
    assert code == 1
    assert "最后已知日：2026-12-31" in out and "今后已知 25 天" in out
    assert "少于 60 天" in err

    notice = tmp_path / "calendar-2027.csv"
    notice.write_text(notice_2027(), "utf-8")
    assert run(fresh, "import", str(notice))[0] == 0
    code, out, _ = run(fresh, "status")
    assert code == 0 and "最后已知日：2027-12-31" in out


def test_a_filled_in_template_imports_after_a_dry_run_that_changes_nothing(
    fresh: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "calendar-2027.csv"
    code, out, _ = run(fresh, "template", "2027", "--output", str(target))
    assert code == 0 and str(target) in out
    blank = target.read_text("utf-8")
    assert "# @year: 2027" in blank and "# @notice: " in blank and "调休上班" in blank
    assert run(fresh, "template", "2027", "--output", str(target))[0] == 2  # no overwrite

    code, _, err = run(fresh, "import", str(target), "--dry-run")
    assert code == 1 and "文件为空" in err  # nothing filled in yet

    filled = blank.replace("# @notice: ", "# @notice: 国办发明电〔2026〕1号").replace(
        "# @published: ", "# @published: 2026-11-20"
    )
    filled += "2026-12-27,makeup_workday,元旦\n2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n"
    target.write_text(filled, "utf-8")
    before = snapshot(fresh)

    code, out, _ = run(fresh, "import", str(target), "--dry-run")

    assert code == 0, out
    assert "预览（未写入任何数据）" in out and "国办发明电〔2026〕1号" in out
    assert "2027 年 1 月" in out and "2027 年 12 月" in out and " 1*" in out
    assert "一 二 三 四 五 六 日" in out
    assert "2026-12-27" in out and "将发生的变更（共 3 天）" in out
    assert snapshot(fresh) == before

    code, out, _ = run(fresh, "import", str(target))
    assert code == 0, out
    assert "上一年 12 月调为上班的日子：2026-12-27" in out
    shown_2026, shown_2027 = snapshot(fresh)
    assert "2026-12-27" in shown_2026 and "2027-02-06" in shown_2027
    assert run(fresh, "deadline", "2026-12-25", "1")[1] == "2026-12-27\n"


def test_the_shipped_example_is_refused_without_example(
    fresh: dict[str, str],
) -> None:
    before = snapshot(fresh)
    code, _, err = run(fresh, "import", str(EXAMPLE_2027))
    assert code == 1 and "这是示例文件" in err and "--example" in err
    code, _, err = run(fresh, "import", str(EXAMPLE_2027), "--dry-run")
    assert code == 1 and "这是示例文件" in err
    assert snapshot(fresh) == before

    code, _out, err = run(fresh, "import", str(EXAMPLE_2027), "--example")
    assert code == 0 and "标为示例年份" in err
    code, _, err = run(fresh, "status")
    assert code == 1  # an example year does not make the official calendar long enough
    assert "2027 年来自示例文件" in err


def test_a_bad_file_lists_its_problems_and_changes_nothing(
    fresh: dict[str, str], tmp_path: Path
) -> None:
    notice = tmp_path / "2027.csv"
    notice.write_text(
        "# @year: 2027\ndate,kind,name\n"
        "2027-01-01,holiday,元旦\n"
        "2027-01-01,holiday,元旦\n"
        "2027-01-04,makeup_workday,元旦\n"
        "2028-05-01,holiday,劳动节\n"
        "2027-2-30,holiday,春节\n",
        "utf-8",
    )
    before = snapshot(fresh)
    for args in ((), ("--dry-run",)):
        code, _, err = run(fresh, "import", str(notice), *args)
        assert code == 1
        for words in ("与第 3 行重复", "只能是星期六或星期日", "不属于 2027 年", "“2027-2-30”无效"):
            assert words in err
    assert snapshot(fresh) == before
