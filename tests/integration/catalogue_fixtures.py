"""Reference data and item specs for catalogue tests, built through the real services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert, select

from tongban.adapters.db.tables import departments
from tongban.domain.catalogue.model import ServiceItemSpec

DEPARTMENTS = (
    ("SCJGJ", "区市场监督管理局"),
    ("RSJ", "区人力资源和社会保障局"),
)


def ensure_departments(engine: Engine) -> None:
    with engine.begin() as conn:
        known = set(conn.execute(select(departments.c.code)).scalars())
        for code, name in DEPARTMENTS:
            if code not in known:
                conn.execute(insert(departments).values(code=code, name=name, short_name=""))


def spec(**changes: Any) -> ServiceItemSpec:
    """个体工商户设立登记, realistic enough for the catalogue's rules."""
    data: dict[str, Any] = {
        "code": "SCJGJ-0001",
        "name": "个体工商户设立登记",
        "department_code": "SCJGJ",
        "level": "district",
        "handled_at": ["town", "community"],
        "kind": "promised",
        "audience": "enterprise",
        "category": "市场准入",
        "legal_limit_days": 15,
        "promised_limit_days": 1,
        "legal_basis": ["《促进个体工商户发展条例》", "《中华人民共和国市场主体登记管理条例》"],
        "channels": ["online", "window"],
        "fully_online": True,
        "visits": 0,
        "materials": [
            {"name": "经营者身份证明", "key": True, "licence_type": "居民身份证"},
            {"name": "经营场所使用证明", "key": False},
        ],
        "result_name": "营业执照",
        "keywords": ["个体户", "营业执照"],
        "needs": ["开奶茶店", "开小吃店"],
    }
    data.update(changes)
    return ServiceItemSpec.model_validate(data)
