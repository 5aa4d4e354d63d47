"""跨城通办: the result of a hand-over comes back as a real e-licence.  番禺 decides PY-001, whose
result is a 老年人优待证, and issues it as for any case of its own; the result message carries
the credential, 南海 checks it with 番禺's published licence keys, keeps it in the applicant's
data space and verifies it at /verify.  A credential that does not check out is refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update

from tests.clock import SYSTEM
from tests.factories import make_citizen, make_staff, resident_id, sign_in
from tests.integration.federation_fixtures import PANYU
from tests.integration.federation_pair import Pair
from tests.integration.test_federation_handover import APPLICANT, World, actor, count, pump, py_item
from tongban.adapters.courier import SimulatedCourier
from tongban.adapters.db.tables import departments
from tongban.adapters.db.tables_federation import federation_log
from tongban.adapters.db.tables_licences import licences
from tongban.domain.errors import PermissionDenied
from tongban.domain.people.model import Role
from tongban.services.cases import delivery as case_delivery
from tongban.services.cases import lifecycle
from tongban.services.cases.results import LicenceContent
from tongban.services.catalogue import items as catalogue
from tongban.services.data_space import licence_port
from tongban.services.federation import items, refusals
from tongban.services.licences import access as policy
from tongban.services.licences import library
from tongban.web.app import build_app
from tongban.worker import SWEEPS

pytestmark = pytest.mark.usefixtures("keep_logging")

CARD = {"card_no": "PY-YD-0001", "birth_date": "1949-12-31", "address": "广州市番禺区市桥街1号"}
PANYU_NAME = "广州市番禺区"


@pytest.fixture
def world(pair: Pair) -> World:
    made = World(pair)
    with pair.panyu.uow() as uow:
        catalogue.publish_spec(uow, SYSTEM, py_item(result_licence_type="senior_card"))
        uow.commit()
    with pair.nanhai.uow() as uow:
        items.sync(uow, SYSTEM, pair.network, PANYU)
    return made


def decided_there(world: World) -> str:
    """Handed over here, accepted and approved there, its licence issued; not yet pumped."""
    ref = world.hand_over()
    pump(world.pair)
    world.step(lifecycle.accept, ref)
    world.step(lifecycle.start_review, ref)
    world.step(lifecycle.propose_decision, ref, True, "符合条件")
    side = world.pair.panyu

    def issue(uow: Any, who: Any, number: str, version: int) -> Any:
        return case_delivery.issue_result_and_dispatch(
            uow, who, number, version, SimulatedCourier(), keys=side.keys,
            licence=LicenceContent(CARD),
        )  # fmt: skip

    world.step(issue, ref)
    return ref


def issued_there(world: World) -> Any:
    with world.pair.panyu.read() as uow:
        return library.get(uow.conn, uow.conn.execute(select(licences.c.id)).scalar_one())


def test_the_result_comes_back_as_a_licence_in_the_applicants_data_space_and_verifies_here(
    world: World,
) -> None:
    pair = world.pair
    ref = decided_there(world)
    issued = issued_there(world)
    assert issued.issuer_region is None and issued.holder_id == APPLICANT
    pump(pair)
    here = world.here(ref)
    assert (here["remote_status"], here["licence_id"]) == ("result_issued", issued.id)
    assert "licence" not in here["remote_detail"]  # the credential is not on the exchange pages
    with pair.nanhai.read() as uow:
        kept = library.get(uow.conn, issued.id)
        held = licence_port.holder_licences(uow.conn, APPLICANT, valid_on=pair.nanhai.clock.today())
    assert (kept.issuer_region, kept.issuer_name) == (PANYU, PANYU_NAME)
    assert kept.credential == issued.credential and kept.fields == issued.fields
    assert (kept.type_code, kept.holder_id, kept.valid_from) == (
        "senior_card", APPLICANT, issued.valid_from)  # fmt: skip
    assert [lic.id for lic in held] == [issued.id]  # certificate-free service finds it

    anyone = TestClient(build_app(pair.nanhai))
    answer = anyone.post("/api/v1/licences/verify", json={"credential": kept.credential})
    assert answer.status_code == 200
    checked = answer.json()
    assert (checked["ok"], checked["code"], checked["issuer_name"]) == (True, "valid", PANYU_NAME)
    assert checked["status_checked"] is True and checked["issuer"] == f"urn:tongban:{PANYU}"

    # The applicant signs in here and finds it among their licences, as the partner's.
    client = TestClient(build_app(pair.nanhai))
    citizen = make_citizen(pair.nanhai, id_number=APPLICANT, name="李四")
    sign_in(pair.nanhai, client, citizen)
    page = client.get("/me/data")
    assert page.status_code == 200 and issued.id in page.text and PANYU_NAME in page.text
    assert client.get(f"/api/v1/licences/{issued.id}").json()["issuer_region"] == PANYU
    pdf = client.get(f"/api/v1/licences/{issued.id}/pdf")
    assert (pdf.status_code, pdf.json()["code"]) == (409, "licence_issued_elsewhere")

    # The window's case page shows the licence (not its credential) for the applicant to
    # collect; the partners' page shows what is known of 番禺's licence keys and list.
    clerk = TestClient(build_app(pair.nanhai))
    sign_in(pair.nanhai, clerk, world.clerk_person)
    page = clerk.get(f"/federation/cases/{ref}")
    assert page.status_code == 200 and 'id="result-licence"' in page.text
    assert issued.id in page.text and kept.credential[:40] not in page.text
    page = clerk.get("/federation/partners")
    assert f'id="licences-{PANYU}"' in page.text and "注销证照清单核验于" in page.text

    # No department here issued it: a section chief of the same department here cannot
    # revoke it (the issuer's revocation list does, below).
    with pair.nanhai.uow() as uow:
        uow.conn.execute(insert(departments).values(code="MZJ", name="民政局", short_name=""))
        uow.commit()
    assert kept.issuer_department == "MZJ"
    chief = make_staff(pair.nanhai, Role.SECTION_CHIEF, department_code="MZJ")
    with pair.nanhai.uow() as uow, pytest.raises(PermissionDenied):
        policy.revoke_licence(uow, actor(pair.nanhai, chief.user_id), issued.id, "误发")

    # 番禺 revokes it; the worker's next sync of its revocation list revokes the copy here.
    reviewer = world.reviewer_person
    with pair.panyu.uow() as uow:
        library.revoke(uow, actor(pair.panyu, reviewer.user_id), issued.id, "持证人申请注销")
    before = anyone.post("/api/v1/licences/verify", json={"credential": kept.credential})
    assert before.json()["ok"] is True  # not before the sync
    SWEEPS["federation_sync"].run(pair.nanhai, pair.nanhai.clock.now())
    answer = anyone.post("/api/v1/licences/verify", json={"credential": kept.credential})
    assert (answer.json()["ok"], answer.json()["code"]) == (False, "revoked")
    with pair.nanhai.read() as uow:
        assert library.get(uow.conn, issued.id).revoked_at is not None
        today = pair.nanhai.clock.today()
        assert licence_port.holder_licences(uow.conn, APPLICANT, valid_on=today) == []


def _other_holder(world: World, issued: Any) -> str:
    side = world.pair.panyu
    other = library.sign(
        actor(side, None), side.keys, issuer=f"urn:tongban:{PANYU}", type_code="senior_card",
        holder_id=resident_id(), holder_name="王五", fields=CARD,
    )  # fmt: skip
    return other.credential


def _other_issuer(world: World, issued: Any) -> str:
    side = world.pair.panyu
    forged = library.sign(
        actor(side, None), side.keys, issuer="urn:tongban:440605", type_code="senior_card",
        holder_id=APPLICANT, holder_name="李四", fields=CARD,
    )  # fmt: skip
    return forged.credential


def _bad_signature(world: World, issued: Any) -> str:
    jwt, rest = issued.credential.split(".", 1)
    body, tail = rest.split(".", 1)
    return f"{jwt}.{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{tail}"


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (_bad_signature, "federation_licence_invalid"),
        (_other_issuer, "federation_licence_wrong_issuer"),
        (_other_holder, "federation_licence_wrong_holder"),
    ],
)
def test_a_result_whose_licence_does_not_check_out_is_refused_and_changes_nothing(
    world: World, tamper: Any, code: str
) -> None:
    pair = world.pair
    ref = decided_there(world)
    issued = issued_there(world)
    # The licence row 番禺 sends from, altered before its worker signs the result message.
    with pair.panyu.uow() as uow:
        uow.conn.execute(
            update(licences)
            .where(licences.c.id == issued.id)
            .values(credential=tamper(world, issued))
        )
        uow.commit()
    pump(pair)
    here = world.here(ref)
    assert here["remote_status"] == "approved" and here["licence_id"] is None
    assert count(pair.nanhai, licences) == 0
    with pair.panyu.read() as uow:
        [refused] = refusals.unresolved(uow.conn)
    assert (refused["case_ref"], refused["type"], refused["code"]) == (ref, "case.result", code)
    with pair.nanhai.read() as uow:
        outcomes = [e.outcome for e in uow.conn.execute(select(federation_log.c.outcome))]
    assert outcomes[-1] == f"refused:{code}"
