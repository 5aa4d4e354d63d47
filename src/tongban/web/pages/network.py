"""Public pages of the service network: every centre, one centre and the items it handles, the
nearest centre open now (for an item, from an address, a point or a town)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy import Connection

from tongban.domain.catalogue.model import Level
from tongban.domain.errors import DomainError, ItemNotFound, ValidationFailed
from tongban.domain.network.model import Centre
from tongban.services.nearby import handling, nearest_open
from tongban.services.network import queries
from tongban.web.deps import ContainerDep, Now, Viewer
from tongban.web.templating import render

router = APIRouter(tags=["pages"])

_NOT_A_NUMBER = {"lat": "请填写纬度（数字）", "lon": "请填写经度（数字）"}
ITEMS_SHOWN = 50


def _index_context(conn: Connection) -> dict[str, Any]:
    everything = queries.list_centres(conn)
    communities: dict[str, list[Centre]] = {}
    for c in everything:
        if c.level is Level.COMMUNITY:
            communities.setdefault(c.town, []).append(c)
    return {
        "district": next((c for c in everything if c.level is Level.DISTRICT), None),
        "town_centres": [c for c in everything if c.level is Level.TOWN],
        "communities": list(communities.items()),
        "towns": queries.towns(conn),
        "coverage": queries.coverage(conn),
        "form": {"lat": "", "lon": "", "town": "", "address": "", "item": ""},
        "errors": {},
        "result": None,
        "point": None,
        "high_frequency": handling.high_frequency_items(conn),
    }


def _point(conn: Connection, lat: str, lon: str, town: str) -> dict[str, Any]:
    """The point to search from when no address is given: typed coordinates first, else the
    chosen town's centre."""
    if lat.strip() or lon.strip():
        fields: dict[str, str] = {}
        values: dict[str, float] = {}
        for name, raw in (("lat", lat), ("lon", lon)):
            try:
                values[name] = float(raw.strip())
            except ValueError:
                fields[name] = _NOT_A_NUMBER[name]
        if fields:
            raise ValidationFailed(fields=fields)
        queries.check_point(values["lat"], values["lon"])
        return {"lat": values["lat"], "lon": values["lon"], "town": ""}
    found = queries.list_centres(conn, town=town, level=Level.TOWN) if town else []
    if not found:
        raise ValidationFailed(fields={"address": "请填写地址或经纬度，或选择一个镇街"})
    return {"lat": found[0].latitude, "lon": found[0].longitude, "town": town}


def _form_errors(error: DomainError) -> dict[str, str]:
    """The error's messages by form field (an unknown item under the item field)."""
    if isinstance(error, ItemNotFound):
        return {"item": error.message}
    return error.fields or {"form": error.message}


@router.get("/centres", include_in_schema=False)
def centres_page(request: Request, container: ContainerDep, _viewer: Viewer) -> Response:
    with container.read() as uow:
        context = _index_context(uow.conn)
    return render(request, "network/centres.html", context)


@router.get("/centres/nearest", include_in_schema=False)
def nearest_page(
    request: Request,
    container: ContainerDep,
    _viewer: Viewer,
    now: Now,
    lat: Annotated[str, Query(max_length=30)] = "",
    lon: Annotated[str, Query(max_length=30)] = "",
    town: Annotated[str, Query(max_length=20)] = "",
    address: Annotated[str, Query(max_length=100)] = "",
    item: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The nearest centres open now that handle the item (any item if none is given), from an
    address, a point or a town: the htmx partial, or the whole page."""
    with container.read() as uow:
        context = _index_context(uow.conn)
        context["form"] = {"lat": lat, "lon": lon, "town": town, "address": address, "item": item}
        try:
            point: dict[str, Any] = {"lat": None, "lon": None, "town": ""}
            if not address.strip():
                point = _point(uow.conn, lat, lon, town)
            context["result"] = nearest_open.nearest_open_centre(
                uow.conn,
                at=now,
                item=item or None,
                address=address,
                lat=point["lat"],
                lon=point["lon"],
            )
            context["point"] = point
        except DomainError as error:
            context["errors"] = _form_errors(error)
    return render(request, "network/centres.html", context, block="nearest")


@router.get("/centres/{code}", include_in_schema=False)
def centre_page(
    request: Request,
    container: ContainerDep,
    _viewer: Viewer,
    code: Annotated[str, Path(max_length=40)],
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """One centre: hours, features, the items it handles (``q`` searches them), its
    communities and its neighbours."""
    with container.read() as uow:
        conn = uow.conn
        centre = queries.centre(conn, code)
        parent = queries.centre(conn, centre.parent_code) if centre.parent_code else None
        children = [c for c in queries.list_centres(conn) if c.parent_code == centre.code]
        nearby = [
            n
            for n in queries.nearest_centres(conn, centre.latitude, centre.longitude, limit=6)
            if n.centre.code != centre.code
        ][:5]
        handled = handling.items_handled(conn, centre.code, q=q, limit=ITEMS_SHOWN)
    context = {
        "centre": centre,
        "parent": parent,
        "children": children,
        "nearby": nearby,
        "handled": handled,
    }
    return render(request, "network/centre.html", context)
