"""Errors of the service network's geography, each with a stable code and a Chinese message."""

from __future__ import annotations

from tongban.domain.errors import ValidationFailed


class AddressUnknown(ValidationFailed):
    """No community or road of the gazetteer matches the address (no online geocoder)."""

    code = "address_unknown"
    template = "找不到地址“{address}”：请填写本区的村居（社区）名称，或镇街、道路名称和门牌号。"


class AddressAmbiguous(ValidationFailed):
    """The address fits several places (a road of two towns, the start of two names)."""

    code = "address_ambiguous"
    template = "“{address}”可能是{candidates}，请写得更完整，如“{example}”。"


class PointOutsideDistrict(ValidationFailed):
    """The point is on no cell of the district's population grid."""

    code = "point_outside_district"
    template = "所选位置（纬度 {lat}，经度 {lon}）不在本区范围内，请选择本区内的地点。"
