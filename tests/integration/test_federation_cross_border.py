"""跨境通办 at the hand-over window: the applicant's document may be any type the platform
accepts (回乡证, 台胞证, 港澳台居民居住证, passport with nationality, 永居证); the type and the
nationality travel in the signed message, the partner checks the document again and registers
the applicant with it, and both sides mask the number by its type."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import sign_in
from tests.integration.federation_fixtures import PANYU
from tests.integration.federation_pair import Pair
from tests.integration.test_federation_handover import (
    FORM,
    ID_CARD,
    LEASE,
    World,
    count,
    pump,
)
from tongban.adapters.db.tables import users
from tongban.adapters.db.tables_federation import (
    federation_cases,
    federation_materials,
    federation_sent,
)
from tongban.domain.errors import InvalidDocumentNumber, InvalidNationality
from tongban.domain.federation.handover import MaterialFile
from tongban.services.cases import attachments
from tongban.services.cases import repository as repo
from tongban.services.federation import handover, refusals
from tongban.web.app import build_app

pytestmark = pytest.mark.usefixtures("keep_logging")


@pytest.fixture
def world(pair: Pair) -> World:
    return World(pair)


def applicant_there(world: World, number: str) -> tuple[str, str | None]:
    with world.pair.panyu.read() as uow:
        row = uow.conn.execute(
            select(users.c.id_type, users.c.nationality).where(users.c.id_number == number)
        ).one()
    return row.id_type, row.nationality


def test_a_home_return_permit_travels_with_its_type(world: World) -> None:
    ref = world.hand_over(id_type="hk_macao_travel_permit", id_number="h12345678")
    with world.pair.nanhai.read() as uow:
        envelope = uow.conn.execute(select(federation_sent.c.envelope)).scalar_one()
    assert envelope["body"]["applicant"] == {
        "name": "李四", "id_type": "hk_macao_travel_permit", "id_number": "H12345678",
    }  # fmt: skip
    pump(world.pair)
    assert world.there(ref).status is not None
    assert applicant_there(world, "H12345678") == ("hk_macao_travel_permit", None)


def test_a_passport_carries_its_nationality(world: World) -> None:
    ref = world.hand_over(
        id_type="passport", id_number="E1234567", nationality="usa", applicant_name="JOHN SMITH"
    )
    here = world.here(ref)
    assert (here["applicant_id_type"], here["applicant_nationality"]) == ("passport", "USA")
    pump(world.pair)
    assert applicant_there(world, "E1234567") == ("passport", "USA")
    with world.pair.panyu.read() as uow:
        there = handover.federated_case(uow.conn, ref)
    assert (there["applicant_id_type"], there["applicant_nationality"]) == ("passport", "USA")


def test_a_passport_number_another_applicant_holds_there_is_refused_not_shared(
    world: World,
) -> None:
    """The partner keys data spaces by the number alone: a second applicant with one passport
    number (another country's) is refused there — a signed refusal — never made a second
    account sharing the first one's data; the first holder's next hand-over is found."""
    for country, name in (("usa", "JOHN SMITH"), ("can", "JEAN TREMBLAY")):
        world.hand_over(
            id_type="passport", id_number="123456789", nationality=country, applicant_name=name
        )
    world.hand_over(
        id_type="passport", id_number="123456789", nationality="USA", applicant_name="JOHN SMITH"
    )
    pump(world.pair)
    with world.pair.panyu.read() as uow:
        holders = uow.conn.execute(
            select(users.c.nationality, users.c.name).where(users.c.id_number == "123456789")
        ).all()
    assert [tuple(h) for h in holders] == [("USA", "JOHN SMITH")]
    with world.pair.nanhai.read() as uow:
        [refused] = refusals.unresolved(uow.conn)
    assert refused["code"] == "federation_cannot_apply"
    assert "另一证件" in refused["reason"]


def test_a_bad_document_is_refused_at_the_window_and_nothing_is_kept(world: World) -> None:
    with pytest.raises(InvalidDocumentNumber):
        world.hand_over(id_type="hk_macao_travel_permit", id_number="X1234567")
    with pytest.raises(InvalidNationality):
        world.hand_over(id_type="passport", id_number="E1234567")
    with pytest.raises(InvalidDocumentNumber):  # a resident ID is not a 居住证
        world.hand_over(id_type="hmt_residence_permit", id_number=FORM["owner_id"])
    assert count(world.pair.nanhai, federation_cases) == 0
    assert count(world.pair.nanhai, federation_sent) == 0


def test_the_window_form_offers_every_document_and_masks_by_type(world: World) -> None:
    pair = world.pair
    client = TestClient(build_app(pair.nanhai))
    csrf = sign_in(pair.nanhai, client, world.clerk_person)
    page = client.get("/federation/handover", params={"partner": PANYU, "item": "PY-001"})
    for value in ("hk_macao_travel_permit", "taiwan_travel_permit", "hmt_residence_permit",
                  "passport", 'name="nationality"'):  # fmt: skip
        assert value in page.text
    form = {
        "csrf_token": csrf, "partner": PANYU, "item": "PY-001", "applicant_name": "陈大文",
        "id_type": "hk_macao_travel_permit", "id_number": "H12345678",
        "form:shop_name": "番禺小食", "form:owner_id": FORM["owner_id"], "consent": "yes",
    }  # fmt: skip
    files = {f"material:{ID_CARD}": ("id.pdf", b"permit-scan"),
             f"material:{LEASE}": ("lease.pdf", b"lease")}  # fmt: skip
    bad = client.post("/federation/handover", data={**form, "id_number": "H123"}, files=files)
    assert bad.status_code == 422 and 'value="hk_macao_travel_permit" selected' in bad.text
    done = client.post("/federation/handover", data=form, files=files, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert "H******78" in page.text and "H12345678" not in page.text


def test_received_materials_are_the_case_s_own_files_there(world: World) -> None:
    pair = world.pair
    pdf = b"%PDF-1.7 lease scan"
    ref = world.hand_over(
        materials=[MaterialFile(ID_CARD, b"id-card-scan"), MaterialFile(LEASE, pdf)]
    )
    pump(pair)
    number = world.there(ref).number
    with pair.panyu.read() as uow:
        files = attachments.material_files(uow.conn, repo.get(uow.conn, number))
    assert {(f.material, f.sha256, f.content_type) for f in files} == {
        (ID_CARD, MaterialFile(ID_CARD, b"id-card-scan").sha256, "application/octet-stream"),
        (LEASE, MaterialFile(LEASE, pdf).sha256, "application/pdf"),
    }
    assert count(pair.panyu, federation_materials) == 0  # in the file store, not the database
    reviewer = TestClient(build_app(pair.panyu))
    sign_in(pair.panyu, reviewer, world.reviewer_person)
    page = reviewer.get(f"/federation/cases/{ref}")
    lease = MaterialFile(LEASE, pdf).sha256
    assert f"/api/v1/cases/{number}/materials/{lease}" in page.text
    got = reviewer.get(f"/api/v1/cases/{number}/materials/{lease}")
    assert got.status_code == 200 and got.content == pdf
    assert got.headers["content-type"].startswith("application/pdf")
