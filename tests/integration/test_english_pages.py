"""English pages (?lang=en): chosen once, kept by a cookie, and the API's errors follow."""

from __future__ import annotations

from typing import Any


def test_a_visitor_switches_to_english_and_the_choice_is_kept(client: Any) -> None:
    chinese = client.get("/login")
    assert 'lang="zh-CN"' in chinese.text and "登录" in chinese.text
    english = client.get("/login?lang=en")
    assert 'lang="en"' in english.text and "Log in" in english.text
    assert "lang=en" in english.headers["set-cookie"]
    again = client.get("/login")  # no parameter: the cookie keeps English
    assert 'lang="en"' in again.text and "Log in" in again.text
    back = client.get("/login?lang=zh_CN")
    assert 'lang="zh-CN"' in back.text and "登录" in back.text


def test_api_errors_follow_accept_language(client: Any) -> None:
    answer = client.get("/api/v1/items/NOPE-0001", headers={"Accept-Language": "en"})
    assert answer.status_code == 404
    assert answer.json()["code"] == "item_not_found"
    assert "NOPE-0001" in answer.json()["message"] and "事项" not in answer.json()["message"]
