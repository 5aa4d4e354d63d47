"""PDF documents with fpdf2: the acceptance receipt (受理回执) a window prints for the applicant,
and the submission slip (申请回执) of a case received but not yet accepted (a kiosk's).

Text is set in the Chinese font ``adapters.fonts`` finds; only the glyphs used are embedded.
With the cached GB 2312 face they are copied out of it by ``adapters.cff_subset`` (``output``);
with any other face fpdf2 subsets the font itself.  The QR code (segno) carries the case number
or its lookup URL.
"""

from __future__ import annotations

import copy
import functools
import io
import logging
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import (
    CIDSystemInfo,
    OutputProducer,
    PDFFont,
    PDFFontStream,
    _build_cmap_blocks,
    _cid_font_widths,
)
from fpdf.syntax import Name, PDFArray, PDFContentStream, PDFString, Raw

from tongban.adapters.cff_subset import CffSource, source_for
from tongban.adapters.fonts import FontFace, font_for, subset_face
from tongban.domain.cases.receipt import ReceiptData

log = logging.getLogger(__name__)

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
    each document gets a copy with its own glyph map, font descriptor and a freshly opened
    (lazy) font file.  ``output`` then copies the glyphs used out of the face
    (``adapters.cff_subset``); a plain ``pdf.output()`` would have fpdf2 subset that file, which
    is correct too, only slower.
    """
    face: FontFace = font_for(texts)
    if face != subset_face():
        pdf.add_font(FONT, fname=str(face.path), collection_font_number=face.index)
        return
    font = copy.copy(_parsed_font(face.path))
    font.i = len(pdf.fonts) + 1
    # Each document writes its own font descriptor object (its id, its font file): a copy,
    # not the parse's, which documents rendered at once in other threads share.
    font.desc = copy.copy(font.desc)
    font.ttfont = TTFont(str(face.path), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    pdf.fonts[FONT] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


def _copied_source(font: TTFFont) -> CffSource | None:
    """The cached face's glyphs to copy for ``font``, None when fpdf2 must subset it."""
    face = subset_face()
    if (
        face is None
        or font.color_font
        or not (font.is_cff and font.is_cid_keyed)
        or Path(font.ttffile) != face.path
    ):
        return None
    return source_for(face.path)


class _Output(OutputProducer):
    """fpdf2's output, but the cached face's glyphs are copied into each document's CFF
    (``adapters.cff_subset``) instead of subset with fontTools; the PDF objects around the
    font are the ones fpdf2 writes for a CID-keyed CFF font (``_add_fonts``)."""

    def _add_fonts(self, *args: Any, **kwargs: Any) -> Any:
        registry = self.fpdf.fonts  # this document's own dict
        copied: dict[str, tuple[TTFFont, CffSource]] = {}
        for key, font in registry.items():
            if isinstance(font, TTFFont) and (source := _copied_source(font)) is not None:
                copied[key] = (font, source)
        if not copied:
            return super()._add_fonts(*args, **kwargs)
        # fpdf2 writes the other fonts.
        order = list(registry.items())
        for key in copied:
            del registry[key]
        try:
            found = super()._add_fonts(*args, **kwargs)
        finally:
            registry.clear()
            registry.update(order)
        for font, source in copied.values():
            found[font.i] = self._add_copied_font(font, source)
        return found

    def _add_copied_font(self, font: TTFFont, source: CffSource) -> PDFFont:
        fontname = f"MPDFAA+{font.name}"
        if font.missing_glyphs:  # the count only: the text may be a person's name
            log.warning("font %s lacks %d of the characters", fontname, len(font.missing_glyphs))
        # fpdf2 gives the .notdef it reserves code 0 for a glyph id that is not .notdef's.
        glyphs = [
            (0 if glyph.glyph_name == ".notdef" else glyph.glyph_id, glyph, code)
            for glyph, code in font.subset.items()
            if glyph is not None
        ]
        cff = source.subset(gid for gid, _glyph, _code in glyphs)
        composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        code_to_cid: dict[int, int] = {}
        cid_widths: dict[int, int] = {}
        to_unicode: list[str] = []
        for gid, glyph, code in glyphs:
            cid = source.cids[gid]
            code_to_cid[code] = cid
            cid_widths[cid] = glyph.glyph_width
            if isinstance(glyph.unicode, tuple) and glyph.unicode:
                text = "".join(chr(c) for c in glyph.unicode).encode("utf-16-be").hex().upper()
                to_unicode.append(f"<{code:04X}> <{text}>\n")
        cid_font = PDFFont(
            subtype="CIDFontType0",
            base_font=fontname,
            d_w=font.desc.missing_width,
            w=_cid_font_widths(cid_widths),
        )
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])
        # ToUnicode: the text can be searched and copied.
        unicode_map = PDFContentStream(
            _cmap("Adobe", "UCS", 0, "Adobe-Identity-UCS", to_unicode, "bfchar").encode()
        )
        self._add_pdf_obj(unicode_map, "fonts")
        composite.to_unicode = unicode_map
        registry, ordering, supplement = font.cff_ros or ("Adobe", "Identity", 0)
        name = f"{registry}-{ordering}-UCS"
        cids = [f"<{code:04X}> {cid}\n" for code, cid in sorted(code_to_cid.items())]
        encoding = PDFContentStream(
            _cmap(registry, ordering, supplement, name, cids, "cidchar").encode()
        )
        encoding.type = Name("CMap")  # type: ignore[attr-defined]
        encoding.c_map_name = Name(name)  # type: ignore[attr-defined]
        encoding.c_i_d_system_info = Raw(  # type: ignore[attr-defined]
            f"<< /Registry ({registry}) /Ordering ({ordering}) /Supplement {supplement} >>"
        )
        self._add_pdf_obj(encoding, "fonts")
        composite.encoding = encoding  # type: ignore[assignment]
        system_info = CIDSystemInfo()
        system_info.registry = PDFString(registry, encrypt=True)
        system_info.ordering = PDFString(ordering, encrypt=True)
        system_info.supplement = supplement
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info
        descriptor = font.desc
        descriptor.font_name = Name(fontname)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor
        font_file = PDFFontStream(contents=cff)
        font_file.subtype = Name("CIDFontType0C")  # type: ignore[attr-defined]
        self._add_pdf_obj(font_file, "fonts")
        descriptor.font_file3 = font_file  # type: ignore[attr-defined]
        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        font.close()
        return composite


def _cmap(
    registry: str, ordering: str, supplement: int, name: str, entries: list[str], operator: Any
) -> str:
    return (
        "/CIDInit /ProcSet findresource begin\n"
        "12 dict begin\n"
        "begincmap\n"
        "/CIDSystemInfo\n"
        f"<</Registry ({registry})\n"
        f"/Ordering ({ordering})\n"
        f"/Supplement {supplement}\n"
        ">> def\n"
        f"/CMapName /{name} def\n"
        "/CMapType 2 def\n"
        "1 begincodespacerange\n"
        "<0000> <FFFF>\n"
        "endcodespacerange\n"
        f"{_build_cmap_blocks(entries, operator)}"
        "endcmap\n"
        "CMapName currentdict /CMap defineresource pop\n"
        "end\n"
        "end"
    )


def output(pdf: FPDF) -> bytes:
    """The document's bytes; the cached face's glyphs are copied, not subset by fontTools."""
    return bytes(pdf.output(output_producer_class=_Output))


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
    return output(pdf)


class FpdfReceipts:
    """``ReceiptPrinter``: the 受理回执 as a PDF set in a Chinese font (fpdf2)."""

    def render(self, data: ReceiptData) -> bytes:
        return render_receipt(data)
