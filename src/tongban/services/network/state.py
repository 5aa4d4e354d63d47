"""The network's version counter: every write to the centres, the population grid or the
gazetteer bumps it in its own transaction, so that any process can tell, with one indexed read,
whether what it derived from them (the snapshot, the 15-minute circle) is still current."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from tongban.adapters.db.tables_network import network_state

_VERSION = select(network_state.c.version).where(network_state.c.id == 1)
_BUMP = {
    name: dialect.insert(network_state)
    .values(id=1, version=1)
    .on_conflict_do_update(
        index_elements=[network_state.c.id], set_={"version": network_state.c.version + 1}
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
"""One statement: concurrent writers queue on the row (PostgreSQL) or the database (SQLite),
and none of their bumps is lost."""


def network_version(conn: Connection) -> int:
    """The current version (0 before the first write)."""
    return int(conn.execute(_VERSION).scalar() or 0)


def bump_version(conn: Connection) -> None:
    """Mark the network changed, inside the writing transaction."""
    conn.execute(_BUMP[conn.dialect.name])
