"""The two locks: production installs only what runs the platform; development adds the tools,
with the very same versions of everything the platform runs on."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)", re.M)
DEV_ONLY = {"pytest", "pytest-xdist", "hypothesis", "playwright", "mypy", "ruff", "schemathesis"}


def pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text("utf-8")
    return {m.group(1).lower(): m.group(2) for m in PIN.finditer(text)}


def test_the_runtime_lock_has_no_development_tool_and_the_same_pins_as_the_dev_lock() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert not DEV_ONLY & set(runtime), DEV_ONLY & set(runtime)
    assert set(dev) >= DEV_ONLY
    assert {k: dev.get(k) for k in runtime} == runtime
    assert {"uvloop", "httptools", "prometheus-client"} <= set(runtime)


def test_every_pin_carries_hashes_and_no_lock_names_an_index() -> None:
    for name in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / name).read_text("utf-8")
        blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text)
        assert all("--hash=sha256:" in b for b in blocks[1:]), name
        assert "--index-url" not in text and "://" not in text, name


def test_every_declared_dependency_is_locked_for_production() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    runtime = pins("requirements.lock")
    for requirement in project["dependencies"]:
        name = re.split(r"[\[<>=~! ]", requirement, maxsplit=1)[0].lower()
        assert name in runtime, requirement
