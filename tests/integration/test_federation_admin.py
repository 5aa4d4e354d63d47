"""跨城通办节点管理 on ``/admin/federation`` and ``/api/v1/admin/federation``: the catalogue admin
sets up the node, rotates its key after confirming, trusts a partner after seeing its key
fingerprints and stops trusting one with a reason; each write audited, bad input refused with
the command line's codes and nothing changed, a retried API call applied once, a window clerk
refused."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.factories import make_staff, sign_in
from tests.integration.federation_fixtures import PANYU, FakePartner
from tongban.adapters.db.tables import audit_log
from tongban.adapters.db.tables_federation import federation_node, federation_partners
from tongban.bootstrap import Container
from tongban.domain.federation.node import thumbprint
from tongban.domain.people.model import Role
from tongban.services.federation import items
from tongban.web.app import build_app

NH_URL = "https://nanhai.example"


class Admin:
    """A signed-in catalogue admin on the test app, with the session's CSRF token."""

    def __init__(self, container: Container, client: TestClient) -> None:
        self.container = container
        self.client = client
        self.csrf = sign_in(container, client, make_staff(container, Role.CATALOGUE_ADMIN))

    def post(self, path: str, **data: Any) -> Any:
        return self.client.post(
            path, data={"csrf_token": self.csrf, **data}, follow_redirects=False
        )

    def api(self, path: str, key: str | None, body: Any = None) -> Any:
        headers = {"X-CSRF-Token": self.csrf}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(f"/api/v1/admin/federation{path}", json=body, headers=headers)


@pytest.fixture
def admin(container: Container, client: TestClient) -> Admin:
    return Admin(container, client)


def state(container: Container) -> dict[str, Any]:
    """Everything a node action may change: the node row, the partners, the key files and the
    audit log."""
    with container.read() as uow:
        node = uow.conn.execute(select(federation_node.c.base_url, federation_node.c.item_codes))
        partners = uow.conn.execute(
            select(federation_partners.c.region_code, federation_partners.c.document)
        )
        audits = uow.conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
        node_rows, partner_rows = [tuple(r) for r in node], [tuple(r) for r in partners]
    keys = sorted(p.name for p in (container.settings.resolved_keys_dir() / "node").glob("*"))
    return {"node": node_rows, "partners": partner_rows, "audits": audits, "keys": keys}


def actions(container: Container) -> list[tuple[str, str, dict[str, Any]]]:
    with container.read() as uow:
        rows = uow.conn.execute(
            select(audit_log.c.action, audit_log.c.object_key, audit_log.c.detail)
            .where(audit_log.c.action.like("federation.%"))
            .order_by(audit_log.c.id)
        )
        return [(r.action, r.object_key, dict(r.detail)) for r in rows]


def set_up(admin: Admin) -> None:
    done = admin.post("/admin/federation/init", base_url=NH_URL + "/", items="NH-001, NH-002")
    assert done.status_code == 303, done.text


def test_the_admin_sets_up_the_node_and_the_page_shows_its_key(admin: Admin) -> None:
    page = admin.client.get("/admin/federation")
    assert page.status_code == 200 and "初始化本节点" in page.text
    assert "440605" in page.text and "佛山市南海区" in page.text
    set_up(admin)
    node = admin.container.node_keys
    [(kid, print_)] = [(k, thumbprint(raw)) for k, raw in node.public_keys.items()]
    page = admin.client.get("/admin/federation")
    assert NH_URL in page.text and "NH-001、NH-002" in page.text
    assert kid in page.text and print_ in page.text and "当前签名密钥" in page.text
    assert 'href="/.well-known/tongban-node.json"' in page.text
    published = admin.client.get("/.well-known/tongban-node.json").json()
    assert (published["base_url"], published["items"]) == (NH_URL, ["NH-001", "NH-002"])
    assert [a[0] for a in actions(admin.container)] == [
        "federation.node_init", "federation.key_created",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("base_url", "items", "message"),
    [
        ("ftp://nanhai.example", "", "base_url 须是 http(s) 地址"),
        ("", "", "base_url 须是 http(s) 地址"),
        (NH_URL, "NH 001/x", "事项编码无效"),
    ],
)
def test_a_bad_node_setting_is_refused_in_chinese_and_makes_no_key(
    admin: Admin, base_url: str, items: str, message: str
) -> None:
    before = state(admin.container)
    refused = admin.post("/admin/federation/init", base_url=base_url, items=items)
    assert refused.status_code == 422
    assert "节点文件无效" in refused.text and message in refused.text
    assert state(admin.container) == before


def test_rotating_the_key_needs_the_confirmation_and_keeps_the_old_key_published(
    admin: Admin,
) -> None:
    set_up(admin)
    old = admin.container.node_keys.kid
    confirm = admin.client.get("/admin/federation/rotate-key")
    assert confirm.status_code == 200 and old in confirm.text and 'name="confirm"' in confirm.text
    before = state(admin.container)
    unconfirmed = admin.post("/admin/federation/rotate-key")
    assert unconfirmed.status_code == 422 and "请确认更换节点签名密钥" in unconfirmed.text
    assert state(admin.container) == before

    done = admin.post("/admin/federation/rotate-key", confirm="yes")
    assert done.status_code == 303
    new = admin.container.node_keys.kid  # this process signs with the new key at once
    assert new != old
    kids = [k["kid"] for k in admin.client.get("/.well-known/tongban-node.json").json()["keys"]]
    assert sorted(kids) == sorted([old, new])
    assert actions(admin.container)[-1] == (
        "federation.key_rotated", "1", {"kid": new, "previous": old}
    )  # fmt: skip


def test_rotating_before_set_up_is_refused(admin: Admin) -> None:
    before = state(admin.container)
    refused = admin.post("/admin/federation/rotate-key", confirm="yes")
    assert refused.status_code == 409 and "本节点尚未初始化" in refused.text
    assert state(admin.container) == before


def test_a_partner_is_trusted_after_its_fingerprints_are_shown(admin: Admin) -> None:
    panyu = FakePartner.make(items=("PY-001",))
    document = json.dumps(panyu.document(), ensure_ascii=False)
    before = state(admin.container)
    preview = admin.post("/admin/federation/trust/preview", document=document)
    assert preview.status_code == 200
    raw = panyu.key.public_key().public_bytes_raw()
    for shown in (PANYU, "广州市番禺区", panyu.document()["base_url"], thumbprint(raw)):
        assert shown in preview.text
    assert state(admin.container) == before  # shown, not yet trusted
    confirmed = re.search(r'name="document" value="([^"]*)"', preview.text)
    assert confirmed is not None
    carried = html.unescape(confirmed.group(1))
    done = admin.post("/admin/federation/trust", document=carried)
    assert done.status_code == 303
    assert [p[0] for p in state(admin.container)["partners"]] == [PANYU]
    page = admin.client.get("/admin/federation")
    assert thumbprint(raw) in page.text and "/admin/federation/partners/440113/untrust" in page.text
    assert actions(admin.container)[-1][:2] == ("federation.trust", PANYU)


def test_a_node_file_may_be_uploaded(admin: Admin) -> None:
    document = json.dumps(FakePartner.make().document()).encode()
    preview = admin.client.post(
        "/admin/federation/trust/preview",
        data={"csrf_token": admin.csrf},
        files={"file": ("tongban-node.json", document, "application/json")},
    )
    assert preview.status_code == 200 and "确认信任" in preview.text
    done = admin.client.post(
        "/admin/federation/trust",
        data={"csrf_token": admin.csrf},
        files={"file": ("tongban-node.json", document, "application/json")},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert [p[0] for p in state(admin.container)["partners"]] == [PANYU]


def _bad_document(kind: str) -> str:
    document = FakePartner.make().document()
    if kind == "not json":
        return "{not json"
    if kind == "short key":
        document["keys"][0]["x"] = "AAAA"
    elif kind == "own":
        document["region_code"] = "440605"
    elif kind == "no keys":
        document["keys"] = []
    return json.dumps(document)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("not json", "不是 JSON 文件"),
        ("short key", "不是 32 字节的 base64url"),
        ("own", "这是本节点自己的节点文件"),
        ("no keys", "keys 须列出至少一个公钥"),
    ],
)
@pytest.mark.parametrize("step", ["/admin/federation/trust/preview", "/admin/federation/trust"])
def test_a_bad_node_document_is_refused_as_the_command_line_refuses_it(
    admin: Admin, step: str, kind: str, message: str
) -> None:
    before = state(admin.container)
    refused = admin.post(step, document=_bad_document(kind))
    assert refused.status_code == 422
    assert "节点文件无效" in refused.text and message in refused.text
    assert state(admin.container) == before


def test_untrusting_asks_for_a_reason_and_records_it(admin: Admin) -> None:
    admin.post("/admin/federation/trust", document=json.dumps(FakePartner.make().document()))
    confirm = admin.client.get(f"/admin/federation/partners/{PANYU}/untrust")
    assert confirm.status_code == 200 and "广州市番禺区" in confirm.text
    before = state(admin.container)
    refused = admin.post(f"/admin/federation/partners/{PANYU}/untrust", reason="  ")
    assert refused.status_code == 422 and "请说明不再信任该节点的原因" in refused.text
    assert state(admin.container) == before
    done = admin.post(f"/admin/federation/partners/{PANYU}/untrust", reason="合作协议到期")
    assert done.status_code == 303
    assert state(admin.container)["partners"] == []
    action, code, detail = actions(admin.container)[-1]
    assert (action, code, detail["reason"], detail["name"]) == (
        "federation.untrust", PANYU, "合作协议到期", "广州市番禺区",
    )  # fmt: skip
    gone = admin.client.get(f"/admin/federation/partners/{PANYU}/untrust")
    assert gone.status_code == 404 and "没有行政区划代码为 440113 的信任节点" in gone.text


def test_a_form_without_the_csrf_token_changes_nothing(admin: Admin) -> None:
    before = state(admin.container)
    forged = admin.client.post(
        "/admin/federation/init", data={"base_url": NH_URL}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert state(admin.container) == before


def test_a_window_clerk_may_not_manage_the_node(container: Container, client: TestClient) -> None:
    csrf = sign_in(container, client, make_staff(container, Role.CLERK))
    before = state(container)
    assert client.get("/admin/federation").status_code == 403
    assert client.get("/api/v1/admin/federation/node").status_code == 403
    refused = client.post("/admin/federation/init", data={"csrf_token": csrf, "base_url": NH_URL})
    assert refused.status_code == 403
    api = client.post(
        "/api/v1/admin/federation/partners",
        json=FakePartner.make().document(),
        headers={"X-CSRF-Token": csrf, "Idempotency-Key": "clerk-1"},
    )
    assert api.status_code == 403 and api.json()["code"] == "permission_denied"
    assert state(container) == before


# --- the JSON API ---------------------------------------------------------------------------


def test_the_api_sets_up_and_rotates_once_per_idempotency_key(admin: Admin) -> None:
    before = admin.client.get("/api/v1/admin/federation/node").json()
    assert (before["initialised"], before["base_url"], before["keys"]) == (False, None, [])
    assert admin.api("/node", None, {"base_url": NH_URL}).status_code == 428
    made = admin.api("/node", "init-1", {"base_url": NH_URL, "items": ["NH-001"]})
    assert made.status_code == 200, made.text
    body = made.json()
    assert (body["initialised"], body["base_url"], body["items"]) == (True, NH_URL, ["NH-001"])
    assert body["document_url"] == "/.well-known/tongban-node.json"
    [key] = body["keys"]
    assert key["current"] and key["kid"] == admin.container.node_keys.kid

    first = admin.api("/node/rotate-key", "rotate-1")
    again = admin.api("/node/rotate-key", "rotate-1")  # a retry: rotated once
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    keys = first.json()["keys"]
    assert len(keys) == 2 and [k["current"] for k in keys].count(True) == 1
    assert len(state(admin.container)["keys"]) == 3  # two keys and ``current``
    assert [a[0] for a in actions(admin.container)].count("federation.key_rotated") == 1
    assert admin.client.get("/api/v1/admin/federation/node").json()["keys"] == keys


def test_the_api_refuses_a_bad_setting_and_a_rotation_before_set_up(admin: Admin) -> None:
    before = state(admin.container)
    bad = admin.api("/node", "init-bad", {"base_url": "nanhai.example"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "federation_invalid_node_document"
    assert "base_url 须是 http(s) 地址" in bad.json()["message"]
    early = admin.api("/node/rotate-key", "rotate-early")
    assert early.status_code == 409 and early.json()["code"] == "federation_node_not_initialised"
    assert state(admin.container) == before


def test_the_api_trusts_and_untrusts_a_partner(admin: Admin) -> None:
    panyu = FakePartner.make(items=("PY-001",))
    bad = admin.api("/partners", "trust-bad", {**panyu.document(), "region_code": "440605"})
    assert bad.status_code == 422 and bad.json()["code"] == "federation_invalid_node_document"
    assert state(admin.container)["partners"] == []

    trusted = admin.api("/partners", "trust-1", panyu.document())
    assert trusted.status_code == 201, trusted.text
    raw = panyu.key.public_key().public_bytes_raw()
    assert trusted.json() == {
        "region_code": PANYU, "name": "广州市番禺区", "base_url": panyu.document()["base_url"],
        "items": ["PY-001"], "keys": [{"kid": panyu.kid, "thumbprint": thumbprint(raw)}],
    }  # fmt: skip
    listed = admin.client.get("/api/v1/admin/federation/partners").json()
    assert listed == [trusted.json()]

    no_reason = admin.api(f"/partners/{PANYU}/untrust", "untrust-0", {"reason": ""})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "validation_failed"
    blank = admin.api(f"/partners/{PANYU}/untrust", "untrust-blank", {"reason": "   "})
    assert blank.status_code == 422 and "reason" in blank.json()["fields"]
    assert len(state(admin.container)["partners"]) == 1
    done = admin.api(f"/partners/{PANYU}/untrust", "untrust-1", {"reason": "合作协议到期"})
    assert done.status_code == 200 and done.json() == {
        "region_code": PANYU,
        "reason": "合作协议到期",
    }
    replay = admin.api(f"/partners/{PANYU}/untrust", "untrust-1", {"reason": "合作协议到期"})
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    missing = admin.api(f"/partners/{PANYU}/untrust", "untrust-2", {"reason": "再次"})
    assert missing.status_code == 404 and missing.json()["code"] == "federation_partner_not_found"
    assert [a[0] for a in actions(admin.container)] == ["federation.trust", "federation.untrust"]


def test_the_api_operations_are_documented_with_their_ids(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    ids = {
        ("post", "/api/v1/admin/federation/node"): "federation_set_up_node",
        ("post", "/api/v1/admin/federation/node/rotate-key"): "federation_rotate_node_key",
        ("post", "/api/v1/admin/federation/partners"): "federation_trust_partner",
        ("post", "/api/v1/admin/federation/partners/{code}/untrust"): "federation_untrust_partner",
        ("post", "/api/v1/federation/cases/{case_ref}/withdraw"): "federation_withdraw_case",
    }
    for (method, path), operation_id in ids.items():
        operation = paths[path][method]
        assert operation["operationId"] == operation_id
        [key] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert key["required"] is True
        assert {"409", "422", "428"} <= set(operation["responses"])


class _Unreachable:
    """A transport whose partner answers nothing, then a partner that answers 404."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def get_json(self, url: str) -> tuple[int, Any]:
        self.calls.append(url)
        if len(self.calls) == 1:
            raise ConnectionRefusedError("connection refused")
        return 404, None


def test_the_admin_syncs_a_partner_and_a_failed_sync_changes_nothing(
    container: Container,
) -> None:
    transport = _Unreachable()
    here = dataclasses.replace(container, federation_transport=transport)
    admin = Admin(here, TestClient(build_app(here)))
    admin.post("/admin/federation/trust", document=json.dumps(FakePartner.make().document()))
    page = admin.client.get("/admin/federation")
    assert f'action="/admin/federation/partners/{PANYU}/sync"' in page.text
    before = state(here)
    down = admin.post(f"/admin/federation/partners/{PANYU}/sync")
    assert down.status_code == 422 and "无法连接伙伴节点" in down.text
    refused = admin.post(f"/admin/federation/partners/{PANYU}/sync")
    assert refused.status_code == 422 and "federation_invalid_node_document" not in refused.text
    assert "没有给出事项版本" in refused.text
    assert state(here) == before
    assert transport.calls == [FakePartner.make().document()["base_url"] + items.PATH] * 2
    unknown = admin.post("/admin/federation/partners/440999/sync")
    assert unknown.status_code == 404
