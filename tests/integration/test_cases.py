"""Cases through the services on both databases: the online and window flows with the real
calendar, one window anywhere, the pinned catalogue version, case numbers and who sees what."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import SYSTEM
from tests.factories import DISTRICT_CENTRE_CODE, TOWN_CENTRE_CODE, make_citizen, make_staff
from tests.integration.catalogue_fixtures import ensure_departments, spec
from tongban.adapters.courier import SimulatedCourier
from tongban.adapters.db.tables import case_events, cases
from tongban.bootstrap import Container
from tongban.domain.cases.status import CaseStatus, DeliveryMethod
from tongban.domain.errors import (
    CaseNotFound,
    IllegalTransition,
    ItemNotFound,
    KeyMaterialNotWaivable,
    MaterialFileRequired,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from tongban.domain.people.model import Role
from tongban.services.cases import attachments, delivery, queries
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import repository as repo
from tongban.services.cases.audit import verify
from tongban.services.catalogue import items as catalogue
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor

ITEM = "SCJGJ-0001"
ID_PROOF, PREMISES = "经营者身份证明", "经营场所使用证明"
FORM = {"shop_name": "小明奶茶", "area": "35", "owner_id": "11010519491231002X"}
S = CaseStatus


def at(day: str, hour: int = 10) -> datetime:
    """An instant on ``day`` in China (UTC+8)."""
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=hour - 8)


def item_spec(**changes: object) -> object:
    form = [
        {"name": "shop_name", "label": "字号名称"},
        {"name": "area", "label": "经营面积（平方米）", "type": "number"},
        {"name": "owner_id", "label": "经营者身份证号", "type": "id_number"},
    ]
    return spec(form=form, **changes)


@dataclass
class World:
    """A published item, the real calendar, and one person of every role involved."""

    container: Container
    citizen: int
    other_citizen: int
    clerk: int
    district_clerk: int
    reviewer: int
    chief: int
    other_reviewer: int

    def actor(self, user_id: int | None, day: str = "2026-11-02", hour: int = 10) -> Actor:
        if user_id is None:
            return Actor(request_id="sweep", at=at(day, hour))
        with self.container.read() as uow:
            principal = load_principal(uow.conn, user_id)
        return Actor(principal=principal, request_id=f"req-{user_id}", at=at(day, hour))


def publish_item(container: Container, **changes: object) -> None:
    with container.uow() as uow:
        catalogue.publish_spec(uow, SYSTEM, item_spec(**changes))  # type: ignore[arg-type]
        uow.commit()


def build_world(container: Container) -> World:
    """Departments, the test calendar (2026 + example 2027), item SCJGJ-0001 v1, the people."""
    ensure_departments(container.engine)
    seed_test_calendar(container)
    publish_item(container)
    return World(
        container=container,
        citizen=make_citizen(container).user_id,
        other_citizen=make_citizen(container, name="李四").user_id,
        clerk=make_staff(container, Role.CLERK).user_id,
        district_clerk=make_staff(container, Role.CLERK, centre_code=DISTRICT_CENTRE_CODE).user_id,
        reviewer=make_staff(container, Role.REVIEWER).user_id,
        chief=make_staff(container, Role.SECTION_CHIEF).user_id,
        other_reviewer=make_staff(container, Role.REVIEWER, department_code="RSJ").user_id,
    )


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def application(**changes: object) -> svc.Application:
    values: dict[str, object] = {
        "item_code": ITEM,
        "form": FORM,
        "materials": [ID_PROOF, PREMISES],
        "pickup_centre_code": DISTRICT_CENTRE_CODE,
    }
    values.update(changes)
    return svc.Application(**values)  # type: ignore[arg-type]


SCAN = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
"""A scanned material, as small as a PDF gets."""


def file_online(
    container: Container, actor: Actor, application: svc.Application, *, submit: bool = True
) -> svc.CaseRef:
    """网上申请 as the page files it: each material the application lists is handed in as a
    scanned file, never as a tick."""
    uploads = [attachments.Upload(m, f"{m}.pdf", BytesIO(SCAN)) for m in application.materials]
    with container.uow() as uow:
        return attachments.apply_online(
            uow,
            actor,
            container.files,  # type: ignore[arg-type]
            replace(application, materials=()),
            uploads,
            submit=submit,
            max_bytes=container.settings.upload_max_bytes,
            allowed=container.settings.upload_allowed_types,
        )


def online(world: World, day: str = "2026-11-02", **changes: object) -> svc.CaseRef:
    return file_online(world.container, world.actor(world.citizen, day), application(**changes))


def upload_scan(
    world: World, ref: svc.CaseRef, material: str, day: str, who: int | None = None
) -> svc.CaseRef:
    """The applicant (or ``who``) uploads one material's scan to the case."""
    container = world.container
    with container.uow() as uow:
        attachments.upload_material(
            uow,
            world.actor(who or world.citizen, day),
            container.files,  # type: ignore[arg-type]
            ref.number,
            material,
            f"{material}.pdf",
            BytesIO(SCAN),
            max_bytes=container.settings.upload_max_bytes,
            allowed=container.settings.upload_allowed_types,
            expected_version=ref.version,
        )
    return svc.CaseRef(ref.number, ref.version + 1, ref.status)


def at_window(world: World, day: str = "2026-11-02", **changes: object) -> svc.CaseRef:
    with world.container.uow() as uow:
        return svc.submit_at_window(
            uow, world.actor(world.clerk, day), world.citizen, application(**changes)
        )


def step(
    world: World, fn: Any, who: int | None, ref: svc.CaseRef, day: str, *args: Any
) -> svc.CaseRef:
    """Run service ``fn`` on the case as user ``who`` (None: the system) on ``day``."""
    with world.container.uow() as uow:
        result: svc.CaseRef = fn(uow, world.actor(who, day), ref.number, ref.version, *args)
    return result


def issue(uow: Any, actor: Actor, number: str, version: int, reference: str) -> svc.CaseRef:
    """出具结果 (with the simulated courier: these cases are picked up or sent online)."""
    courier = SimulatedCourier()
    return delivery.issue_result_and_dispatch(uow, actor, number, version, courier, reference).ref


def test_an_online_application_runs_from_submission_to_archive(world: World) -> None:
    ref = online(world, delivery_method=DeliveryMethod.ELECTRONIC)
    assert ref.status is S.SUBMITTED
    ref = step(world, svc.accept, world.reviewer, ref, "2026-11-02")
    ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-02")
    ref = step(world, svc.propose_decision, world.reviewer, ref, "2026-11-03", True, "符合条件")
    ref = step(world, issue, world.reviewer, ref, "2026-11-03", "营业执照")  # and delivered
    ref = step(world, svc.archive, None, ref, "2026-11-04")
    assert ref.status is S.ARCHIVED
    with world.container.read() as uow:
        citizen = load_principal(uow.conn, world.citizen)
        [mine] = queries.my_cases(uow.conn, citizen)
        assert (mine.number, mine.status, mine.deadline) == (
            ref.number,
            S.ARCHIVED,
            date(2026, 11, 3),
        )
        timeline = queries.timeline(uow.conn, citizen, ref.number)
        assert [e.seq for e in timeline] == list(range(1, 11))
        assert [e.type for e in timeline][:4] == [
            "CaseDrafted",
            "CaseMaterialFileReceived",
            "CaseMaterialFileReceived",
            "CaseSubmitted",
        ]
        assert [e.type for e in timeline][-3:] == [
            "CaseResultIssued",
            "CaseDelivered",
            "CaseArchived",
        ]
        assert verify(uow.conn).ok


def test_a_window_clerk_anywhere_accepts_with_missing_materials_and_a_rejection_waits_for_the_chief(
    world: World,
) -> None:
    ref = at_window(world, materials=[ID_PROOF])
    ref = step(
        world,
        svc.accept_with_missing_materials,
        world.clerk,
        ref,
        "2026-11-02",
        [PREMISES],
        "本人承诺11月9日前补交场所证明",
        date(2026, 11, 9),
    )
    with world.container.read() as uow:
        row = uow.conn.execute(select(cases).where(cases.c.number == ref.number)).one()
        case = queries.access_case(uow.conn, load_principal(uow.conn, world.clerk), ref.number)
        clerk_queue = queries.centre_queue(uow.conn, load_principal(uow.conn, world.clerk))
        review_queue = queries.department_queue(uow.conn, load_principal(uow.conn, world.reviewer))
    # Accepted at the town centre, routed to the item's department, collected where chosen.
    assert case.accepting_centre_code == TOWN_CENTRE_CODE
    assert case.department_code == "SCJGJ"
    assert case.delivery.pickup_centre_code == DISTRICT_CENTRE_CODE
    assert row.deadline == date(2026, 11, 3) and row.accepted_on == date(2026, 11, 2)
    assert case.missing is not None and case.missing.names == (PREMISES,)
    assert [c.number for c in clerk_queue] == [ref.number]
    assert [c.number for c in review_queue] == [ref.number]

    ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-03")
    ref = step(world, svc.propose_decision, world.reviewer, ref, "2026-11-03", False, "场所不符")
    assert ref.status is S.REJECTION_PROPOSED
    with pytest.raises(PermissionDenied):
        step(world, svc.sign_off_rejection, world.reviewer, ref, "2026-11-03")
    with world.container.read() as uow:
        queue = queries.sign_off_queue(uow.conn, load_principal(uow.conn, world.chief))
    assert [c.number for c in queue] == [ref.number]
    ref = step(world, svc.sign_off_rejection, world.chief, ref, "2026-11-04", "同意")
    assert ref.status is S.REJECTED
    with world.container.read() as uow:
        roles = uow.conn.execute(
            select(case_events.c.role, case_events.c.centre_code).where(
                case_events.c.type == "CaseRejected"
            )
        ).one()
    assert tuple(roles) == ("section_chief", None)


def test_a_window_submission_may_be_accepted_on_the_spot(world: World) -> None:
    with world.container.uow() as uow:
        ref = svc.submit_at_window(
            uow, world.actor(world.district_clerk), world.citizen, application(), accept=True
        )
    assert ref.status is S.ACCEPTED and ref.version == 1
    with world.container.read() as uow:
        events = uow.conn.execute(select(case_events.c.type).order_by(case_events.c.seq))
        assert list(events.scalars()) == ["CaseDrafted", "CaseSubmitted", "CaseAccepted"]


def test_the_case_keeps_the_version_it_was_filed_under_after_a_republish(world: World) -> None:
    ref = online(world)
    materials = [
        {"name": ID_PROOF, "key": True},
        {"name": PREMISES, "key": False},
        {"name": "新增材料", "key": True},
    ]
    publish_item(world.container, promised_limit_days=3, materials=materials)
    ref = step(world, svc.accept, world.clerk, ref, "2026-11-02")
    with world.container.read() as uow:
        case = queries.access_case(uow.conn, load_principal(uow.conn, world.clerk), ref.number)
        assert catalogue.published_item(uow.conn, ITEM).version == 2
    assert case.item_version == 1
    assert case.deadline == date(2026, 11, 3)  # 1 working day, as version 1 promised


def test_case_numbers_are_unique_and_count_per_day(world: World) -> None:
    first = [online(world).number for _ in range(3)]
    next_day = online(world, day="2026-11-03").number
    assert first == [f"440605-20261102-000000{i}" for i in (1, 2, 3)]
    assert next_day == "440605-20261103-0000001"


def test_a_wrong_form_is_refused_field_by_field_and_nothing_is_stored(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        online(world, form={"area": "三十", "owner_id": "123"})
    assert set(refused.value.fields) == {"form.shop_name", "form.area", "form.owner_id"}
    with pytest.raises(ItemNotFound):
        online(world, item_code="NOPE-0001")
    with world.container.read() as uow:
        assert uow.conn.execute(select(func.count()).select_from(cases)).scalar() == 0


def test_a_key_material_cannot_be_waived_at_the_window(world: World) -> None:
    ref = at_window(world, materials=[PREMISES])
    with pytest.raises(KeyMaterialNotWaivable):
        step(
            world,
            svc.accept_with_missing_materials,
            world.clerk,
            ref,
            "2026-11-02",
            [ID_PROOF],
            "承诺",
            date(2026, 11, 9),
        )


def test_a_correction_round_trip_stops_and_restarts_the_clock(world: World) -> None:
    ref = online(world)
    ref = step(world, svc.accept, world.clerk, ref, "2026-11-02")
    ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-02")
    ref = step(
        world, svc.request_correction, world.reviewer, ref, "2026-11-02", "照片模糊", [PREMISES]
    )
    with world.container.read() as uow:
        assert uow.conn.execute(select(cases.c.deadline)).scalar() is None
    ref = upload_scan(world, ref, PREMISES, "2026-11-05")
    ref = step(world, svc.supply_correction, world.citizen, ref, "2026-11-05")
    assert ref.status is S.UNDER_REVIEW
    with world.container.read() as uow:
        # Stopped 2 Nov, resumed 5 Nov: the one working day counts from 6 Nov.
        assert uow.conn.execute(select(cases.c.deadline)).scalar() == date(2026, 11, 6)


def test_a_citizen_only_ever_sees_and_touches_their_own_case(world: World) -> None:
    ref = online(world)
    with world.container.read() as uow:
        other = load_principal(uow.conn, world.other_citizen)
        assert queries.my_cases(uow.conn, other) == []
        with pytest.raises(CaseNotFound):
            queries.access_case(uow.conn, other, ref.number)
        with pytest.raises(PermissionDenied):
            queries.department_queue(uow.conn, other)
    with pytest.raises(CaseNotFound):  # as when reading it: another's case is not found
        step(world, svc.withdraw, world.other_citizen, ref, "2026-11-02")
    ref = step(world, svc.withdraw, world.citizen, ref, "2026-11-02", "填错了")
    assert ref.status is S.WITHDRAWN


def test_another_departments_reviewer_cannot_act_on_the_case(world: World) -> None:
    ref = online(world)
    with pytest.raises(PermissionDenied):
        step(world, svc.accept, world.other_reviewer, ref, "2026-11-02")
    with world.container.read() as uow, pytest.raises(PermissionDenied):
        queries.access_case(uow.conn, load_principal(uow.conn, world.other_reviewer), ref.number)


def test_a_stale_version_or_an_illegal_step_is_refused_and_changes_nothing(world: World) -> None:
    ref = at_window(world)
    accepted = step(world, svc.accept, world.clerk, ref, "2026-11-02")
    with pytest.raises(StaleVersion):
        step(world, svc.accept, world.clerk, ref, "2026-11-02")
    with pytest.raises(IllegalTransition):
        step(world, svc.accept, world.clerk, accepted, "2026-11-02")
    with world.container.read() as uow:
        events = uow.conn.execute(select(func.count()).select_from(case_events)).scalar()
        version = uow.conn.execute(select(cases.c.lock_version)).scalar()
    assert (events, version) == (3, 2)


def test_a_draft_is_saved_unchecked_and_submitted_by_its_applicant(world: World) -> None:
    unfinished = application(form={"area": "x"}, materials=[])
    with world.container.uow() as uow:
        draft = svc.save_draft(uow, world.actor(world.citizen), unfinished)
    assert draft.status is S.DRAFT
    with pytest.raises(CaseNotFound):
        step(world, svc.submit_draft, world.other_citizen, draft, "2026-11-02")
    with pytest.raises(ValidationFailed):
        step(world, svc.submit_draft, world.citizen, draft, "2026-11-02")
    complete = file_online(world.container, world.actor(world.citizen), application(), submit=False)
    assert (complete.status, complete.version) == (S.DRAFT, 3)  # the draft and two files
    submitted = step(world, svc.submit_draft, world.citizen, complete, "2026-11-03")
    assert (submitted.status, submitted.version) == (S.SUBMITTED, 4)


def test_online_a_ticked_material_is_refused_and_only_its_file_hands_it_in(world: World) -> None:
    with pytest.raises(MaterialFileRequired) as refused, world.container.uow() as uow:
        svc.submit_online(uow, world.actor(world.citizen), application())
    assert refused.value.code == "material_file_required" and PREMISES in refused.value.message
    with world.container.read() as uow:
        assert uow.conn.execute(select(func.count()).select_from(cases)).scalar() == 0
    ref = online(world, materials=[ID_PROOF])
    with world.container.read() as uow:
        case = repo.get(uow.conn, ref.number)
    assert case.materials == [ID_PROOF] and case.absent_materials() == [PREMISES]
    with pytest.raises(ValidationFailed) as incomplete:
        step(world, svc.accept, world.clerk, ref, "2026-11-02")
    assert PREMISES in incomplete.value.fields["materials"]
    ref = upload_scan(world, ref, PREMISES, "2026-11-02")
    assert step(world, svc.accept, world.clerk, ref, "2026-11-02").status is S.ACCEPTED


def test_the_applicants_word_is_no_correction_nor_a_waived_material_but_their_file_is(
    world: World,
) -> None:
    ref = online(world, materials=[ID_PROOF])
    ref = step(
        world,
        svc.accept_with_missing_materials,
        world.clerk,
        ref,
        "2026-11-02",
        [PREMISES],
        "本人承诺五个工作日内补交",
        date(2026, 11, 9),
    )
    with pytest.raises(MaterialFileRequired):
        step(world, svc.supply_missing_materials, world.citizen, ref, "2026-11-03", [PREMISES])
    ref = upload_scan(world, ref, PREMISES, "2026-11-03")
    with world.container.read() as uow:
        case = repo.get(uow.conn, ref.number)
    assert case.missing is None and PREMISES in case.materials
    ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-03")
    ref = step(
        world, svc.request_correction, world.reviewer, ref, "2026-11-03", "照片模糊", [PREMISES]
    )
    with pytest.raises(MaterialFileRequired):
        step(world, svc.supply_correction, world.citizen, ref, "2026-11-04", [PREMISES])
    ref = upload_scan(world, ref, PREMISES, "2026-11-04")
    assert step(world, svc.supply_correction, world.citizen, ref, "2026-11-04").status is (
        S.UNDER_REVIEW
    )


def test_an_immediate_item_is_decided_on_the_spot_by_the_clerk_who_accepted_it(
    world: World,
) -> None:
    publish_item(world.container, kind="immediate", promised_limit_days=0)
    ref = at_window(world)
    ref = step(world, svc.accept, world.clerk, ref, "2026-11-02")
    with pytest.raises(PermissionDenied):  # a clerk of another centre did not accept it
        step(world, svc.propose_decision, world.district_clerk, ref, "2026-11-02", True, "符合")
    ref = step(world, svc.propose_decision, world.clerk, ref, "2026-11-02", True, "当场办结")
    assert ref.status is S.APPROVED
    publish_item(world.container, kind="promised", promised_limit_days=1)  # a 承诺件 now
    other = at_window(world)
    other = step(world, svc.accept, world.clerk, other, "2026-11-02")
    with pytest.raises(PermissionDenied):  # an ordinary case is the department's to decide
        step(world, svc.propose_decision, world.clerk, other, "2026-11-02", True, "符合")
