"""The case pages on both databases: each role's page renders for it and is refused to others,
the flows work through the HTML forms, and a form error shows beside its field and changes
nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.clock import SYSTEM
from tests.factories import TOWN_CENTRE_CODE, Person, credit_code, make_staff, sign_in
from tests.integration.catalogue_fixtures import spec
from tests.integration.test_cases import (
    ITEM,
    SCAN,
    World,
    at_window,
    build_world,
    publish_item,
    step,
)
from tongban.adapters.db.tables import cases, users
from tongban.bootstrap import Container
from tongban.domain.cases.status import CaseStatus
from tongban.domain.people.model import Role
from tongban.services.cases import delivery
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import repository as repo
from tongban.services.catalogue import items as catalogue_items

KEY, NON_KEY = "经营者身份证明", "经营场所使用证明"
FORM = {"form.shop_name": "小明奶茶", "form.area": "35", "form.owner_id": "11010519491231002X"}


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def as_user(container: Container, client: Any, user_id: int) -> str:
    """Sign ``client`` in as ``user_id``; returns the CSRF token its forms must carry."""
    client.cookies.clear()
    return sign_in(container, client, Person(user_id, "", None, Role.CITIZEN))


def case_rows(container: Container) -> list[Any]:
    with container.read() as uow:
        return list(uow.conn.execute(select(cases.c.number, cases.c.status, cases.c.lock_version)))


def post(client: Any, url: str, csrf: str, files: Any = None, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf, **data}, files=files, follow_redirects=False)


def scans(*materials: str, content: bytes = SCAN) -> tuple[dict[str, str], dict[str, Any]]:
    """The application page's file inputs, one scanned file for each of ``materials``."""
    fields = {f"file.{n}.material": m for n, m in enumerate(materials)}
    files = {f"file.{n}": (f"{m}.pdf", content, "application/pdf") for n, m in enumerate(materials)}
    return fields, files


def stored_files(container: Container) -> list[Any]:
    root = container.settings.data_dir / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def apply_online(world: World, client: Any) -> str:
    csrf = as_user(world.container, client, world.citizen)
    fields, files = scans(KEY, NON_KEY)
    data = {**FORM, **fields, "action": "submit"}
    response = post(client, f"/items/{ITEM}/apply", csrf, files, **data)
    assert response.status_code == 303, response.text
    return str(response.headers["location"]).split("/")[3].split("?")[0]


def test_each_case_page_renders_for_its_role_and_is_refused_to_others(
    world: World, client: Any
) -> None:
    container = world.container
    manager = make_staff(container, Role.CENTRE_MANAGER).user_id
    citizen, clerk, reviewer, chief = world.citizen, world.clerk, world.reviewer, world.chief
    pages = {  # url: (who it is for, some who are refused)
        "/my/cases": (citizen, (clerk, reviewer, manager)),
        f"/items/{ITEM}/apply": (citizen, (clerk, chief)),
        "/window": (clerk, (citizen, reviewer, manager)),
        "/review": (reviewer, (citizen, clerk, manager)),
        "/sign-off": (chief, (citizen, clerk, reviewer)),
        "/centre": (manager, (citizen, clerk, reviewer)),
    }
    for url, (owner, refused) in pages.items():
        as_user(container, client, owner)
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="zh-CN"' in response.text
        for other in refused:
            as_user(container, client, other)
            assert client.get(url, follow_redirects=False).status_code == 403, (url, other)


def test_an_online_application_appears_in_my_cases_with_its_timeline(
    world: World, client: Any
) -> None:
    number = apply_online(world, client)
    listing = client.get("/my/cases")
    assert number in listing.text and "已提交" in listing.text
    page = client.get(f"/my/cases/{number}")
    assert page.status_code == 200
    assert 'id="timeline"' in page.text and "草稿" in page.text and "已提交" in page.text
    assert "11010519491231002X" not in page.text  # identity numbers are masked


def test_answers_to_a_signed_in_session_are_never_cached_and_public_ones_may_be(
    world: World, client: Any
) -> None:
    client.cookies.clear()
    for url in ("/items", "/static/css/tongban.css"):
        assert client.get(url).headers.get("cache-control") != "no-store", url
    number = apply_online(world, client)
    for url in (f"/my/cases/{number}", f"/api/v1/cases/{number}", "/my/cases"):
        assert client.get(url).headers["cache-control"] == "no-store", url
    assert client.get("/static/css/tongban.css").headers.get("cache-control") != "no-store"


def test_case_pages_mask_every_personal_form_value_by_its_type(client: Any) -> None:
    environment = client.app.state.templates.env
    page = environment.from_string(
        "{% for t, v in values %}<dd>{{ v | mask_field(t) }}</dd>{% endfor %}"
    )
    shown = page.render(
        values=[
            ("phone", "13800138000"),
            ("id_number", "11010519491231002X"),
            ("bank_account", "6222021234567890123"),
            ("address", "广东省佛山市南海区桂城街道南海大道1号"),
            ("text", "小明奶茶"),
        ]
    )
    for secret in ("13800138000", "11010519491231002X", "6222021234567890123", "南海大道1号"):
        assert secret not in shown
    assert "138****8000" in shown and "小明奶茶" in shown


def test_a_wrong_form_field_shows_beside_it_and_files_nothing(world: World, client: Any) -> None:
    csrf = as_user(world.container, client, world.citizen)
    fields, files = scans(KEY)
    data = {**FORM, **fields, "form.area": "三十五", "action": "submit"}
    response = post(client, f"/items/{ITEM}/apply", csrf, files, **data)
    assert response.status_code == 422
    assert 'id="err-form-area"' in response.text and "应为数字" in response.text
    assert 'value="小明奶茶"' in response.text  # what was typed stays
    assert case_rows(world.container) == []
    assert stored_files(world.container) == []  # the form is checked before any file is kept


def test_online_a_material_is_handed_in_by_its_file_and_a_tick_is_refused(
    world: World, client: Any
) -> None:
    csrf = as_user(world.container, client, world.citizen)
    page = client.get(f"/items/{ITEM}/apply").text
    checklist = page.split('id="materials-checklist"')[1].split("</fieldset>")[0]
    assert checklist.count('type="file"') == 2 and 'name="materials"' not in checklist
    ticked = {**FORM, "materials": [KEY, NON_KEY], "action": "submit"}
    refused = post(client, f"/items/{ITEM}/apply", csrf, **ticked)
    assert refused.status_code == 422 and "勾选不能代替提交" in refused.text
    assert case_rows(world.container) == []
    fields, files = scans(KEY)
    done = post(client, f"/items/{ITEM}/apply", csrf, files, **FORM, **fields, action="submit")
    assert done.status_code == 303, done.text
    [(number, status, _version)] = case_rows(world.container)
    with world.container.read() as uow:
        case = repo.get(uow.conn, number)
    assert status == "submitted" and case.materials == [KEY]
    shown = client.get(f"/my/cases/{number}").text
    assert f"{KEY}.pdf" in shown.split('id="material-files"')[1].split("</section>")[0]
    materials = shown.split('id="case-materials"')[1].split("</section>")[0]
    assert materials.count("已收") == 1 and materials.count("未收") == 1


def test_a_wrong_file_in_the_application_shows_beside_its_material_and_files_nothing(
    world: World, client: Any
) -> None:
    csrf = as_user(world.container, client, world.citizen)
    fields, files = scans(KEY, NON_KEY, content="不是扫描件".encode())
    sent = post(client, f"/items/{ITEM}/apply", csrf, files, **FORM, **fields, action="submit")
    assert sent.status_code == 415 and "文件类型不受支持" in sent.text
    assert f'id="err-files-{KEY}"' in sent.text and "请重新选择要上传的文件" in sent.text
    assert case_rows(world.container) == [] and stored_files(world.container) == []


def test_submitting_the_same_application_page_twice_files_one_case(
    world: World, client: Any
) -> None:
    csrf = as_user(world.container, client, world.citizen)
    page = client.get(f"/items/{ITEM}/apply")
    key = page.text.split('name="idem" value="')[1].split('"')[0]
    fields, files = scans(KEY, NON_KEY)
    data = {**FORM, **fields, "action": "submit", "idem": key}
    first = post(client, f"/items/{ITEM}/apply", csrf, files, **data)
    again = post(client, f"/items/{ITEM}/apply", csrf, files, **data)
    assert first.status_code == again.status_code == 303, again.text
    assert first.headers["location"] == again.headers["location"]
    assert len(case_rows(world.container)) == 1
    # The key with another form (the page edited after the first answer) is refused.
    edited = post(client, f"/items/{ITEM}/apply", csrf, files, **{**data, "form.area": "40"})
    assert edited.status_code == 422 and len(case_rows(world.container)) == 1


def test_a_clerk_accepts_with_missing_materials_at_the_window(world: World, client: Any) -> None:
    container = world.container
    csrf = as_user(container, client, world.clerk)
    bad = post(client, "/window/identify", csrf, id_number="440605198503120310")
    assert bad.status_code == 422 and 'id="err-id_number"' in bad.text
    with container.read() as uow:
        number = uow.conn.execute(
            select(users.c.id_number).where(users.c.id == world.citizen)
        ).scalar_one()
    found = post(client, "/window/identify", csrf, id_number=number)
    assert found.headers["location"] == f"/window?applicant={world.citizen}"
    page = client.get(f"/window/apply?applicant={world.citizen}&item={ITEM}")
    assert page.status_code == 200 and "可容缺" in page.text and number not in page.text
    base = {**FORM, "applicant": str(world.citizen), "item": ITEM, "action": "accept_missing"}
    # the key material left unticked: refused beside the checklist, nothing filed
    refused = post(client, "/window/apply", csrf, **base, commitment="承诺", supply_by="2099-01-01")
    assert refused.status_code == 422 and "关键材料不能容缺" in refused.text
    assert case_rows(container) == []
    done = post(
        client,
        "/window/apply",
        csrf,
        **base,
        materials=[KEY],
        commitment="本人承诺五个工作日内补交经营场所使用证明",
        supply_by="2026-12-20",
    )
    assert done.status_code == 303, done.text
    [(case_number, status, _version)] = case_rows(container)
    assert status == "accepted" and case_number in done.headers["location"]
    shown = client.get(done.headers["location"])
    assert 'id="missing-outstanding"' in shown.text and NON_KEY in shown.text
    receipt = client.get(f"/window/cases/{case_number}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")


def test_a_rejection_waits_for_the_section_chief(world: World, client: Any) -> None:
    container = world.container
    number = apply_online(world, client)
    csrf = as_user(container, client, world.reviewer)

    def version() -> str:
        return str({n: v for n, _s, v in case_rows(container)}[number])

    for action in ("accept", "start"):
        response = post(client, f"/review/cases/{number}/{action}", csrf, version=version())
        assert response.status_code == 303, response.text
    empty = post(client, f"/review/cases/{number}/correction", csrf, version=version(), reasons="x")
    assert empty.status_code == 422 and 'id="err-needed"' in empty.text
    no_reason = post(
        client, f"/review/cases/{number}/decision", csrf, version=version(), decision="reject"
    )
    assert no_reason.status_code == 422 and 'id="err-reasons"' in no_reason.text
    assert case_rows(container)[0][1] == "under_review"
    proposed = post(
        client,
        f"/review/cases/{number}/decision",
        csrf,
        version=version(),
        decision="reject",
        reasons="经营场所不符合规划要求",
    )
    assert proposed.status_code == 303
    assert case_rows(container)[0][1] == "rejection_proposed"
    refused = post(client, f"/sign-off/cases/{number}/sign-off", csrf, version=version())
    assert refused.status_code == 403
    chief_csrf = as_user(container, client, world.chief)
    assert number in client.get("/sign-off").text
    signed = post(client, f"/sign-off/cases/{number}/sign-off", chief_csrf, version=version())
    assert signed.status_code == 303
    assert case_rows(container)[0][1] == "rejected"


def test_a_stale_version_is_shown_and_changes_nothing(world: World, client: Any) -> None:
    number = apply_online(world, client)
    csrf = as_user(world.container, client, world.reviewer)
    before = case_rows(world.container)
    response = post(client, f"/review/cases/{number}/accept", csrf, version="99")
    assert response.status_code == 409 and "刷新" in response.text
    assert case_rows(world.container) == before
    with world.container.read() as uow:
        assert uow.conn.execute(select(func.count()).select_from(cases)).scalar_one() == 1


def test_a_deadline_beyond_the_calendar_is_explained_and_files_nothing(
    world: World, client: Any
) -> None:
    """The test calendar ends with 2027: 300 working days from today runs past it."""
    publish_item(world.container, promised_limit_days=300, legal_limit_days=365)
    csrf = as_user(world.container, client, world.clerk)
    data = {**FORM, "applicant": str(world.citizen), "item": ITEM, "action": "accept"}
    response = post(client, "/window/apply", csrf, **data, materials=[KEY, NON_KEY])
    assert response.status_code == 422
    assert "工作日历" in response.text and "导入" in response.text
    assert case_rows(world.container) == []


def test_a_clerk_decides_an_immediate_item_on_the_spot_from_the_window_page(
    world: World, client: Any
) -> None:
    publish_item(world.container, kind="immediate", promised_limit_days=0)
    ref = at_window(world)
    ref = step(world, svc.accept, world.clerk, ref, "2026-11-02")
    csrf = as_user(world.container, client, world.clerk)
    page = client.get(f"/window/cases/{ref.number}")
    assert 'id="decide-on-the-spot"' in page.text
    done = post(
        client,
        f"/window/cases/{ref.number}",
        csrf,
        action="approve",
        version=str(ref.version),
        reasons="材料齐全，当场办结",
    )
    assert done.status_code == 303, done.text
    page = client.get(f"/window/cases/{ref.number}")
    assert "准予许可" in page.text and 'id="issue-form"' in page.text
    assert [r.status for r in case_rows(world.container)] == [CaseStatus.APPROVED.value]
    [(_n, _s, version)] = case_rows(world.container)
    issued = post(
        client, f"/window/cases/{ref.number}", csrf, action="issue", version=str(version)
    )  # and the result, on the spot too
    assert issued.status_code == 303, issued.text
    page = client.get(f"/window/cases/{ref.number}")
    assert 'id="collect-elsewhere"' in page.text  # the applicant collects at the district


def test_the_pickup_centres_clerk_hands_a_result_over_against_its_code(
    world: World, client: Any
) -> None:
    ref = step(world, svc.accept, world.clerk, at_window(world), "2026-11-02")
    ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-02")
    ref = step(world, svc.propose_decision, world.reviewer, ref, "2026-11-03", True, "符合条件")
    with world.container.uow() as uow:  # to be collected at the district centre
        actor = world.actor(world.reviewer, "2026-11-03")
        courier = world.container.courier
        ref = delivery.issue_result_and_dispatch(uow, actor, ref.number, ref.version, courier).ref
    with world.container.uow() as uow:
        code = delivery.reissue_pickup_code(
            uow, world.actor(world.citizen, "2026-11-04"), ref.number
        )
    csrf = as_user(world.container, client, world.district_clerk)
    page = client.get(f"/window/cases/{ref.number}")
    assert 'id="collect-form"' in page.text and 'id="delivery-text"' in page.text
    wrong = "000000" if code != "000000" else "111111"
    refused = post(client, f"/window/cases/{ref.number}", csrf, action="collect", code=wrong)
    assert refused.status_code == 422 and "还可尝试 4 次" in refused.text
    done = post(client, f"/window/cases/{ref.number}", csrf, action="collect", code=code)
    assert done.status_code == 303, done.text
    assert [r.status for r in case_rows(world.container)] == [CaseStatus.DELIVERED.value]


def test_the_centre_list_is_paged_most_urgent_first_and_only_open_cases_are_late(
    world: World, client: Any
) -> None:
    late = [at_window(world, pickup_centre_code=TOWN_CENTRE_CODE) for _ in range(3)]
    late = [step(world, svc.accept, world.clerk, ref, "2026-11-02") for ref in late]  # due 3 Nov
    decided = step(world, svc.start_review, world.reviewer, late[2], "2026-11-02")
    decided = step(world, svc.propose_decision, world.reviewer, decided, "2026-11-02", True, "可")
    fresh = [at_window(world, pickup_centre_code=TOWN_CENTRE_CODE) for _ in range(55)]
    as_user(world.container, client, world.clerk)
    first = client.get("/window").text
    assert "共 58 件" in first and "第 1 / 2 页" in first
    table = first.split('id="queue"')[1]
    assert table.count('<tr class="clock-row-') == 50
    assert table.index(late[0].number) < table.index(fresh[0].number)  # the late ones first
    assert table.index(late[1].number) < table.index(fresh[0].number)
    assert table.count("clock-row-red") == 2  # the decided case is no longer on the clock
    second = client.get("/window?page=2").text.split('id="queue"')[1]
    assert second.count('<tr class="clock-row-') == 8
    overdue = client.get("/window?overdue=true").text.split('id="queue"')[1]
    assert late[0].number in overdue and late[1].number in overdue
    assert decided.number not in overdue and "共 2 件" in overdue
    approved = client.get("/window?status=approved").text.split('id="queue"')[1]
    assert decided.number in approved and "共 1 件" in approved


def test_a_rejected_applicant_is_no_longer_asked_for_their_missing_materials(
    world: World, client: Any
) -> None:
    ref = at_window(world)
    ref = step(
        world,
        svc.accept_with_missing_materials,
        world.clerk,
        ref,
        "2026-11-02",
        [NON_KEY],
        "本人承诺补交",
        date(2026, 11, 20),
    )
    as_user(world.container, client, world.citizen)
    missing_form = 'id="missing-upload"'
    assert missing_form in client.get(f"/my/cases/{ref.number}").text
    ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-03")
    ref = step(world, svc.propose_decision, world.reviewer, ref, "2026-11-04", False, "不符")
    ref = step(world, svc.sign_off_rejection, world.chief, ref, "2026-11-05", "同意")
    page = client.get(f"/my/cases/{ref.number}").text
    assert "不予许可" in page and missing_form not in page


def publish_item_with_a_credit_code(world: World) -> tuple[str, str]:
    """A new version of the item whose form asks for a credit code; returns a valid code and
    the same code with a wrong final check character."""
    form = [
        {"name": "shop_name", "label": "字号名称"},
        {"name": "uscc", "label": "统一社会信用代码", "type": "credit_code"},
    ]
    with world.container.uow() as uow:
        catalogue_items.publish_spec(uow, SYSTEM, spec(form=form))
    good = credit_code()
    wrong = good[:-1] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != good[-1])
    return good, wrong


def test_a_credit_code_with_a_wrong_check_character_is_flagged_for_the_clerk(
    world: World, client: Any
) -> None:
    good, wrong = publish_item_with_a_credit_code(world)
    flagged = at_window(world, form={"shop_name": "小明奶茶", "uscc": wrong})
    clean = at_window(world, form={"shop_name": "小明奶茶", "uscc": good})
    as_user(world.container, client, world.clerk)
    assert 'id="credit-code-check"' in client.get(f"/window/cases/{flagged.number}").text
    assert 'id="credit-code-check"' not in client.get(f"/window/cases/{clean.number}").text
    detail = client.get(f"/api/v1/cases/{flagged.number}").json()
    assert detail["credit_codes_to_verify"] == ["统一社会信用代码"]
    assert client.get(f"/api/v1/cases/{clean.number}").json()["credit_codes_to_verify"] == []


def test_a_flagged_credit_code_is_accepted_only_once_the_clerk_checked_the_licence(
    world: World, client: Any
) -> None:
    _good, wrong = publish_item_with_a_credit_code(world)
    ref = at_window(world, form={"shop_name": "小明奶茶", "uscc": wrong})
    csrf = as_user(world.container, client, world.clerk)
    page = client.get(f"/window/cases/{ref.number}").text
    assert 'name="credit_codes_checked"' in page
    url, version = f"/window/cases/{ref.number}", str(ref.version)
    refused = post(client, url, csrf, action="accept", version=version, materials=[KEY, NON_KEY])
    assert refused.status_code == 422 and 'id="err-credit_codes_checked"' in refused.text
    assert [r.status for r in case_rows(world.container)] == [CaseStatus.SUBMITTED.value]
    done = post(
        client,
        url,
        csrf,
        action="accept",
        version=version,
        materials=[KEY, NON_KEY],
        credit_codes_checked="yes",
    )
    assert done.status_code == 303, done.text
    assert [r.status for r in case_rows(world.container)] == [CaseStatus.ACCEPTED.value]
