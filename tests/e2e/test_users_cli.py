"""``tongban users ...`` as a district's user administrator runs it on a fresh database with
the demo's departments and centres: an import with one bad row changes nothing; a good one
creates every account, which signs in with its one-time password."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from typer.testing import CliRunner

from tests.clock import TEST_START
from tongban.bootstrap import build_container
from tongban.cli.app import app
from tongban.config import Settings
from tongban.web.app import build_app

GOOD = (
    "账号,姓名,角色,手机\n"
    "li.ming,李明,clerk@C-GC,13800138001\n"
    "chen.jing,陈静,reviewer:SCJGJ；section_chief:SCJGJ,\n"
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One database with the demo's departments and centres; the bad import runs first and
    changes nothing, so the good one finds it as loaded."""
    tmp_path = tmp_path_factory.mktemp("users")
    variables = {
        "TONGBAN_DATA_DIR": str(tmp_path),
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
        "TONGBAN_DATABASE_URL": f"sqlite:///{tmp_path / 'tongban.db'}",
        "COLUMNS": "200",
    }
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"], env=variables).exit_code == 0
    loaded = runner.invoke(app, ["demo", "--scale", "small"], env=variables)
    assert loaded.exit_code == 0, loaded.output
    return variables


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["users", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def client_for(env: dict[str, str]) -> TestClient:
    settings = Settings(
        data_dir=env["TONGBAN_DATA_DIR"],
        database_url=env["TONGBAN_DATABASE_URL"],
        clock_start=TEST_START,
    )
    return TestClient(build_app(build_container(settings)))


def passwords(out: str) -> dict[str, str]:
    found = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) == 2 and cells[0] and cells[0] != "账号":
            found[cells[0]] = cells[1]
    return found


def test_one_bad_row_imports_nothing_and_names_every_error(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "staff.csv"
    bad.write_text(
        GOOD + "wang.fang,王芳,clerk@NO-SUCH,\n" + "li.ming,李明二,astronaut,138\n",
        encoding="utf-8",
    )
    code, _out, err = run(env, "import", str(bad))
    assert code == 2
    assert "未导入任何数据" in err
    assert "第 4 行（roles）：未知的服务中心 NO-SUCH" in err
    assert "第 5 行（username）：与第 2 行的账号重复" in err
    assert "第 5 行（roles）：未知角色“astronaut”" in err
    assert "第 5 行（phone）" in err
    good_only = tmp_path / "good.csv"
    good_only.write_text(GOOD, encoding="utf-8")
    code, out, _err = run(env, "import", str(good_only), "--dry-run")
    assert code == 0 and "检查通过：2 行" in out
    with client_for(env) as client:  # nothing was created by either run
        answer = client.post("/api/v1/auth/login", json={"login": "li.ming", "password": "x" * 12})
        assert answer.status_code == 401


def test_an_xlsx_import_creates_accounts_that_sign_in_and_can_be_managed(
    env: dict[str, str], tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in GOOD.splitlines():
        sheet.append(line.split(","))
    path = tmp_path / "staff.xlsx"
    book.save(path)
    code, out, err = run(env, "import", str(path))
    assert code == 0, err
    issued = passwords(out)
    assert set(issued) == {"li.ming", "chen.jing"}
    with client_for(env) as client:
        first = {"login": "chen.jing", "password": issued["chen.jing"]}
        refused = client.post("/api/v1/auth/login", json=first)
        assert (refused.status_code, refused.json()["code"]) == (403, "password_change_required")
        signed = client.post("/api/v1/auth/login", json={**first, "new_password": "Chen@Jing2026"})
        assert signed.status_code == 200
        roles = {(r["role"], r["department"]) for r in signed.json()["user"]["roles"]}
        assert roles == {("reviewer", "SCJGJ"), ("section_chief", "SCJGJ")}

        code, out, _ = run(env, "grant-role", "li.ming", "centre_manager@C-GC")
        assert code == 0 and "已授予" in out
        assert "已有角色" in run(env, "grant-role", "li.ming", "centre_manager@C-GC")[1]
        code, out, _ = run(env, "reset-password", "li.ming")
        fresh = passwords(out)["li.ming"]
        client.cookies.clear()
        old = client.post(
            "/api/v1/auth/login", json={"login": "li.ming", "password": issued["li.ming"]}
        )
        assert old.status_code == 401
        client.cookies.clear()
        new = client.post(
            "/api/v1/auth/login",
            json={"login": "li.ming", "password": fresh, "new_password": "LiMing#2026"},
        )
        assert new.status_code == 200
        assert run(env, "disable", "li.ming")[0] == 0
        assert client.get("/api/v1/me").status_code == 401  # its session ended at once
    assert run(env, "disable", "nobody")[0] == 2
