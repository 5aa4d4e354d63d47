"""The e-licence PDF (电子证照 PDF): Chinese text (fpdf2), a QR code (segno), the credential
attached, and a PAdES signature (pyHanko, ECDSA P-256) by a certificate of the licence CA.

Checking a PDF needs only the CA certificate: the signature must be intact, cover the whole
file (nothing appended after signing), and chain to the CA.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import segno
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from tongban.adapters.pdf import FONT, add_chinese_font, output
from tongban.adapters.signer import LicenceSigner

CREDENTIAL_NAME = "licence.sd-jwt"
"""The attached file holding the licence's SD-JWT VC."""
CREDENTIAL_KEY_NAME = "licence-key.pem"
"""The certificate of the key that signed the credential: after a key rotation the PDF is
signed with the new key while the credential keeps its old signature."""
_LABEL_WIDTH = 42.0
_QR_SIZE = 34.0


@dataclass(frozen=True)
class LicencePage:
    """Everything printed on a licence; the holder's number arrives already masked."""

    licence_id: str
    type_name: str
    holder_label: str
    holder_name: str
    holder_id_masked: str
    rows: Sequence[tuple[str, str]]
    valid_from: date
    valid_until: date | None
    issuer_name: str
    issued_at: datetime
    verify_url: str
    credential: str
    credential_certificate_pem: bytes = b""
    trust_label: str = ""


def _day(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "长期"


def _qr_png(text: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=5, border=2)
    buffer.seek(0)
    return buffer


def _all_rows(page: LicencePage) -> list[tuple[str, str]]:
    return [
        ("证照编号", page.licence_id),
        (page.holder_label, page.holder_name),
        ("证件号码", page.holder_id_masked),
        *page.rows,
        ("有效期限", f"{_day(page.valid_from)} 至 {_day(page.valid_until)}"),
        ("发证机关", page.issuer_name),
        ("发证日期", _day(page.issued_at.date())),
    ]


def render_unsigned(page: LicencePage) -> bytes:
    """The licence as an unsigned PDF with the credential attached."""
    rows = _all_rows(page)
    pdf = FPDF(format="A4")
    pdf.set_title(f"{page.type_name} {page.licence_id}")
    pdf.set_subject(page.licence_id)
    pdf.set_creator("tongban 电子证照")
    add_chinese_font(pdf, [page.type_name, page.issuer_name, *(v for _l, v in rows)])
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.image(_qr_png(page.verify_url), x=pdf.w - 20 - _QR_SIZE, y=14, w=_QR_SIZE)
    pdf.set_font(FONT, size=24)
    pdf.cell(0, 18, page.type_name, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, "电子证照", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(16)
    pdf.set_font(FONT, size=12)
    width = pdf.w - pdf.l_margin - pdf.r_margin - _LABEL_WIDTH
    for label, value in rows:
        top = pdf.get_y()
        pdf.multi_cell(_LABEL_WIDTH, 8, label, border=1, new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.multi_cell(
            width, 8, value, border=1, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        if pdf.get_y() - top > 8:  # redraw the label cell to the height of a wrapped value
            pdf.rect(pdf.l_margin, top, _LABEL_WIDTH, pdf.get_y() - top)
    pdf.ln(6)
    pdf.set_font(FONT, size=9)
    note = (
        "本电子证照由发证机关以电子签名签发，与纸质证照具有同等效力。扫描右上角二维码或访问"
        f"核验页面输入证照编号即可核验：{page.verify_url}"
    )
    if page.trust_label:
        note += f"\n可信等级：{page.trust_label}"
    pdf.multi_cell(0, 5, note, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.embed_file(
        bytes=page.credential.encode(),
        basename=CREDENTIAL_NAME,
        mime_type="application/dc+sd-jwt",
        desc="电子证照凭证（SD-JWT VC）",
        compress=False,
    )
    if page.credential_certificate_pem:
        pdf.embed_file(
            bytes=page.credential_certificate_pem,
            basename=CREDENTIAL_KEY_NAME,
            mime_type="application/x-pem-file",
            desc="凭证签名证书",
            compress=False,
        )
    return output(pdf)


T = TypeVar("T")
_OFF_LOOP = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pyhanko")


def _off_event_loop(work: Callable[..., T], *args: Any) -> T:
    """Run ``work`` where no event loop runs: pyHanko's synchronous API calls ``asyncio.run``,
    which fails in a thread that already runs a loop (an ``async`` route, a test driver)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work(*args)
    return _OFF_LOOP.submit(work, *args).result()


PYHANKO_MODULES = (
    "pyhanko.keys",
    "pyhanko.pdf_utils.filters",
    "pyhanko.pdf_utils.incremental_writer",
    "pyhanko.pdf_utils.metadata.xmp_xml",
    "pyhanko.pdf_utils.reader",
    "pyhanko.sign.fields",
    "pyhanko.sign.signers",
    "pyhanko.sign.validation",
    "pyhanko.sign.validation.status",
    "pyhanko_certvalidator",
    "pyhanko_certvalidator.registry",
)
"""What signing (``_sign``, ``signer._simple_signer``) and checking (``_check``) a licence PDF
import, pyHanko's own imports on the way included (``tests/integration/test_asgi.py`` checks
that a licence rendered, signed and checked after ``import_pyhanko`` imports no more of it)."""


def import_pyhanko() -> None:
    """Import pyHanko's modules for signing and checking a PDF now (with what they import,
    about 0.3 s of CPU: most of what a process's first licence PDF cost).  This module leaves
    them to the first signature, so that a command that never signs stays quick; an app
    process calls this as it starts, so that no citizen's first download waits for them."""
    for name in PYHANKO_MODULES:
        importlib.import_module(name)


def sign(pdf_bytes: bytes, signer: LicenceSigner, ca_pem: bytes, location: str = "") -> bytes:
    """Add a PAdES baseline signature (ECDSA P-256, SHA-256) covering the whole file, made by
    ``signer`` (the key file, or a PKCS#11 token through pyHanko's own PKCS#11 signer);
    ``location``: where it is signed (the district's full name)."""
    return _off_event_loop(_sign, pdf_bytes, signer, ca_pem, location)


SIGNATURE_BYTES = 8192
"""Hex digits kept in the file for the CMS signature: 4 KB of room for what takes about 1.4 KB
(the signer's certificate, the signed attributes, the ECDSA signature).  Giving pyHanko the
room saves the dry-run signature it otherwise makes to measure it, a third of the signing
time."""


def _sign(pdf_bytes: bytes, signer: LicenceSigner, ca_pem: bytes, location: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name="LicenceSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="电子证照签发",
        location=location or None,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    with signer.pades(ca_pem) as pyhanko_signer:
        out = signers.sign_pdf(writer, meta, signer=pyhanko_signer, bytes_reserved=SIGNATURE_BYTES)
    signed: bytes = out.getvalue()
    return signed


def _cert(pem: bytes) -> Any:
    from asn1crypto import pem as asn1_pem
    from asn1crypto import x509 as asn1_x509

    _type, _headers, der = asn1_pem.unarmor(pem)
    return asn1_x509.Certificate.load(der)


@dataclass(frozen=True)
class PdfCheck:
    """What checking a PDF's signature found: ``code`` is ``valid``, ``not_a_licence``,
    ``bad_signature`` or ``unknown_key``."""

    code: str
    credential: str | None = None
    signer_public_key_pem: bytes | None = None
    credential_certificate_pem: bytes | None = None


def check(data: bytes, ca_pem: bytes) -> PdfCheck:
    """Check the PAdES signature of ``data`` against the CA; read the attached credential."""
    if data.lstrip()[:5] != b"%PDF-":
        return PdfCheck("not_a_licence")
    # A failing check is an answer, not an incident: pyHanko would log each with a traceback.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    try:
        return _off_event_loop(_check, data, ca_pem)
    except Exception:  # a damaged PDF: pyHanko and asn1crypto raise many kinds
        return PdfCheck("bad_signature")


def _check(data: bytes, ca_pem: bytes) -> PdfCheck:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    signatures = reader.embedded_signatures
    if not signatures:
        # A licence whose signature dictionary was damaged is still recognisably ours.
        ours = CREDENTIAL_NAME.encode() in data and b"/ByteRange" in data
        return PdfCheck("bad_signature" if ours else "not_a_licence")
    if len(signatures) != 1:
        return PdfCheck("bad_signature")
    context = ValidationContext(
        trust_roots=[_cert(ca_pem)], allow_fetching=False, revocation_mode="soft-fail"
    )
    status = validate_pdf_signature(signatures[0], context)
    if not (status.intact and status.valid):
        return PdfCheck("bad_signature")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE or not _canonical_gap(
        data, signatures[0], status.signing_cert
    ):
        return PdfCheck("bad_signature")
    if not status.trusted:
        return PdfCheck("unknown_key")
    credential = _attached(reader, CREDENTIAL_NAME)
    if credential is None:
        return PdfCheck("not_a_licence")
    public_key = status.signing_cert.public_key.dump()
    pem = b"-----BEGIN PUBLIC KEY-----\n" + _b64_lines(public_key) + b"-----END PUBLIC KEY-----\n"
    return PdfCheck("valid", credential.decode(), pem, _attached(reader, CREDENTIAL_KEY_NAME))


def _canonical_gap(data: bytes, signature: Any, signing_cert: Any) -> bool:
    """The one unsigned region, the hex of /Contents, must hold exactly the signature and
    zero padding, written as the signer wrote it: a changed padding digit or letter case there
    would leave the signature valid while the file differs."""
    try:
        byte_range = [int(x) for x in signature.sig_object["/ByteRange"]]
        contents = bytes(signature.sig_object["/Contents"])
    except (KeyError, TypeError, ValueError):
        return False
    gap = data[byte_range[1] : byte_range[2]]
    if gap not in (
        b"<" + contents.hex().encode() + b">",
        b"<" + contents.hex().upper().encode() + b">",
    ):
        return False
    length = _der_length(contents)
    if length is None or any(contents[length:]):
        return False
    return _as_signed(contents[:length], signing_cert)


def _as_signed(der: bytes, signing_cert: Any) -> bool:
    """The CMS holds nothing but what the signer writes, in DER: version 1, the signer's digest
    algorithm, no encapsulated content, the signing certificate alone, one signer without
    unsigned attributes.  Those parts are outside what the signature covers, so a change there
    (another digest algorithm listed, a certificate added, a length written another way that a
    lenient parser still reads) would otherwise still verify."""
    from asn1crypto import cms, x509

    try:
        signed = cms.ContentInfo.load(der)["content"]
        (signer,) = signed["signer_infos"]
        if signer["unsigned_attrs"].native is not None:
            return False
        # The signer names the signing certificate (a validator may find it without the name).
        sid = signer["sid"]
        if signer["version"].native != "v1" or sid.name != "issuer_and_serial_number":
            return False
        named = sid.chosen
        if named["serial_number"].native != signing_cert.serial_number:
            return False
        if named["issuer"].dump(force=True) != signing_cert.issuer.dump(force=True):
            return False
        # The signer and the certificate written afresh from what was read (DER has one
        # encoding per value), the framing around them as the signer writes it.
        expected = cms.ContentInfo(
            {
                "content_type": "signed_data",
                "content": cms.SignedData(
                    {
                        "version": "v1",
                        "digest_algorithms": [signer["digest_algorithm"]],
                        "encap_content_info": {"content_type": "data"},
                        "certificates": [x509.Certificate.load(signing_cert.dump(force=True))],
                        "signer_infos": [cms.SignerInfo.load(signer.dump(force=True))],
                    }
                ),
            }
        )
        return bool(expected.dump() == der)
    except (ValueError, TypeError, KeyError):
        return False


def _der_length(der: bytes) -> int | None:
    """Total length of the DER element at the start of ``der``."""
    if len(der) < 2 or der[0] != 0x30:
        return None
    first = der[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(der) < 2 + count:
        return None
    return 2 + count + int.from_bytes(der[2 : 2 + count], "big")


def _b64_lines(der: bytes) -> bytes:
    import base64

    text = base64.b64encode(der)
    return b"".join(text[i : i + 64] + b"\n" for i in range(0, len(text), 64))


def _attached(reader: Any, name: str) -> bytes | None:
    """The content of the attached file ``name``, if the PDF has one."""
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for i in range(0, len(names), 2):
            if str(names[i]) == name:
                spec = names[i + 1].get_object()
                return bytes(spec["/EF"]["/F"].get_object().data)
    except (KeyError, TypeError, AttributeError, IndexError):
        return None  # no attachment of ours: a signed PDF, but not a licence
    return None
