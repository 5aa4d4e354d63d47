"""The items a centre handles: those whose ``handled_at`` names the centre's level.

After the flattening reform (扁平化改革) every item is handled at every town centre; community
centres handle the subset the catalogue marks for them (``handled_at`` includes community: the
high-frequency items of daily life).  The district centre keeps no general windows and handles
only what is still marked for the district.  No per-centre list: the level decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from tongban.domain.catalogue.model import Level
from tongban.domain.network.model import Centre
from tongban.services.catalogue import handling as catalogue
from tongban.services.network import queries as network


def handles(centre: Centre, levels: frozenset[Level]) -> bool:
    """Whether a centre handles an item handled at ``levels``."""
    return centre.level in levels


@dataclass(frozen=True)
class CentreItems:
    """One page of the items a centre handles."""

    centre: Centre
    total: int
    items: list[catalogue.HandledItem]
    q: str
    offset: int
    limit: int


def items_handled(
    conn: Connection, code: str, *, q: str = "", offset: int = 0, limit: int = 50
) -> CentreItems:
    """The items the centre ``code`` handles (``CentreNotFound`` if there is no such centre)."""
    centre = network.centre(conn, code)
    total, items = catalogue.items_handled_at(conn, centre.level, q=q, offset=offset, limit=limit)
    return CentreItems(centre, total, items, q.strip(), offset, limit)


def handled_counts(conn: Connection) -> dict[Level, int]:
    """How many items a centre of each level handles."""
    return catalogue.handled_counts(conn)


def high_frequency_items(conn: Connection) -> list[tuple[str, str]]:
    """(code, name) of the items community centres handle: what people come in for most."""
    return catalogue.names_handled_at(conn, Level.COMMUNITY)
