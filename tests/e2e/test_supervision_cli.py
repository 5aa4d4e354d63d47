"""``tongban supervision draw replay`` and ``tongban licence verify --revocation-list`` as an
auditor and an offline verifier run them: a recorded draw replays, a changed one does not; a
licence revoked after an inspection fails offline against the signed revocation list."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from tests.clock import TEST_START
from tests.integration.supervision_fixtures import Supervised, supervised
from tests.integration.test_cases import world
from tongban.adapters.db.tables_supervision import supervision_draws
from tongban.cli.app import app
from tongban.services.licences import library, revocations

__all__ = ["supervised", "world"]


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def env_of(s: Supervised) -> dict[str, str]:
    settings = s.world.container.settings
    return {
        "TONGBAN_DATA_DIR": str(settings.data_dir),
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
        "TONGBAN_DATABASE_URL": settings.database_url,
        "TONGBAN_SECRET_KEY": "cli-test-secret-" + "x" * 32,
        "COLUMNS": "200",
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_a_recorded_draw_replays_and_a_changed_one_is_caught(supervised: Supervised) -> None:
    s = supervised
    s.place()
    s.approve("甲店")
    s.approve("乙店")
    made = s.draw(size=1)
    env = env_of(s)
    code, output = run(env, "supervision", "draw", "replay", made.number)
    assert code == 0 and "核对通过" in output
    with s.world.container.uow() as uow:
        uow.conn.execute(update(supervision_draws).values(inspector_pool=[1, 2, 3]))
        uow.commit()
    code, output = run(env, "supervision", "draw", "replay", made.number, "--json")
    found = json.loads(output)
    assert code == 1 and not found["ok"] and not found["inspector_pool_ok"]
    code, output = run(env, "supervision", "draw", "replay", "CQ999999")
    assert code == 2 and "CQ999999" in output


def test_offline_verification_with_the_revocation_list_refuses_a_revoked_licence(
    supervised: Supervised, tmp_path: Path
) -> None:
    s = supervised
    _, licence_id = s.approve()
    keys = s.world.container.keys
    with s.world.container.read() as uow:
        licence = library.get(uow.conn, licence_id)
        before = revocations.signed_list(uow.conn, keys, TEST_START)
    credential = tmp_path / "licence.sd-jwt"
    credential.write_text(licence.credential)
    listed = tmp_path / "licence-revocations.json"
    listed.write_text(json.dumps(before))
    env = env_of(s)
    code, output = run(env, "licence", "verify", str(credential), "--revocation-list", str(listed))
    assert code == 0 and "注销证照清单" in output, output

    with s.world.container.uow() as uow:
        library.revoke(uow, s.actor(None), licence_id, "批后监管检查：无证经营")
    with s.world.container.read() as uow:
        after = revocations.signed_list(uow.conn, keys, TEST_START)
    listed.write_text(json.dumps(after))
    code, output = run(env, "licence", "verify", str(credential), "--revocation-list", str(listed))
    assert code == 1 and "revoked" in output

    forged = dict(after, payload=before["payload"])  # the old list's content, the new signature
    listed.write_text(json.dumps(forged))
    code, output = run(env, "licence", "verify", str(credential), "--revocation-list", str(listed))
    assert code == 2 and "签名无效" in output
