"""材料秒报: a case's required materials supplied from the e-licence library, no uploads.

For each material of the case's item that an e-licence type can replace, the holder's current
licence of that type is recorded as the material, with trust level A (issued by the implementing
agency, usable as is).  Reading the licences goes through the data space: a grant, a legal basis
or the holder's own application, and an entry in the holder's log.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from tongban.domain.cases.model import Case
from tongban.domain.cases.values import Performer
from tongban.domain.catalogue.model import ServiceItemSpec
from tongban.domain.data_space.materials import TRUST_FROM_LICENCE, licence_type_for
from tongban.domain.data_space.model import Requester
from tongban.services.cases.roles import APPLICANT, CLERK, DEPARTMENT_STAFF, SYSTEM, performer
from tongban.services.catalogue.items import published_item
from tongban.services.data_space import licence_port
from tongban.services.data_space import reads as data_space
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork


def wanted_materials(spec: ServiceItemSpec, taken: Collection[str] = ()) -> dict[str, str]:
    """Material name → the licence type that stands in for it, for each of the item's
    materials a licence can replace and that is not ``taken`` from one already."""
    known = licence_port.licence_types()
    return {
        m.name: code
        for m in spec.materials
        if (code := licence_type_for(m, known)) in known and m.name not in taken
    }


def attach_held(
    case: Case, wanted: dict[str, str], held: dict[str, Any], by: Performer, at: datetime
) -> list[str]:
    """Record each wanted material the holder's licences (``held``: type → licence, read with
    the holder's grant) supply, trust level A; returns the names satisfied."""
    satisfied = []
    for name, type_code in wanted.items():
        licence = held.get(type_code)
        if licence is None:
            continue
        source = {
            "licence_id": str(licence.id),
            "type": type_code,
            "trust_level": TRUST_FROM_LICENCE,
        }
        case.attach_licence(name, source, by, at)
        satisfied.append(name)
    return satisfied


def attach_licences(
    uow: UnitOfWork,
    actor: Actor,
    case: Case,
    requester: Requester,
    *,
    holder_id: str,
    purpose: str,
    legal_basis: str | None = None,
) -> list[str]:
    """Record the holder's licences as the case's materials; returns the names satisfied.

    Changes ``case`` in memory (materials, ``material_sources`` and one event per material);
    the calling use case saves the case, with the access logged in the same transaction.
    """
    item = published_item(uow.conn, case.item_code, case.item_version)
    wanted = wanted_materials(item.spec, case.material_sources)
    if not wanted:
        return []
    by = performer(actor, case, SYSTEM, APPLICANT, CLERK, DEPARTMENT_STAFF)
    _data, held = data_space.read_licences(
        uow,
        requester,
        holder_id=holder_id,
        type_codes=sorted(set(wanted.values())),
        fields=[],
        purpose=purpose,
        case_number=case.number,
        legal_basis=legal_basis,
        kind="material",
        at=actor.at,
    )
    return attach_held(case, wanted, held, by, actor.at)
