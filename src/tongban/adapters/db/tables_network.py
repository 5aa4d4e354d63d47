"""Tables of the service network's geography: the population grid, the gazetteer and the
network's version counter (15 分钟政务服务圈).

Mirrors migration 0016; imported at the end of ``tables`` so ``metadata`` holds every table.
The centres themselves are in ``tables/catalogue.py``.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Float, Index, Integer, String, Table

from tongban.adapters.db.tables import metadata
from tongban.adapters.db.types import BigId

network_state = Table(
    "network_state",
    metadata,
    Column("id", BigId, primary_key=True),
    # Bumped in the transaction of every write to centres, the population grid or the
    # gazetteer: each process keeps what it derived from them (the 15-minute circle) under the
    # version it read, and rebuilds when the version moves.
    Column("version", Integer, nullable=False),
)

population_cells = Table(
    "population_cells",
    metadata,
    Column("id", BigId, primary_key=True),
    # The 镇街 the cell belongs to (its people are counted in that town's share).
    Column("town", String(20), nullable=False),
    # The centre of a square cell of ``size_m`` metres.
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("size_m", Integer, nullable=False),
    Column("population", Integer, nullable=False),
    CheckConstraint("population >= 0", name="population"),
    CheckConstraint("size_m > 0", name="size_m"),
)
Index("ix_population_cells_town", population_cells.c.town)

places = Table(
    "places",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("town", String(20), nullable=False),
    Column("name", String(60), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    # A road runs from (latitude, longitude) to its end; its house numbers 1..last_number are
    # spread evenly along it.  NULL for a community (村居), which is one point.
    Column("end_latitude", Float, nullable=True),
    Column("end_longitude", Float, nullable=True),
    Column("last_number", Integer, nullable=True),
    CheckConstraint("kind in ('community', 'road')", name="kind"),
)
Index("ix_places_town_name", places.c.town, places.c.name, unique=True)
