"""Translation: every user-facing string goes through gettext.

The source language is Simplified Chinese: message ids are the Chinese texts, and other
languages are catalogues under ``locale/<lang>/LC_MESSAGES/messages.po``: ``en`` translated by
hand, ``zh_Hant`` (繁體中文, for users from Hong Kong, Macao and Taiwan) generated from the
message ids with OpenCC by ``scripts/make_zh_hant.py`` and reviewed by hand.  Catalogues are
compiled in memory at start-up, so the repository holds no binary ``.mo`` files.  The locale of
the current request lives in a context variable, set by the web middleware.

Content that is not a UI string (the catalogue's guide texts, item and material names) is kept
in Simplified Chinese only: ``content`` converts it to Traditional characters on display for
``zh_Hant``; English readers see it in Chinese, with a note (``content_is_chinese``).
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path

import opencc
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tongban.domain.shared.clock import CHINA_TZ

LOCALE_DIR = Path(__file__).with_name("locale")
SOURCE_LOCALE = "zh_CN"
TRADITIONAL = "zh_Hant"
ENGLISH = "en"

LANGUAGE_NAMES: dict[str, str] = {
    SOURCE_LOCALE: "简体中文",
    TRADITIONAL: "繁體中文",
    ENGLISH: "English",
}
"""Each language named in itself, as the language switch shows it (never translated)."""

HTML_LANG: dict[str, str] = {SOURCE_LOCALE: "zh-CN", TRADITIONAL: "zh-Hant", ENGLISH: "en"}

OPENCC_CONFIG = "s2hk.json"
"""Simplified → Traditional with Hong Kong variants (香港繁體): the nearest cross-border users
come from Hong Kong and Macao, and their vocabulary is the mainland's (登錄, 信息), which s2twp
would change into Taiwan's (登入, 資訊)."""

CONTENT_FIXES: dict[str, str] = {
    "裏水": "里水",  # 里水镇, a place name: 里 (village), not 裏 (inside)
    "羣": "群",  # the form in everyday use in Hong Kong, Macao and Taiwan alike (群眾)
    "説": "說",  # the form government sites in Hong Kong and Taiwan print
    "公佈": "公布",  # 公布, 发布: the forms of official texts on both sides
    "發佈": "發布",
    "加載": "載入",
    "户": "戶",  # 賬戶, 用戶: the form in everyday print
    "閲": "閱",  # 查閱
    "短信": "短訊",  # SMS, as Hong Kong and Macao say it
}
"""Corrections after OpenCC, for words it converts wrongly or oddly in our texts, found by
reading the converted UI strings; ``scripts/make_zh_hant.py`` applies them to the catalogue."""

_WEST_CHINESE_PREFIXES = ("zh_tw", "zh_hk", "zh_mo", "zh_hant")

current_locale: ContextVar[str] = ContextVar("current_locale", default=SOURCE_LOCALE)


@cache
def available_locales() -> tuple[str, ...]:
    """The source locale and every shipped catalogue (read once: negotiated on each request)."""
    others = sorted(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())
    return (SOURCE_LOCALE, *others)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == SOURCE_LOCALE or not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(message: str) -> str:
    """``message`` in the current locale; in Traditional Chinese, a text the catalogue lacks
    (a reason composed at run time, a new string not yet generated) is converted on the fly."""
    locale = current_locale.get()
    text = translations(locale).gettext(message)
    if locale == TRADITIONAL and text == message:
        return _content_traditional(message)
    return text


def ngettext(singular: str, plural: str, n: int) -> str:
    locale = current_locale.get()
    text = translations(locale).ngettext(singular, plural, n)
    if locale == TRADITIONAL and text in (singular, plural):
        return _content_traditional(text)
    return text


_ = gettext


def negotiate(requested: str | None, accept_language: str | None) -> str:
    """Pick the locale from ``?lang=``/cookie first, then Accept-Language, else Chinese.

    Chinese tags go by script, then region: ``zh-Hant``, ``zh-TW``, ``zh-HK`` and ``zh-MO``
    are Traditional; every other ``zh`` (``zh-CN``, ``zh-Hans``, ``zh-SG``, ``zh``) Simplified.
    """
    locales = available_locales()
    for candidate in (requested, *_accept_language(accept_language)):
        if not candidate:
            continue
        normal = candidate.replace("-", "_").lower()
        if normal.startswith("zh"):
            if normal.startswith("zh_hans"):
                return SOURCE_LOCALE
            if normal.startswith(_WEST_CHINESE_PREFIXES) and TRADITIONAL in locales:
                return TRADITIONAL
            return SOURCE_LOCALE
        for locale in locales:
            if normal == locale.lower() or normal.split("_")[0] == locale.lower():
                return locale
    return SOURCE_LOCALE


def chosen_locale(value: str | None) -> str | None:
    """The locale a ``?lang=`` switch names (``en``, ``zh_Hant``, ``zh-HK``, ``zh_CN`` …),
    or None when it names none we have: only an explicit choice is remembered."""
    if not value or len(value) > 35:
        return None
    normal = value.replace("-", "_").lower()
    if not normal.startswith("zh") and normal.split("_")[0] not in {
        locale.lower() for locale in available_locales()
    }:
        return None
    return negotiate(value, None)


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC(OPENCC_CONFIG)


def to_traditional(text: str) -> str:
    """Simplified Chinese text in Traditional characters (OpenCC, then ``CONTENT_FIXES``)."""
    converted = str(_converter().convert(text))
    for wrong, right in CONTENT_FIXES.items():
        converted = converted.replace(wrong, right)
    return converted


@lru_cache(maxsize=4096)
def _content_traditional(text: str) -> str:
    return to_traditional(text)


def content(text: object) -> object:
    """Catalogue content (not a UI string) in the current locale's script: converted to
    Traditional characters for ``zh_Hant``, unchanged otherwise (English has no translation
    of it: the page says so with ``content_is_chinese``)."""
    if not isinstance(text, str) or not text or current_locale.get() != TRADITIONAL:
        return text
    return _content_traditional(text)


def content_is_chinese() -> bool:
    """Whether the catalogue's content is shown in a language other than the page's."""
    return current_locale.get() == ENGLISH


_DATE_FORMATS: dict[str, tuple[str, str]] = {
    # locale: (Babel locale, CLDR pattern)
    ENGLISH: ("en_GB", "d MMM y"),  # 16 Nov 2026
    TRADITIONAL: ("zh_Hant_HK", "y年M月d日"),  # 2026年11月16日
}


def local_date(day: date | datetime | str | None, fallback: str = "%Y-%m-%d") -> str:
    """A day in the reader's convention: ``16 Nov 2026`` in English, ``2026年11月16日`` in
    Traditional Chinese, ``fallback`` (strftime, as pages always showed it) in Simplified.
    An instant counts as its day in China (Beijing time), as every page shows it."""
    if day is None or isinstance(day, str):
        return day or ""
    if isinstance(day, datetime):
        day = day.astimezone(CHINA_TZ).date() if day.tzinfo else day.date()
    chosen = _DATE_FORMATS.get(current_locale.get())
    if chosen is None:
        return day.strftime(fallback)
    babel_locale, pattern = chosen
    return str(format_date(day, pattern, locale=babel_locale))


def _accept_language(header: str | None) -> list[str]:
    if not header:
        return []
    parts = []
    for chunk in header.split(","):
        lang, _sep, q = chunk.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        parts.append((weight, lang.strip()))
    return [lang for weight, lang in sorted(parts, reverse=True) if weight > 0]
