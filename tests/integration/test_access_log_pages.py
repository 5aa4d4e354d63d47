"""A person's access log comes a page at a time and never stops silently: the pages, followed
by their Link headers, hold every entry once — data-space reads and staff reads, several of
them at one instant — and a forged cursor is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert

from tests.clock import TEST_START
from tests.factories import PASSWORD, make_citizen, make_staff
from tongban.adapters.db.tables import data_access_log
from tongban.adapters.db.tables_data_space import data_access_events
from tongban.bootstrap import Container
from tongban.domain.people.model import Role


def test_the_pages_hold_every_entry_once_in_order(container: Container, client: Any) -> None:
    citizen = make_citizen(container)
    clerk = make_staff(container, Role.CLERK)
    with container.uow() as uow:
        holder = uow.conn.execute(data_access_events.select().limit(0)).keys()  # the table exists
        del holder
    number = citizen.login
    instants = [TEST_START - timedelta(minutes=m) for m in (1, 2, 2, 2, 3, 4)]  # ties at 2
    with container.uow() as uow:
        for n, at in enumerate(instants):
            uow.conn.execute(
                insert(data_access_events).values(
                    holder_id=number, at=at, actor_id=clerk.user_id, role="department",
                    department_code="SCJGJ", item_code=None, kind="licence",
                    what={"types": ["id_card"]}, purpose=f"读取 {n}", case_number=None,
                    outcome="allowed", legal_basis=None,
                )
            )  # fmt: skip
            uow.conn.execute(
                insert(data_access_log).values(
                    at=at, actor_id=clerk.user_id, subject_id=citizen.user_id,
                    what=f"case:NH2026111600000{n}", purpose=f"受理 {n}", allowed=True,
                )
            )  # fmt: skip
        uow.commit()
    login = client.post("/api/v1/auth/login", json={"login": number, "password": PASSWORD})
    assert login.status_code == 200
    everything = client.get("/api/v1/me/data/access-log").json()
    assert len(everything) == 12

    seen: list[tuple[str, str]] = []
    url: str | None = "/api/v1/me/data/access-log?limit=5"
    pages = 0
    while url:
        answer = client.get(url)
        assert answer.status_code == 200
        seen += [(e["at"], e["purpose"]) for e in answer.json()]
        link = answer.headers.get("Link")
        url = link.split(">")[0].lstrip("<") if link else None
        assert (link is None) == ("X-Next-Cursor" not in answer.headers)
        pages += 1
    assert pages == 3  # 5 + 5 + 2
    assert seen == [(e["at"], e["purpose"]) for e in everything]  # each once, same order
    assert len(set(seen)) == 12
    assert [at for at, _ in seen] == sorted((at for at, _ in seen), reverse=True)


def test_a_forged_cursor_is_refused_with_its_code(container: Container, client: Any) -> None:
    citizen = make_citizen(container)
    client.post("/api/v1/auth/login", json={"login": citizen.login, "password": PASSWORD})
    for bad in ("nonsense", "bm9wZQ", "MjAyNi0xMS0xNnwxfA"):
        answer = client.get("/api/v1/me/data/access-log", params={"cursor": bad})
        assert answer.status_code == 422 and answer.json()["code"] == "cursor_invalid", bad


def test_the_data_space_page_links_to_the_older_entries(container: Container, client: Any) -> None:
    citizen = make_citizen(container)
    clerk = make_staff(container, Role.CLERK)
    with container.uow() as uow:
        uow.conn.execute(
            insert(data_access_log),
            [
                {
                    "at": TEST_START - timedelta(minutes=n),
                    "actor_id": clerk.user_id,
                    "subject_id": citizen.user_id,
                    "what": f"case:NH20261116{n:06d}",
                    "purpose": f"受理第{n}件",
                    "allowed": True,
                }
                for n in range(203)
            ],
        )
        uow.commit()
    client.post("/api/v1/auth/login", json={"login": citizen.login, "password": PASSWORD})
    first = client.get("/me/data")
    assert "受理第0件" in first.text and "受理第199件" in first.text
    assert "受理第200件" not in first.text and "更早的记录" in first.text
    older = first.text.split('href="/me/data?log=')[1].split("#")[0]
    second = client.get(f"/me/data?log={older}")
    assert "受理第202件" in second.text and "受理第199件" not in second.text
    assert "更早的记录" not in second.text and "最新的记录" in second.text
