"""The gazetteer (地名地址库): the district's communities and roads, for finding a point from an
address without an online geocoder.

A community (村居) is one point.  A road runs straight from its start to its end with house
numbers 1..``last_number`` spread evenly along it, so "南海大道北 88 号" is a point on the road
and "南海大道北" its middle.  An address is read as: optional province, city and district names
(the configured jurisdiction's, ``address_prefixes``: 广东省/佛山市/南海区 in the demo), optional
town (桂城街道 or 桂城), then a place name, optionally followed by a house number (88号) or
by anything more precise (夏北社区居委会 is 夏北社区).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tongban.domain.errors import ValidationFailed
from tongban.domain.network.errors import AddressAmbiguous, AddressUnknown

MAX_ADDRESS_LENGTH = 100
_NUMBER = re.compile(r"^(?P<name>.+?)(?P<number>\d{1,5})\s*号?$")
_TOWN_SUFFIXES = ("街道", "镇")


class PlaceKind(StrEnum):
    COMMUNITY = "community"
    ROAD = "road"


class Place(BaseModel):
    """A named place of the gazetteer: a community (one point) or a road (a segment)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    town: Annotated[str, Field(min_length=2, max_length=20)]
    name: Annotated[str, Field(min_length=2, max_length=60)]
    kind: PlaceKind
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    end_latitude: float | None = Field(default=None, ge=-90, le=90)
    end_longitude: float | None = Field(default=None, ge=-180, le=180)
    last_number: int | None = Field(default=None, ge=1, le=99999)

    @model_validator(mode="after")
    def _shape(self) -> Place:
        segment = (self.end_latitude, self.end_longitude, self.last_number)
        if self.kind is PlaceKind.ROAD and None in segment:
            raise ValueError("道路须有终点坐标和最大门牌号")
        if self.kind is PlaceKind.COMMUNITY and segment != (None, None, None):
            raise ValueError("村居只有一个坐标点，没有终点和门牌号")
        return self

    def point(self, number: int | None = None) -> tuple[float, float]:
        """Where the place (or house ``number`` of a road) is; the middle of a road if no
        number is given.  A number on a community is ignored: the community is one point."""
        if self.kind is PlaceKind.COMMUNITY or self.end_latitude is None:
            return self.latitude, self.longitude
        assert self.end_longitude is not None and self.last_number is not None
        fraction = 0.5 if number is None else (number - 0.5) / self.last_number
        return (
            self.latitude + fraction * (self.end_latitude - self.latitude),
            self.longitude + fraction * (self.end_longitude - self.longitude),
        )


@dataclass(frozen=True)
class Located:
    """An address found in the gazetteer, and the point it stands for."""

    place: Place
    number: int | None
    latitude: float
    longitude: float

    @property
    def label(self) -> str:
        """The address as the gazetteer writes it: 桂城街道南海大道北88号."""
        number = f"{self.number}号" if self.number is not None else ""
        return f"{self.place.town}{self.place.name}{number}"


def address_prefixes(province: str, city: str, *district: str) -> tuple[str, ...]:
    """What an address may start with before the district's own places: the province's and the
    city's names, in full and without 省/市 (广东省, 广东, 佛山市, 佛山), and the district's
    names in full only (南海区: a short 南海 would eat the start of 南海大道)."""
    found: list[str] = []
    for name in (province, city):
        short = name[:-1] if len(name) > 2 and name[-1] in "省市" else ""
        found += [n for n in (name, short) if n and n not in found]
    found += [n for n in district if n and n not in found]
    return tuple(found)


def normalise(text: str, prefixes: Sequence[str] = ()) -> str:
    """Full-width digits and letters to ASCII, no spaces, without the leading ``prefixes``
    (the province, city and district: ``address_prefixes``)."""
    text = "".join(unicodedata.normalize("NFKC", text).split())
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if text.startswith(prefix) and len(text) > len(prefix):
                text, changed = text[len(prefix) :], True
    return text


def _with_field(error: ValidationFailed) -> ValidationFailed:
    """The error with its message under the ``address`` field, as forms show it."""
    error.fields["address"] = error.message
    return error


def _town_names(town: str) -> tuple[str, ...]:
    """A town's full name and its short name (桂城街道, 桂城)."""
    for suffix in _TOWN_SUFFIXES:
        if town.endswith(suffix) and len(town) > len(suffix) + 1:
            return town, town[: -len(suffix)]
    return (town,)


class Gazetteer:
    """The places of a district, looked up by address."""

    def __init__(self, places: Sequence[Place], prefixes: Sequence[str] = ()) -> None:
        self.places = tuple(places)
        self.prefixes = tuple(prefixes)
        towns = dict.fromkeys(p.town for p in self.places)
        # Longest town name first: 桂城街道 before 桂城.
        self._towns = sorted(
            ((alias, town) for town in towns for alias in _town_names(town)),
            key=lambda pair: -len(pair[0]),
        )

    def locate(self, address: str) -> Located:
        """The place an address names; ``AddressUnknown`` or ``AddressAmbiguous`` if none or
        several (of different towns) match, ``ValidationFailed`` if it is empty or too long."""
        raw = address.strip()
        if not raw:
            raise ValidationFailed(
                fields={"address": "请填写地址：村居（社区）名称，或道路名称和门牌号"}
            )
        if len(raw) > MAX_ADDRESS_LENGTH:
            raise ValidationFailed(
                fields={"address": f"地址过长：请不超过 {MAX_ADDRESS_LENGTH} 个字"}
            )
        text = normalise(raw, self.prefixes)
        town, rest = self._split_town(text)
        candidates, number = self._find(town, rest)
        if not candidates and town is not None:  # 大沥路 is a road, not 大沥(镇) + 路
            candidates, number = self._find(None, text)
        if not candidates:
            raise _with_field(AddressUnknown(address=raw))
        if len(candidates) > 1:
            names = [p.town + p.name for p in candidates]
            listed = "、".join(f"“{n}”" for n in names[:5]) + ("等" if len(names) > 5 else "")
            raise _with_field(AddressAmbiguous(address=raw, candidates=listed, example=names[0]))
        place = candidates[0]
        if place.kind is PlaceKind.COMMUNITY:
            number = None
        elif number is not None:
            assert place.last_number is not None
            if not 1 <= number <= place.last_number:
                message = f"{place.town}{place.name}的门牌号为 1–{place.last_number} 号"
                raise AddressUnknown(address=raw, fields={"address": message})
        lat, lon = place.point(number)
        return Located(place, number, lat, lon)

    def _find(self, town: str | None, rest: str) -> tuple[list[Place], int | None]:
        """The places ``rest`` names, and the house number it ends with (if a place matches
        without it)."""
        match = _NUMBER.match(rest)
        if match:
            found = self._match(town, match.group("name"))
            if found:
                return found, int(match.group("number"))
        return self._match(town, rest), None

    def _split_town(self, text: str) -> tuple[str | None, str]:
        for alias, town in self._towns:
            if text.startswith(alias) and len(text) > len(alias):
                return town, text[len(alias) :]
        return None, text

    def _match(self, town: str | None, name: str) -> list[Place]:
        """The best-matching places: the exact name, else the longest place name the text
        starts with, else the one place whose name starts with the text (two characters at
        least).  Of one town if a town was named."""
        pool = [p for p in self.places if town is None or p.town == town]
        exact = [p for p in pool if p.name == name]
        if exact:
            return exact
        prefixes = [p for p in pool if name.startswith(p.name)]
        if prefixes:
            longest = max(len(p.name) for p in prefixes)
            return [p for p in prefixes if len(p.name) == longest]
        if len(name) >= 2:
            return [p for p in pool if p.name.startswith(name)]
        return []

    def suggest(self, text: str, limit: int = 10) -> list[Place]:
        """Places whose name (or town and name) contains the text, communities first."""
        needle = normalise(text, self.prefixes)
        if not needle:
            return []
        found = [p for p in self.places if needle in p.name or needle in p.town + p.name]
        found.sort(key=lambda p: (p.kind is not PlaceKind.COMMUNITY, not p.name.startswith(needle)))
        return found[:limit]
