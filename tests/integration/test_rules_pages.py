"""The 秒批 pages and the rule editor through HTTP: the phone form with its locked values and
consent, the decision page with the human review, and the admin's validate, dry-run, publish."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from tests.factories import Person, sign_in
from tests.integration.test_rules import SmartWorld, build_smart_world, demo_spec, publish_demo
from tests.integration.test_smart_approval import ALLOWANCE, FORM, elder
from tongban.domain.people.model import Role


@pytest.fixture
def world(container: Any) -> SmartWorld:
    return build_smart_world(container, (ALLOWANCE,))


def form_of(csrf: str, **values: str) -> dict[str, str]:
    return {"csrf_token": csrf, **{f"form.{k}": v for k, v in values.items()}}


def test_a_citizen_applies_on_the_page_and_asks_for_a_human_review(
    world: SmartWorld, client: Any
) -> None:
    publish_demo(world, ALLOWANCE)
    who = elder(world, date(1951, 3, 1))
    csrf = sign_in(world.container, client, who.person)
    page = client.get(f"/smart/{ALLOWANCE}")
    assert page.status_code == 200
    assert re.search(r'name="form.applicant_name" value="陈伯" readonly', page.text)
    idem = re.search(r'name="idem" value="(\w+)"', page.text)
    assert idem is not None
    fields = {**form_of(csrf, **{**FORM, "birth_date": "1951-03-01"}), "idem": idem.group(1)}
    refused = client.post(f"/smart/{ALLOWANCE}", data=fields)
    assert refused.status_code == 422 and "请勾选同意授权" in refused.text
    done = client.post(
        f"/smart/{ALLOWANCE}", data={**fields, "consent": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303
    again = client.post(
        f"/smart/{ALLOWANCE}", data={**fields, "consent": "yes"}, follow_redirects=False
    )
    assert again.headers["location"] == done.headers["location"]  # one case, not two
    decision = client.get(done.headers["location"])
    assert "已转工作人员审查" in decision.text and "申请人年满80周岁" in decision.text
    number = done.headers["location"].rsplit("/", 1)[1]
    blank = client.post(f"/smart/cases/{number}/human-review", data={"csrf_token": csrf})
    assert blank.status_code == 422
    asked = client.post(
        f"/smart/cases/{number}/human-review",
        data={"csrf_token": csrf, "reason": "下个月满80岁"},
    )
    assert asked.status_code == 200 and "您已于" in asked.text


def test_the_admin_validates_dry_runs_and_publishes_in_the_editor(
    world: SmartWorld, client: Any
) -> None:
    admin = Person(world.admin, "", "", Role.CATALOGUE_ADMIN)
    csrf = sign_in(world.container, client, admin)
    spec = demo_spec(ALLOWANCE)
    rows: dict[str, str] = {}
    for i, rule in enumerate(spec.rules):
        rows |= {
            f"rules-{i}-id": rule.id,
            f"rules-{i}-statement": rule.statement,
            f"rules-{i}-expression": rule.expression,
            f"rules-{i}-legal_basis": rule.legal_basis,
            f"rules-{i}-kind": rule.kind.value,
        }
    rows["rules-1-expression"] = "pred.household_in_shanghai"
    saved = client.post(
        f"/admin/rules/{ALLOWANCE}/draft",
        data={"csrf_token": csrf, "effective_from": "2026-01-01", "title": "试行", **rows},
    )
    assert saved.status_code == 200 and "编辑草稿（第 1 版）" in saved.text
    checked = client.post(
        f"/admin/rules/{ALLOWANCE}/validate", data={"csrf_token": csrf, "version": "1"}
    )
    assert "未声明的变量：pred.household_in_shanghai" in checked.text
    refused = client.post(
        f"/admin/rules/{ALLOWANCE}/publish",
        data={"csrf_token": csrf, "version": "1", "lock_version": "1"},
    )
    assert refused.status_code == 422 and "rule_unknown_variable" not in refused.text
    assert "未声明的变量" in refused.text
    tried = client.post(
        f"/admin/rules/{ALLOWANCE}/dry-run", data={"csrf_token": csrf, "version": "1"}
    )
    assert "历史办件 0 件" in tried.text
    rows["rules-1-expression"] = "pred.household_in_nanhai"
    client.post(
        f"/admin/rules/{ALLOWANCE}/draft",
        data={"csrf_token": csrf, "effective_from": "2026-01-01", "lock_version": "1", **rows},
    )
    published = client.post(
        f"/admin/rules/{ALLOWANCE}/publish",
        data={"csrf_token": csrf, "version": "1", "lock_version": "2"},
    )
    assert published.status_code == 200 and "已发布" in published.text
    assert client.get("/admin/rules").status_code == 200
    opened = client.get("/admin/rules?code=mzj-0004", follow_redirects=False)
    assert opened.headers["location"] == f"/admin/rules/{ALLOWANCE}"
