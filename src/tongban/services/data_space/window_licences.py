"""免证办 at the window: with the applicant's consent (当面授权), the window application takes
its materials from the e-licence library (材料秒报, trust level A) and fills its form from the
licences, locked (表单秒填).  Without a grant in force nothing is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import users
from tongban.domain.cases.model import Case
from tongban.domain.data_space.errors import DataAccessRefused
from tongban.domain.data_space.materials import TRUST_FROM_LICENCE, licence_type_for
from tongban.domain.data_space.model import Requester
from tongban.domain.data_space.prefill import needs_by_type
from tongban.services.catalogue.items import ItemView
from tongban.services.data_space import licence_materials, licence_port, prefill
from tongban.services.data_space import reads as data_space
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

__all__ = ["LicencePlan", "licence_plan", "take_licences"]


@dataclass(frozen=True)
class LicencePlan:
    """What the applicant's consent lets this window application take from their licences."""

    types: tuple[str, ...]
    """Licence types the item's materials and form read (none: the item needs no licence)."""
    consented: bool = False
    materials: list[dict[str, str]] = field(default_factory=list)
    """Materials the licences supply: name, type, type name, masked licence id, trust level."""
    values: dict[str, Any] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()


def _material_types(item: ItemView, known: Iterable[str]) -> dict[str, str]:
    known = set(known)
    return {
        m.name: code
        for m in item.spec.materials
        if (code := licence_type_for(m, known)) is not None and code in known
    }


def _licence_types(item: ItemView) -> tuple[str, ...]:
    known = licence_port.licence_types()
    wanted = set(_material_types(item, known).values()) | set(needs_by_type(item.spec.form))
    return tuple(sorted(t for t in wanted if t in known))


def _holder_id(conn: Connection, user_id: int) -> str:
    row = conn.execute(
        select(users.c.id_number, users.c.credit_code).where(users.c.id == user_id)
    ).one()
    return str(row.credit_code or row.id_number)


def _purpose(item: ItemView) -> str:
    return "窗口受理：办理“" + item.spec.name + "”"


def _consented(
    conn: Connection, requester: Requester, holder_id: str, types: Iterable[str], at: datetime
) -> bool:
    """Whether a grant in force (当面授权 at the window, or the holder's own) covers the
    licence types: checked without reading, so no consent means nothing is read."""
    wanted = list(types)
    return any(
        g.is_active(at) and g.covers(requester, wanted, [])
        for g in data_space.holder_grants(conn, holder_id)
    )


def _mask_licence_id(licence_id: str) -> str:
    return licence_id if len(licence_id) <= 8 else f"{licence_id[:4]}…{licence_id[-4:]}"


@atomic
def licence_plan(uow: UnitOfWork, actor: Actor, item: ItemView, applicant: int) -> LicencePlan:
    """The licences the page can show: read (and logged) only with a grant in force; a grant
    revoked in the meantime leaves the page as without consent."""
    types = _licence_types(item)
    if not types:
        return LicencePlan(types)
    holder_id = _holder_id(uow.conn, applicant)
    requester = data_space.requester_for(actor.principal, item_code=item.code)
    if not _consented(uow.conn, requester, holder_id, types, actor.at):
        return LicencePlan(types)
    try:
        filled = prefill.prefill(
            uow,
            requester,
            holder_id=holder_id,
            form_schema=item.spec.form,
            purpose=_purpose(item),
            at=actor.at,
        )
        by_material = _material_types(item, licence_port.licence_types())
        held: dict[str, Any] = {}
        if by_material:
            _data, held = data_space.read_licences(
                uow,
                requester,
                holder_id=holder_id,
                type_codes=sorted(set(by_material.values())),
                fields=[],
                purpose=_purpose(item),
                case_number=None,
                kind="material",
                at=actor.at,
            )
    except DataAccessRefused:
        return LicencePlan(types)
    materials = [
        {
            "name": name,
            "type": code,
            "type_name": held[code].type_name,
            "licence": _mask_licence_id(str(held[code].id)),
            "trust_level": TRUST_FROM_LICENCE,
        }
        for name, code in by_material.items()
        if code in held
    ]
    return LicencePlan(types, True, materials, dict(filled.values), filled.locked)


def take_licences(
    actor: Actor, item: ItemView, applicant: int
) -> Callable[[UnitOfWork, Case], None]:
    """The ``prepare`` step of 窗口收件 with consent: locked form values from the licences win
    over what was typed, and the materials they supply are recorded on the case at trust
    level A; both reads logged with the case number.  A grant revoked meanwhile: refused."""

    def prepare(uow: UnitOfWork, case: Case) -> None:
        holder_id = _holder_id(uow.conn, applicant)
        requester = data_space.requester_for(actor.principal, item_code=item.code)
        filled = prefill.prefill(
            uow,
            requester,
            holder_id=holder_id,
            form_schema=item.spec.form,
            purpose=_purpose(item),
            case_number=case.number,
            at=actor.at,
        )
        case.form = {**case.form, **filled.values}
        licence_materials.attach_licences(
            uow, actor, case, requester, holder_id=holder_id, purpose=_purpose(item)
        )

    return prepare
