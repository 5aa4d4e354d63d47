"""The acceptance receipt (受理回执) as PDF: Chinese text in an embedded font, and a clear error
when the machine has no Chinese font."""

from __future__ import annotations

import re
import zlib
from dataclasses import replace
from datetime import date, datetime

import pytest

from tongban.adapters import fonts
from tongban.adapters.pdf import render_receipt
from tongban.domain.cases.receipt import ReceiptData

RECEIPT = ReceiptData(
    number="NH20261102-000001",
    item_name="个体工商户设立登记",
    department_name="区市场监督管理局",
    applicant_name="张三",
    applicant_id_masked="440605********0012",
    accepted_on=date(2026, 11, 2),
    deadline=date(2026, 11, 3),
    accepting_centre="桂城街道政务服务中心",
    clerk_name="王五",
    materials_received=("经营者身份证明",),
    materials_due=("经营场所使用证明",),
    supply_by=date(2026, 11, 9),
    delivery="到南海区政务服务中心凭取件码领取",
    qr_text="https://tongban.example/cases/NH20261102-000001",
    printed_at=datetime(2026, 11, 2, 10, 30),
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _streams(pdf: bytes) -> list[bytes]:
    """Each stream's data, inflated where it is deflated.  The end of line before
    ``endstream`` is left on the data: a deflated stream may itself end in a byte 0x0D, which a
    pattern stripping ``\r?\n`` would take away (one PDF in 256 then read as empty); the
    decompressor stops at the end of its data and ignores what follows."""
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = match.group(1)
        try:
            found.append(zlib.decompressobj().decompress(data))
        except zlib.error:
            found.append(data.removesuffix(b"\n").removesuffix(b"\r"))
    return found


def _unescape(literal: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return _ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def page_text(pdf: bytes) -> str:
    """The text shown on the pages, decoded through the font's ToUnicode map (no pdftotext)."""
    streams = _streams(pdf)
    cmap = {
        int(cid, 16): chr(int(uni, 16))
        for s in streams
        if b"beginbfchar" in s
        for cid, uni in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4})>", s)
    }
    text = []
    for s in streams:
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", s, re.S):
            raw = _unescape(literal)
            text.append(
                "".join(
                    cmap.get(int.from_bytes(raw[i : i + 2]), "?") for i in range(0, len(raw), 2)
                )
            )
    return "\n".join(text)


def test_the_receipt_is_a_pdf_that_reads_in_chinese() -> None:
    pdf = render_receipt(RECEIPT)
    assert pdf.startswith(b"%PDF")
    text = page_text(pdf)
    expected = ["受理回执", RECEIPT.number, "个体工商户设立登记", "440605********0012"]
    expected += ["2026年11月3日", "经营场所使用证明", "2026年11月9日", "王五", "凭取件码领取"]
    assert [e for e in expected if e not in text] == []
    assert b"/Subtype /Image" in pdf  # the QR code


def test_a_case_not_yet_accepted_gets_a_submission_slip_that_says_so() -> None:
    slip = replace(
        RECEIPT,
        accepted_on=None,
        deadline=None,
        submitted_on=date(2026, 11, 2),
        clerk_name="自助终端 GC-ZZ-01",
        materials_due=("银行账户信息",),
        supply_by=None,
    )
    text = page_text(render_receipt(slip))
    expected = ["申请回执", "2026年11月2日", "待受理", "自助终端 GC-ZZ-01", "尚需提交的材料"]
    assert [e for e in expected if e not in text] == []
    assert "受理回执" not in text and "承诺办结日期" not in text and "即为受理" in text


def test_without_a_chinese_font_the_error_says_which_package_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fonts, "KNOWN_FONTS", (("/nowhere/font.ttc", 0),))
    monkeypatch.setattr(fonts, "_from_fontconfig", lambda: None)
    fonts.chinese_font.cache_clear()
    try:
        with pytest.raises(fonts.ChineseFontMissing, match="fonts-noto-cjk"):
            fonts.chinese_font()
    finally:
        fonts.chinese_font.cache_clear()
