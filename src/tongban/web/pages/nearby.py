"""The 15-minute service circle page (15 分钟服务圈): each town's share of people within a
quarter-hour's walk of a centre that handles an item, and a town's map drawn with the vendored
ECharts from ``/api/v1/service-circle/map`` (no online map tiles)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from tongban.domain.errors import DomainError, ItemNotFound
from tongban.domain.network import circle as maths
from tongban.domain.network.geo import DETOUR_FACTOR, SERVICE_CIRCLE_MINUTES, WALKING_KMH
from tongban.services.nearby import circle, handling
from tongban.web.deps import ContainerDep, Viewer
from tongban.web.templating import render

router = APIRouter(tags=["pages"])

BAND_COLOURS = ("#1a9850", "#66bd63", "#a6d96a", "#fdae61", "#f46d43", "#a50026")
"""Green inside the circle, orange to dark red outside it (one per ``circle.BANDS`` band and
one for over an hour); the legend and the map read the same list."""


def _bands() -> list[dict[str, Any]]:
    """The legend: each band's colour, bounds in minutes (``high`` None: over the last bound)
    and whether it is inside the circle."""
    bounds = (0, *maths.BANDS)
    bands: list[dict[str, Any]] = []
    for index, colour in enumerate(BAND_COLOURS):
        high = bounds[index + 1] if index + 1 < len(bounds) else None
        inside = high is not None and high <= SERVICE_CIRCLE_MINUTES
        bands.append({"colour": colour, "low": bounds[index], "high": high, "inside": inside})
    return bands


@router.get("/service-circle", include_in_schema=False)
def service_circle_page(
    request: Request,
    container: ContainerDep,
    _viewer: Viewer,
    item: Annotated[str, Query(max_length=200)] = "",
    town: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    errors: dict[str, str] = {}
    with container.read() as uow:
        try:
            scope, computed = circle.service_circle(uow.conn, item or None)
        except DomainError as error:
            found = error.message if isinstance(error, ItemNotFound) else None
            errors["item"] = found or error.fields.get("item", error.message)
            scope, computed = circle.service_circle(uow.conn, None)
        towns = [t.town for t in computed.towns]
        if town and town not in towns:
            errors["town"] = f"未知的镇街：{town}"
        chosen = town if town in towns else (towns[0] if towns else "")
        high_frequency = handling.high_frequency_items(uow.conn)
    item_code = scope.item.code if scope.item else ""

    def query(town_: str) -> str:
        return urlencode({"town": town_, **({"item": item_code} if item_code else {})})

    context = {
        "scope": scope,
        "circle": computed,
        "errors": errors,
        "form": {"item": item if errors.get("item") else (scope.item.name if scope.item else "")},
        "chosen": chosen,
        "item_code": item_code,
        "map_source": f"/api/v1/service-circle/map?{query(chosen)}",
        "town_links": {t: f"/service-circle?{query(t)}" for t in towns},
        "bands": _bands(),
        "band_colours": list(BAND_COLOURS),
        "high_frequency": high_frequency,
        "walking": {"kmh": WALKING_KMH, "detour": DETOUR_FACTOR, "minutes": SERVICE_CIRCLE_MINUTES},
    }
    return render(request, "network/circle.html", context)
