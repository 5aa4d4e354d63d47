"""Per-document subsets of the cached CJK face, cut by copying bytes instead of with fontTools.

A PDF embeds a CID-keyed CFF font as the bare CFF table (``FontFile3``, ``CIDFontType0C``); a
viewer finds each glyph by its CID through the font's charset.  The cached GB 2312 face
(``adapters.fonts``) has its charstrings desubroutinised, so every glyph's charstring stands on
its own, and its Private DICTs hold no local subroutines.  A subset for one document is then
those charstrings copied as they are, with a new charset (the same CIDs), FDSelect, FDArray
(the font DICTs the glyphs use, with their Private DICTs copied byte for byte) and top DICT
(the source's, with new offsets).  fontTools' subsetter, which fpdf2 runs for every document,
interprets every charstring, decompiles the 7,600-entry cmap and compiles the CFF twice:
about four fifths of the CPU a licence PDF cost.

``source_for`` parses the face once per process (``CffSource.parse``: the INDEX offsets, the
charset and the FDSelect; no charstring is decompiled); ``CffSource.subset`` writes one
document's CFF.  A face this module cannot copy safely (not CID-keyed, local subroutines) gives
``None``, and fpdf2's own subsetter prints it.
"""

from __future__ import annotations

import functools
import itertools
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# DICT operators (one byte, or 12 then a second byte as 1200 + that byte).
_CHARSET = 15
_ENCODING = 16
_CHARSTRINGS = 17
_PRIVATE = 18
_SUBRS = 19
_UNIQUE_ID = 13
_XUID = 14
_ROS = 1200 + 30
_FDARRAY = 1200 + 36
_FDSELECT = 1200 + 37
_REWRITTEN = {_CHARSET, _ENCODING, _CHARSTRINGS, _PRIVATE, _UNIQUE_ID, _XUID, _FDARRAY, _FDSELECT}
"""Top DICT entries not copied: the offsets written afresh, and a subset's lost identity."""


class CffFormatError(ValueError):
    """The CFF data is damaged or uses something this module does not copy."""


@dataclass(frozen=True)
class _Entry:
    """One DICT entry: its operator and the raw bytes of operands and operator."""

    op: int
    operands: tuple[float, ...]
    raw: bytes


def _index(data: bytes, pos: int) -> tuple[list[int], int]:
    """The absolute start offsets of an INDEX's items (one more than the count: the end of the
    last) and the position after the INDEX."""
    if pos + 2 > len(data):
        raise CffFormatError("INDEX past the end")
    count = int.from_bytes(data[pos : pos + 2], "big")
    if count == 0:
        return [pos + 2], pos + 2
    off_size = data[pos + 2]
    if not 1 <= off_size <= 4:
        raise CffFormatError("bad INDEX offset size")
    start = pos + 3
    base = start + (count + 1) * off_size - 1
    offsets = [
        base + int.from_bytes(data[start + i * off_size : start + (i + 1) * off_size], "big")
        for i in range(count + 1)
    ]
    if offsets[-1] > len(data) or any(b < a for a, b in itertools.pairwise(offsets)):
        raise CffFormatError("INDEX offsets out of order")
    return offsets, offsets[-1]


_NIBBLES = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ".", "E", "E-", "", "-")


def _real(data: bytes, pos: int) -> tuple[float, int]:
    text = ""
    while pos < len(data):
        byte = data[pos]
        pos += 1
        for nibble in (byte >> 4, byte & 0x0F):
            if nibble == 0x0F:
                try:
                    return float(text or 0), pos
                except ValueError:
                    raise CffFormatError(f"bad real number {text!r}") from None
            text += _NIBBLES[nibble]
    raise CffFormatError("real number past the end")


def _dict(data: bytes) -> list[_Entry]:
    """Split a DICT into entries (operands are decoded only to read offsets)."""
    entries: list[_Entry] = []
    operands: list[float] = []
    start = pos = 0
    while pos < len(data):
        b0 = data[pos]
        if b0 <= 21:
            if b0 == 12:
                if pos + 1 >= len(data):
                    raise CffFormatError("operator past the end")
                op, pos = 1200 + data[pos + 1], pos + 2
            else:
                op, pos = b0, pos + 1
            entries.append(_Entry(op, tuple(operands), data[start:pos]))
            operands, start = [], pos
        elif b0 == 28:
            operands.append(struct.unpack(">h", data[pos + 1 : pos + 3])[0])
            pos += 3
        elif b0 == 29:
            operands.append(struct.unpack(">i", data[pos + 1 : pos + 5])[0])
            pos += 5
        elif b0 == 30:
            value, pos = _real(data, pos + 1)
            operands.append(value)
        elif 32 <= b0 <= 246:
            operands.append(b0 - 139)
            pos += 1
        elif 247 <= b0 <= 250:
            operands.append((b0 - 247) * 256 + data[pos + 1] + 108)
            pos += 2
        elif 251 <= b0 <= 254:
            operands.append(-(b0 - 251) * 256 - data[pos + 1] - 108)
            pos += 2
        else:
            raise CffFormatError(f"reserved DICT byte {b0}")
    if operands:
        raise CffFormatError("DICT ends with operands")
    return entries


def _find(entries: Iterable[_Entry], op: int) -> tuple[int, ...] | None:
    for entry in entries:
        if entry.op == op:
            return tuple(int(v) for v in entry.operands)
    return None


def _int5(value: int) -> bytes:
    """A DICT integer in its fixed five-byte form, so offsets can be laid out in one pass."""
    return b"\x1d" + struct.pack(">i", value)


def _op(op: int) -> bytes:
    return bytes([12, op - 1200]) if op >= 1200 else bytes([op])


def _write_index(items: list[bytes]) -> bytes:
    if not items:
        return b"\x00\x00"
    offsets = [1]
    for item in items:
        offsets.append(offsets[-1] + len(item))
    end = offsets[-1]
    off_size = 1 if end < 1 << 8 else 2 if end < 1 << 16 else 3 if end < 1 << 24 else 4
    head = struct.pack(">HB", len(items), off_size)
    return head + b"".join(o.to_bytes(off_size, "big") for o in offsets) + b"".join(items)


@dataclass(frozen=True)
class _FontDict:
    kept: bytes
    """The font DICT's entries but Private, as in the source."""
    private: bytes
    """The Private DICT, byte for byte (it holds no offsets: no local subroutines)."""


@dataclass(frozen=True)
class CffSource:
    """A parsed CID-keyed CFF whose glyphs can be copied one by one."""

    data: bytes
    header: bytes
    name_index: bytes
    string_index: bytes
    global_subrs: bytes
    top_kept: bytes
    charstring_offsets: tuple[int, ...]
    cids: tuple[int, ...]
    """The CID of each glyph, by glyph id."""
    fd_of: bytes
    """The font DICT of each glyph, by glyph id."""
    font_dicts: tuple[_FontDict, ...]

    @property
    def glyph_count(self) -> int:
        return len(self.cids)

    @classmethod
    def parse(cls, data: bytes) -> CffSource:
        """Parse a bare CFF table; raises ``CffFormatError`` for what cannot be copied."""
        if len(data) < 4 or data[0] != 1:
            raise CffFormatError("not a CFF version 1 table")
        header_size = data[2]
        name_offsets, pos = _index(data, header_size)
        if len(name_offsets) != 2:
            raise CffFormatError("one font per CFF table expected")
        name_end = pos
        top_offsets, pos = _index(data, pos)
        if len(top_offsets) != 2:
            raise CffFormatError("one top DICT expected")
        top = _dict(data[top_offsets[0] : top_offsets[1]])
        string_start = pos
        _strings, pos = _index(data, pos)
        string_end = pos
        _gsubrs, pos = _index(data, pos)
        if not top or top[0].op != _ROS:
            raise CffFormatError("not a CID-keyed font")
        charstrings_at = _find(top, _CHARSTRINGS)
        fdarray_at = _find(top, _FDARRAY)
        fdselect_at = _find(top, _FDSELECT)
        charset_at = _find(top, _CHARSET)
        if not (charstrings_at and fdarray_at and fdselect_at and charset_at):
            raise CffFormatError("CID font without CharStrings, charset, FDArray or FDSelect")
        offsets, _end = _index(data, charstrings_at[0])
        glyphs = len(offsets) - 1
        fd_dicts: list[_FontDict] = []
        fd_offsets, _end = _index(data, fdarray_at[0])
        for start, end in itertools.pairwise(fd_offsets):
            entries = _dict(data[start:end])
            private = _find(entries, _PRIVATE)
            if private is None or len(private) != 2:
                raise CffFormatError("font DICT without a Private DICT")
            size, at = private
            raw_private = data[at : at + size]
            if len(raw_private) != size or _find(_dict(raw_private), _SUBRS) is not None:
                raise CffFormatError("local subroutines are not copied")
            kept = b"".join(e.raw for e in entries if e.op != _PRIVATE)
            fd_dicts.append(_FontDict(kept, raw_private))
        fd_of = _fdselect(data, fdselect_at[0], glyphs)
        if any(fd >= len(fd_dicts) for fd in fd_of):
            raise CffFormatError("FDSelect names a missing font DICT")
        return cls(
            data=data,
            header=bytes([1, 0, 4, 4]),
            name_index=data[header_size:name_end],
            string_index=data[string_start:string_end],
            global_subrs=data[string_end:pos],
            top_kept=b"".join(e.raw for e in top if e.op not in _REWRITTEN),
            charstring_offsets=tuple(offsets),
            cids=_charset(data, charset_at[0], glyphs),
            fd_of=fd_of,
            font_dicts=tuple(fd_dicts),
        )

    def charstring(self, gid: int) -> bytes:
        return self.data[self.charstring_offsets[gid] : self.charstring_offsets[gid + 1]]

    def subset(self, gids: Iterable[int]) -> bytes:
        """The CFF of glyph ids ``gids`` (and .notdef), each keeping its CID."""
        chosen = sorted({0, *(g for g in gids if 0 <= g < self.glyph_count)}, key=self._cid)
        fds = sorted({self.fd_of[g] for g in chosen})
        fd_index = {fd: i for i, fd in enumerate(fds)}
        charset = b"\x00" + b"".join(struct.pack(">H", self.cids[g]) for g in chosen[1:])
        fdselect = b"\x00" + bytes(fd_index[self.fd_of[g]] for g in chosen)
        charstrings = _write_index([self.charstring(g) for g in chosen])
        # Font DICTs end with their Private entry: size and offset, both five bytes.
        fd_lengths = [len(self.font_dicts[fd].kept) + 11 for fd in fds]
        fdarray_length = len(_write_index([b"\x00" * n for n in fd_lengths]))
        top_length = len(self.top_kept) + 4 * 5 + 1 + 1 + 2 + 2  # four offsets, four operators
        top_index_length = len(_write_index([b"\x00" * top_length]))
        at = (
            len(self.header)
            + len(self.name_index)
            + top_index_length
            + len(self.string_index)
            + len(self.global_subrs)
        )
        charset_at = at
        fdselect_at = charset_at + len(charset)
        charstrings_at = fdselect_at + len(fdselect)
        fdarray_at = charstrings_at + len(charstrings)
        private_at = fdarray_at + fdarray_length
        font_dicts: list[bytes] = []
        privates: list[bytes] = []
        for fd in fds:
            source = self.font_dicts[fd]
            font_dicts.append(
                source.kept + _int5(len(source.private)) + _int5(private_at) + _op(_PRIVATE)
            )
            privates.append(source.private)
            private_at += len(source.private)
        top = (
            self.top_kept
            + _int5(charset_at)
            + _op(_CHARSET)
            + _int5(fdselect_at)
            + _op(_FDSELECT)
            + _int5(charstrings_at)
            + _op(_CHARSTRINGS)
            + _int5(fdarray_at)
            + _op(_FDARRAY)
        )
        assert len(top) == top_length
        return b"".join(
            [
                self.header,
                self.name_index,
                _write_index([top]),
                self.string_index,
                self.global_subrs,
                charset,
                fdselect,
                charstrings,
                _write_index(font_dicts),
                *privates,
            ]
        )

    def _cid(self, gid: int) -> int:
        return self.cids[gid]


def _charset(data: bytes, pos: int, glyphs: int) -> tuple[int, ...]:
    cids = [0]
    fmt = data[pos]
    pos += 1
    if fmt == 0:
        cids += struct.unpack(f">{glyphs - 1}H", data[pos : pos + 2 * (glyphs - 1)])
    elif fmt in (1, 2):
        while len(cids) < glyphs:
            first = int.from_bytes(data[pos : pos + 2], "big")
            left = data[pos + 2] if fmt == 1 else int.from_bytes(data[pos + 2 : pos + 4], "big")
            pos += 3 if fmt == 1 else 4
            cids += range(first, first + left + 1)
    else:
        raise CffFormatError(f"charset format {fmt}")
    if len(cids) < glyphs:
        raise CffFormatError("charset shorter than the glyphs")
    return tuple(cids[:glyphs])


def _fdselect(data: bytes, pos: int, glyphs: int) -> bytes:
    fmt = data[pos]
    if fmt == 0:
        found = data[pos + 1 : pos + 1 + glyphs]
        if len(found) != glyphs:
            raise CffFormatError("FDSelect shorter than the glyphs")
        return found
    if fmt != 3:
        raise CffFormatError(f"FDSelect format {fmt}")
    ranges = int.from_bytes(data[pos + 1 : pos + 3], "big")
    fds = bytearray(glyphs)
    at = pos + 3
    for i in range(ranges):
        first = int.from_bytes(data[at + 3 * i : at + 3 * i + 2], "big")
        fd = data[at + 3 * i + 2]
        end = int.from_bytes(data[at + 3 * i + 3 : at + 3 * i + 5], "big")  # next or sentinel
        if not 0 <= first <= end <= glyphs:
            raise CffFormatError("FDSelect ranges out of order")
        fds[first:end] = bytes([fd]) * (end - first)
    return bytes(fds)


@functools.cache
def source_for(path: Path) -> CffSource | None:
    """The parsed CFF of the font file at ``path`` (once per process), None when its glyphs
    cannot be copied one by one."""
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(str(path), lazy=True)
        try:
            if "CFF " not in font:
                return None
            data = font.reader["CFF "]
        finally:
            font.close()
        return CffSource.parse(bytes(data))
    except (OSError, CffFormatError, struct.error, IndexError):
        return None
