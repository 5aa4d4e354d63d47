"""Generate the Traditional Chinese catalogue (``locale/zh_Hant``) from the message ids.

Message ids are the Simplified Chinese texts; every id of the English catalogue (which holds
the extracted ids and those translated at run time) is converted with OpenCC (``s2hk``: the
Hong Kong variants, see ``tongban.i18n.OPENCC_CONFIG``) with the word fixes of
``tongban.i18n.CONTENT_FIXES``; the whole-string corrections of ``REVIEWED`` below, the result
of reading the converted UI strings by hand, replace a conversion where it reads wrongly.

Run after ``make i18n`` (new ids) and commit the catalogue::

    python scripts/make_zh_hant.py          # write src/tongban/locale/zh_Hant/.../messages.po
    python scripts/make_zh_hant.py --check  # exit 1 when the catalogue is not up to date
"""

from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tongban.i18n import LOCALE_DIR, TRADITIONAL, to_traditional  # noqa: E402

SOURCE = LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po"
TARGET = LOCALE_DIR / TRADITIONAL / "LC_MESSAGES" / "messages.po"

REVIEWED: dict[str, str] = {
    # msgid (Simplified) → the reviewed Traditional text, where a word-for-word conversion is
    # not what a reader from Hong Kong, Macao or Taiwan expects.
    "长辈版": "長者版",
    "切换到长辈版（大字体、高对比度）": "切換到長者版（大字體、高對比度）",
    "回乡证": "回鄉證",
    "台胞证": "台胞證",
}
"""Whole strings corrected by hand after review."""


def convert(msgid: str) -> str:
    if msgid in REVIEWED:
        return REVIEWED[msgid]
    return to_traditional(msgid)


def build() -> bytes:
    with SOURCE.open("rb") as fh:
        source = read_po(fh)
    catalog = Catalog(
        locale=TRADITIONAL,
        project="tongban",
        version="0.1",
        header_comment=(
            "# Traditional Chinese catalogue of tongban (繁體中文), generated from the message\n"
            "# ids by scripts/make_zh_hant.py (OpenCC s2hk, then corrections reviewed by hand).\n"
            "# Do not edit: change the script's corrections and run it again."
        ),
        creation_date=source.creation_date,
        revision_date=source.creation_date,
    )
    for message in source:
        if not message.id or not isinstance(message.id, str):
            continue
        catalog.add(message.id, convert(message.id), flags=message.flags)
    buffer = BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False, sort_output=True)
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    text = build()
    if "--check" in argv:
        current = TARGET.read_bytes() if TARGET.exists() else b""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run scripts/make_zh_hant.py")
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
