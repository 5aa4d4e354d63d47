"""The three languages of the citizen portal: how a locale is chosen, Traditional Chinese by
OpenCC with the reviewed fixes, dates in each reader's convention, and the generated catalogue
kept in step with the message ids."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tongban import i18n

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def locale() -> Iterator[object]:
    """Set the request's locale for one test: ``locale(name)``."""
    tokens = []

    def choose(name: str) -> None:
        tokens.append(i18n.current_locale.set(name))

    yield choose
    for token in reversed(tokens):
        i18n.current_locale.reset(token)


@pytest.mark.parametrize(
    ("chosen", "accept", "expected"),
    [
        (None, None, "zh_CN"),
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        (None, "zh-Hans-HK", "zh_CN"),
        (None, "zh-HK,zh;q=0.9", "zh_Hant"),
        (None, "zh-TW", "zh_Hant"),
        (None, "zh-MO", "zh_Hant"),
        (None, "zh-Hant", "zh_Hant"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "fr-FR,de;q=0.5", "zh_CN"),
        (None, "fr-FR,en;q=0.5", "en"),
        ("zh_Hant", "en", "zh_Hant"),
        ("en", "zh-HK", "en"),
        ("zh_CN", "zh-TW", "zh_CN"),
    ],
)
def test_the_locale_is_the_choice_then_the_browsers_then_simplified_chinese(
    chosen: str | None, accept: str | None, expected: str
) -> None:
    assert i18n.negotiate(chosen, accept) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en", "en"),
        ("zh-Hant", "zh_Hant"),
        ("zh_HK", "zh_Hant"),
        ("zh_CN", "zh_CN"),
        ("fr", None),
        ("", None),
        (None, None),
        ("x" * 40, None),
    ],
)
def test_only_a_language_we_have_is_remembered(value: str | None, expected: str | None) -> None:
    assert i18n.chosen_locale(value) == expected


@pytest.mark.parametrize(
    ("name", "day", "shown"),
    [
        ("zh_CN", date(2026, 11, 16), "2026-11-16"),
        ("en", date(2026, 11, 16), "16 Nov 2026"),
        ("zh_Hant", date(2026, 11, 16), "2026年11月16日"),
        ("en", date(2027, 2, 1), "1 Feb 2027"),
        # An instant is the day in China: 16:30 UTC on the 15th is 00:30 on the 16th there.
        ("en", datetime(2026, 11, 15, 16, 30, tzinfo=UTC), "16 Nov 2026"),
        ("zh_CN", None, ""),
    ],
)
def test_dates_follow_the_readers_convention(
    locale: object, name: str, day: date | None, shown: str
) -> None:
    locale(name)  # type: ignore[operator]
    assert i18n.local_date(day) == shown


def test_content_is_converted_for_traditional_readers_only(locale: object) -> None:
    text = "里水镇行政服务中心发布办事指南，群众可查阅"
    assert i18n.content(text) == text  # Simplified: unchanged
    locale("en")  # type: ignore[operator]
    assert i18n.content(text) == text and i18n.content_is_chinese()
    locale("zh_Hant")  # type: ignore[operator]
    assert i18n.content(text) == "里水鎮行政服務中心發布辦事指南，群眾可查閱"
    assert not i18n.content_is_chinese()
    assert i18n.content(None) is None and i18n.content(3) == 3


def test_traditional_ui_strings_come_from_the_reviewed_catalogue_else_opencc(
    locale: object,
) -> None:
    locale("zh_Hant")  # type: ignore[operator]
    assert i18n.gettext("长辈版") == "長者版"  # reviewed by hand
    assert i18n.gettext("登录") == "登錄"
    assert i18n.gettext("一个目录里没有的句子") == "一個目錄裏沒有的句子"  # converted on the fly


def test_the_traditional_catalogue_is_generated_from_the_current_message_ids() -> None:
    path = ROOT / "scripts" / "make_zh_hant.py"
    spec = importlib.util.spec_from_file_location("make_zh_hant", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.TARGET.read_bytes() == module.build(), "run scripts/make_zh_hant.py"
