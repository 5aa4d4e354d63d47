"""The glyphs a PDF embeds are copied out of the cached GB 2312 face (``adapters.cff_subset``)
once that face is parsed in the process: each document gets exactly its own characters, drawn
as the face draws them, and the same font fpdf2's own subsetter would have embedded."""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fontTools.cffLib import CFFFontSet
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont
from fpdf import FPDF

from tests.factories import resident_id
from tests.unit.test_licences_pdf import licence_of
from tests.unit.test_receipt_pdf import _streams, page_text
from tongban.adapters import cff_subset, fonts
from tongban.adapters import pdf as pdf_adapter
from tongban.services.licences import keys as key_service
from tongban.services.licences.library import render_pdf


@pytest.fixture(scope="module")
def face() -> TTFont:
    found = fonts.common_face()
    if found is None:
        pytest.skip("no cached Chinese font subset on this machine")
    return TTFont(str(found.face.path))


def _embedded(pdf: bytes) -> tuple[Any, dict[str, int]]:
    """The embedded CFF's top DICT, and the CID each character is printed with (through the
    ToUnicode map and the encoding CMap, as a viewer reads them)."""
    found = re.search(rb"/Length (\d+)\n/Length1 \d+\n/Subtype /CIDFontType0C\n>>\nstream\n", pdf)
    assert found is not None, "no CFF font embedded"
    data = zlib.decompress(pdf[found.end() : found.end() + int(found.group(1))])
    fontset = CFFFontSet()
    fontset.decompile(io.BytesIO(data), None, isCFF2=False)
    streams = b"".join(_streams(pdf))
    code_of = {
        chr(int(uni, 16)): int(code, 16)
        for block in re.findall(rb"beginbfchar\n(.*?)endbfchar", streams, re.S)
        for code, uni in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4})>", block)
    }
    cid_of_code = {
        int(code, 16): int(cid)
        for block in re.findall(rb"begincidchar\n(.*?)endcidchar", streams, re.S)
        for code, cid in re.findall(rb"<([0-9A-F]{4})> (\d+)", block)
    }
    return fontset.topDictIndex[0], {c: cid_of_code[code] for c, code in code_of.items()}


def _outline(charstrings: Any, name: str) -> tuple[int, list[Any]]:
    pen = RecordingPen()
    glyph = charstrings[name]
    glyph.draw(pen)
    return glyph.width, pen.value


def _drawn_as_in_the_face(pdf: bytes, face: TTFont, characters: str) -> None:
    top, cid_of = _embedded(pdf)
    cmap = face.getBestCmap()
    source = face["CFF "].cff.topDictIndex[0].CharStrings
    for character in characters:
        assert character in cid_of, f"{character} not in the ToUnicode map"
        name = f"cid{cid_of[character]:05d}"
        assert name == cmap[ord(character)], f"{character} printed with the wrong glyph"
        assert _outline(top.CharStrings, name) == _outline(source, name), character


def test_two_licences_in_one_process_embed_each_its_own_glyphs(
    face: TTFont, tmp_path: Path
) -> None:
    ring = key_service.key_ring(tmp_path)
    first = licence_of(ring, resident_id(31))
    second = replace(
        licence_of(ring, resident_id(32)),
        holder_name="欧阳嘉琪",
        fields={**first.fields, "address": "广州市越秀区北京路骑楼街道"},
    )
    one = render_pdf(first, ring, verify_url="https://example.test/v", issuer_name="南海分局")
    two = render_pdf(second, ring, verify_url="https://example.test/v", issuer_name="南海分局")
    new = {c for c in "欧阳嘉琪广州市越秀区北京路骑楼街道" if c not in page_text(one)}
    assert len(new) >= 10  # the second licence needs glyphs the first one did not
    assert "欧阳嘉琪" in page_text(two) and "广州市越秀区北京路骑楼街道" in page_text(two)
    _drawn_as_in_the_face(two, face, "".join(sorted(new)) + "居民身份证")
    _drawn_as_in_the_face(one, face, "梁淑芬佛山市南海区九江镇沙头社区")
    # Each document embeds its own characters only: none of the first's that it does not show.
    _top, cid_of_two = _embedded(two)
    assert "梁" not in cid_of_two and "淑" not in cid_of_two
    _top, cid_of_one = _embedded(one)
    assert not new & set(cid_of_one)


def _widths(pdf: bytes, without: int | None = None) -> dict[int, int]:
    """The CIDFont's /W array as a map of CID to width."""
    found = re.search(rb"/W \[((?:[^\[\]]|\[[^\]]*\])*)\]", pdf)
    assert found is not None
    tokens = re.findall(rb"\[[^\]]*\]|\d+", found.group(1))
    widths: dict[int, int] = {}
    i = 0
    while i < len(tokens):
        first = int(tokens[i])
        if tokens[i + 1].startswith(b"["):
            for n, width in enumerate(tokens[i + 1][1:-1].split()):
                widths[first + n] = int(width)
            i += 2
        else:
            widths.update(dict.fromkeys(range(first, int(tokens[i + 1]) + 1), int(tokens[i + 2])))
            i += 3
    widths.pop(without, None)
    return widths


def _document(text: str) -> FPDF:
    pdf = FPDF()
    pdf_adapter.add_chinese_font(pdf, [text])
    pdf.add_page()
    pdf.set_font(pdf_adapter.FONT, size=12)
    pdf.multi_cell(0, 8, text)
    return pdf


def test_the_copied_font_is_the_font_fpdf2_s_subsetter_embeds(face: TTFont) -> None:
    text = "受理回执 NH20261102-000001 个体工商户设立登记（容缺）：经营场所使用证明。"
    copied = pdf_adapter.output(_document(text))
    subset_by_fpdf2 = bytes(_document(text).output())  # fontTools, as fpdf2 does by itself
    ours, ours_cids = _embedded(copied)
    theirs, their_cids = _embedded(subset_by_fpdf2)
    # Code 0 is reserved for .notdef (never printed): fpdf2 maps it to CID 32, a question mark
    # it does not embed; the copied font maps it to .notdef's CID 0.
    assert ours_cids.pop("\x00") == 0 and their_cids.pop("\x00") == 32
    assert ours_cids == their_cids
    assert ours.ROS == theirs.ROS and ours.FontBBox == theirs.FontBBox
    assert sorted(ours.charset) == sorted(theirs.charset)
    for name in theirs.charset:
        assert _outline(ours.CharStrings, name) == _outline(theirs.CharStrings, name), name
    assert _widths(copied) == {0: 0, **_widths(subset_by_fpdf2, without=32)}
    assert page_text(copied) == page_text(subset_by_fpdf2)
    _drawn_as_in_the_face(copied, face, "受理回执个体工商户设立登记（容缺）：。")


def test_a_document_s_output_leaves_the_shared_parse_of_the_face_untouched(
    face: TTFont,
) -> None:
    """Documents rendered at once in other threads share fpdf2's parse of the face: a
    document writes its own font descriptor, never the shared one."""
    found = fonts.common_face()
    assert found is not None
    shared = pdf_adapter._parsed_font(found.face.path).desc
    pdf_adapter.output(_document("证照编号"))
    bytes(_document("证照编号").output())
    assert shared._id is None and not hasattr(shared, "font_file3")


def test_a_subset_keeps_the_cids_and_only_the_font_dicts_its_glyphs_use(face: TTFont) -> None:
    found = fonts.common_face()
    assert found is not None
    source = cff_subset.source_for(found.face.path)
    assert source is not None
    cmap = face.getBestCmap()
    gids = [face.getGlyphID(cmap[ord(c)]) for c in "A证照"]
    fontset = CFFFontSet()
    fontset.decompile(io.BytesIO(source.subset(gids)), None, isCFF2=False)
    top = fontset.topDictIndex[0]
    names = [cmap[ord(c)] for c in "A证照"]
    assert top.charset == [".notdef", *sorted(names)]
    original = face["CFF "].cff.topDictIndex[0]
    used = {original.FDSelect[g] for g in [0, *gids]}
    assert len(top.FDArray) == len(used)
    for name in names:
        fd = top.CharStrings[name].private
        kept = original.CharStrings[name].private
        assert fd.rawDict == kept.rawDict
        assert _outline(top.CharStrings, name) == _outline(original.CharStrings, name)


def test_a_face_whose_glyphs_cannot_be_copied_one_by_one_is_left_to_fpdf2(
    tmp_path: Path,
) -> None:
    garbage = tmp_path / "broken.otf"
    garbage.write_bytes(b"OTTO" + b"\x00" * 60)
    assert cff_subset.source_for(garbage) is None
    with pytest.raises(cff_subset.CffFormatError):
        cff_subset.CffSource.parse(b"\x01\x00\x04\x04\x00\x01\x01\x01")
    whole = fonts.chinese_font()
    if whole.path.suffix.lower() == ".ttc":  # Noto CJK's charstrings call subroutines
        collection = TTFont(str(whole.path), fontNumber=whole.index, lazy=True)
        data = collection.reader["CFF "]
        collection.close()
        with pytest.raises(cff_subset.CffFormatError, match="subroutines"):
            cff_subset.CffSource.parse(bytes(data))


def test_a_name_outside_gb_2312_is_printed_from_the_whole_face(face: TTFont) -> None:
    """The cached face lacks 堃: the document takes the whole collection face, which fpdf2
    subsets itself, and the copied path is not used for it."""
    text = "持证人：李堃"
    pdf = _document(text)
    assert pdf_adapter._copied_source(pdf.fonts[pdf_adapter.FONT]) is None  # type: ignore[arg-type]
    written = pdf_adapter.output(pdf)
    assert page_text(written) == text
    top, cid_of = _embedded(written)
    assert "堃" in cid_of and f"cid{cid_of['堃']:05d}" in top.charset
