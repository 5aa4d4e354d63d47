"""The service desk's pages: a person raises a problem and answers the follow-up, the centre
works on it, a question is asked, answered and published on the guide; forms refuse bad input
in Chinese beside the field and store nothing; a double click files once."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import DISTRICT_CENTRE_CODE, Person, sign_in
from tests.integration.service_desk_fixtures import Desk, build_desk
from tongban.adapters.db.tables import data_access_log
from tongban.adapters.db.tables_service_desk import consultations, hard_cases
from tongban.domain.people.model import Role


@pytest.fixture
def desk(container: object) -> Desk:
    return build_desk(container)  # type: ignore[arg-type]


def as_user(desk: Desk, client: Any, user_id: int) -> str:
    client.cookies.clear()
    return sign_in(desk.container, client, Person(user_id, f"u{user_id}", None, Role.CITIZEN))


def post(client: Any, url: str, csrf: str, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def count(desk: Desk, table: Any) -> int:
    with desk.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def version_on(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, "no version on the page"
    return found.group(1)


PROBLEM = {
    "type": "missing_proof",
    "summary": "证明开不出来",
    "description": "原单位已注销。",
    "centre_code": "C-GC",
}


def test_a_person_raises_a_problem_and_a_double_click_files_it_once(
    desk: Desk, client: Any
) -> None:
    csrf = as_user(desk, client, desk.world.citizen)
    page = client.get("/my/hard-cases")
    assert page.status_code == 200 and "反映新问题" in page.text
    assert "桂城街道行政服务中心" in page.text  # the centres to ask
    bad = post(client, "/my/hard-cases", csrf, **{**PROBLEM, "summary": "", "idem": "k1"})
    assert bad.status_code == 422 and "请用一句话概括问题" in bad.text
    assert 'name="idem" value="k1"' in bad.text  # the corrected form keeps its key
    assert count(desk, hard_cases) == 0
    first = post(client, "/my/hard-cases", csrf, **PROBLEM, idem="k1")
    again = post(client, "/my/hard-cases", csrf, **PROBLEM, idem="k1")
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert first.headers["location"] == "/my/hard-cases/BC000001?done=raised"
    assert count(desk, hard_cases) == 1
    shown = client.get("/my/hard-cases/BC000001?done=raised")
    assert "问题已登记" in shown.text and "2026-11-23" in shown.text


def test_the_centre_works_on_it_and_the_person_says_it_was_not_solved(
    desk: Desk, client: Any
) -> None:
    citizen = as_user(desk, client, desk.world.citizen)
    post(client, "/my/hard-cases", citizen, **PROBLEM, idem="p1")

    manager = as_user(desk, client, desk.manager)
    listed = client.get("/centre/hard-cases")
    assert "BC000001" in listed.text and "张**" in listed.text and "张小明" not in listed.text
    reads = count(desk, data_access_log)
    page = client.get("/centre/hard-cases/BC000001")
    assert "张小明" in page.text and "13800138000" in page.text
    assert count(desk, data_access_log) == reads + 1
    given = post(
        client,
        "/centre/hard-cases/BC000001/owner",
        manager,
        owner_id=str(desk.world.clerk),
        version=version_on(page.text),
    )
    assert given.status_code == 303

    clerk = as_user(desk, client, desk.world.clerk)
    page = client.get("/centre/hard-cases/BC000001")
    empty = post(
        client, "/centre/hard-cases/BC000001/resolve", clerk, version=version_on(page.text)
    )
    assert empty.status_code == 422 and "请选择办理结果" in empty.text
    stale = post(client, "/centre/hard-cases/BC000001/note", clerk, body="迟了", version="1")
    assert stale.status_code == 409 and "已被他人修改" in stale.text
    done = post(
        client,
        "/centre/hard-cases/BC000001/resolve",
        clerk,
        outcome="explained",
        resolution="依法不能办理，已解释。",
        version=version_on(page.text),
    )
    assert done.status_code == 303

    citizen = as_user(desk, client, desk.world.citizen)
    page = client.get("/my/hard-cases/BC000001")
    assert "问题解决了吗？" in page.text and "依法不能办理，已解释。" in page.text
    unanswered = post(client, "/my/hard-cases/BC000001/feedback", citizen)
    assert unanswered.status_code == 422 and "请选择问题是否已解决" in unanswered.text
    answered = post(client, "/my/hard-cases/BC000001/feedback", citizen, solved="no")
    assert answered.status_code == 303
    page = client.get("/my/hard-cases/BC000001")
    assert "问题解决了吗？" not in page.text and "处理中" in page.text


def test_a_clerk_registers_a_problem_for_a_person_at_the_window(desk: Desk, client: Any) -> None:
    clerk = as_user(desk, client, desk.world.clerk)
    assert "登记办不成的事" in client.get("/centre/hard-cases").text
    unknown = post(
        client,
        "/centre/hard-cases",
        clerk,
        **{**PROBLEM, "person_number": "123"},
        idem="w1",
    )
    assert unknown.status_code == 422 and count(desk, hard_cases) == 0
    done = post(
        client,
        "/centre/hard-cases",
        clerk,
        **PROBLEM,
        person_number=desk.id_number(desk.world.citizen),
        idem="w2",
    )
    assert done.headers["location"] == "/centre/hard-cases/BC000001?done=raised"
    as_user(desk, client, desk.manager)
    assert "登记办不成的事" not in client.get("/centre/hard-cases").text  # managers assign


def test_the_statistics_page_counts_by_type_centre_and_outcome(desk: Desk, client: Any) -> None:
    csrf = as_user(desk, client, desk.world.citizen)
    post(client, "/my/hard-cases", csrf, **PROBLEM, idem="s1")
    as_user(desk, client, desk.manager)
    page = client.get("/centre/hard-cases/stats")
    assert page.status_code == 200
    assert re.search(r'id="total">1<', page.text)
    assert "证明材料难以取得" in page.text and "桂城街道行政服务中心" in page.text
    wrong = client.get("/centre/hard-cases/stats?since=2026-12-01&until=2026-11-01")
    assert wrong.status_code == 422 and "结束日期不能早于开始日期" in wrong.text


def test_a_question_from_the_guide_is_answered_and_published_as_a_faq(
    desk: Desk, client: Any
) -> None:
    citizen = as_user(desk, client, desk.world.citizen)
    guide = client.get("/items/SCJGJ-0001")
    assert "/my/questions?item=SCJGJ-0001" in guide.text and "暂无常见问题" in guide.text
    form = client.get("/my/questions?item=SCJGJ-0001")
    assert 'value="SCJGJ-0001"' in form.text
    empty = post(client, "/my/questions", citizen, item_code="SCJGJ-0001", question="", idem="q0")
    assert empty.status_code == 422 and "请填写要咨询的问题" in empty.text
    assert count(desk, consultations) == 0
    asked = post(
        client, "/my/questions", citizen, item_code="SCJGJ-0001", question="周末能办吗？", idem="q1"
    )
    assert asked.headers["location"] == "/my/questions/ZX000001?done=asked"

    reviewer = as_user(desk, client, desk.world.reviewer)
    page = client.get("/questions/ZX000001")
    assert "张小明" in page.text and "发布为常见问题" not in page.text
    answered = post(
        client,
        "/questions/ZX000001/answer",
        reviewer,
        answer="周六上午可以办理。",
        version=version_on(page.text),
    )
    assert answered.status_code == 303

    chief = as_user(desk, client, desk.world.chief)
    page = client.get("/questions/ZX000001")
    assert "发布为常见问题" in page.text
    published = post(
        client,
        "/questions/ZX000001/faq",
        chief,
        faq_question="周末能办理吗？",
        faq_answer="周六上午可以办理。",
    )
    assert published.status_code == 303
    assert "从办事指南撤下" in client.get("/questions/ZX000001").text

    client.cookies.clear()
    guide = client.get("/items/SCJGJ-0001")
    assert "周末能办理吗？" in guide.text and "周六上午可以办理。" in guide.text
    citizen = as_user(desk, client, desk.world.citizen)
    mine = client.get("/my/questions/ZX000001")
    assert "周六上午可以办理。" in mine.text


def test_the_pages_speak_english_where_the_shell_does(desk: Desk, client: Any) -> None:
    as_user(desk, client, desk.world.citizen)
    page = client.get("/my/hard-cases?lang=en")
    assert 'lang="en"' in page.text and "Raise a new problem" in page.text
    assert "反映新问题" not in page.text
    asked = client.get("/my/questions?lang=en")
    assert "Ask a question" in asked.text


def test_the_visits_page_counts_every_open_escalation_of_the_centre(
    desk: Desk, client: Any
) -> None:
    citizen = desk.world.citizen
    for day in ("2026-11-02", "2026-11-03", "2026-11-16"):  # two are overdue on DAY
        desk.raise_(citizen, day=day)
    desk.raise_(citizen, centre_code=DISTRICT_CENTRE_CODE)  # another centre's: not counted
    with desk.container.read() as uow:
        due = uow.conn.execute(select(hard_cases.c.due_on).order_by(hard_cases.c.id)).scalars()
        overdue = sum(1 for d in list(due)[:3] if d < date(2026, 11, 16))
    assert overdue == 2
    as_user(desk, client, desk.manager)
    page = client.get("/centre/visits")
    assert page.status_code == 200
    assert "在办 3 件，其中超期 2 件" in page.text.split('id="hard-open"')[1]


def test_the_problem_form_suggests_the_persons_newest_cases(desk: Desk, client: Any) -> None:
    older, newer = desk.case_number(), desk.case_number()
    as_user(desk, client, desk.world.citizen)
    page = client.get("/my/hard-cases").text
    suggested = page.split('<datalist id="own-cases">')[1].split("</datalist>")[0]
    assert suggested.index(newer) < suggested.index(older)
