"""Where a read-only unit of work reads: a replica, unless the reader is pinned to the primary.

``primary_only()`` pins the work inside it (and the threads a request hands its work to, which
copy the context) to the primary: the web holds it around a request that may write and around
the requests of a browser that has just written (read-your-own-writes), so a replica's lag
never hides someone's own change from them.  ``adapters.db.replicas`` reads the pin.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_PRIMARY_ONLY: ContextVar[bool] = ContextVar("tongban_primary_only", default=False)


@contextmanager
def primary_only() -> Iterator[None]:
    """Within this block, read-only units of work read the primary."""
    token = _PRIMARY_ONLY.set(True)
    try:
        yield
    finally:
        _PRIMARY_ONLY.reset(token)


def pinned_to_primary() -> bool:
    return _PRIMARY_ONLY.get()
