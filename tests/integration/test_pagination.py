"""Every list of /api/v1 is read a page at a time and never stops silently: the document says so
for each list (``limit`` with its default and maximum, ``cursor``, the ``Link`` header), and
following ``Link: rel="next"`` visits every row once, in the list's own order."""

from __future__ import annotations

import base64
import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.clock import TEST_START
from tests.factories import Person, make_citizen, make_service_token, make_staff, sign_in
from tests.integration.test_cases import application, at_window, build_world, file_online
from tests.integration.test_inbox import _deliver
from tongban.adapters.db.tables import cases
from tongban.bootstrap import Container
from tongban.domain.cases.status import CaseStatus
from tongban.domain.people.model import Role
from tongban.services.cases import queries
from tongban.services.people.sessions import load_principal
from tongban.services.platform.paging import DEFAULT_LIMIT, MAX_LIMIT
from tongban.web import paging
from tongban.web.pages.cases.citizen import clock_colours

NOT_PAGED = {
    "/api/v1/centres/nearest": "the nearest few centres to a point (its own limit, at most 20)",
    "/api/v1/places": "place-name suggestions while typing (its own limit)",
    "/api/v1/indicators": "indicator definitions: to follow the contract with the indicators work",
    "/api/v1/indicators/measures": "the fixed set of measures formulas may use",
}
"""Lists that are answers of a fixed, small size rather than collections to walk through."""


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        found: dict[str, Any] = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
        return found
    return schema


def list_operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every GET of /api/v1 whose answer is a JSON array, by path."""
    found = {}
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None or not path.startswith("/api/v1/"):
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is not None and _schema(document, schema).get("type") == "array":
            found[path] = operation
    return found


def test_every_list_in_the_api_document_is_paginated(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    lists = list_operations(document)
    assert {"/api/v1/cases", "/api/v1/projects", "/api/v1/hard-cases"} <= set(lists)
    assert set(NOT_PAGED) <= set(lists), "an exemption names a list that is gone"
    unpaged = []
    for path, operation in sorted(lists.items()):
        if path in NOT_PAGED:
            continue
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        limit = parameters.get("limit", {}).get("schema", {})
        headers = operation["responses"]["200"].get("headers", {})
        if not (
            "cursor" in parameters
            and limit.get("default") == DEFAULT_LIMIT
            and limit.get("maximum") == MAX_LIMIT
            and {"Link", "X-Next-Cursor"} <= set(headers)
        ):
            unpaged.append(path)
    assert unpaged == [], f"lists without limit/cursor/Link: {unpaged}"


def _walk(client: TestClient, url: str, headers: dict[str, str]) -> list[list[Any]]:
    """Follow ``Link: rel="next"`` from ``url`` to the last page; the pages' bodies."""
    pages: list[list[Any]] = []
    next_url: str | None = url
    while next_url is not None:
        answer = client.get(next_url, headers=headers)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        link = answer.headers.get("Link")
        assert (link is None) == ("X-Next-Cursor" not in answer.headers)
        next_url = link[1 : link.index(">")] if link else None
        assert len(pages) < 50, "the pages never end"
    return pages


def test_following_next_visits_every_case_once_in_the_queues_order(
    container: Container, client: TestClient
) -> None:
    world = build_world(container)
    filed = [file_online(container, world.actor(world.citizen), application()) for _ in range(5)]
    _user, token = make_service_token(container, Role.REVIEWER)
    headers = {"Authorization": f"Bearer {token}"}
    whole = client.get("/api/v1/cases", headers=headers)
    assert whole.status_code == 200 and "Link" not in whole.headers
    everything = [c["number"] for c in whole.json()]
    assert sorted(everything) == sorted(ref.number for ref in filed)

    pages = _walk(client, "/api/v1/cases?limit=2", headers)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [c["number"] for p in pages for c in p] == everything


def test_a_citizens_cases_page_by_page_newest_first(
    container: Container, client: TestClient
) -> None:
    world = build_world(container)
    filed = [file_online(container, world.actor(world.citizen), application()) for _ in range(3)]
    sign_in(container, client, Person(world.citizen, "", None, Role.CITIZEN))
    pages = _walk(client, "/api/v1/cases?limit=1", {})
    assert [c["number"] for p in pages for c in p] == [r.number for r in reversed(filed)]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": MAX_LIMIT + 1}, "limit_too_large"),
        ({"limit": 0}, "validation_failed"),
        ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor_invalid"),
        ({"cursor": base64.urlsafe_b64encode(b'[["d","2026-11-16"]]').decode()}, "cursor_invalid"),
        ({"cursor": base64.urlsafe_b64encode(b'[["i",1],["i",2]]').decode()}, "cursor_invalid"),
    ],
)
def test_a_limit_too_large_or_a_forged_cursor_is_refused_with_its_code(
    container: Container, client: TestClient, params: dict[str, Any], code: str
) -> None:
    build_world(container)
    _user, token = make_service_token(container, Role.REVIEWER)
    headers = {"Authorization": f"Bearer {token}"}
    for path in ("/api/v1/cases", "/api/v1/licence-types", "/api/v1/items/SCJGJ-0001/versions"):
        answer = client.get(path, params=params, headers=headers)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["code"] == code, (path, answer.json())
        if code == "limit_too_large":
            assert str(MAX_LIMIT) in answer.json()["message"]


def test_a_small_list_is_cut_the_same_way(container: Container, client: TestClient) -> None:
    build_world(container)
    whole = client.get("/api/v1/licence-types")
    assert whole.status_code == 200 and len(whole.json()) >= 2
    pages = _walk(client, "/api/v1/licence-types?limit=1", {})
    assert all(len(p) == 1 for p in pages)
    assert [d["code"] for p in pages for d in p] == [d["code"] for d in whole.json()]


def test_the_my_cases_page_links_to_the_next_page_instead_of_stopping(
    container: Container, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "PAGE_ROWS", 2)
    world = build_world(container)
    filed = [file_online(container, world.actor(world.citizen), application()) for _ in range(3)]
    sign_in(container, client, Person(world.citizen, "", None, Role.CITIZEN))
    newest_first = [r.number for r in reversed(filed)]
    first = client.get("/my/cases")
    assert first.status_code == 200
    shown = [n for n in newest_first if n in first.text]
    assert shown == newest_first[:2]
    found = re.search(r'href="(/my/cases\?after=[^"]+)" rel="next"', first.text)
    assert found is not None and "回到第一页" not in first.text
    second = client.get(found.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert [n for n in newest_first if n in second.text] == newest_first[2:]
    assert 'rel="next"' not in second.text and "回到第一页" in second.text
    forged = client.get("/my/cases", params={"after": "forged"})
    assert forged.status_code == 422


def test_the_inbox_pages_by_time_and_id_even_for_messages_of_one_instant(
    container: Container, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A seek on a timestamp: five messages delivered at one instant, two a page, each once."""
    monkeypatch.setattr(paging, "PAGE_ROWS", 2)
    me = make_citizen(container)
    for n in range(5):
        _deliver(container, me.user_id, f"第{n}条消息")
    sign_in(container, client, me)
    seen: list[str] = []
    url: str | None = "/inbox"
    while url is not None:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.text[-3000:])
        seen += re.findall(r"第(\d)条消息：详情", answer.text)
        found = re.search(r'href="(/inbox\?after=[^"]+)" rel="next"', answer.text)
        url = found.group(1) if found else None
    assert seen == ["4", "3", "2", "1", "0"]


def test_the_centre_overview_counts_every_open_case_and_pages_its_lists(
    container: Container, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counts by SQL over all open cases (they agree with each line's clock colour); the alerts
    (late first) and the open cases each page on their own, every case once."""
    monkeypatch.setattr(paging, "PAGE_ROWS", 2)
    world = build_world(container)
    due = ["2026-11-12", "2026-11-10", "2026-11-17", "2026-11-16", "2026-12-30", "2026-12-29"]
    numbers = [at_window(world).number for _ in due]
    with container.uow() as uow:
        for number, day in zip(numbers, due, strict=True):
            uow.conn.execute(
                update(cases)
                .where(cases.c.number == number)
                .values(status=CaseStatus.ACCEPTED.value, deadline=date.fromisoformat(day))
            )
        uow.commit()
    manager = make_staff(container, Role.CENTRE_MANAGER).user_id
    sign_in(container, client, Person(manager, "", None, Role.CENTRE_MANAGER))
    with container.read() as uow:
        everything = queries.centre_queue(uow.conn, load_principal(uow.conn, manager))
        colours = clock_colours(uow.conn, TEST_START.date(), everything, 1)
    assert list(colours.values()).count("red") == 2
    assert list(colours.values()).count("yellow") == 2

    def walk(param: str, heading: str) -> list[str]:
        seen: list[str] = []
        url: str | None = "/centre"
        while url is not None:
            answer = client.get(url)
            assert answer.status_code == 200, answer.text[-2000:]
            assert 'id="open-count">6<' in answer.text
            assert 'id="red-count">2<' in answer.text and 'id="yellow-count">2<' in answer.text
            section = answer.text.split(f'id="{heading}"')[1].split("</section>")[0]
            seen += sorted((n for n in numbers if n in section), key=section.index)
            found = re.search(rf'href="([^"]*[?&]{param}=[^"]+)" rel="next"', section)
            url = found.group(1).replace("&amp;", "&") if found else None
        return seen

    by_deadline = [numbers[i] for i in (1, 0, 3, 2)]
    assert walk("alerts_after", "alerts") == by_deadline
    late_first = [*[numbers[i] for i in (1, 0, 3, 2)], numbers[5], numbers[4]]
    assert walk("after", "open") == late_first
