"""Finding addresses in the gazetteer (地名地址库) the network holds: no online geocoder."""

from __future__ import annotations

from sqlalchemy import Connection

from tongban.domain.network.gazetteer import Located, Place
from tongban.services.network.snapshot import snapshot


def locate(conn: Connection, address: str) -> Located:
    """The community or road (and house number) an address names; ``AddressUnknown``,
    ``AddressAmbiguous`` or ``ValidationFailed`` otherwise."""
    return snapshot(conn).gazetteer.locate(address)


def suggest(conn: Connection, text: str, limit: int = 10) -> list[Place]:
    """Places whose name contains the text, communities first."""
    return snapshot(conn).gazetteer.suggest(text, limit)
