"""The tests' clock: every test runs as of one fixed instant, whatever day it is run on.

Containers built by the fixtures take ``PinnedClock(TEST_START)`` (through the
``clock_start`` setting, so a CLI or server process started by a test is pinned too); tests
that need another moment move that clock with ``set`` or ``advance``, never by patching.
"""

from __future__ import annotations

from datetime import datetime

from tongban.domain.shared.clock import CHINA_TZ
from tongban.services.platform.context import Actor

TEST_START = datetime(2026, 11, 16, 9, 30, tzinfo=CHINA_TZ)
"""A Monday, an ordinary working day, with the official calendar known for weeks ahead."""

SYSTEM = Actor(request_id="system", at=TEST_START)
"""The system acting at the tests' start (the demo loader, fixtures' set-up)."""
