"""PDF documents with fpdf2: the acceptance receipt (受理回执) a window prints for the applicant,
and the submission slip (申请回执) of a case received but not yet accepted (a kiosk's).

Text is set in the Chinese font ``adapters.fonts`` finds; fpdf2 embeds only the glyphs used.
The QR code (segno) carries the case number or its lookup URL.
"""

from __future__ import annotations

import copy
import functools
import io
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

from tongban.adapters.fonts import FontFace, font_for, subset_face
from tongban.domain.cases.receipt import ReceiptData

FONT = "cjk"
_LABEL_WIDTH = 38.0
_QR_SIZE = 32.0


def _day(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def _listing(names: Sequence[str]) -> str:
    return "\n".join(f"{i}. {name}" for i, name in enumerate(names, 1)) or "无"


def _rows(data: ReceiptData) -> list[tuple[str, str]]:
    rows = [
        ("办件编号", data.number),
        ("申请事项", data.item_name),
        ("承办部门", data.department_name),
        ("申请人", data.applicant_name),
        ("证件号码", data.applicant_id_masked or "—"),
    ]
    if data.is_acceptance:
        rows += [
            ("受理日期", _day(data.accepted_on)),
            ("承诺办结日期", _day(data.deadline)),
            ("受理中心", data.accepting_centre),
            ("受理人", data.clerk_name),
        ]
    else:
        rows += [
            ("提交日期", _day(data.submitted_on)),
            ("受理状态", "已收到申请，待受理"),
            ("提交地点", data.accepting_centre),
            ("经办", data.clerk_name),
        ]
    rows.append(("已收材料", _listing(data.materials_received)))
    if data.materials_due and data.is_acceptance:
        rows.append(("容缺待补材料", _listing(data.materials_due)))
        rows.append(("补交期限", _day(data.supply_by)))
    elif data.materials_due:
        rows.append(("尚需提交的材料", _listing(data.materials_due)))
    rows.append(("结果领取方式", data.delivery or "—"))
    return rows


@functools.cache
def _parsed_font(path: Path) -> TTFFont:
    """fpdf2's parse of a font file (its widths and cmap), made once per process."""
    pdf = FPDF()
    pdf.add_font(FONT, fname=str(path))
    return pdf.fonts[FONT]  # type: ignore[return-value]


def add_chinese_font(pdf: FPDF, texts: Iterable[str]) -> None:
    """Register the Chinese font as ``FONT`` on ``pdf``, the cheapest way that prints ``texts``.

    With the cached subset face, fpdf2's parse of it is reused from one document to the next:
    each document gets a copy with its own glyph map and a freshly opened (lazy) font file,
    which fpdf2 subsets to the glyphs used when the document is written.  The subset face's
    bounding boxes are already computed, so they are not recomputed for every document.
    """
    face: FontFace = font_for(texts)
    if face != subset_face():
        pdf.add_font(FONT, fname=str(face.path), collection_font_number=face.index)
        return
    font = copy.copy(_parsed_font(face.path))
    font.i = len(pdf.fonts) + 1
    font.ttfont = TTFont(str(face.path), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    pdf.fonts[FONT] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


def _qr_png(text: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return buffer


def render_receipt(data: ReceiptData) -> bytes:
    """The receipt as PDF bytes: one A4 page with a QR code of ``qr_text`` in the corner."""
    rows = _rows(data)
    pdf = FPDF(format="A4")
    pdf.set_title(f"{data.title} {data.number}")
    # Labels and notes are fixed GB 2312 text; only the values decide which face is needed.
    add_chinese_font(pdf, [data.number, *(value for _label, value in rows)])
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.image(_qr_png(data.qr_text or data.number), x=pdf.w - 20 - _QR_SIZE, y=14, w=_QR_SIZE)
    pdf.set_font(FONT, size=22)
    pdf.cell(0, 16, data.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 8, f"编号：{data.number}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(14)
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
    pdf.set_font(FONT, size=10)
    note = "请妥善保管本回执，凭办件编号或扫描二维码查询办理进度。"
    if not data.is_acceptance:
        note += (
            "本回执不是受理凭证：是否受理将在 5 个工作日内以短信和站内消息告知，"
            "逾期未告知的自收到申请之日起即为受理。"
        )
    elif data.materials_due:
        note += "容缺受理的材料须在补交期限前补齐，逾期将按承诺终止办理。"
    pdf.multi_cell(0, 6, note, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if data.printed_at is not None:
        pdf.cell(0, 8, f"打印时间：{data.printed_at:%Y-%m-%d %H:%M}", align="R")
    return bytes(pdf.output())


class FpdfReceipts:
    """``ReceiptPrinter``: the 受理回执 as a PDF set in a Chinese font (fpdf2)."""

    def render(self, data: ReceiptData) -> bytes:
        return render_receipt(data)
