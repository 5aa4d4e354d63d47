"""Delivering results on both databases: pickup with a code at the chosen centre, free mail
delivery through the (simulated) courier, electronic at once; and the acceptance receipt."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from tests.integration.test_case_pages import as_user
from tests.integration.test_cases import (
    ID_PROOF,
    World,
    application,
    at_window,
    online,
    step,
    world,
)
from tongban.adapters.courier import SimulatedCourier
from tongban.adapters.db.tables import outbox
from tongban.domain.cases.mail import mail_address, parse_mail_address
from tongban.domain.cases.status import CaseStatus, DeliveryMethod
from tongban.domain.errors import CaseNotFound, PermissionDenied, ValidationFailed
from tongban.services.cases import delivery, queries
from tongban.services.cases import lifecycle as svc
from tongban.services.cases import repository as repo
from tongban.services.cases.audit import verify
from tongban.services.people.sessions import load_principal

__all__ = ["world"]  # the fixture, shared with test_cases
DAY = "2026-11-03"
ADDRESS = mail_address("张三", "138 0013 8000", "广东省佛山市南海区桂城街道南海大道1号")
MAILED: dict[str, object] = {
    "delivery_method": DeliveryMethod.MAIL,
    "recipient": "张三",
    "phone": "138 0013 8000",
    "address": "广东省佛山市南海区桂城街道南海大道1号",
}


def decided(world: World, **changes: object) -> svc.CaseRef:
    """A window case accepted by the town clerk and approved by the reviewer."""
    ref = at_window(world, **changes)
    ref = step(world, svc.accept, world.clerk, ref, "2026-11-02")
    ref = step(world, svc.start_review, world.reviewer, ref, "2026-11-02")
    return step(world, svc.propose_decision, world.reviewer, ref, DAY, True, "符合条件")


def issue(world: World, ref: svc.CaseRef, courier: SimulatedCourier) -> delivery.Dispatch:
    with world.container.uow() as uow:
        return delivery.issue_result_and_dispatch(
            uow, world.actor(world.reviewer, DAY), ref.number, ref.version, courier, "营业执照"
        )


def collect(world: World, who: int, number: str, code: str) -> svc.CaseRef:
    with world.container.uow() as uow:
        return delivery.collect_result(uow, world.actor(who, DAY), number, code)


def events(world: World, number: str) -> list[str]:
    with world.container.read() as uow:
        citizen = load_principal(uow.conn, world.citizen)
        assert verify(uow.conn).ok
        return [e.type for e in queries.timeline(uow.conn, citizen, number)]


def test_a_pickup_is_delivered_only_with_the_right_code_at_the_chosen_centre(world: World) -> None:
    sent = issue(world, decided(world), SimulatedCourier())
    assert sent.ref.status is CaseStatus.RESULT_ISSUED
    code = sent.pickup_code
    assert code is not None and len(code) == 6 and code.isdigit()
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    with pytest.raises(delivery.WrongPickupCentre):  # the town clerk: not the chosen centre
        collect(world, world.clerk, sent.ref.number, code)
    with pytest.raises(delivery.PickupCodeWrong) as refused:
        collect(world, world.district_clerk, sent.ref.number, wrong)
    assert refused.value.params == {"remaining": 4}

    done = collect(world, world.district_clerk, sent.ref.number, code)
    assert done.status is CaseStatus.DELIVERED
    assert events(world, done.number)[-3:] == [
        "CasePickupCodeIssued",
        "CasePickupCodeRefused",
        "CaseDelivered",
    ]


def test_five_wrong_pickup_codes_lock_the_code_until_the_applicant_gets_a_new_one(
    world: World,
) -> None:
    sent = issue(world, decided(world), SimulatedCourier())
    assert sent.pickup_code is not None
    wrong = f"{(int(sent.pickup_code) + 1) % 10**6:06d}"
    for _ in range(4):
        with pytest.raises(delivery.PickupCodeWrong):
            collect(world, world.district_clerk, sent.ref.number, wrong)
    # The fifth wrong try locks the code; after that even the right code is refused.
    for attempt in (wrong, sent.pickup_code):
        with pytest.raises(delivery.PickupCodeLocked):
            collect(world, world.district_clerk, sent.ref.number, attempt)
    with world.container.uow() as uow:
        fresh = delivery.reissue_pickup_code(uow, world.actor(world.citizen, DAY), sent.ref.number)
    assert collect(world, world.district_clerk, sent.ref.number, fresh).status is (
        CaseStatus.DELIVERED
    )


def test_a_result_without_a_pickup_code_is_a_clear_conflict_until_the_applicant_gets_one(
    world: World,
) -> None:
    sent = issue(world, decided(world), SimulatedCourier())
    with world.container.uow() as uow:  # as a case issued before pickup codes, or imported
        case = repo.get(uow.conn, sent.ref.number)
        case.delivery_detail = {}
        repo.save(uow.conn, case, world.container.clock.now())
        uow.commit()
    before = events(world, sent.ref.number)
    with pytest.raises(delivery.PickupCodeMissing) as refused:
        collect(world, world.district_clerk, sent.ref.number, "123456")
    assert (refused.value.code, refused.value.status) == ("pickup_code_missing", 409)
    assert "重新获取取件码" in refused.value.message
    assert events(world, sent.ref.number) == before  # nothing recorded, nothing changed
    with world.container.uow() as uow:
        fresh = delivery.reissue_pickup_code(uow, world.actor(world.citizen, DAY), sent.ref.number)
    assert collect(world, world.district_clerk, sent.ref.number, fresh).status is (
        CaseStatus.DELIVERED
    )


def test_a_mailed_result_gets_a_tracking_number_and_is_delivered_when_the_courier_confirms(
    world: World,
) -> None:
    courier = SimulatedCourier()
    ref = decided(world, **MAILED)
    sent = issue(world, ref, courier)
    assert sent.tracking_number is not None
    assert sent.tracking_number.startswith("SF") and len(sent.tracking_number) == 14
    assert sent.ref.status is CaseStatus.RESULT_ISSUED
    with world.container.uow() as uow:
        with pytest.raises(delivery.NotYetDelivered):
            delivery.confirm_mail_delivery(uow, world.actor(None, DAY), ref.number, courier)
        assert delivery.sweep_mail_deliveries(uow, world.actor(None, DAY), courier) == []

    courier.confirm_delivery(sent.tracking_number, datetime(2026, 11, 4, 3, tzinfo=UTC))
    with world.container.uow() as uow:
        assert delivery.sweep_mail_deliveries(uow, world.actor(None, "2026-11-04"), courier) == [
            ref.number
        ]
    assert events(world, ref.number)[-3:] == [
        "CaseResultIssued",
        "CaseResultShipped",
        "CaseDelivered",
    ]


def test_a_mailing_address_needs_a_recipient_and_a_mainland_mobile() -> None:
    with pytest.raises(ValidationFailed) as bad:
        mail_address("", "12345", "广东省佛山市南海区桂城街道南海大道1号")
    assert set(bad.value.fields) == {"recipient", "phone"}
    assert ADDRESS.phone == "13800138000"
    assert parse_mail_address(ADDRESS.as_text()) == ADDRESS


def test_an_electronic_result_is_delivered_as_it_is_issued(world: World) -> None:
    ref = decided(world, delivery_method=DeliveryMethod.ELECTRONIC)
    sent = issue(world, ref, SimulatedCourier())
    assert sent.ref.status is CaseStatus.DELIVERED
    assert (sent.pickup_code, sent.tracking_number) == (None, None)
    assert events(world, ref.number)[-2:] == ["CaseResultIssued", "CaseDelivered"]


def test_the_acceptance_receipt_is_a_pdf_for_the_applicant_and_the_centre_only(
    world: World,
) -> None:
    ref = at_window(world, materials=[ID_PROOF])
    ref = step(
        world,
        svc.accept_with_missing_materials,
        world.clerk,
        ref,
        "2026-11-02",
        ["经营场所使用证明"],
        "本人承诺11月9日前补交",
        datetime(2026, 11, 9).date(),
    )
    with world.container.read() as uow:
        conn = uow.conn
        data = delivery.receipt_data(conn, load_principal(conn, world.citizen), ref.number)
        pdf = delivery.receipt_pdf(
            conn, load_principal(conn, world.clerk), ref.number, printer=world.container.receipts
        )
        with pytest.raises(CaseNotFound):
            delivery.receipt_pdf(
                conn,
                load_principal(conn, world.other_citizen),
                ref.number,
                printer=world.container.receipts,
            )
        with pytest.raises(PermissionDenied):
            delivery.receipt_pdf(
                conn,
                load_principal(conn, world.other_reviewer),
                ref.number,
                printer=world.container.receipts,
            )
    assert pdf.startswith(b"%PDF")
    assert data.number == ref.number and data.materials_due == ("经营场所使用证明",)
    assert "*" in data.applicant_id_masked and data.clerk_name


def test_an_application_for_mail_carries_the_checked_three_part_address() -> None:
    assert application(**MAILED).delivery(None).address == ADDRESS.as_text()
    one_line = application(delivery_method=DeliveryMethod.MAIL, address="桂城街道南海大道1号")
    with pytest.raises(ValidationFailed) as refused:  # the old one-line form: refused at once
        one_line.delivery(None)
    assert set(refused.value.fields) == {"recipient", "phone"}
    picked_up = application(**{**MAILED, "delivery_method": DeliveryMethod.PICKUP})
    assert picked_up.delivery("C1").address == ""  # an address is kept only for mail


def test_a_mailed_application_without_its_address_is_refused_and_nothing_is_written(
    world: World,
) -> None:
    with world.container.read() as uow:
        before = len(queries.my_cases(uow.conn, load_principal(uow.conn, world.citizen)))
    with pytest.raises(ValidationFailed) as refused:
        online(world, **{**MAILED, "phone": "0757-8888888"})
    assert set(refused.value.fields) == {"phone"}
    with world.container.read() as uow:
        after = len(queries.my_cases(uow.conn, load_principal(uow.conn, world.citizen)))
    assert after == before


def test_the_pickup_code_reaches_the_applicant_by_message_and_not_the_answer(world: World) -> None:
    sent = issue(world, decided(world), SimulatedCourier())
    with world.container.read() as uow:
        payloads = [
            str(p)
            for p in uow.conn.execute(
                select(outbox.c.payload).where(outbox.c.dedup_key.like("%pickup-code%"))
            ).scalars()
        ]
    assert len(payloads) == 2  # one in-app message, one SMS
    assert all(sent.pickup_code in p for p in payloads)


def test_wrong_codes_sent_through_the_api_count_towards_the_lock_out(
    world: World, client: Any
) -> None:
    sent = issue(world, decided(world), SimulatedCourier())
    assert sent.pickup_code is not None
    wrong = f"{(int(sent.pickup_code) + 1) % 10**6:06d}"
    csrf = as_user(world.container, client, world.district_clerk)
    codes = []
    for attempt in range(5):
        answer = client.post(
            f"/api/v1/cases/{sent.ref.number}/collect",
            json={"code": wrong},
            headers={"X-CSRF-Token": csrf, "Idempotency-Key": f"collect-{attempt}"},
        )
        codes.append(answer.json()["code"])
    assert codes == ["pickup_code_wrong"] * 4 + ["pickup_code_locked"]
    right = client.post(
        f"/api/v1/cases/{sent.ref.number}/collect",
        json={"code": sent.pickup_code},
        headers={"X-CSRF-Token": csrf, "Idempotency-Key": "collect-right"},
    )
    assert right.status_code == 429  # locked until the applicant gets a new code


def test_the_worker_sweep_marks_couriered_results_delivered(world: World) -> None:
    from tongban.services.cases import sweeps as cases_sweeps
    from tongban.worker import SWEEPS

    courier = world.container.courier
    assert isinstance(courier, SimulatedCourier)
    ref = decided(world, **MAILED)
    sent = issue(world, ref, courier)
    assert sent.tracking_number is not None
    now = datetime(2026, 11, 4, 3, tzinfo=UTC)
    assert cases_sweeps.mail_deliveries(world.container, now) == 0
    courier.confirm_delivery(sent.tracking_number, now)
    assert cases_sweeps.mail_deliveries(world.container, now) == 1
    assert events(world, ref.number)[-1] == "CaseDelivered"
    assert "case_mail_deliveries" in SWEEPS


def test_the_applicant_gets_a_new_pickup_code_over_the_api_and_on_their_case_page(
    world: World, client: Any
) -> None:
    sent = issue(world, decided(world), SimulatedCourier())
    csrf = as_user(world.container, client, world.citizen)
    headers = {"X-CSRF-Token": csrf, "Idempotency-Key": "reissue-1"}
    url = f"/api/v1/cases/{sent.ref.number}/pickup-code"
    answer = client.post(url, headers=headers)
    assert answer.status_code == 200, answer.text
    code = answer.json()["code"]
    assert code != sent.pickup_code and client.post(url, headers=headers).json()["code"] == code
    page = client.post(f"/my/cases/{sent.ref.number}/pickup-code", data={"csrf_token": csrf}).text
    shown = page.split('id="new-pickup-code">')[1].split("<")[0]
    assert len(shown) == 6 and shown != code  # the page's reissue replaced the API's code
    with pytest.raises(delivery.PickupCodeWrong):
        collect(world, world.district_clerk, sent.ref.number, code)
    assert collect(world, world.district_clerk, sent.ref.number, shown).status is (
        CaseStatus.DELIVERED
    )
