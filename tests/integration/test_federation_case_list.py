"""The HTML list of 跨城通办 cases is read a page at a time by keyset, as the API is: its 下一页
links reach every case however many there are (the 201st and beyond too), keep the role
filter, and a cursor that does not decode is refused."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from tests.clock import TEST_START
from tests.factories import make_citizen, make_staff, sign_in
from tests.integration.federation_fixtures import PANYU
from tongban.adapters.db.tables_federation import federation_cases
from tongban.bootstrap import Container
from tongban.domain.people.model import Role

CASES = 205
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')
REF = re.compile(r'<a href="/federation/cases/([^"]+)">')


def ref(n: int) -> str:
    return f"440605-20261116-{n:05d}"


def case_row(n: int) -> dict[str, Any]:
    at = TEST_START + timedelta(minutes=n)
    return {"role": "in" if n % 10 == 0 else "out", "partner": PANYU, "case_ref": ref(n),
            "item_code": "PY-001", "applicant_name": "李四", "applicant_id_type": "resident_id",
            "applicant_id_number": "440105199001011234", "form": {}, "materials": [],
            "consent": {}, "clerk": {}, "status": "handed_over", "remote_status": "received",
            "remote_detail": {}, "created_at": at, "updated_at": at}  # fmt: skip


@pytest.fixture
def many_cases(container: Container) -> list[str]:
    """``CASES`` cases, the first and oldest received (role ``in``) every tenth, the rest
    handed over; newest first, as the list shows them."""
    rows = [case_row(n) for n in range(1, CASES + 1)]
    with container.uow() as uow:
        uow.conn.execute(insert(federation_cases), rows)
        uow.commit()
    return [ref(n) for n in range(CASES, 0, -1)]


def walk(client: TestClient, url: str) -> tuple[list[str], list[str]]:
    """Every case reference the list shows, following 下一页; and the pages' addresses."""
    seen, pages = [], [url]
    while True:
        page = client.get(url)
        assert page.status_code == 200
        seen += REF.findall(page.text)
        found = NEXT.search(page.text)
        if found is None:
            return seen, pages
        url = html.unescape(found.group(1))
        pages.append(url)
        assert len(pages) < 20, "the next-page links do not end"


def test_every_case_is_reached_page_by_page(
    container: Container, client: TestClient, many_cases: list[str]
) -> None:
    sign_in(container, client, make_staff(container, Role.CLERK))
    seen, pages = walk(client, "/federation/cases")
    assert seen == many_cases  # each once, newest first, the 201st and beyond included
    assert len(pages) > 4 and ref(1) in seen
    last = client.get(pages[-1])
    assert "回到第一页" in last.text and 'rel="next"' not in last.text


def test_the_role_filter_is_kept_from_page_to_page(
    container: Container, client: TestClient, many_cases: list[str]
) -> None:
    sign_in(container, client, make_staff(container, Role.AUDITOR))
    seen, pages = walk(client, "/federation/cases?role=out")
    assert seen == [r for r in many_cases if int(r[-5:]) % 10 != 0]
    assert all("role=out" in page for page in pages)


def test_a_cursor_that_does_not_decode_is_refused(container: Container, client: TestClient) -> None:
    sign_in(container, client, make_staff(container, Role.CLERK))
    answer = client.get("/federation/cases", params={"after": "not-a-cursor"})
    assert answer.status_code == 422 and "分页游标无效" in answer.text


def test_an_applicant_may_not_read_the_list(container: Container, client: TestClient) -> None:
    sign_in(container, client, make_citizen(container))
    assert client.get("/federation/cases").status_code == 403
