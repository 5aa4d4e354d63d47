"""``tongban service-account`` and ``tongban token`` as an operator runs them: the token is
printed once and works on the API until it is revoked."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.clock import TEST_START
from tongban.cli.app import app
from tongban.config import Settings
from tongban.web.app import build_app


@pytest.fixture
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data_dir = tmp_path_factory.mktemp("tokens")
    variables = {
        "TONGBAN_DATA_DIR": str(data_dir),
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
        "TONGBAN_DATABASE_URL": f"sqlite:///{data_dir / 'tongban.db'}",
        "COLUMNS": "200",
    }
    assert CliRunner().invoke(app, ["migrate"], env=variables).exit_code == 0
    return variables


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_issue_use_list_and_revoke_a_token(env: dict[str, str]) -> None:
    code, out, err = run(
        env, "service-account", "add", "hotline", "12345 热线", "--role", "auditor"
    )
    assert code == 0, err
    code, out, err = run(env, "token", "issue", "hotline", "--name", "工单查询", "--days", "30")
    assert code == 0, err
    token = out.strip()
    assert token.startswith("tbk_") and "只显示这一次" in err
    token_id = token.split("_")[1]

    from tongban.bootstrap import build_container

    settings = Settings(
        data_dir=env["TONGBAN_DATA_DIR"],
        database_url=env["TONGBAN_DATABASE_URL"],
        clock_start=TEST_START,
    )
    with TestClient(build_app(build_container(settings))) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["name"] == "12345 热线"
        code, out, _ = run(env, "token", "list")
        assert code == 0 and token_id in out and "有效" in out and token not in out
        assert run(env, "token", "revoke", token_id)[0] == 0
        again = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert again.status_code == 401
        assert "已吊销" in run(env, "token", "list", "hotline")[1]


def test_bad_input_is_refused_in_chinese_and_changes_nothing(env: dict[str, str]) -> None:
    code, _, err = run(env, "service-account", "add", "x1", "某系统", "--role", "citizen")
    assert code == 2 and "服务账号只能持有工作人员角色" in err
    code, _, err = run(env, "token", "issue", "nobody", "--name", "n")
    assert code == 2 and "没有名为 nobody 的服务账号" in err
    assert run(env, "service-account", "add", "dash", "大屏", "--role", "leader")[0] == 0
    code, _, err = run(env, "token", "issue", "dash", "--name", "n", "--scope", "catalogue_admin")
    assert code == 2 and "超出了服务账号的角色" in err
    code, _, err = run(env, "token", "revoke", "000000000000")
    assert code == 2 and "找不到访问令牌" in err
    code, out, _ = run(env, "token", "list")
    assert code == 0 and "dash" not in out  # no token was issued
