"""The e-licence PDF: Chinese text, a QR code, the credential attached, a PAdES signature that
verifies with the CA certificate alone and fails when one byte changes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.factories import resident_id
from tests.unit.test_receipt_pdf import RECEIPT, page_text
from tongban.adapters import keys as key_store
from tongban.adapters.pdf import render_receipt
from tongban.domain.licences.model import Licence
from tongban.services.licences import keys as key_service
from tongban.services.licences.library import _credential, render_pdf
from tongban.services.licences.verify import verify_pdf

FIELDS = {
    "sex": "女",
    "ethnicity": "汉",
    "birth_date": "1942-05-18",
    "address": "佛山市南海区九江镇沙头社区",
}
TODAY = date(2027, 1, 1)


def licence_of(ring: key_store.KeyRing, number: str) -> Licence:
    issued = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    licence_id = "DZZZ-id_card-20261127-PDFTEST1"
    text = _credential(
        ring,
        "urn:tongban:440605",
        licence_id,
        "id_card",
        "GAJ",
        number,
        "梁淑芬",
        FIELDS,
        issued,
        date(2026, 11, 27),
        date(2046, 11, 27),
    )
    return Licence(
        id=licence_id,
        type_code="id_card",
        holder_id=number,
        holder_name="梁淑芬",
        fields=FIELDS,
        valid_from=date(2026, 11, 27),
        valid_until=date(2046, 11, 27),
        issued_at=issued,
        issuer_department="GAJ",
        credential=text,
        key_id=ring.current.kid,
    )


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, key_store.KeyRing]:
    ring = key_service.key_ring(tmp_path_factory.mktemp("keys"))
    pdf = render_pdf(
        licence_of(ring, resident_id(26)),
        ring,
        verify_url="https://example.test/verify?id=x",
        issuer_name="佛山市公安局南海分局",
    )
    return pdf, ring


def test_the_licence_pdf_reads_in_chinese_with_the_number_masked(signed) -> None:  # type: ignore[no-untyped-def]
    pdf, _ring = signed
    text = page_text(pdf)
    for expected in ("居民身份证", "梁淑芬", "佛山市南海区九江镇沙头社区", "佛山市公安局南海分局"):
        assert expected in text
    assert "DZZZ-id_card-20261127-PDFTEST1" in text
    assert resident_id(26) not in text and "********" in text
    assert b"/Subtype /Image" in pdf  # the QR code
    assert b"/ETSI.CAdES.detached" in pdf  # PAdES


def test_a_genuine_pdf_verifies_with_only_the_ca_certificate(signed) -> None:  # type: ignore[no-untyped-def]
    pdf, ring = signed
    result = verify_pdf(pdf, ring.ca_certificate_pem, None, today=TODAY)
    assert result.ok and result.code == "valid"
    assert result.licence_id == "DZZZ-id_card-20261127-PDFTEST1"
    assert result.claims["holder_name"] == "梁淑芬"


def test_a_pdf_changed_by_one_byte_anywhere_fails(signed) -> None:  # type: ignore[no-untyped-def]
    pdf, ring = signed
    step = max(1, len(pdf) // 120)
    for position in [*range(0, len(pdf), step), len(pdf) - 1]:
        changed = bytearray(pdf)
        changed[position] ^= 0x01
        result = verify_pdf(bytes(changed), ring.ca_certificate_pem, None, today=TODAY)
        assert not result.ok, f"byte {position} changed and the PDF still verifies"


def test_a_change_inside_the_signature_s_unsigned_parts_fails(signed) -> None:  # type: ignore[no-untyped-def]
    """The CMS sits in the one region the signature cannot cover; parts of it (the digest
    algorithms listed, the certificates) are not signed either.  Any digit changed there fails."""
    pdf, ring = signed
    found = re.search(rb"/ByteRange\s*\[\s*\d+\s+(\d+)\s+(\d+)", pdf)
    assert found is not None
    start, end = int(found.group(1)) + 1, int(found.group(2)) - 1  # inside < and >
    used = len(pdf[start:end].rstrip(b"0"))  # the DER's hex digits, then zero padding
    for position in range(start, start + used, 11):
        changed = bytearray(pdf)
        changed[position] = ord("1") if changed[position] == ord("0") else ord("0")
        result = verify_pdf(bytes(changed), ring.ca_certificate_pem, None, today=TODAY)
        assert not result.ok, f"digit {position - start} of the signature changed, still valid"


def test_a_pdf_signed_under_another_ca_is_not_trusted(signed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf, _ring = signed
    stranger = key_service.key_ring(tmp_path)
    assert verify_pdf(pdf, stranger.ca_certificate_pem, None, today=TODAY).code == "unknown_key"


def test_a_revoked_licence_pdf_fails_when_the_status_is_known(signed) -> None:  # type: ignore[no-untyped-def]
    pdf, ring = signed
    result = verify_pdf(pdf, ring.ca_certificate_pem, lambda _id: "revoked", today=TODAY)
    assert result.code == "revoked" and not result.ok


def test_files_that_are_not_licences_say_so(signed) -> None:  # type: ignore[no-untyped-def]
    _pdf, ring = signed
    for data in (b"", b"GIF89a....", b"\x89PNG\r\n\x1a\n", render_receipt(RECEIPT)):
        assert verify_pdf(data, ring.ca_certificate_pem, None, today=TODAY).code == "not_a_licence"


def test_after_rotation_a_pdf_signed_with_the_old_key_still_verifies(tmp_path: Path) -> None:
    ring = key_service.key_ring(tmp_path)
    licence = licence_of(ring, resident_id(27))
    old_pdf = render_pdf(licence, ring)
    rotated = key_service.rotate(tmp_path)
    assert rotated.current.kid != ring.current.kid
    assert verify_pdf(old_pdf, rotated.ca_certificate_pem, None, today=TODAY).ok
    # Downloaded after the rotation: the PDF is signed with the new key, the credential inside
    # keeps the old key's signature, and both verify with the CA alone.
    new_pdf = render_pdf(licence, rotated)
    assert verify_pdf(new_pdf, rotated.ca_certificate_pem, None, today=TODAY).ok
