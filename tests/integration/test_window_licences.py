# ruff: noqa: F811  (the ``holder`` fixture is imported)
"""免证办 at the window on both databases: after the clerk identifies the applicant and records
their consent, the window application shows the materials the e-licences supply and the form
filled from them (locked); filing takes them onto the case at trust level A, each read in the
holder's log with the case number.  Without consent nothing is read; a grant revoked before
filing is refused and nothing is filed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.calendar_fixtures import seed_test_calendar
from tests.factories import Person, sign_in
from tests.integration.data_space_fixtures import Holder, holder  # noqa: F401
from tests.integration.test_prefill import ITEM, publish
from tongban.adapters.db.tables import cases
from tongban.adapters.db.tables_data_space import data_access_events, data_grants
from tongban.domain.people.model import Role
from tongban.services.cases import repository as repo
from tongban.services.data_space import reads as data_space
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor

ID_CARD = "申请人居民身份证"
HUKOU = "户口簿"
PAPER = "经营场所使用证明"
LOCKED = {"form.applicant_name": "冒名顶替", "form.birth_date": "2000-01-01"}
NOTE = "未授权调取电子证照，请先在免证核验页面取得申请人同意"


def as_clerk(world: Holder, client: Any) -> str:
    client.cookies.clear()
    return sign_in(world.container, client, Person(world.clerk, "", None, Role.CLERK))


def post(client: Any, url: str, csrf: str, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def identify(world: Holder, client: Any, *, consent: bool) -> str:
    """The clerk reads the applicant's ID card and, if ``consent``, records 当面授权."""
    publish(world)
    seed_test_calendar(world.container)
    csrf = as_clerk(world, client)
    card = post(client, "/window/identify/card", csrf, id_number=world.id_number, name="陈阿婆")
    assert card.status_code == 200, card.text
    if consent:
        data = {"applicant": str(world.user_id), "item_code": ITEM}
        done = post(client, "/window/identify/consent", csrf, **data)
        assert done.headers["location"] == f"/window/apply?applicant={world.user_id}&item={ITEM}"
    return csrf


def case_count(world: Holder) -> int:
    with world.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(cases)).scalar_one())


def reads(world: Holder) -> list[Any]:
    """The holder's data-space reads (their log also lists staff reads such as the identity
    check at the window, which are not reads of the data space)."""
    with world.container.read() as uow:
        log = data_space.access_log(uow.conn, world.id_number)
    return [entry for entry in log if entry.kind != "staff_read"]


def apply_data(world: Holder, **extra: Any) -> dict[str, Any]:
    return {
        "applicant": str(world.user_id),
        "item": ITEM,
        "form.address": "别处",
        "form.phone": "13800138000",
        **extra,
    }


def test_with_consent_the_licences_supply_materials_and_locked_form_values(
    holder: Holder, client: Any
) -> None:
    csrf = identify(holder, client, consent=True)
    page = client.get(f"/window/apply?applicant={holder.user_id}&item={ITEM}")
    assert page.status_code == 200
    assert NOTE not in page.text and 'name="licences" value="yes"' in page.text
    assert "可信等级 A" in page.text and "证照编号" in page.text and "来源：电子证照" in page.text
    assert 'value="1940-05-01" readonly' in page.text and "陈阿婆" in page.text
    assert holder.id_number not in page.text
    shown = reads(holder)
    assert {e.kind for e in shown} == {"prefill", "material"}
    assert all(e.outcome == "allowed" and e.case_number is None for e in shown)

    # The clerk ticks only the paper material; typed values of locked fields are overridden.
    data = apply_data(holder, **LOCKED, licences="yes", action="accept", materials=[PAPER])
    data["licence_materials"] = [ID_CARD, HUKOU]
    done = post(client, "/window/apply", csrf, **data)
    assert done.status_code == 303, done.text
    with holder.container.read() as uow:
        number = uow.conn.execute(select(cases.c.number)).scalar_one()
        case = repo.get(uow.conn, number)
    assert case.status.value == "accepted" and number in done.headers["location"]
    assert set(case.materials) == {ID_CARD, HUKOU, PAPER}
    assert set(case.material_sources) == {ID_CARD, HUKOU}
    assert {s["trust_level"] for s in case.material_sources.values()} == {"A"}
    assert {s["type"] for s in case.material_sources.values()} == {"id_card", "hukou"}
    assert case.material_sources[ID_CARD]["licence_id"] in holder.issued
    assert case.form["applicant_name"] == "陈阿婆"
    assert case.form["birth_date"] == "1940-05-01"
    assert case.form["address"] == "广东省佛山市南海区桂城街道南海大道1号"
    with_case = [e for e in reads(holder) if e.case_number == number]
    assert {e.kind for e in with_case} == {"prefill", "material"}
    assert {e.outcome for e in with_case} == {"allowed"}
    assert {e.item_code for e in with_case} == {ITEM}


def test_without_consent_nothing_is_read_and_the_page_says_so(holder: Holder, client: Any) -> None:
    csrf = identify(holder, client, consent=False)
    page = client.get(f"/window/apply?applicant={holder.user_id}&item={ITEM}")
    assert page.status_code == 200
    assert NOTE in page.text and 'href="/window/identify"' in page.text
    assert 'name="licences"' not in page.text and "readonly" not in page.text
    typed = {"form.applicant_name": "陈阿婆", "form.birth_date": "1940-05-01"}
    data = apply_data(holder, **typed, action="receive", materials=[ID_CARD, HUKOU])
    done = post(client, "/window/apply", csrf, **data)
    assert done.status_code == 303, done.text
    with holder.container.read() as uow:
        case = repo.get(uow.conn, uow.conn.execute(select(cases.c.number)).scalar_one())
    assert case.material_sources == {} and set(case.materials) == {ID_CARD, HUKOU}
    assert case.form["address"] == "别处"
    assert reads(holder) == []


def test_a_grant_revoked_before_filing_is_refused_and_nothing_is_filed(
    holder: Holder, client: Any
) -> None:
    csrf = identify(holder, client, consent=True)
    page = client.get(f"/window/apply?applicant={holder.user_id}&item={ITEM}")
    assert 'name="licences" value="yes"' in page.text
    with holder.container.uow() as uow:
        grant_id = uow.conn.execute(select(data_grants.c.id)).scalar_one()
        principal = load_principal(uow.conn, holder.user_id)
        data_space.revoke_grant(
            uow, Actor(principal=principal, at=holder.container.clock.now()), grant_id
        )
    before = len(reads(holder))

    data = apply_data(holder, **LOCKED, licences="yes", action="accept", materials=[PAPER])
    data["licence_materials"] = [ID_CARD, HUKOU]
    refused = post(client, "/window/apply", csrf, **data)
    assert refused.status_code == 403, refused.text
    assert "未获得数据持有人的有效授权" in refused.text and NOTE in refused.text
    assert case_count(holder) == 0
    after = reads(holder)
    assert len(after) == before + 1  # the refused attempt, logged; nothing read
    assert after[0].outcome == "refused" and after[0].case_number is not None
    with holder.container.read() as uow:
        allowed = select(func.count()).where(
            data_access_events.c.outcome == "allowed",
            data_access_events.c.case_number.is_not(None),
        )
        assert uow.conn.execute(allowed).scalar_one() == 0


def test_a_second_click_on_the_window_form_files_nothing_twice(holder: Holder, client: Any) -> None:
    csrf = identify(holder, client, consent=False)
    page = client.get(f"/window/apply?applicant={holder.user_id}&item={ITEM}")
    key = page.text.split('name="idem" value="')[1].split('"')[0]
    assert len(key) == 32
    typed = {"form.applicant_name": "陈阿婆", "form.birth_date": "1940-05-01"}
    materials = [ID_CARD, HUKOU, PAPER]
    data = apply_data(holder, **typed, action="accept", materials=materials, idem=key)
    first = post(client, "/window/apply", csrf, **data)
    again = post(client, "/window/apply", csrf, **data)
    assert first.status_code == again.status_code == 303, again.text
    number = first.headers["location"].split("/window/cases/")[1].split("?")[0]
    assert again.headers["location"] == f"/window/cases/{number}"
    assert case_count(holder) == 1
    # A new page (a new key) is a new application.
    other = post(client, "/window/apply", csrf, **{**data, "idem": "another-page-key"})
    assert other.status_code == 303 and case_count(holder) == 2


def test_a_refused_window_form_keeps_its_key_and_files_once_corrected(
    holder: Holder, client: Any
) -> None:
    csrf = identify(holder, client, consent=False)
    typed = {"form.applicant_name": "陈阿婆", "form.birth_date": "不是日期"}
    materials = [ID_CARD, HUKOU, PAPER]
    data = apply_data(holder, **typed, action="accept", materials=materials, idem="k-1")
    refused = post(client, "/window/apply", csrf, **data)
    assert refused.status_code == 422 and 'name="idem" value="k-1"' in refused.text
    assert case_count(holder) == 0
    fixed = post(client, "/window/apply", csrf, **{**data, "form.birth_date": "1940-05-01"})
    assert fixed.status_code == 303 and case_count(holder) == 1
