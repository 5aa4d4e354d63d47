"""Certificate-free identity on both databases: the citizen code is single use and lives two
minutes, a forged or altered code is refused, and the ID-card reader and face check identify
a registered person; every refusal changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.factories import make_citizen, make_staff, resident_id
from tongban.adapters.db.tables import audit_log, data_access_log
from tongban.adapters.db.tables_data_space import citizen_codes, identity_checks
from tongban.adapters.id_devices import reference_probe
from tongban.bootstrap import Container
from tongban.domain.errors import PermissionDenied
from tongban.domain.identity_check import model
from tongban.domain.identity_check.errors import (
    CitizenCodeExpired,
    CitizenCodeInvalid,
    CitizenCodeUsed,
    FaceMismatch,
    IdCardUnreadable,
    PersonNotRegistered,
)
from tongban.domain.people.model import Role
from tongban.domain.shared.clock import FixedClock
from tongban.services.identity import check as svc
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.worker import SWEEPS, Worker

KEY = "identity-test-key"
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


@dataclass
class Window:
    container: Container
    citizen: int
    id_number: str
    clerk: int
    other_citizen: int

    def actor(self, user_id: int, at: datetime = NOW) -> Actor:
        with self.container.read() as uow:
            principal = load_principal(uow.conn, user_id)
        return Actor(principal=principal, request_id="req", at=at)

    def issue(self, at: datetime = NOW) -> model.CitizenCode:
        with self.container.uow() as uow:
            return svc.issue_citizen_code(uow, self.actor(self.citizen, at), key=KEY)

    def redeem(self, token: str, at: datetime = NOW, user_id: int | None = None) -> object:
        with self.container.uow() as uow:
            actor = self.actor(user_id or self.clerk, at)
            return svc.redeem_citizen_code(uow, actor, token, key=KEY)

    def checks(self) -> int:
        with self.container.read() as uow:
            return int(
                uow.conn.execute(select(func.count()).select_from(identity_checks)).scalar_one()
            )


@pytest.fixture
def window(container: Container) -> Window:
    number = resident_id(born=date(1985, 6, 1))
    return Window(
        container=container,
        citizen=make_citizen(container, id_number=number, name="王小红").user_id,
        id_number=number,
        clerk=make_staff(container, Role.CLERK).user_id,
        other_citizen=make_citizen(container, name="李四").user_id,
    )


def test_a_citizen_code_identifies_its_holder_once(window: Window) -> None:
    code = window.issue()
    assert code.expires_at == NOW + timedelta(minutes=2)
    assert len(code.token) < 100
    person = window.redeem(code.token, NOW + timedelta(seconds=30))
    assert isinstance(person, model.IdentifiedPerson)
    assert person.user_id == window.citizen and person.id_number == window.id_number
    assert person.method == "citizen_code" and person.masked != window.id_number
    assert window.id_number not in repr(person)
    with pytest.raises(CitizenCodeUsed):
        window.redeem(code.token, NOW + timedelta(seconds=40))
    assert window.checks() == 1
    with window.container.read() as uow:
        reads = uow.conn.execute(select(data_access_log.c.subject_id)).scalars().all()
    assert reads == [window.citizen]


def test_issuing_a_citizen_code_is_audited_with_it(window: Window) -> None:
    code = window.issue()
    query = select(audit_log.c.object_key).where(audit_log.c.action == "citizen_code.issued")
    with window.container.read() as uow:
        assert uow.conn.execute(query).scalars().all() == [code.jti]


def test_a_citizen_code_expires_after_two_minutes(window: Window) -> None:
    code = window.issue()
    with pytest.raises(CitizenCodeExpired) as error:
        window.redeem(code.token, NOW + timedelta(minutes=2))
    assert error.value.code == "citizen_code_expired"
    assert window.checks() == 0
    with window.container.read() as uow:
        row = uow.conn.execute(select(citizen_codes)).one()
    assert row.used_at is None


def test_the_worker_purges_codes_a_day_past_their_expiry(window: Window) -> None:
    old, fresh = window.issue(), window.issue()
    with window.container.uow() as uow:  # age the first one: it expired over a day ago
        uow.conn.execute(
            update(citizen_codes)
            .where(citizen_codes.c.jti == old.jti)
            .values(expires_at=NOW - timedelta(days=1, seconds=1))
        )
        uow.commit()
    sweeps = {"purge_old_rows": SWEEPS["purge_old_rows"]}
    window.container.clock = FixedClock(NOW)
    Worker(window.container, sweeps=sweeps).run_once()
    with window.container.read() as uow:
        left = uow.conn.execute(select(citizen_codes.c.jti)).scalars().all()
    assert left == [fresh.jti]


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.replace(".", ".9", 1),
        lambda t: model.sign("someone-elses-key", "a" * 24, 1, NOW + timedelta(minutes=2)),
        lambda t: "not a code at all",
        lambda t: "",
        lambda t: "TB1." + "x" * 500,
    ],
)
def test_a_forged_or_altered_code_is_refused_and_changes_nothing(window: Window, forge) -> None:  # type: ignore[no-untyped-def]
    code = window.issue()
    with pytest.raises(CitizenCodeInvalid):
        window.redeem(forge(code.token))
    assert window.checks() == 0
    window.redeem(code.token)  # the genuine code still works


def test_a_code_made_for_one_citizen_cannot_name_another(window: Window) -> None:
    code = window.issue()
    claims = model.verify(KEY, code.token)
    other = model.sign(KEY, claims.jti, window.other_citizen, claims.expires_at)
    with pytest.raises(CitizenCodeInvalid):
        window.redeem(other)


def test_only_clerks_redeem_codes_and_only_applicants_get_them(window: Window) -> None:
    code = window.issue()
    with pytest.raises(PermissionDenied):
        window.redeem(code.token, user_id=window.other_citizen)
    with window.container.uow() as uow, pytest.raises(PermissionDenied):
        svc.issue_citizen_code(uow, window.actor(window.clerk), key=KEY)


def test_the_id_card_reader_identifies_a_registered_person(window: Window) -> None:
    with window.container.uow() as uow:
        person = svc.read_id_card(
            uow,
            window.actor(window.clerk),
            {"id_number": window.id_number, "name": "王小红"},
            reader=window.container.id_card_reader,
        )
    assert person.user_id == window.citizen and person.method == "id_card"
    with window.container.uow() as uow, pytest.raises(IdCardUnreadable):
        svc.read_id_card(
            uow,
            window.actor(window.clerk),
            {"id_number": window.id_number},
            reader=window.container.id_card_reader,
        )
    with window.container.uow() as uow, pytest.raises(PersonNotRegistered):
        svc.read_id_card(
            uow,
            window.actor(window.clerk),
            {"id_number": resident_id(), "name": "陌生人"},
            reader=window.container.id_card_reader,
        )
    with window.container.uow() as uow, pytest.raises(IdCardUnreadable):
        svc.read_id_card(
            uow,
            window.actor(window.clerk),
            {"id_number": window.id_number, "name": "冒名者"},
            reader=window.container.id_card_reader,
        )
    assert window.checks() == 1


def test_the_face_check_needs_a_score_at_the_threshold(window: Window) -> None:
    def check(probe: str, threshold: float = 0.80) -> model.IdentifiedPerson:
        with window.container.uow() as uow:
            return svc.face_check(
                uow,
                window.actor(window.clerk),
                id_number=window.id_number,
                probe=probe,
                camera=window.container.face_camera,
                threshold=threshold,
            )

    person = check(reference_probe(window.id_number))
    assert person.method == "face" and person.score == pytest.approx(0.97)
    with pytest.raises(FaceMismatch) as error:
        check(reference_probe(resident_id()))
    assert error.value.code == "face_mismatch"
    assert check("score:0.80").score == pytest.approx(0.80)
    with pytest.raises(FaceMismatch):
        check("score:0.85", threshold=0.9)
    assert window.checks() == 2


def test_two_windows_scanning_one_code_at_once_exactly_one_wins(window: Window) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    code = window.issue()
    barrier = threading.Barrier(2)

    def scan(_: int) -> str:
        barrier.wait()
        try:
            window.redeem(code.token, NOW + timedelta(seconds=5))
        except CitizenCodeUsed:
            return "used"
        return "identified"

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert sorted(pool.map(scan, range(2))) == ["identified", "used"]
    assert window.checks() == 1
