"""Bundles (一件事一次办) through the services and the API, on both databases: all sub-cases or
none, idempotent retries, clear errors, the rejection policy, one combined notice, the green
channel in the queues, and who may see an application."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import SYSTEM
from tests.factories import (
    Person,
    credit_code,
    ensure_reference_data,
    make_citizen,
    make_enterprise,
    make_staff,
    resident_id,
    sign_in,
)
from tongban.adapters.db.tables import (
    case_events,
    case_number_counters,
    cases,
    data_access_log,
    inbox_messages,
    outbox,
)
from tongban.adapters.db.tables_bundles import bundle_applications, bundle_cases
from tongban.bootstrap import Container
from tongban.demo import bundles as demo_bundles
from tongban.demo.bundles import NEWBORN, OPEN_RESTAURANT
from tongban.demo.departments import DEPARTMENTS
from tongban.demo.items import HAND_WRITTEN_ITEMS
from tongban.domain.bundles.model import BundleDefinition
from tongban.domain.bundles.progress import BundleState
from tongban.domain.cases.status import CaseStatus
from tongban.domain.errors import DomainError, PermissionDenied, ValidationFailed
from tongban.domain.people.model import Role
from tongban.services.bundles import applications as bundles
from tongban.services.bundles import queries
from tongban.services.cases import lifecycle as case_svc
from tongban.services.cases import queries as case_queries
from tongban.services.catalogue import items as catalogue
from tongban.services.network import structure as network
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.web.deps import CSRF_HEADER
from tongban.worker import SWEEPS, Worker

S = CaseStatus
SPECS = {s.code: s for s in HAND_WRITTEN_ITEMS}
USED = sorted({c for d in demo_bundles.DEMO_BUNDLES for c in d.item_codes})


@dataclass
class World:
    container: Container
    citizen: Person
    other: Person

    def actor(self, user_id: int | None) -> Actor:
        if user_id is None:
            return Actor(request_id="test-system", at=self.container.clock.now())
        with self.container.read() as uow:
            principal = load_principal(uow.conn, user_id)
        return Actor(
            principal=principal, request_id=f"req-{user_id}", at=self.container.clock.now()
        )


def build_world(container: Container) -> World:
    """The demo departments, the test calendar, the bundles' items and the demo bundles."""
    with container.uow() as uow:
        network.upsert_departments(uow, SYSTEM, DEPARTMENTS)
        uow.commit()
    ensure_reference_data(container)
    seed_test_calendar(container)
    with container.uow() as uow:
        for code in USED:
            catalogue.publish_spec(uow, SYSTEM, SPECS[code])
        uow.commit()
    demo_bundles.load(container, SYSTEM, "small")
    return World(container, make_citizen(container), make_citizen(container, name="李四"))


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def restaurant_form(**changes: Any) -> dict[str, Any]:
    form = {
        "enterprise_name": "佛山市南海区小明餐饮有限公司",
        "credit_code": credit_code(),
        "company_type": "有限责任公司",
        "registered_capital": "50",
        "legal_rep": "张小明",
        "legal_rep_id": resident_id(),
        "premises_address": "桂城街道南海大道 1 号",
        "business_scope": "餐饮服务",
        "contact_name": "张小明",
        "phone": "13800138000",
        "food_items": "热食类食品制售",
        "area": "80",
    }
    form.update(changes)
    return form


def newborn_form() -> dict[str, Any]:
    return {
        "baby_name": "张小宝",
        "baby_id_number": resident_id(),
        "birth_date": "2026-11-20",
        "parent_name": "张小明",
        "parent_id_number": resident_id(),
        "spouse_name": "李小红",
        "spouse_id_number": resident_id(),
        "child_order": "一孩",
        "phone": "13800138000",
        "address": "桂城街道南海大道 2 号",
        "bank": "中国银行",
    }


def apply(world: World, code: str, form: dict[str, Any], who: Person | None = None) -> Any:
    """Apply with every material the applicant hands in, so each sub-case can be accepted."""
    with world.container.read() as uow:
        _id, definition = bundles.load_definition(uow.conn, code)
    materials = [m.name for m in definition.materials if m.shared_from is None]
    with world.container.uow() as uow:
        given = bundles.BundleApplicationIn(form=form, materials=materials)
        return bundles.apply(uow, world.actor((who or world.citizen).user_id), code, given)


def counts(container: Container) -> dict[str, int]:
    tables = (cases, case_events, bundle_applications, bundle_cases, outbox)
    with container.read() as uow:
        found = {
            t.name: uow.conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in tables
        }
        if container.engine.dialect.name == "sqlite":
            # The day's counter is part of the transaction on SQLite only: on PostgreSQL a
            # process reserves numbers in blocks on a transaction of their own, and a
            # rolled-back application leaves them unused (services/cases/numbers.py).
            found["numbers"] = uow.conn.execute(
                select(func.coalesce(func.sum(case_number_counters.c.last), 0))
            ).scalar_one()
    return found


def step(world: World, fn: Any, who: int, number: str, *args: Any) -> None:
    with world.container.read() as uow:
        version = uow.conn.execute(
            select(cases.c.lock_version).where(cases.c.number == number)
        ).scalar_one()
    with world.container.uow() as uow:
        fn(uow, world.actor(who), number, version, *args)


def decide(world: World, number: str, department: str, approve: bool) -> None:
    """The department accepts, reviews and decides (a rejection signed off by the chief)."""
    reviewer = make_staff(world.container, Role.REVIEWER, department_code=department).user_id
    step(world, case_svc.accept, reviewer, number)
    with world.container.read() as uow:
        case = case_svc.repo.get(uow.conn, number)
    if not case.terms.immediate:
        step(world, case_svc.start_review, reviewer, number)
    step(
        world, case_svc.propose_decision, reviewer, number, approve, "" if approve else "不符合条件"
    )
    if not approve:
        chief = make_staff(world.container, Role.SECTION_CHIEF, department_code=department)
        step(world, case_svc.sign_off_rejection, chief.user_id, number)


def departments_of(world: World, numbers: tuple[str, ...]) -> list[str]:
    with world.container.read() as uow:
        return [
            uow.conn.execute(case_svc.repo.case_select().where(cases.c.number == n))
            .one()
            .department_code
            for n in numbers
        ]


def result_notices(container: Container, number: str) -> int:
    key = f"bundle:{number}:result:inbox"
    with container.read() as uow:
        return uow.conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.dedup_key == key)
        ).scalar_one()


# --- applying: all sub-cases at once, or none ---------------------------------------------------


def test_one_application_creates_all_eight_sub_cases_routed_to_their_departments(
    world: World,
) -> None:
    before = counts(world.container)
    ref = apply(world, "KCG", restaurant_form())
    after = counts(world.container)
    assert len(ref.case_numbers) == 8 and after["cases"] - before["cases"] == 8
    assert ref.number.startswith("YJS") and ref.status is BundleState.IN_PROGRESS
    assert departments_of(world, ref.case_numbers) == [
        SPECS[c].department_code for c in OPEN_RESTAURANT.item_codes
    ]
    with world.container.read() as uow:
        rows = uow.conn.execute(
            select(cases.c.status, cases.c.priority).where(cases.c.number.in_(ref.case_numbers))
        ).all()
        view = queries.access_application(
            uow.conn, world.actor(world.citizen.user_id).principal, ref.number
        )
    assert {(r.status, r.priority) for r in rows} == {(S.SUBMITTED.value, 1)}  # green channel
    assert (view.progress.done, view.progress.total) == (0, 8)
    # One message for the whole bundle, not one per sub-case.
    assert after["outbox"] - before["outbox"] == 2  # in-app + SMS


def test_a_failure_while_writing_the_eighth_sub_case_leaves_nothing_behind(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_add, calls = bundles.repo.add, []

    def add(conn: Any, case: Any, item_id: int, at: Any) -> None:
        calls.append(case.item_code)
        if len(calls) == 8:
            raise DomainError("第 8 个事项写入失败")
        real_add(conn, case, item_id, at)

    monkeypatch.setattr(bundles.repo, "add", add)
    before = counts(world.container)
    with pytest.raises(DomainError):
        apply(world, "KCG", restaurant_form())
    assert len(calls) == 8
    assert counts(world.container) == before


def test_a_bad_field_of_the_eighth_item_fails_the_whole_application(world: World) -> None:
    # The food business permit moved to the end: only it checks the area.
    items = [i for i in OPEN_RESTAURANT.items if i.item_code != "SCJGJ-0012"]
    food = next(i for i in OPEN_RESTAURANT.items if i.item_code == "SCJGJ-0012")
    data = OPEN_RESTAURANT.model_dump(mode="json")
    data.update(code="KCG-LAST", items=[i.model_dump(mode="json") for i in [*items, food]])
    with world.container.uow() as uow:
        bundles.save_definition(uow, SYSTEM, BundleDefinition.model_validate(data))
    before = counts(world.container)
    with pytest.raises(ValidationFailed) as caught:
        apply(world, "KCG-LAST", restaurant_form(area="很大"))
    assert caught.value.fields == {"form.area": "食品经营许可：经营场所面积（平方米）：应为数字"}
    assert counts(world.container) == before


# --- over HTTP: idempotency and bad input --------------------------------------------------------


def _post(client: Any, csrf: str, code: str, body: dict[str, Any], key: str) -> Any:
    headers = {CSRF_HEADER: csrf, "Idempotency-Key": key}
    return client.post(f"/api/v1/bundles/{code}/applications", json=body, headers=headers)


def test_a_retried_submission_with_the_same_key_creates_nothing_new(
    world: World, client: Any
) -> None:
    csrf = sign_in(world.container, client, world.citizen)
    body = {"form": restaurant_form(), "materials": ["公司章程"]}
    key = str(uuid.uuid4())
    first = _post(client, csrf, "KCG", body, key)
    assert first.status_code == 201, first.text
    before = counts(world.container)
    again = _post(client, csrf, "KCG", body, key)
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert counts(world.container) == before
    shown = client.get(f"/api/v1/bundles/applications/{first.json()['number']}")
    assert shown.status_code == 200
    assert [c["number"] for c in shown.json()["cases"]] == first.json()["cases"]


def test_a_form_missing_a_field_an_item_requires_is_refused_and_changes_nothing(
    world: World, client: Any
) -> None:
    csrf = sign_in(world.container, client, world.citizen)
    form = restaurant_form()
    del form["credit_code"]
    before = counts(world.container)
    answer = _post(client, csrf, "KCG", {"form": form}, str(uuid.uuid4()))
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "validation_failed"
    message = body["fields"]["form.credit_code"]
    assert "公章刻制备案" in message and "请填写统一社会信用代码" in message
    assert counts(world.container) == before


def test_an_unknown_bundle_is_not_found(world: World, client: Any) -> None:
    assert client.get("/api/v1/bundles/NOPE").json()["code"] == "bundle_not_found"
    listed = client.get("/api/v1/bundles").json()
    assert [b["code"] for b in listed] == ["KBQY", "KCG", "XSECS", "TXYJS"]
    departments = {d for b in listed for d in b["departments"]}
    assert len(departments) >= 10


# --- the rejection policy and the combined notice --------------------------------------------


def test_under_continue_a_rejection_is_listed_and_the_others_go_on(world: World) -> None:
    ref = apply(world, "XSECS", newborn_form())
    codes = NEWBORN.item_codes
    decide(world, ref.case_numbers[1], SPECS[codes[1]].department_code, approve=False)
    now = world.container.clock.now()
    bundles.refresh_sweep(world.container, now)
    with world.container.read() as uow:
        status = uow.conn.execute(
            select(cases.c.status).where(cases.c.number == ref.case_numbers[0])
        ).scalar_one()
    assert status == S.SUBMITTED.value  # not halted
    for number, code in zip(ref.case_numbers, codes, strict=True):
        if number != ref.case_numbers[1]:
            decide(world, number, SPECS[code].department_code, approve=True)
    assert result_notices(world.container, ref.number) == 0
    assert bundles.refresh_sweep(world.container, world.container.clock.now()) == 1
    assert bundles.refresh_sweep(world.container, world.container.clock.now()) == 0
    assert result_notices(world.container, ref.number) == 1
    with world.container.read() as uow:
        row = uow.conn.execute(
            select(bundle_applications).where(bundle_applications.c.number == ref.number)
        ).one()
        body = uow.conn.execute(
            select(outbox.c.payload).where(
                outbox.c.dedup_key == f"bundle:{ref.number}:result:inbox"
            )
        ).scalar_one()["body"]
    assert row.status == BundleState.PARTLY_REFUSED.value and row.notified_at is not None
    assert "生育登记（不予许可）" in body
    # The worker delivers it: one message in the applicant's inbox, however often it runs.
    assert "bundle_refresh" in SWEEPS
    for _ in range(2):
        Worker(world.container, sweeps={"bundle_refresh": SWEEPS["bundle_refresh"]}).run_once()
    with world.container.read() as uow:
        inbox = uow.conn.execute(
            select(inbox_messages.c.title).where(
                inbox_messages.c.user_id == world.citizen.user_id,
                inbox_messages.c.link == f"/bundles/applications/{ref.number}",
            )
        ).scalars()
        assert sorted(inbox) == ["一件事办理结果：新生儿出生一件事", "一件事申请已提交"]


def test_under_halt_a_rejected_key_item_terminates_the_open_sub_cases(world: World) -> None:
    ref = apply(world, "KCG", restaurant_form())
    decide(world, ref.case_numbers[1], "GAJ", approve=True)  # the seal: done before the halt
    decide(world, ref.case_numbers[0], "SCJGJ", approve=False)  # the key registration
    with world.container.uow() as uow:
        bundle_id = uow.conn.execute(
            select(bundle_applications.c.id).where(bundle_applications.c.number == ref.number)
        ).scalar_one()
        assert (
            bundles.refresh_bundle(uow.conn, bundle_id, world.container.clock.now())
            is BundleState.HALTED
        )
        uow.commit()
    with world.container.read() as uow:
        statuses = dict(
            uow.conn.execute(
                select(cases.c.number, cases.c.status).where(cases.c.number.in_(ref.case_numbers))
            ).all()
        )
    assert statuses[ref.case_numbers[0]] == S.REJECTED.value
    assert statuses[ref.case_numbers[1]] == S.APPROVED.value
    assert {statuses[n] for n in ref.case_numbers[2:]} == {S.NOT_ACCEPTED.value}
    assert result_notices(world.container, ref.number) == 1
    assert (
        bundles.refresh_sweep(world.container, world.container.clock.now()) == 0
    )  # nothing left to do
    assert result_notices(world.container, ref.number) == 1


# --- the green channel and who sees an application -------------------------------------------


def test_the_green_channel_puts_bundle_sub_cases_first_in_the_department_queue(
    world: World,
) -> None:
    with world.container.uow() as uow:
        plain = case_svc.submit_online(
            uow,
            world.actor(world.other.user_id),
            case_svc.Application(item_code="SCJGJ-0012", form=_food_form(), materials=[]),
        )
    ref = apply(world, "KCG", restaurant_form())
    reviewer = make_staff(world.container, Role.REVIEWER, department_code="SCJGJ")
    with world.container.read() as uow:
        queue = case_queries.department_queue(uow.conn, world.actor(reviewer.user_id).principal)
    numbers = [r.number for r in queue]
    assert numbers.index(ref.case_numbers[4]) < numbers.index(plain.number)
    assert numbers.index(ref.case_numbers[0]) < numbers.index(plain.number)


def _food_form() -> dict[str, Any]:
    form = restaurant_form()
    return {
        "enterprise_name": form["enterprise_name"],
        "credit_code": form["credit_code"],
        "contact_name": "李四",
        "phone": "13800138000",
        "premises_address": form["premises_address"],
        "business_form": "餐饮服务经营者",
        "food_items": "热食类食品制售",
        "area": "30",
    }


def test_only_the_applicant_and_the_sub_cases_departments_see_an_application(
    world: World, client: Any
) -> None:
    ref = apply(world, "KCG", restaurant_form())
    path = f"/api/v1/bundles/applications/{ref.number}"
    sign_in(world.container, client, world.other)
    assert client.get(path).status_code == 404
    client.cookies.clear()
    sign_in(
        world.container, client, make_staff(world.container, Role.REVIEWER, department_code="YBJ")
    )
    assert client.get(path).status_code == 403
    client.cookies.clear()
    sign_in(
        world.container, client, make_staff(world.container, Role.REVIEWER, department_code="XFJY")
    )
    with world.container.read() as uow:
        logged = select(func.count()).select_from(data_access_log)
        before = uow.conn.execute(logged).scalar_one()
    assert client.get(path).status_code == 200
    with world.container.read() as uow:
        assert uow.conn.execute(logged).scalar_one() == before + 1  # a staff read is logged
    page = client.get(f"/bundles/applications/{ref.number}")
    assert page.status_code == 200 and "区消防救援大队" in page.text


def test_the_pages_apply_once_and_show_errors_beside_the_shared_fields(
    world: World, client: Any
) -> None:
    assert "开餐馆" in client.get("/bundles").text
    anonymous = client.get("/bundles/KCG")
    assert anonymous.status_code == 200 and 'id="bundle-form"' not in anonymous.text
    csrf = sign_in(world.container, client, world.citizen)
    assert 'id="bundle-form"' in client.get("/bundles/KCG").text
    form = {f"form.{k}": v for k, v in restaurant_form().items()}
    before = counts(world.container)
    bad = client.post("/bundles/KCG", data={**form, "form.area": "", "csrf_token": csrf})
    assert bad.status_code == 422 and "食品经营许可：请填写经营场所面积" in bad.text
    assert counts(world.container) == before
    done = client.post("/bundles/KCG", data={**form, "csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert page.status_code == 200 and page.text.count('class="sub-status"') == 8
    assert "已办结 0/8 项" in page.text
    assert counts(world.container)["cases"] == before["cases"] + 8


def test_resending_the_bundle_form_files_one_application_not_two(world: World, client: Any) -> None:
    csrf = sign_in(world.container, client, world.citizen)
    page = client.get("/bundles/KCG").text
    key = page.split('name="idem" value="')[1].split('"')[0]
    form = {f"form.{k}": v for k, v in restaurant_form().items()}
    data = {**form, "csrf_token": csrf, "idem": key}
    before = counts(world.container)
    first = client.post("/bundles/KCG", data=data, follow_redirects=False)
    again = client.post("/bundles/KCG", data=data, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]  # the first application
    assert counts(world.container)["cases"] == before["cases"] + 8


def test_a_company_cannot_apply_for_a_bundle_for_individuals(world: World) -> None:
    company = make_enterprise(world.container)
    with pytest.raises(PermissionDenied):
        apply(world, "XSECS", newborn_form(), who=company)


def test_loading_the_demo_bundles_again_changes_nothing(world: World) -> None:
    assert demo_bundles.load(world.container, SYSTEM, "small") == 0
