"""Finding a Chinese font at run time: fontconfig first, then the paths Debian packages use.

Debian's ``fonts-noto-cjk`` (already installed by ``.ci/run``) ships Noto Sans CJK as a TTC
collection; fpdf2 reads one face of it by index (SC, simplified Chinese, is face 2).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

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
