"""The in-app inbox shows a person their own delivered messages, and only theirs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.factories import make_citizen, sign_in
from tongban.bootstrap import Container
from tongban.domain.shared.clock import FixedClock
from tongban.services.platform import outbox


def _deliver(container: Container, user_id: int, title: str, link: str = "") -> None:
    with container.uow() as uow:
        outbox.enqueue_inbox(
            uow.conn, user_id, title, f"{title}：详情", link=link, now=container.clock.now()
        )
        uow.commit()
    outbox.deliver(container, "test-worker", container.clock.now())


def test_a_citizen_reads_their_own_messages_and_not_anothers(
    container: Container, client: Any
) -> None:
    me, other = make_citizen(container), make_citizen(container, name="李四")
    _deliver(container, me.user_id, "办件已受理", link="/my/cases")
    _deliver(container, other.user_id, "别人的消息")
    csrf = sign_in(container, client, me)
    page = client.get("/inbox")
    assert page.status_code == 200
    assert "办件已受理" in page.text and "别人的消息" not in page.text
    assert "未读 1 条" in page.text
    message_id = page.text.split('action="/inbox/')[1].split("/")[0]
    opened = client.post(
        f"/inbox/{message_id}/read", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert (opened.status_code, opened.headers["location"]) == (303, "/my/cases")
    assert "未读 0 条" in client.get("/inbox").text


def test_marking_someone_elses_message_is_not_found(container: Container, client: Any) -> None:
    me, other = make_citizen(container), make_citizen(container, name="李四")
    _deliver(container, other.user_id, "别人的消息")
    csrf = sign_in(container, client, me)
    answer = client.post("/inbox/1/read", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 404


def test_the_inbox_shows_beijing_time_like_every_other_page(
    container: Container, client: Any
) -> None:
    me = make_citizen(container)
    container.clock = FixedClock(datetime(2026, 11, 16, 17, 5, tzinfo=UTC))  # 01:05 next day
    _deliver(container, me.user_id, "办件已受理")
    sign_in(container, client, me)
    page = client.get("/inbox").text
    assert "2026-11-17 01:05" in page and "UTC" not in page
