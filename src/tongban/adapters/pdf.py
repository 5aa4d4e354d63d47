"""PDF documents with fpdf2: the acceptance receipt (受理回执) a window prints for the applicant.

Text is set in the Chinese font ``adapters.fonts`` finds; fpdf2 embeds only the glyphs used.
The QR code (segno) carries the case number or its lookup URL.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import segno
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from tongban.adapters.fonts import chinese_font

FONT = "cjk"
_LABEL_WIDTH = 38.0
_QR_SIZE = 32.0


@dataclass(frozen=True)
class ReceiptData:
    """Everything printed on a 受理回执; personal numbers arrive already masked."""

    number: str
    item_name: str
    department_name: str
    applicant_name: str
    applicant_id_masked: str
    accepted_on: date
    deadline: date | None
    accepting_centre: str
    clerk_name: str
    materials_received: Sequence[str]
    materials_due: Sequence[str] = ()
    supply_by: date | None = None
    delivery: str = ""
    qr_text: str = ""
    printed_at: datetime | None = None


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
        ("受理日期", _day(data.accepted_on)),
        ("承诺办结日期", _day(data.deadline)),
        ("受理中心", data.accepting_centre),
        ("受理人", data.clerk_name),
        ("已收材料", _listing(data.materials_received)),
    ]
    if data.materials_due:
        rows.append(("容缺待补材料", _listing(data.materials_due)))
        rows.append(("补交期限", _day(data.supply_by)))
    rows.append(("结果领取方式", data.delivery or "—"))
    return rows


def _qr_png(text: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return buffer


def render_receipt(data: ReceiptData) -> bytes:
    """The receipt as PDF bytes: one A4 page with a QR code of ``qr_text`` in the corner."""
    face = chinese_font()
    pdf = FPDF(format="A4")
    pdf.set_title(f"受理回执 {data.number}")
    pdf.add_font(FONT, fname=str(face.path), collection_font_number=face.index)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.image(_qr_png(data.qr_text or data.number), x=pdf.w - 20 - _QR_SIZE, y=14, w=_QR_SIZE)
    pdf.set_font(FONT, size=22)
    pdf.cell(0, 16, "受理回执", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 8, f"编号：{data.number}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(14)
    pdf.set_font(FONT, size=12)
    width = pdf.w - pdf.l_margin - pdf.r_margin - _LABEL_WIDTH
    for label, value in _rows(data):
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
    if data.materials_due:
        note += "容缺受理的材料须在补交期限前补齐，逾期将按承诺终止办理。"
    pdf.multi_cell(0, 6, note, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if data.printed_at is not None:
        pdf.cell(0, 8, f"打印时间：{data.printed_at:%Y-%m-%d %H:%M}", align="R")
    return bytes(pdf.output())
