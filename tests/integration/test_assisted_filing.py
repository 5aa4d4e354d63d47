# ruff: noqa: F811  (the ``holder`` fixture is imported)
"""网办辅导 on both databases: a clerk at an assisted online filing desk files an online
application with a citizen who showed their citizen code at the desk; the case is the citizen's
own online application and records who helped, where and on what consent; without that consent
(no scan, an old scan, an ID card instead, another clerk's scan) nothing is filed."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import timedelta

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from tests.factories import make_staff
from tests.integration.data_space_fixtures import NOW, Holder, holder  # noqa: F401
from tests.integration.kiosk_fixtures import ITEM, publish_items
from tongban.adapters.db.tables import audit_log, case_events, cases, data_access_log
from tongban.domain.cases.status import CaseStatus, Channel
from tongban.domain.errors import PermissionDenied
from tongban.domain.people.model import Role
from tongban.domain.self_service.errors import (
    AssistConsentRequired,
    SignatureBlank,
    SignatureNotPng,
    SignatureTooLarge,
)
from tongban.services.cases import queries
from tongban.services.cases import repository as repo
from tongban.services.cases.intake import Application
from tongban.services.identity import check as identity
from tongban.services.self_service import assisted, signature

KEY = "assist-test-key"
FORM = {
    "applicant_name": "陈阿婆",
    "birth_date": "1940-05-01",
    "address": "广东省佛山市南海区桂城街道南海大道1号",
    "phone": "13800138000",
}


def scan_code(world: Holder, clerk: int, minutes: int = 0) -> None:
    """The citizen shows the code on their phone; the clerk scans it at the desk."""
    with world.container.uow() as uow:
        code = identity.issue_citizen_code(
            uow, world.actor(world.user_id, NOW + timedelta(minutes=minutes)), key=KEY
        )
    with world.container.uow() as uow:
        actor = world.actor(clerk, NOW + timedelta(minutes=minutes))
        identity.redeem_citizen_code(uow, actor, code.token, key=KEY)


def file(world: Holder, clerk: int, minutes: int = 1) -> str:
    with world.container.uow() as uow:
        actor = world.actor(clerk, NOW + timedelta(minutes=minutes))
        ref = assisted.file_assisted(uow, actor, world.user_id, Application(ITEM, FORM))
    return ref.number


def case_count(world: Holder) -> int:
    with world.container.read() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(cases)).scalar_one())


def test_an_assisted_application_is_the_citizens_own_and_records_who_helped(
    holder: Holder,
) -> None:
    publish_items(holder.container)
    scan_code(holder, holder.clerk)
    number = file(holder, holder.clerk)
    with holder.container.read() as uow:
        case = repo.get(uow.conn, number)
        events = uow.conn.execute(select(case_events).where(case_events.c.case_id == case.id)).all()
        mine = queries.my_cases(uow.conn, holder.actor(holder.user_id).principal)
        logged = uow.conn.execute(
            select(audit_log.c.actor_id).where(audit_log.c.action == "case.filed_assisted")
        ).scalar_one()
    assert case.channel is Channel.ONLINE and case.status is CaseStatus.SUBMITTED
    assert case.applicant_id == holder.user_id and [r.number for r in mine] == [number]
    assert case.assisted_by is not None
    assert case.assisted_by.user_id == holder.clerk and case.assisted_by.consent == "citizen_code"
    assert case.assisted_by.centre_code == "C-GC" and case.assisted_by.name
    assert case.accepting_centre_code is None  # still an online application
    assert {e.detail.get("assisted_by") for e in events} == {holder.clerk}
    assert {e.actor_id for e in events} == {holder.user_id}
    assert {e.centre_code for e in events} == {"C-GC"}
    assert logged == holder.clerk


def test_without_the_citizens_code_at_the_desk_nothing_is_filed(holder: Holder) -> None:
    publish_items(holder.container)
    with pytest.raises(AssistConsentRequired):
        file(holder, holder.clerk)
    # An ID card proves who stands there, not that they asked for help online.
    with holder.container.uow() as uow:
        card = {"id_number": holder.id_number, "name": "陈阿婆"}
        identity.read_id_card(
            uow, holder.actor(holder.clerk), card, reader=holder.container.id_card_reader
        )
    with pytest.raises(AssistConsentRequired):
        file(holder, holder.clerk)
    assert case_count(holder) == 0


def test_the_consent_lasts_fifteen_minutes_and_belongs_to_the_clerk_who_scanned(
    holder: Holder,
) -> None:
    publish_items(holder.container)
    scan_code(holder, holder.clerk)
    other_clerk = make_staff(holder.container, Role.CLERK).user_id
    with pytest.raises(AssistConsentRequired):
        file(holder, other_clerk)
    with pytest.raises(AssistConsentRequired):
        file(holder, holder.clerk, minutes=16)
    with holder.container.read() as uow:
        until = assisted.consent_until(uow.conn, holder.actor(holder.clerk), holder.user_id)
    assert until == NOW + timedelta(minutes=15)
    assert file(holder, holder.clerk, minutes=14)
    assert case_count(holder) == 1


def test_only_a_clerk_files_for_someone_else(holder: Holder) -> None:
    publish_items(holder.container)
    with pytest.raises(PermissionDenied):
        file(holder, holder.reviewer)


# --- consent by handwritten signature on the desk's tablet ---------------------------------------


def drawn(*, width: int = 600, height: int = 200, strokes: bool = True) -> bytes:
    """A signature pad's PNG: transparent, with a scribbled name on it (or nothing)."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if strokes:
        pen = ImageDraw.Draw(image)
        pen.line([(40, 150), (120, 40), (180, 160), (260, 50), (340, 150)], fill="black", width=3)
        pen.line([(380, 100), (560, 90)], fill="black", width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def read_card(world: Holder, clerk: int) -> None:
    with world.container.uow() as uow:
        card = {"id_number": world.id_number, "name": "陈阿婆"}
        identity.read_id_card(uow, world.actor(clerk), card, reader=world.container.id_card_reader)


def file_signed(world: Holder, clerk: int, png: bytes) -> str:
    with world.container.uow() as uow:
        actor = world.actor(clerk, NOW + timedelta(minutes=1))
        ref = assisted.file_assisted(
            uow,
            actor,
            world.user_id,
            Application(ITEM, FORM),
            signature=png,
            files=world.container.files,
        )
    return ref.number


def test_identified_by_id_card_she_consents_by_signing_and_the_case_keeps_the_signature(
    holder: Holder,
) -> None:
    publish_items(holder.container)
    read_card(holder, holder.clerk)
    png = drawn()
    number = file_signed(holder, holder.clerk, png)
    sha = hashlib.sha256(png).hexdigest()
    with holder.container.read() as uow:
        case = repo.get(uow.conn, number)
        detail = uow.conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "case.filed_assisted")
        ).scalar_one()
    assert case.assisted_by is not None and case.assisted_by.consent == "signature"
    assert case.assisted_by.signature_sha256 == sha and case.assisted_by.user_id == holder.clerk
    assert detail["consent"] == "signature" and detail["signature_sha256"] == sha
    assert holder.container.files.exists(sha)

    def opened(who: int) -> bytes:
        with holder.container.uow() as uow:
            found, content = signature.open_consent_signature(
                uow, holder.actor(who), holder.container.files, number
            )
        with content:
            assert found == sha
            return content.read()

    def logged() -> list[str]:
        with holder.container.read() as uow:
            query = select(data_access_log.c.what).where(
                data_access_log.c.subject_id == holder.user_id,
                data_access_log.c.what.like("%consent_signature%"),
            )
            return list(uow.conn.execute(query).scalars())

    assert opened(holder.user_id) == png and logged() == []  # her own look is no staff read
    assert opened(holder.reviewer) == png
    assert logged() == [f"case:{number}:consent_signature:{sha}"]


@pytest.mark.parametrize(
    ("png", "error"),
    [
        (drawn(strokes=False), SignatureBlank),
        (b"", SignatureBlank),
        (drawn(width=60, height=20), SignatureBlank),  # a dot is no signature
        (b"GIF89a not a png at all", SignatureNotPng),
        (b"\x89PNG\r\n\x1a\n" + b"broken", SignatureNotPng),
        (drawn(width=2400, height=200), SignatureTooLarge),
        (b"\x89PNG\r\n\x1a\n" + bytes(300 * 1024), SignatureTooLarge),
    ],
)
def test_a_blank_a_non_png_or_a_too_large_signature_files_and_stores_nothing(
    holder: Holder, png: bytes, error: type[Exception]
) -> None:
    publish_items(holder.container)
    read_card(holder, holder.clerk)
    with pytest.raises(error) as refused:
        file_signed(holder, holder.clerk, png)
    assert set(refused.value.fields) == {"signature"}  # type: ignore[attr-defined]
    assert case_count(holder) == 0
    assert not holder.container.files.exists(hashlib.sha256(png).hexdigest())


def test_a_signature_needs_her_identified_at_this_desk_just_now(holder: Holder) -> None:
    publish_items(holder.container)
    with pytest.raises(AssistConsentRequired):
        file_signed(holder, holder.clerk, drawn())
    read_card(holder, holder.clerk)
    other_clerk = make_staff(holder.container, Role.CLERK).user_id
    with pytest.raises(AssistConsentRequired):
        file_signed(holder, other_clerk, drawn())
    assert case_count(holder) == 0
    assert not holder.container.files.exists(hashlib.sha256(drawn()).hexdigest())


def test_the_pads_data_url_is_decoded_and_bad_base64_is_no_png() -> None:
    png = drawn()
    assert signature.decode_data("data:image/png;base64," + base64.b64encode(png).decode()) == png
    with pytest.raises(SignatureNotPng):
        signature.decode_data("data:image/png;base64,@@@")
    with pytest.raises(SignatureBlank):
        signature.decode_data("data:image/png;base64,")
