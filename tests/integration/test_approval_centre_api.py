"""The online approval centre over HTTP and on its pages: claim with an Idempotency-Key (a
replay claims nothing new), the loser's 409, the chief's assign / reassign / settings, the
figures, and a reviewer of another department refused with 403."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import Person, sign_in
from tests.integration.approval_centre_fixtures import Centre, build_centre
from tongban.adapters.db.tables import departments
from tongban.domain.people.model import Role
from tongban.services.approval_centre import assignment as centre
from tongban.services.approval_centre import queries as q
from tongban.web import paging

API = "/api/v1/approval-centre"
_keys = itertools.count(1)


@pytest.fixture
def c(container: object) -> Centre:
    return build_centre(container)


def as_user(c: Centre, client: Any, user_id: int, role: Role = Role.REVIEWER) -> dict[str, str]:
    client.cookies.clear()
    csrf = sign_in(c.world.container, client, Person(user_id, f"u{user_id}", None, role))
    return {"X-CSRF-Token": csrf}


def post(client: Any, headers: dict[str, str], path: str, body: Any = None, key: str = "") -> Any:
    sent = {**headers, "Idempotency-Key": key or f"ac-{next(_keys)}"}
    return client.post(f"{API}/{path}", json=body if body is not None else {}, headers=sent)


def test_a_claim_is_applied_once_per_key_and_a_second_reviewer_gets_409(
    c: Centre, client: Any
) -> None:
    number = c.submit()
    a = as_user(c, client, c.a)
    assert [r["number"] for r in client.get(f"{API}/queue").json()] == [number]
    first = post(client, a, "claim", {"number": number}, key="claim-1")
    assert first.status_code == 200, first.text
    assert first.json()["assignee_id"] == c.a and first.json()["action"] == "claimed"
    again = post(client, a, "claim", {"number": number}, key="claim-1")
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    mine = client.get(f"{API}/mine").json()
    assert [(r["number"], r["case_url"]) for r in mine] == [(number, f"/review/cases/{number}")]

    b = as_user(c, client, c.b)
    lost = post(client, b, "claim", {"number": number})
    assert lost.status_code == 409 and lost.json()["code"] == "already_claimed"
    assert client.get(f"{API}/queue").json() == []
    missing = post(client, b, "claim", {"number": "NH20000101-000001"})
    assert missing.status_code == 404 and missing.json()["code"] == "not_in_approval_centre"
    assert post(client, b, "claim-next").json()["code"] == "queue_empty"
    released = post(client, as_user(c, client, c.a), "release", {"number": number})
    assert released.json()["assignee_id"] is None
    assert post(client, as_user(c, client, c.b), "claim-next").json()["number"] == number


def test_a_reviewer_of_another_department_is_refused(c: Centre, client: Any) -> None:
    number = c.submit()
    other = as_user(c, client, c.world.other_reviewer)
    for path in ("queue", "mine", "figures", "settings"):
        assert client.get(f"{API}/{path}").status_code == 403, path
    assert post(client, other, "claim", {"number": number}).status_code == 403
    assert post(client, other, "claim-next").status_code == 403
    assert client.get("/approval-centre").status_code == 403
    assert client.get("/approval-centre/mine").status_code == 403


def test_the_chief_assigns_reassigns_and_sets_the_strategy(c: Centre, client: Any) -> None:
    first, second = c.submit("2026-11-02", 9), c.submit("2026-11-02", 10)
    reviewer = as_user(c, client, c.a)
    assert post(client, reviewer, "assign", {"number": first}).status_code == 403
    chief = as_user(c, client, c.chief, Role.SECTION_CHIEF)
    [settings] = client.get(f"{API}/settings").json()
    assert (settings["strategy"], settings["version"]) == ("least_loaded", 0)
    saved = client.put(
        f"{API}/settings",
        json={"strategy": "round_robin", "skills": {str(c.b): ["食品经营"]}, "version": 0},
        headers={**chief, "Idempotency-Key": "settings-1"},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["skills"] == {str(c.b): ["食品经营"]} and saved.json()["version"] == 1
    stale = client.put(
        f"{API}/settings",
        json={"strategy": "skill", "version": 0},
        headers={**chief, "Idempotency-Key": "settings-2"},
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    named = post(client, chief, "assign", {"number": first, "assignee_id": c.c})
    assert (named.json()["assignee_id"], named.json()["strategy"]) == (c.c, None)
    auto = post(client, chief, "assign-queue", {"limit": 5}).json()
    assert [(r["number"], r["assignee_id"], r["strategy"]) for r in auto] == [
        (second, c.a, "round_robin")
    ]
    moved = post(client, chief, "reassign", {"from_user_id": c.c, "to_user_id": c.b}).json()
    assert [(r["number"], r["assignee_id"], r["action"]) for r in moved] == [
        (first, c.b, "reassigned")
    ]
    wrong = post(client, chief, "assign", {"assignee_id": c.world.other_reviewer})
    assert wrong.json()["code"] in ("queue_empty", "not_centre_reviewer")
    figures = client.get(f"{API}/figures").json()
    loads = {r["user_id"]: r["load"] for r in figures["reviewers"]}
    assert loads == {c.a: 1, c.b: 1, c.c: 0} and figures["queue"]["size"] == 0


def test_the_pages_show_the_queue_and_let_a_reviewer_claim_and_release(
    c: Centre, client: Any
) -> None:
    green = c.submit("2026-11-03", 9, priority=1)
    older = c.submit("2026-11-02", 9)
    headers = as_user(c, client, c.a)
    page = client.get("/approval-centre")
    assert page.status_code == 200
    text = page.text
    assert text.index(green) < text.index(older) and "绿色通道" in text
    assert "分派设置" not in text  # not for a reviewer
    form = {"csrf_token": headers["X-CSRF-Token"]}
    done = client.post("/approval-centre/mine/claim-next", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("done=claim-next")
    mine = client.get("/approval-centre/mine").text
    assert green in mine and f"/review/cases/{green}" in mine and older not in mine
    back = client.post("/approval-centre/mine/release", data={**form, "number": green})
    assert back.status_code == 200 and "已退回队列" in back.text
    lost = client.post("/approval-centre/mine/release", data={**form, "number": green})
    assert lost.status_code == 409 and "没有人办理" in lost.text

    chief = as_user(c, client, c.chief, Role.SECTION_CHIEF)
    form = {"csrf_token": chief["X-CSRF-Token"]}
    assert "分派设置" in client.get("/approval-centre").text
    settings = client.get("/approval-centre/settings")
    assert settings.status_code == 200 and 'name="skills.' in settings.text
    saved = client.post(
        "/approval-centre/settings",
        data={**form, "strategy": "skill", "version": "0", f"skills.{c.b}": "食品经营，SCJGJ-00*"},
    )
    assert saved.status_code == 200 and "设置已保存" in saved.text
    assert 'value="SCJGJ-00*, 食品经营"' in saved.text
    assigned = client.post("/approval-centre/manage/assign", data={**form, "number": older})
    assert "已分派" in assigned.text
    with c.world.container.read() as uow:
        market = select(departments.c.id).where(departments.c.code == "SCJGJ")
        held = q.held(uow.conn, [uow.conn.execute(market).scalar_one()])
    assert [(x.number, x.assignee_id) for x in held] == [(older, c.b)]


def _walk(client: Any, url: str, param: str, numbers: list[str], table: str) -> list[str]:
    """Follow one list's "next page" links and return the numbers its table showed, in order."""
    seen: list[str] = []
    next_url: str | None = url
    while next_url is not None:
        answer = client.get(next_url)
        assert answer.status_code == 200, answer.text[-2000:]
        section = answer.text.split(f'id="{table}"')[1].split("</section>")[0]
        body = section.split("</table>")[0]
        seen += sorted((n for n in numbers if n in body), key=body.index)
        found = re.search(rf'href="([^"]*[?&]{param}=[^"]+)" rel="next"', section)
        next_url = found.group(1).replace("&amp;", "&") if found else None
    return seen


def test_the_overview_and_mine_pages_page_every_list_instead_of_stopping(
    c: Centre, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "PAGE_ROWS", 2)
    numbers = [c.submit("2026-11-02", 8 + n) for n in range(8)]
    for n in numbers[:5]:
        c.run(centre.claim, c.a, n)
    as_user(c, client, c.chief, Role.SECTION_CHIEF)
    queued, held = numbers[5:], numbers[:5]
    assert _walk(client, "/approval-centre", "after", numbers, "queue-table") == queued
    overview = client.get("/approval-centre").text
    assert re.search(r'id="held-count">5<', overview)
    assert _walk(client, "/approval-centre", "held_after", numbers, "held-table") == held
    # the held list's second page keeps the queue on its first, and vice versa
    second = re.search(r'href="([^"]*held_after=[^"]+)" rel="next"', overview)
    assert second is not None
    page = client.get(second.group(1).replace("&amp;", "&")).text
    assert "回到第一页" in page and numbers[5] in page.split('id="queue-table"')[1]
    as_user(c, client, c.a)
    mine = client.get("/approval-centre/mine").text
    assert re.search(r'id="mine-count">5<', mine) and re.search(r'id="waiting-count">3<', mine)
    assert _walk(client, "/approval-centre/mine", "after", numbers, "mine-table") == held
    assert client.get("/approval-centre/mine", params={"after": "forged"}).status_code == 422
