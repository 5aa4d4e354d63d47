"""Finding a Chinese font at run time: fontconfig first, then the paths Debian packages use.

Debian's ``fonts-noto-cjk`` (already installed by ``.ci/run``) ships Noto Sans CJK as a TTC
collection; fpdf2 reads one face of it by index (SC, simplified Chinese, is face 2).

Parsing and subsetting that 19 MB collection costs fpdf2 over a second per document, so
``font_for`` hands out a pre-subset copy of the face instead: the GB 2312 characters, ASCII and
CJK punctuation (about 7,600 glyphs, 1.5 MB), built once per machine (~20 s) into the cache
directory (``TONGBAN_FONT_CACHE``, else ``$XDG_CACHE_HOME/tongban`` or ``~/.cache/tongban``).
Text with a character outside that set is printed with the whole face, as before.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import logging
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

KNOWN_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)
"""Where Debian's Chinese font packages put their fonts, preferred first."""
_PREFERRED_FAMILIES = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")


class ChineseFontMissing(RuntimeError):
    """No font that can print Chinese was found on this machine."""


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (``index`` picks the face inside a .ttc collection)."""

    path: Path
    index: int = 0


def _from_fontconfig() -> FontFace | None:
    if shutil.which("fc-list") is None:
        return None
    listing = subprocess.run(
        ["fc-list", ":lang=zh-cn:style=Regular", "-f", "%{family[0]}\t%{index}\t%{file}\n"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    ).stdout
    faces: dict[str, FontFace] = {}
    for line in listing.splitlines():
        family, index, path = [*line.split("\t"), "", ""][:3]
        if path.lower().endswith((".ttf", ".otf", ".ttc")) and index.isdigit():
            faces.setdefault(family, FontFace(Path(path), int(index)))
    for family in _PREFERRED_FAMILIES:
        if family in faces:
            return faces[family]
    return next(iter(faces.values()), None)


@functools.cache
def chinese_font() -> FontFace:
    """The font receipts are printed in; raises ``ChineseFontMissing`` with the fix."""
    for path, index in KNOWN_FONTS:
        if Path(path).is_file():
            return FontFace(Path(path), index)
    found = _from_fontconfig()
    if found is not None:
        return found
    raise ChineseFontMissing(
        "找不到中文字体，无法生成 PDF：请安装 Debian 软件包 fonts-noto-cjk"
        "（apt-get install fonts-noto-cjk）。"
    )


# --- the pre-subset face -------------------------------------------------------------------------

SUBSET_VERSION = 1
"""Bump when the character set or the subsetting options change: the cache file name moves."""


def _common_characters() -> set[int]:
    """ASCII, GB 2312 (6,763 hanzi and its symbols), CJK and full-width punctuation."""
    chars = set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF01, 0xFF5F))
    chars |= {0xB7, 0xD7, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x2116, 0x25A0}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(ord(bytes([high, low]).decode("gb2312")))
    return chars


def font_cache_dir() -> Path:
    configured = os.environ.get("TONGBAN_FONT_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tongban"


def _subset_path(face: FontFace) -> Path:
    stat = face.path.stat()
    key = f"{face.path}|{face.index}|{stat.st_size}|{stat.st_mtime_ns}|{SUBSET_VERSION}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return font_cache_dir() / f"cjk-common-{digest}.otf"


def _build_subset(face: FontFace, target: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(face.path), fontNumber=face.index, lazy=True, recalcBBoxes=False)
    options = subset.Options()
    options.layout_features = []
    options.notdef_outline = True
    # Charstrings without subroutines: subsetting one document's glyphs then needs no
    # subroutine analysis, which is most of what a CFF subset costs.
    options.desubroutinize = True
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_common_characters())
    subsetter.subset(font)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    font.save(str(tmp))
    os.replace(tmp, target)


@dataclass(frozen=True)
class SubsetFace:
    face: FontFace
    characters: frozenset[int]


@functools.cache
def common_face() -> SubsetFace | None:
    """The cached pre-subset face (built on first use), or None when it cannot be made."""
    face = chinese_font()
    if face.path.suffix.lower() not in (".ttc", ".otf", ".ttf"):
        return None
    try:
        target = _subset_path(face)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target.with_suffix(".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not target.exists():
                    log.info("building the cached Chinese font subset %s", target)
                    _build_subset(face, target)
        from fontTools.ttLib import TTFont

        cmap = TTFont(str(target), lazy=True).getBestCmap()
        return SubsetFace(FontFace(target), frozenset(cmap))
    except OSError as error:  # a read-only cache: fall back to the whole face
        log.warning("cannot cache the Chinese font subset: %s", error)
        return None


def subset_face() -> FontFace | None:
    found = common_face()
    return found.face if found else None


def font_for(texts: Iterable[str]) -> FontFace:
    """The cheapest face that prints every character of ``texts``."""
    subset_face = common_face()
    if subset_face is not None:
        needed = {ord(c) for text in texts for c in text if not c.isspace()}
        if needed <= subset_face.characters:
            return subset_face.face
    return chinese_font()
