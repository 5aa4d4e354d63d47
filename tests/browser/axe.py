"""axe-core (vendored from npm, MPL-2.0: see vendor/axe.LICENSE) run inside a page.

The script is evaluated through the browser's debugging protocol, which the pages' Content
Security Policy (``script-src 'self'``) does not govern, so the pages need no exception for it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).with_name("vendor") / "axe-4.14.1.min.js"
BLOCKING = ("serious", "critical")

RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """The page's serious and critical accessibility violations (WCAG rules axe checks)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    found: list[dict[str, Any]] = page.evaluate(RUN)
    return [v for v in found if v["impact"] in BLOCKING]
