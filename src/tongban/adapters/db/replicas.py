"""Read replicas: read-only units of work go to a streaming replica, unless pinned to the primary.

``TONGBAN_REPLICA_URLS`` lists hot standbys of the primary (PostgreSQL streaming replication).
A read-only unit of work (lists, dashboards, search, public guides: ``Container.read()``) takes
the next replica in turn; a unit of work that writes always takes the primary.

A replica lags its primary by its replay delay (milliseconds when healthy, more under load), so
someone who has just written would not find their own change there.  Read-your-own-writes is
kept by pinning: while ``services.platform.reads.primary_only()`` is in force (the container
passes it to ``pick``) (the web sets it
for a request that writes, and for every request of a browser that wrote in the last
``TONGBAN_REPLICA_PIN_SECONDS``), reads go to the primary too.  A replica that cannot be reached
when a unit of work starts is passed over for the primary.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence

from sqlalchemy import Engine


class Replicas:
    """The replica engines, taken in turn; none means every read goes to the primary."""

    def __init__(self, engines: Sequence[Engine] = ()) -> None:
        self.engines = list(engines)
        self._turn = itertools.cycle(self.engines) if self.engines else None
        self._lock = threading.Lock()

    def pick(self, *, pinned: bool = False) -> Engine | None:
        """The replica for the next read-only unit of work, or None for the primary (always
        when ``pinned``: the reader must see its own writes)."""
        if self._turn is None or pinned:
            return None
        with self._lock:
            return next(self._turn)

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()
