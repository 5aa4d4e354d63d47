"""``tongban keys`` and ``tongban licence verify`` as an operator and an offline verifier run them:
the verifier has only the exported jwks.json and ca.pem, and no database."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.clock import SYSTEM, TEST_START
from tests.factories import make_citizen
from tongban.bootstrap import Container
from tongban.cli.app import app
from tongban.config import Settings
from tongban.services.licences import library as licences

FIELDS = {
    "sex": "女",
    "ethnicity": "汉",
    "birth_date": "1990-07-21",
    "address": "佛山市南海区桂城街道",
}


@pytest.fixture
def env(engine: Engine, tmp_path: Path) -> dict[str, str]:
    return {
        "TONGBAN_DATA_DIR": str(tmp_path / "var"),
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
        "TONGBAN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "TONGBAN_SECRET_KEY": "cli-test-secret-" + "x" * 32,
        "COLUMNS": "200",
    }


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_keys_init_rotate_export_and_offline_verification(
    env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    code, output = run(env, "keys", "init")
    assert code == 0 and "已生成" in output
    code, output = run(env, "keys", "init")
    assert code == 0 and "未做改动" in output

    settings = Settings(
        data_dir=Path(env["TONGBAN_DATA_DIR"]), database_url=env["TONGBAN_DATABASE_URL"]
    )
    container = Container(settings=settings, engine=engine, secret_key="x")
    holder = make_citizen(container)
    with container.uow() as uow:
        licence = licences.issue(
            uow,
            SYSTEM,
            container.keys,
            type_code="id_card",
            holder_id=holder.login,
            holder_name="李秀英",
            fields=FIELDS,
        )
        uow.commit()
    pdf = tmp_path / "licence.pdf"
    pdf.write_bytes(licences.render_pdf(licence, container.keys))
    credential = tmp_path / "licence.sd-jwt"
    credential.write_text(licence.credential)

    code, output = run(env, "keys", "rotate")
    assert code == 0 and "新的签名密钥" in output
    published = tmp_path / "published"
    assert run(env, "keys", "export", str(published))[0] == 0
    assert len(json.loads((published / "jwks.json").read_text())["keys"]) == 2

    offline = {
        "COLUMNS": "200",
        "TONGBAN_DATA_DIR": str(tmp_path / "elsewhere"),
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
    }
    keys = ["--jwks", str(published / "jwks.json"), "--ca", str(published / "ca.pem")]
    for path in (pdf, credential):
        code, output = run(offline, "licence", "verify", str(path), *keys)
        assert code == 0, output
        assert licence.id in output and "不能确认证照是否已被注销" in output

    tampered = tmp_path / "tampered.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered.write_bytes(bytes(data))
    code, output = run(offline, "licence", "verify", str(tampered), *keys)
    assert code == 1 and "bad_signature" in output

    junk = tmp_path / "notes.txt"
    junk.write_text("这不是证照")
    code, output = run(offline, "licence", "verify", str(junk), *keys, "--json")
    assert code == 2 and json.loads(output)["code"] == "not_a_licence"

    code, output = run(offline, "licence", "verify", str(tmp_path / "missing.pdf"), *keys)
    assert code == 2
