"""Translation: every user-facing string goes through gettext.

The source language is Simplified Chinese: message ids are the Chinese texts, and other
languages are catalogues under ``locale/<lang>/LC_MESSAGES/messages.po``.  Catalogues are
compiled in memory at start-up, so the repository holds no binary ``.mo`` files.  The locale of
the current request lives in a context variable, set by the web middleware.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).with_name("locale")
SOURCE_LOCALE = "zh_CN"

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
    return translations(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


_ = gettext


def negotiate(requested: str | None, accept_language: str | None) -> str:
    """Pick the locale from ``?lang=``/cookie first, then Accept-Language, else Chinese."""
    locales = available_locales()
    for candidate in (requested, *_accept_language(accept_language)):
        if not candidate:
            continue
        normal = candidate.replace("-", "_")
        for locale in locales:
            if normal.lower() == locale.lower() or normal.split("_")[0].lower() == locale.lower():
                return locale
            if normal.lower().startswith("zh"):
                return SOURCE_LOCALE
    return SOURCE_LOCALE


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
