"""网办辅导 consent by handwritten signature: the applicant, identified at the help desk (ID
card, face or citizen code), signs on the desk's tablet; the pad's PNG is the evidence of their
consent, kept with the case.

The image is checked before anything is stored: a PNG by its content (never by a declared
type), within the size limits (decoded pixels bounded before decoding, against decompression
bombs), and not blank — enough opaque, dark pixels ("ink") spread over more than a dot.  It is
stored content-addressed (``FileStore``, like materials' files) and the case records its
SHA-256.  Staff viewing it is logged in the applicant's access log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from typing import BinaryIO

from PIL import Image, ImageChops, UnidentifiedImageError

from tongban.domain.self_service.errors import (
    ConsentSignatureNotFound,
    SignatureBlank,
    SignatureNotPng,
    SignatureTooLarge,
)
from tongban.services.cases import queries
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.ports import FileStore
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

MAX_BYTES = 200 * 1024
MAX_SIDE = 2000
"""Neither side of the image may exceed this many pixels."""
MIN_INK = 300
"""Opaque, dark pixels a signature must have (a stroke 3 px wide and 100 px long)."""
MIN_SPAN = 40
"""The ink must spread over at least this many pixels, across or down: more than a dot."""
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL = "data:image/png;base64,"


def decode_data(text: str) -> bytes:
    """The PNG a signature pad sends: a ``data:image/png;base64,`` URL or bare base64."""
    body = text.strip()
    if body.startswith(DATA_URL):
        body = body[len(DATA_URL) :]
    if not body:
        raise SignatureBlank(fields={"signature": SignatureBlank.template})
    if len(body) > (MAX_BYTES * 4) // 3 + 4:
        raise _too_large()
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureNotPng(fields={"signature": SignatureNotPng.template}) from None


def _too_large() -> SignatureTooLarge:
    error = SignatureTooLarge(limit_kb=MAX_BYTES // 1024, side=MAX_SIDE)
    error.fields["signature"] = error.message
    return error


def check_signature(data: bytes) -> None:
    """Refuse what is no usable signature: not a PNG, too large, or blank."""
    if not data:
        raise SignatureBlank(fields={"signature": SignatureBlank.template})
    if len(data) > MAX_BYTES:
        raise _too_large()
    if not data.startswith(PNG_MAGIC):
        raise SignatureNotPng(fields={"signature": SignatureNotPng.template})
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size  # read from the header: nothing decoded yet
            if width > MAX_SIDE or height > MAX_SIDE:
                raise _too_large()
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise SignatureNotPng(fields={"signature": SignatureNotPng.template}) from None
    opaque = rgba.getchannel("A").point(lambda v: 255 if v >= 128 else 0)
    dark = rgba.convert("L").point(lambda v: 255 if v < 160 else 0)
    ink = ImageChops.multiply(opaque, dark)
    box = ink.getbbox()
    spread = 0 if box is None else max(box[2] - box[0], box[3] - box[1])
    if ink.histogram()[255] < MIN_INK or spread < MIN_SPAN:
        raise SignatureBlank(fields={"signature": SignatureBlank.template})


def checked_sha256(data: bytes) -> str:
    """Check the signature; its SHA-256, the key it will be stored under."""
    check_signature(data)
    return hashlib.sha256(data).hexdigest()


def keep_signature(files: FileStore, data: bytes) -> str:
    """Store a checked signature content-addressed (once filing has succeeded, so bad input
    leaves nothing behind); returns its SHA-256."""
    sha256, _size = files.put([data])
    return sha256


@atomic
def open_consent_signature(
    uow: UnitOfWork, actor: Actor, files: FileStore, number: str
) -> tuple[str, BinaryIO]:
    """The applicant's consent signature of an assisted case, for those who may see the case;
    a staff view is logged in the applicant's access log (《个人信息保护法》第五十一条)."""
    case = queries.access_case(uow.conn, actor.principal, number, actor.at)
    helper = case.assisted_by
    if helper is None or not helper.signature_sha256:
        raise ConsentSignatureNotFound()
    try:
        content = files.open(helper.signature_sha256)
    except FileNotFoundError:
        raise ConsentSignatureNotFound() from None
    if actor.user_id != case.applicant_id:
        what = f"case:{number}:consent_signature:{helper.signature_sha256}"
        audit.record_data_access(uow.conn, actor, case.applicant_id, what, "网办辅导签名确认查阅")
    return helper.signature_sha256, content
