"""The district's geography beside its centres: the population grid (人口网格) the 15-minute
circle is counted on, and the gazetteer (地名地址库) addresses are found in.

Both are data a deployment loads (a census grid, the standard address register); the demo loads
synthetic ones (``demo/population.py``, ``demo/gazetteer.py``).  The use cases are idempotent:
loading the same data again changes nothing, audits nothing and leaves the version alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tongban.adapters.db.tables_network import places, population_cells
from tongban.domain.errors import ValidationFailed
from tongban.domain.network.circle import PopulationCell
from tongban.domain.network.gazetteer import Place, PlaceKind
from tongban.services.network.state import bump_version
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

MAX_CELLS = 200_000
_CHUNK = 2_000
_CELLS = select(
    population_cells.c.town,
    population_cells.c.latitude,
    population_cells.c.longitude,
    population_cells.c.size_m,
    population_cells.c.population,
).order_by(population_cells.c.id)
_PLACES = select(places).order_by(places.c.id)


def read_cells(conn: Connection) -> list[PopulationCell]:
    """The population grid, in the order it was loaded."""
    return [PopulationCell(*row) for row in conn.execute(_CELLS)]


def read_places(conn: Connection) -> list[Place]:
    """The gazetteer, in the order it was loaded."""
    return [
        Place(
            town=row.town,
            name=row.name,
            kind=PlaceKind(row.kind),
            latitude=row.latitude,
            longitude=row.longitude,
            end_latitude=row.end_latitude,
            end_longitude=row.end_longitude,
            last_number=row.last_number,
        )
        for row in conn.execute(_PLACES)
    ]


def _check_cells(cells: Sequence[PopulationCell]) -> None:
    if len(cells) > MAX_CELLS:
        raise ValidationFailed(fields={"cells": f"人口网格最多 {MAX_CELLS} 个格子"})
    for n, cell in enumerate(cells, start=1):
        if cell.population < 0 or cell.size_m <= 0 or not cell.town.strip():
            raise ValidationFailed(
                fields={"cells": f"第 {n} 个格子有误：人口不能为负，边长须为正，须属于一个镇街"}
            )
        if not (-90 <= cell.latitude <= 90 and -180 <= cell.longitude <= 180):
            raise ValidationFailed(fields={"cells": f"第 {n} 个格子的坐标不存在"})


@atomic
def replace_population_grid(uow: UnitOfWork, actor: Actor, cells: Sequence[PopulationCell]) -> int:
    """Replace the whole grid (a new census, a corrected grid); all or nothing.  Returns the
    number of cells stored, 0 when the grid is unchanged."""
    _check_cells(cells)
    conn = uow.conn
    if read_cells(conn) == list(cells):
        return 0
    conn.execute(delete(population_cells))
    rows = [
        {
            "town": c.town,
            "latitude": c.latitude,
            "longitude": c.longitude,
            "size_m": c.size_m,
            "population": c.population,
        }
        for c in cells
    ]
    for start in range(0, len(rows), _CHUNK):
        conn.execute(insert(population_cells), rows[start : start + _CHUNK])
    bump_version(conn)
    detail = {"cells": len(cells), "population": sum(c.population for c in cells)}
    audit.record(conn, actor, "population_grid.replaced", "population_grid", "district", detail)
    return len(cells)


def _place_values(place: Place) -> dict[str, Any]:
    return place.model_dump(mode="json", exclude={"town", "name"})


@atomic
def upsert_places(uow: UnitOfWork, actor: Actor, batch: Sequence[Place]) -> int:
    """Add new and correct changed places of the gazetteer (by town and name); returns how
    many changed.  One audit entry for the batch."""
    keys = [(p.town, p.name) for p in batch]
    if len(keys) != len(set(keys)):
        raise ValidationFailed(fields={"name": "同一镇街的地名重复"})
    conn = uow.conn
    existing = {(row.town, row.name): row for row in conn.execute(select(places))}
    created = updated = 0
    for place in batch:
        values = _place_values(place)
        row = existing.get((place.town, place.name))
        if row is None:
            conn.execute(insert(places).values(town=place.town, name=place.name, **values))
            created += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            conn.execute(update(places).where(places.c.id == row.id).values(**values))
            updated += 1
    if created or updated:
        bump_version(conn)
        detail = {"created": created, "updated": updated}
        audit.record(conn, actor, "places.updated", "gazetteer", "district", detail)
    return created + updated
