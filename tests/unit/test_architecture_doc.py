"""docs/architecture.md shows the layers as the import-linter contracts define them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "architecture.py"


def test_the_architecture_picture_is_the_one_the_contracts_give() -> None:
    spec = importlib.util.spec_from_file_location("architecture", SCRIPT)
    assert spec is not None and spec.loader is not None
    architecture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(architecture)
    text = architecture.DOC.read_text(encoding="utf-8")
    assert architecture.current_section(text) == architecture.section(), (
        "docs/architecture.md is stale: run python scripts/architecture.py --write"
    )
