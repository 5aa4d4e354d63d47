"""跨城通办, the node: ``tongban node init | show | trust | untrust | rotate-key``, the published
node document, and a bad partner file refused with its code and nothing changed."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.clock import TEST_START
from tests.integration.federation_fixtures import PANYU, FakePartner
from tongban.adapters.db.tables import audit_log
from tongban.adapters.db.tables_federation import federation_partners
from tongban.bootstrap import Container
from tongban.cli.app import app
from tongban.domain.federation.node import parse_node_document


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def cli(container: Container, *args: str) -> Any:
    env = {
        "TONGBAN_DATABASE_URL": container.engine.url.render_as_string(hide_password=False),
        "TONGBAN_DATA_DIR": str(container.settings.data_dir),
        "TONGBAN_CLOCK_START": TEST_START.isoformat(),
        "TONGBAN_SECRET_KEY": "cli-test-secret-" + "x" * 32,
        "COLUMNS": "200",
    }
    return CliRunner().invoke(app, list(args), env=env)


def published(container: Container) -> dict[str, Any]:
    result = cli(container, "node", "show")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output[: result.output.rindex("}") + 1]))


def state(container: Container) -> tuple[list[Any], int]:
    with container.read() as uow:
        partners = list(uow.conn.execute(select(federation_partners)))
        audits = uow.conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    return partners, audits


def test_node_init_publishes_the_jurisdiction_a_key_and_the_items(container: Container) -> None:
    result = cli(
        container, "node", "init", "--base-url", "https://nanhai.example/", "--item", "NH-001"
    )
    assert result.exit_code == 0, result.output
    assert "已生成节点签名密钥" in result.output
    document = published(container)
    assert document["region_code"] == "440605"
    assert document["name"] == "佛山市南海区"
    assert document["base_url"] == "https://nanhai.example"
    assert document["items"] == ["NH-001"]
    node = parse_node_document(document)  # a partner can read what this node publishes
    assert len(node.keys) == 1
    licence_kids = [k["kid"] for k in container.keys.jwks()["keys"]]
    assert [k["kid"] for k in node.licence_keys] == licence_kids  # its licences' keys too
    key_file = next((container.settings.data_dir / "keys" / "node").glob("*.key.pem"))
    assert key_file.stat().st_mode & 0o777 == 0o600

    again = cli(container, "node", "init", "--base-url", "https://nanhai.example")
    assert "节点签名密钥已存在" in again.output
    assert published(container)["items"] == ["NH-001"]  # kept when not given

    rotated = cli(container, "node", "rotate-key")
    assert rotated.exit_code == 0, rotated.output
    assert len(published(container)["keys"]) == 2  # the old key stays published
    with container.read() as uow:
        actions = list(uow.conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)))
    assert [a.action for a in actions if a.action.startswith("federation.")] == [
        "federation.node_init", "federation.key_created", "federation.node_init",
        "federation.key_rotated",
    ]  # fmt: skip


def test_rotating_before_init_is_refused(container: Container) -> None:
    result = cli(container, "node", "rotate-key")
    assert result.exit_code == 2
    assert "federation_node_not_initialised" in result.output


def test_node_init_needs_a_base_url(container: Container) -> None:
    result = cli(container, "node", "init")
    assert result.exit_code == 2
    assert "federation_invalid_node_document" in result.output
    assert cli(container, "node", "show").exit_code == 2


def test_trust_stores_a_partner_and_untrust_removes_it(
    container: Container, tmp_path: Path
) -> None:
    panyu = FakePartner.make(items=("PY-001",))
    path = tmp_path / "panyu.json"
    path.write_text(json.dumps(panyu.document(), ensure_ascii=False), encoding="utf-8")
    result = cli(container, "node", "trust", str(path))
    assert result.exit_code == 0, result.output
    assert "已信任伙伴节点：广州市番禺区（440113）" in result.output
    partners, audits = state(container)
    assert [p.region_code for p in partners] == [PANYU]

    no_reason = cli(container, "node", "untrust", PANYU)
    assert no_reason.exit_code == 2 and "请说明不再信任该节点的原因" in no_reason.output
    assert state(container) == (partners, audits)
    assert cli(container, "node", "untrust", PANYU, "--reason", "协议到期").exit_code == 0
    assert state(container) == ([], audits + 1)
    missing = cli(container, "node", "untrust", PANYU, "--reason", "协议到期")
    assert missing.exit_code == 2
    assert "federation_partner_not_found" in missing.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "不是 JSON 文件"),
        ('{"tongban_node": 1}', "region_code 须是 6 位行政区划代码"),
        ("short-key", "不是 32 字节的 base64url"),
        ("ec-key", "公钥须为 Ed25519"),
        ("own", "这是本节点自己的节点文件"),
    ],
)
def test_a_bad_partner_file_is_refused_and_nothing_changes(
    container: Container, tmp_path: Path, content: str, message: str
) -> None:
    document = FakePartner.make().document()
    if content == "short-key":
        document["keys"][0]["x"] = "AAAA"
        content = json.dumps(document)
    elif content == "ec-key":
        document["keys"][0]["crv"] = "P-256"
        content = json.dumps(document)
    elif content == "own":
        document["region_code"] = "440605"
        content = json.dumps(document)
    path = tmp_path / "partner.json"
    path.write_text(content, encoding="utf-8")
    before = state(container)
    result = cli(container, "node", "trust", str(path))
    assert result.exit_code == 2
    assert message in result.output
    assert "federation_invalid_node_document" in result.output
    assert state(container) == before


def test_the_node_document_is_published_at_its_well_known_address(
    container: Container, client: Any
) -> None:
    before = client.get("/.well-known/tongban-node.json")
    assert before.status_code == 409
    assert "本节点尚未初始化" in before.text
    cli(container, "node", "init", "--base-url", "https://nanhai.example", "--item", "NH-001")
    answer = client.get("/.well-known/tongban-node.json")
    assert answer.status_code == 200
    assert answer.json() == published(container)
    assert "d" not in answer.json()["keys"][0]  # never the private half
