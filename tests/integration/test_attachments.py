"""Materials' files on both databases and both file stores (the local disk and an S3-compatible
server): the content decides the type, a refused upload changes nothing and leaves no file, only
those who may see the case download, a repeat is applied once, and a damaged file is refused.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select

from tests import s3
from tests.clock import TEST_START
from tests.integration.test_cases import ID_PROOF, PREMISES
from tests.integration.test_cases_api import Api, Caller, build_api, submit
from tongban.adapters.db.tables import case_events, data_access_log, users
from tongban.adapters.s3_store import S3FileStore
from tongban.bootstrap import Container
from tongban.config import Settings
from tongban.domain.shared.clock import PinnedClock
from tongban.services.cases.audit import verify
from tongban.services.identity import check as identity
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor
from tongban.web.deps import CSRF_HEADER
from tongban.web.idempotency import HEADER, REPLAYED_HEADER

CASES = "/api/v1/cases"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
TEXT = "营业执照扫描件\n".encode()


def upload(
    caller: Caller,
    number: str,
    content: bytes,
    *,
    name: str = "营业执照.pdf",
    content_type: str = "application/pdf",
    material: str = PREMISES,
    key: str | None = None,
) -> Any:
    headers = {CSRF_HEADER: caller.csrf, HEADER: key or uuid.uuid4().hex}
    return caller.client.post(
        f"{CASES}/{number}/materials",
        data={"material": material},
        files={"file": (name, content, content_type)},
        headers=headers,
    )


@dataclass(frozen=True)
class StoredFile:
    name: str
    data: bytes

    def read_bytes(self) -> bytes:
        return self.data


def stored_files(container: Container) -> list[StoredFile]:
    """Every file the store holds, temporary ones included, on whichever backend it is."""
    files = container.files
    if isinstance(files, S3FileStore):
        where = files.location
        listed = files.client.list_objects_v2(Bucket=where.bucket, Prefix=where.prefix)
        return [
            StoredFile(
                o["Key"].rsplit("/", 1)[-1],
                files.client.get_object(Bucket=where.bucket, Key=o["Key"])["Body"].read(),
            )
            for o in listed.get("Contents", [])
        ]
    root = container.settings.data_dir / "files"
    found = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return [StoredFile(p.name, p.read_bytes()) for p in found]


@pytest.fixture(params=["local", "s3"])
def container(request: pytest.FixtureRequest, settings: Settings, engine: Engine) -> Container:
    """The shared fixture's container, its files on the local disk or in a fresh bucket of a
    real S3-compatible server (``TONGBAN_FILE_STORE=s3://…``)."""
    if request.param == "s3":
        settings = s3.settings_for(settings, request.getfixturevalue("s3_endpoint"))
    return Container(
        settings=settings, engine=engine, secret_key="test-secret", clock=PinnedClock(TEST_START)
    )


def count(api: Api, table: Any) -> int:
    return api.count(table)


@pytest.fixture
def api(app: FastAPI, container: Container) -> Api:
    return build_api(app, container)


@pytest.fixture
def case(api: Api) -> dict[str, Any]:
    """A submitted online case none of whose materials' files is in yet."""
    return submit(api, materials=[])


def test_a_pdf_upload_is_recorded_and_downloadable_by_the_applicant_and_the_reviewer(
    api: Api, case: dict[str, Any]
) -> None:
    number = case["number"]
    answer = upload(api.citizen, number, PDF, name="../../etc/场所 证明.PDF")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    sha = hashlib.sha256(PDF).hexdigest()
    assert body["sha256"] == sha and body["size"] == len(PDF)
    assert (body["content_type"], body["material"]) == ("application/pdf", PREMISES)
    assert body["filename"] == "场所 证明.pdf"  # no directories from the client's name

    detail = api.citizen.get(f"/{number}").json()
    assert PREMISES in detail["materials"] and detail["version"] == case["version"] + 1
    last = api.citizen.get(f"/{number}/timeline").json()[-1]
    assert last["type"] == "CaseMaterialFileReceived" and last["to_status"] == "submitted"
    assert last["detail"]["sha256"] == sha
    with api.world.container.read() as uow:
        assert verify(uow.conn, number).ok
    [path] = stored_files(api.world.container)
    assert path.name == sha and path.read_bytes() == PDF

    mine = api.citizen.client.get(f"{CASES}/{number}/materials/{sha}")
    assert mine.status_code == 200 and mine.content == PDF
    assert mine.headers["content-type"] == "application/pdf"
    assert mine.headers["x-content-type-options"] == "nosniff"
    logged = count(api, data_access_log)
    staff = api.reviewer.client.get(f"{CASES}/{number}/materials/{sha}")
    assert staff.status_code == 200 and staff.content == PDF
    assert count(api, data_access_log) == logged + 1  # every staff download is logged


def test_the_content_decides_the_type_not_the_name_or_the_declared_type(
    api: Api, case: dict[str, Any]
) -> None:
    answer = upload(api.citizen, case["number"], PNG, name="scan.pdf")
    assert answer.status_code == 201, answer.text
    assert answer.json()["content_type"] == "image/png"
    assert answer.json()["filename"] == "scan.png"
    sha = answer.json()["sha256"]
    download = api.citizen.client.get(f"{CASES}/{case['number']}/materials/{sha}")
    assert download.headers["content-type"] == "image/png"


@pytest.mark.parametrize("content", [EXE, TEXT], ids=["exe", "text"])
def test_a_file_of_another_type_named_pdf_is_refused_and_changes_nothing(
    api: Api, case: dict[str, Any], content: bytes
) -> None:
    events = count(api, case_events)
    answer = upload(api.citizen, case["number"], content, name="营业执照.pdf")
    assert answer.status_code == 415
    assert answer.json()["code"] == "file_type_not_allowed"
    assert stored_files(api.world.container) == []
    assert count(api, case_events) == events
    assert api.citizen.get(f"/{case['number']}").json()["version"] == case["version"]


def test_a_file_over_the_limit_is_refused_and_nothing_is_written(
    api: Api, case: dict[str, Any]
) -> None:
    events = count(api, case_events)
    big = PDF + b"\x00" * (11 * 1024 * 1024)
    answer = upload(api.citizen, case["number"], big)
    assert answer.status_code == 413
    assert answer.json()["code"] == "file_too_large"
    assert stored_files(api.world.container) == []  # not even a temporary file
    assert count(api, case_events) == events
    assert api.citizen.get(f"/{case['number']}").json()["version"] == case["version"]


def test_another_citizen_gets_not_found_for_uploads_and_downloads(
    api: Api, case: dict[str, Any]
) -> None:
    number = case["number"]
    sha = upload(api.citizen, number, PDF).json()["sha256"]
    refused = upload(api.other_citizen, number, PNG)
    assert (refused.status_code, refused.json()["code"]) == (404, "case_not_found")
    peek = api.other_citizen.client.get(f"{CASES}/{number}/materials/{sha}")
    assert (peek.status_code, peek.json()["code"]) == (404, "case_not_found")
    assert len(stored_files(api.world.container)) == 1


def test_a_material_the_item_does_not_ask_for_is_refused(api: Api, case: dict[str, Any]) -> None:
    answer = upload(api.citizen, case["number"], PDF, material="户口本")
    assert (answer.status_code, answer.json()["code"]) == (422, "material_unknown")
    assert stored_files(api.world.container) == []


def identify_at_the_window(api: Api) -> None:
    """The clerk reads the applicant's ID card, as it happens at a window."""
    container = api.world.container
    with container.read() as uow:
        citizen = uow.conn.execute(
            select(users.c.id_number, users.c.name).where(users.c.id == api.world.citizen)
        ).one()
        clerk = load_principal(uow.conn, api.world.clerk)
    actor = Actor(principal=clerk, request_id="window", at=container.clock.now())
    card = {"id_number": citizen.id_number, "name": citizen.name}
    with container.uow() as uow:
        identity.read_id_card(uow, actor, card, reader=container.id_card_reader)


def test_a_clerk_uploads_for_the_applicant_but_not_once_the_case_is_accepted(
    api: Api, case: dict[str, Any]
) -> None:
    number = case["number"]
    refused = upload(api.clerk, number, PDF)  # a window may accept any case, not open any
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    identify_at_the_window(api)  # the applicant hands the clerk their ID card
    assert upload(api.clerk, number, PDF).status_code == 201
    assert upload(api.citizen, number, PNG, material=ID_PROOF).status_code == 201
    detail = api.citizen.get(f"/{number}").json()
    assert detail["materials"] == [PREMISES, ID_PROOF]  # each received with its file
    api.reviewer.act(number, "accept", detail["version"])
    late = upload(api.citizen, number, PNG, material=ID_PROOF)
    assert (late.status_code, late.json()["code"]) == (409, "illegal_transition")


def test_a_repeated_upload_with_the_same_key_is_applied_once(
    api: Api, case: dict[str, Any]
) -> None:
    events = count(api, case_events)
    first = upload(api.citizen, case["number"], PDF, key="upload-1")
    again = upload(api.citizen, case["number"], PDF, key="upload-1")
    assert first.status_code == again.status_code == 201
    assert again.headers[REPLAYED_HEADER] == "true" and again.json() == first.json()
    assert count(api, case_events) == events + 1
    assert api.citizen.get(f"/{case['number']}").json()["version"] == case["version"] + 1
    assert len(stored_files(api.world.container)) == 1


def test_the_applicant_uploads_from_the_case_page(api: Api, case: dict[str, Any]) -> None:
    number, client = case["number"], api.citizen.client
    page = client.get(f"/my/cases/{number}")
    assert 'id="upload-material"' in page.text
    form = {"csrf_token": api.citizen.csrf, "version": str(case["version"]), "material": PREMISES}
    sent = client.post(
        f"/my/cases/{number}/materials/upload",
        data=form,
        files={"file": ("场所.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    shown = client.get(f"/my/cases/{number}").text
    assert hashlib.sha256(PDF).hexdigest() in shown and "场所.pdf" in shown
    wrong = client.post(
        f"/my/cases/{number}/materials/upload",
        data={**form, "version": str(case["version"] + 1)},
        files={"file": ("a.pdf", TEXT, "application/pdf")},
        follow_redirects=False,
    )
    assert wrong.status_code == 415 and "文件类型不受支持" in wrong.text
    with api.world.container.read() as uow:
        total = uow.conn.execute(
            select(func.count())
            .select_from(case_events)
            .where(case_events.c.type == "CaseMaterialFileReceived")
        ).scalar_one()
    assert total == 1


def test_a_file_name_of_five_thousand_characters_is_a_clear_refusal(
    api: Api, case: dict[str, Any]
) -> None:
    answer = upload(api.citizen, case["number"], PDF, name="场" * 5000 + ".pdf")
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "bad_request" and "文件名" in answer.json()["message"]
    assert stored_files(api.world.container) == []


def test_a_damaged_file_is_refused_not_served(api: Api, case: dict[str, Any]) -> None:
    number = case["number"]
    sha = upload(api.citizen, number, PDF).json()["sha256"]
    files = api.world.container.files
    damaged = PDF.replace(b"Catalog", b"Catalox")
    if isinstance(files, S3FileStore):
        key = files.key(sha)
        files.client.put_object(Bucket=files.location.bucket, Key=key, Body=damaged)
    else:
        path = api.world.container.settings.data_dir / "files" / sha[:2] / sha
        path.chmod(0o640)
        path.write_bytes(damaged)
    logged = count(api, data_access_log)
    answer = api.reviewer.client.get(f"{CASES}/{number}/materials/{sha}")
    assert answer.status_code == 500 and answer.json()["code"] == "stored_file_corrupted"
    assert b"Catalox" not in answer.content
    assert count(api, data_access_log) == logged  # nothing was read, so nothing is logged
