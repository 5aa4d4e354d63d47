"""Materials' files (材料附件): an applicant, or a clerk for them, uploads a required material's
scan; whoever may see the case downloads it.  Online this is how a material is handed in: an
uploaded file makes it received (and a 容缺 one supplied); a tick never does.

The file's type is decided by its content (magic bytes), never by its name or the type the
client declares.  The file is stored (content-addressed, see ``adapters.file_store``) only
after its type is checked and while its size is counted, and the upload is recorded on the case
as ``CaseMaterialFileReceived`` in the hash-chained audit trail, in the case's own transaction.
That audit entry is also where a file's metadata lives (no table of its own): a download looks
the hash up among the case's entries, so a file is reachable only through a case that received it.

If the transaction fails after the file was stored (a concurrent change: ``stale_version``), the
file stays as an orphan.  It is harmless: nobody can reach it, since no case entry names its
hash, and the same bytes uploaded again reuse it.  It is not deleted, because another upload of
identical bytes may have committed a reference to the same file meanwhile.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import case_events
from tongban.domain.cases.forms import fill_from_account, validate_form
from tongban.domain.cases.model import Case
from tongban.domain.cases.record import MATERIAL_FILE_RECEIVED
from tongban.domain.cases.status import CaseStatus
from tongban.domain.errors import (
    DomainError,
    FileTooLarge,
    FileTypeNotAllowed,
    IllegalTransition,
    MaterialFileNotFound,
    MaterialUnknown,
    StaleVersion,
)
from tongban.services.cases import queries
from tongban.services.cases import repository as repo
from tongban.services.cases.intake import Application, CaseRef, save_draft
from tongban.services.cases.intake import ref as ref_of
from tongban.services.cases.lifecycle import submit_draft
from tongban.services.cases.roles import APPLICANT, CLERK, performer
from tongban.services.catalogue.items import published_item
from tongban.services.people import queries as people
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.ports import FileStore
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

EVENT = MATERIAL_FILE_RECEIVED
CHUNK = 64 * 1024
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
"""Signatures of the accepted types.  OFD (a zip) is not recognised yet."""
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
_BEFORE_ACCEPTANCE = (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.CORRECTION_REQUESTED)
_WITH_MISSING = (
    CaseStatus.ACCEPTED,
    CaseStatus.CORRECTION_REQUESTED,
    CaseStatus.UNDER_REVIEW,
    CaseStatus.REJECTION_PROPOSED,
    CaseStatus.APPROVED,
)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


@dataclass(frozen=True)
class MaterialFile:
    """One uploaded file of a case: which material, its content hash, size, type and name."""

    material: str
    sha256: str
    size: int
    content_type: str
    filename: str
    at: datetime
    role: str


def sniff(head: bytes) -> str | None:
    """The type the content's first bytes say, or None when it is none of the accepted ones."""
    for signature, content_type in MAGIC:
        if head.startswith(signature):
            return content_type
    return None


def sanitise_filename(name: str, content_type: str) -> str:
    """The client's file name, for display only: no directories, no control characters, at most
    100 characters, and the extension of the type the content really has."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = _UNSAFE.sub("_", base.rsplit(".", 1)[0] if "." in base else base).strip(" ._")
    return (stem[:100] or "材料") + EXTENSIONS[content_type]


def may_upload(case: Case) -> bool:
    """Before acceptance (draft, submitted, correction requested), or while 容缺 materials are
    outstanding on an undecided case."""
    if case.status in _BEFORE_ACCEPTANCE:
        return True
    return case.missing is not None and case.status in _WITH_MISSING


def _checked_chunks(
    stream: BinaryIO, max_bytes: int, allowed: tuple[str, ...]
) -> tuple[str, Iterator[bytes]]:
    """The content's type from its first bytes (refused before anything is written), and the
    content in chunks that stop with ``file_too_large`` as soon as the limit is passed."""
    head = stream.read(CHUNK)
    content_type = sniff(head)
    if content_type is None or content_type not in allowed:
        raise FileTypeNotAllowed()
    limit_mb = max(1, max_bytes // (1024 * 1024))

    def chunks() -> Iterator[bytes]:
        size, chunk = 0, head
        while chunk:
            size += len(chunk)
            if size > max_bytes:
                raise FileTooLarge(limit_mb=limit_mb)
            yield chunk
            chunk = stream.read(CHUNK)

    return content_type, chunks()


@atomic
def upload_material(
    uow: UnitOfWork,
    actor: Actor,
    files: FileStore,
    number: str,
    material: str,
    filename: str,
    stream: BinaryIO,
    *,
    max_bytes: int,
    allowed: tuple[str, ...],
    expected_version: int | None = None,
) -> MaterialFile:
    """The applicant (or a clerk at the window) hands in one material's file: it is checked,
    stored, and the material counts as received (a 容缺 one as supplied), with its audit
    entry, in one transaction."""
    case = queries.access_case(uow.conn, actor.principal, number, actor.at)  # another's: 404
    by = performer(actor, case, APPLICANT, CLERK)
    name = material.strip()
    if name not in case.terms.material_names:
        raise MaterialUnknown(name=name, fields={"material": "请选择该事项要求的材料"})
    if expected_version is not None and case.version != expected_version:
        raise StaleVersion(current=case.version)
    if not may_upload(case):
        raise IllegalTransition(status=case.status.label, action="上传材料")
    content_type, chunks = _checked_chunks(stream, max_bytes, allowed)
    sha256, size = files.put(chunks)
    stored = MaterialFile(
        name,
        sha256,
        size,
        content_type,
        sanitise_filename(filename, content_type),
        actor.at,
        by.role,
    )
    file = {"sha256": sha256, "size": size, "content_type": content_type}
    case.receive_material_file(name, {**file, "filename": stored.filename}, by, actor.at)
    repo.save(uow.conn, case, actor.at)
    return stored


@dataclass(frozen=True)
class Upload:
    """One file of an online application, for one of its materials."""

    material: str
    filename: str
    stream: BinaryIO


@atomic
def apply_online(
    uow: UnitOfWork,
    actor: Actor,
    files: FileStore,
    application: Application,
    uploads: Sequence[Upload],
    *,
    submit: bool,
    max_bytes: int,
    allowed: tuple[str, ...],
) -> CaseRef:
    """网上申请 with its materials' files, in one transaction: the draft, each file received as
    its material, then (``submit``) the submission.  Online a material is handed in by its file
    (or an e-licence), never by a tick; a wrong file fails the whole application, the error
    beside that material (``files.<material>``), and nothing is kept."""
    if submit:  # a wrong form is told before any file is stored
        schema = published_item(uow.conn, application.item_code).spec.form
        account = people.applicant(uow.conn, actor.principal.user_id) if actor.principal else None
        facts = account.facts() if account is not None else {}
        validate_form(schema, fill_from_account(schema, application.form, facts))
    ref = save_draft(uow, actor, application)
    for upload in uploads:
        try:
            upload_material(
                uow,
                actor,
                files,
                ref.number,
                upload.material,
                upload.filename,
                upload.stream,
                max_bytes=max_bytes,
                allowed=allowed,
            )
        except DomainError as error:
            error.fields.setdefault(f"files.{upload.material.strip()}", error.message)
            raise
    case = repo.get(uow.conn, ref.number)
    if not submit:
        return ref_of(case)
    return submit_draft(uow, actor, case.number, case.version)


def material_files(conn: Connection, case: Case) -> list[MaterialFile]:
    """The files a case received, oldest first, from its audit trail."""
    rows = conn.execute(
        select(case_events.c.at, case_events.c.role, case_events.c.detail)
        .where(case_events.c.case_id == case.id, case_events.c.type == EVENT)
        .order_by(case_events.c.seq)
    )
    return [
        MaterialFile(
            material=r.detail["material"],
            sha256=r.detail["sha256"],
            size=int(r.detail["size"]),
            content_type=r.detail["content_type"],
            filename=r.detail["filename"],
            at=r.at,
            role=r.role,
        )
        for r in rows
    ]


@atomic
def open_material_file(
    uow: UnitOfWork, actor: Actor, files: FileStore, number: str, sha256: str
) -> tuple[MaterialFile, BinaryIO]:
    """A material's file, for the applicant and the staff who may see the case; every staff
    download is logged (《个人信息保护法》第五十一条)."""
    case = queries.access_case(uow.conn, actor.principal, number, actor.at)
    found = [f for f in material_files(uow.conn, case) if f.sha256 == sha256]
    if not found:
        raise MaterialFileNotFound()
    try:
        content = files.open(sha256)
    except FileNotFoundError:
        raise MaterialFileNotFound() from None
    if actor.user_id != case.applicant_id:
        audit.record_data_access(
            uow.conn, actor, case.applicant_id, f"case:{number}:file:{sha256}", "办件材料查阅"
        )
    return found[-1], content
