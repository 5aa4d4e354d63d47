# ruff: noqa: F811  (the ``holder`` and ``kiosk`` fixtures are imported)
"""自助办 on both databases: a centre manager registers and pairs a kiosk; a visitor identified
by the ID-card reader (or the citizen code) files a self-service item as themself, the form
filled from their own e-licences, and the visit then only prints its receipt; a visit left idle
acts for no one, files nothing and leaves nothing of the visitor behind."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.integration.data_space_fixtures import NOW, holder  # noqa: F401
from tests.integration.kiosk_fixtures import IDLE, ITEM, WINDOW_ONLY, Kiosk, at, kiosk  # noqa: F401
from tongban.adapters.db.tables import case_events, sessions
from tongban.adapters.db.tables_data_space import identity_checks
from tongban.adapters.pdf import FpdfReceipts
from tongban.domain.cases.status import CaseStatus, Channel, DeliveryMethod
from tongban.domain.errors import PermissionDenied, ValidationFailed
from tongban.domain.identity_check.errors import IdCardUnreadable
from tongban.domain.self_service.errors import (
    KioskInactive,
    NoReceipt,
    NotSelfService,
    NoVisit,
    PairingFailed,
    VisitExpired,
)
from tongban.services.cases import repository as repo
from tongban.services.data_space import reads as data_space
from tongban.services.platform.context import Actor
from tongban.services.self_service import filing, kiosks, visits
from tongban.worker import SWEEPS, Worker

TYPED = {"phone": "13800138000", "applicant_name": "冒名顶替", "birth_date": "2000-01-01"}


def file(world: Kiosk, when: int, form: dict[str, str] | None = None) -> filing.Filed:
    with world.container.uow() as uow:
        return filing.file_application(
            uow, world.as_device(at(when)), ITEM, form or TYPED, keys=world.container.keys
        )


def test_a_visitor_files_at_the_kiosk_as_themself_and_the_visit_ends_with_the_case(
    kiosk: Kiosk,
) -> None:
    shown = kiosk.card(at(0))
    assert shown.visit is not None and shown.visitor is not None
    assert shown.visitor.name != "陈阿婆" and "*" in shown.visitor.name  # masked on the screen
    with kiosk.container.uow() as uow:
        form = filing.application_form(uow, kiosk.as_device(at(10)), ITEM)
    assert form.locked["applicant_name"] == "陈阿婆" and form.locked["birth_date"] == "1940-05-01"
    assert "南海大道1号" not in form.locked["address"]  # an address is masked on the kiosk
    assert form.from_licences == ["申请人居民身份证", "户口簿"]
    assert form.still_needed == ["银行账户信息"]

    filed = file(kiosk, 20)
    assert filed.status is CaseStatus.SUBMITTED and not filed.accepted
    with kiosk.container.read() as uow:
        case = repo.get(uow.conn, filed.number)
        events = uow.conn.execute(
            select(case_events.c.detail, case_events.c.centre_code, case_events.c.actor_id).where(
                case_events.c.case_id == case.id
            )
        ).all()
    assert case.channel is Channel.SELF_SERVICE and case.kiosk == "GC-ZZ-01"
    assert case.applicant_id == kiosk.holder.user_id
    assert case.accepting_centre_code == "C-GC" and case.delivery.pickup_centre_code == "C-GC"
    # Locked values come from her licences, whatever was typed; materials from the library.
    assert case.form["applicant_name"] == "陈阿婆" and case.form["birth_date"] == "1940-05-01"
    assert set(case.material_sources) == {"申请人居民身份证", "户口簿"}
    assert {e.detail.get("kiosk") for e in events} == {"GC-ZZ-01"}
    assert {e.centre_code for e in events} == {"C-GC"}
    assert {e.actor_id for e in events} == {kiosk.holder.user_id}

    # Only the receipt now: a second filing finds no visit to act for.
    with pytest.raises(NoVisit):
        file(kiosk, 30)
    with kiosk.container.uow() as uow:
        number, pdf = filing.receipt_pdf(uow, kiosk.as_device(at(40)), printer=FpdfReceipts())
    assert number == filed.number and pdf.startswith(b"%PDF")
    assert kiosk.cases() == 1
    row = kiosk.visit_rows()[-1]
    assert row.case_number == filed.number and row.draft is None and row.submitted_at is not None


def test_the_visitors_own_licence_reads_are_in_their_log_naming_the_kiosk(kiosk: Kiosk) -> None:
    kiosk.card(at(0))
    filed = file(kiosk, 5)
    with kiosk.container.read() as uow:
        log = data_space.access_log(uow.conn, kiosk.holder.id_number)
    with_case = [e for e in log if e.case_number == filed.number]
    assert with_case and all("自助终端 GC-ZZ-01" in e.purpose for e in with_case)
    assert {e.outcome for e in with_case} == {"allowed"}


def test_the_kiosk_identifies_its_visitor_as_itself_at_its_centre(kiosk: Kiosk) -> None:
    kiosk.card(at(0))
    with kiosk.container.read() as uow:
        check = uow.conn.execute(select(identity_checks)).one()
    assert check.actor_id == kiosk.device and check.centre_code == "C-GC"
    assert check.method == "id_card" and check.subject_id == kiosk.holder.user_id


def test_a_card_that_does_not_match_starts_no_visit(kiosk: Kiosk) -> None:
    with kiosk.container.uow() as uow, pytest.raises(IdCardUnreadable):
        visits.start_visit(
            uow,
            kiosk.as_device(),
            "id_card",
            card={"id_number": kiosk.holder.id_number, "name": "别人"},
            key="k",
            reader=kiosk.container.id_card_reader,
        )
    assert kiosk.visit_rows() == []


def test_a_visit_left_idle_mid_form_files_nothing_and_keeps_nothing(kiosk: Kiosk) -> None:
    kiosk.card(at(0))
    with kiosk.container.uow() as uow:
        visits.keep_draft(
            uow, kiosk.as_device(at(10)), {"item": ITEM, "values": {"phone": "13800138000"}}
        )
    assert kiosk.visit_rows()[-1].draft is not None
    # The page never came back: past the idle time the server acts for no one.
    with pytest.raises(VisitExpired):
        file(kiosk, 10 + IDLE + 1)
    assert kiosk.cases() == 0
    with kiosk.container.uow() as uow:
        screen = visits.screen(uow, kiosk.as_device(at(10 + IDLE + 2)))
    assert screen.visit is None and screen.timed_out
    row = kiosk.visit_rows()[-1]
    assert row.close_reason == "idle" and row.draft is None and row.case_number is None


def test_every_action_keeps_the_visit_going_for_the_idle_time(kiosk: Kiosk) -> None:
    kiosk.card(at(0))
    with kiosk.container.uow() as uow:
        visits.keep_alive(uow, kiosk.as_device(at(IDLE - 5)))
    filed = file(kiosk, 2 * IDLE - 10)  # past the first idle time, within the second
    assert filed.number


def test_the_worker_closes_visits_past_their_idle_time(kiosk: Kiosk) -> None:
    kiosk.card(at(0))
    with kiosk.container.uow() as uow:
        visits.keep_draft(uow, kiosk.as_device(at(1)), {"item": ITEM, "values": {"phone": "1"}})
    with kiosk.container.uow() as uow:
        assert visits.close_expired(uow, Actor(at=at(IDLE - 1))) == 0
    # The worker's clock (the tests' start) is days past the visit: its sweep closes it.
    Worker(kiosk.container, sweeps={"kiosk_visits_close": SWEEPS["kiosk_visits_close"]}).run_once()
    row = kiosk.visit_rows()[-1]
    assert row.close_reason == "idle" and row.draft is None


def test_finishing_wipes_the_draft_and_a_second_finish_changes_nothing(kiosk: Kiosk) -> None:
    kiosk.card(at(0))
    with kiosk.container.uow() as uow:
        visits.keep_draft(uow, kiosk.as_device(at(1)), {"item": ITEM, "values": {"phone": "1"}})
    with kiosk.container.uow() as uow:
        assert visits.finish(uow, kiosk.as_device(at(2)))
    with kiosk.container.uow() as uow:
        assert not visits.finish(uow, kiosk.as_device(at(3)))
    row = kiosk.visit_rows()[-1]
    assert row.close_reason == "finished" and row.draft is None
    with kiosk.container.uow() as uow, pytest.raises(NoReceipt):
        filing.receipt_pdf(uow, kiosk.as_device(at(4)), printer=FpdfReceipts())


def test_a_new_visitor_closes_the_previous_visit(kiosk: Kiosk) -> None:
    kiosk.card(at(0))
    kiosk.card(at(5))
    rows = kiosk.visit_rows()
    assert [r.close_reason for r in rows] == ["replaced", None]


def test_an_item_not_offered_at_kiosks_is_refused_and_nothing_is_filed(kiosk: Kiosk) -> None:
    kiosk.card(at(0))
    with kiosk.container.uow() as uow, pytest.raises(NotSelfService):
        filing.application_form(uow, kiosk.as_device(at(1)), WINDOW_ONLY)
    with kiosk.container.uow() as uow, pytest.raises(NotSelfService):
        filing.file_application(
            uow, kiosk.as_device(at(2)), WINDOW_ONLY, TYPED, keys=kiosk.container.keys
        )
    assert kiosk.cases() == 0
    with kiosk.container.read() as uow:
        offered = [i.code for i in filing.offered_items(uow.conn, "citizen")]
    assert ITEM in offered and WINDOW_ONLY not in offered


def test_a_wrong_form_files_nothing_and_the_visit_goes_on(kiosk: Kiosk) -> None:
    kiosk.card(at(0))
    with pytest.raises(ValidationFailed) as refused:
        file(kiosk, 5, {"phone": "不是号码"})
    assert refused.value.fields == {"form.phone": "联系电话：电话号码格式不正确"}
    assert kiosk.cases() == 0
    assert file(kiosk, 10).number


def test_deactivating_a_kiosk_ends_its_session_and_its_visit(kiosk: Kiosk) -> None:
    kiosk.card(at(0))
    with kiosk.container.uow() as uow:
        kiosks.change_kiosk(uow, kiosk.as_manager(at(5)), "GC-ZZ-01", active=False)
    with kiosk.container.read() as uow:
        left = uow.conn.execute(select(sessions).where(sessions.c.user_id == kiosk.device)).all()
    assert left == []
    assert kiosk.visit_rows()[-1].close_reason == "deactivated"
    with kiosk.container.uow() as uow, pytest.raises(KioskInactive):
        visits.screen(uow, kiosk.as_device(at(6)))


def test_pairing_needs_the_right_fresh_code_and_five_wrong_ones_void_it(kiosk: Kiosk) -> None:
    device = Actor(at=at(0), ip="10.0.0.9")
    with kiosk.container.uow() as uow:
        pairing = kiosks.issue_pairing_code(uow, kiosk.as_manager(), "GC-ZZ-01")
    for _ in range(5):
        with kiosk.container.uow() as uow, pytest.raises(PairingFailed):
            kiosks.pair_device(uow, device, "GC-ZZ-01", "WRONG123", session_days=1)
    with kiosk.container.uow() as uow, pytest.raises(PairingFailed):
        kiosks.pair_device(uow, device, "GC-ZZ-01", pairing.code, session_days=1)
    with kiosk.container.uow() as uow:
        fresh = kiosks.issue_pairing_code(uow, kiosk.as_manager(), "GC-ZZ-01")
    typed = fresh.code.lower()[:4] + "-" + fresh.code.lower()[4:]  # case and dashes do not matter
    with kiosk.container.uow() as uow:
        token, _csrf, paired = kiosks.pair_device(uow, device, "gc-zz-01", typed, session_days=1)
    assert token and paired.code == "GC-ZZ-01"
    late = Actor(at=at(31 * 60))
    with kiosk.container.uow() as uow:
        stale = kiosks.issue_pairing_code(uow, kiosk.as_manager(), "GC-ZZ-01")
    with kiosk.container.uow() as uow, pytest.raises(PairingFailed):
        kiosks.pair_device(uow, late, "GC-ZZ-01", stale.code, session_days=1)


def test_only_the_managers_centre_sees_and_changes_its_kiosks(kiosk: Kiosk) -> None:
    other = kiosk.holder.actor(kiosk.holder.clerk)
    with kiosk.container.uow() as uow, pytest.raises(PermissionDenied):
        kiosks.issue_pairing_code(uow, other, "GC-ZZ-01")
    with kiosk.container.read() as uow:
        listed = kiosks.centre_kiosks(uow.conn, kiosk.as_manager().principal)
    assert [k.code for k in listed] == ["GC-ZZ-01"] and listed[0].idle_seconds == IDLE


def test_a_person_is_not_a_kiosk(kiosk: Kiosk) -> None:
    with kiosk.container.uow() as uow, pytest.raises(PermissionDenied):
        visits.screen(uow, kiosk.holder.actor(kiosk.holder.clerk))
    assert NOW  # the clock the world runs on


def test_a_kiosk_application_may_have_its_result_mailed_to_a_checked_address(
    kiosk: Kiosk,
) -> None:
    kiosk.card(at(0))
    with kiosk.container.uow() as uow:
        form = filing.application_form(uow, kiosk.as_device(at(5)), ITEM)
    assert form.mail_defaults["recipient"] != "陈阿婆" and "*" in form.mail_defaults["recipient"]

    def mailed(when: int, to: dict[str, str]) -> filing.Filed:
        with kiosk.container.uow() as uow:
            return filing.file_application(
                uow,
                kiosk.as_device(at(when)),
                ITEM,
                TYPED,
                keys=kiosk.container.keys,
                delivery_method=DeliveryMethod.MAIL,
                mail=to,
            )

    with pytest.raises(ValidationFailed) as refused:
        mailed(10, {"recipient": "", "phone": "123", "address": "南海"})
    assert refused.value.fields == {
        "phone": "请填写收件人的大陆手机号码",
        "address": "请填写完整的收件地址（省、市、区、街道和门牌号）",
    }  # a blank recipient is the visitor herself
    assert kiosk.cases() == 0

    filed = mailed(
        20, {"recipient": "", "phone": "139-0000-1111", "address": "佛山市南海区桂城南海大道1号"}
    )
    with kiosk.container.read() as uow:
        case = repo.get(uow.conn, filed.number)
    assert case.delivery.method is DeliveryMethod.MAIL
    assert case.delivery.address == "陈阿婆\n13900001111\n佛山市南海区桂城南海大道1号"
