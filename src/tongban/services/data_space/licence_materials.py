"""材料秒报: a case's required materials supplied from the e-licence library, no uploads.

For each material of the case's item that an e-licence type can replace, the holder's current
licence of that type is recorded as the material, with trust level A (issued by the implementing
agency, usable as is).  Reading the licences goes through the data space: a grant, a legal basis
or the holder's own application, and an entry in the holder's log.
"""

from __future__ import annotations

from tongban.domain.cases.model import Case
from tongban.domain.data_space.materials import TRUST_FROM_LICENCE, licence_type_for
from tongban.domain.data_space.model import Requester
from tongban.services.cases.roles import APPLICANT, CLERK, DEPARTMENT_STAFF, SYSTEM, performer
from tongban.services.catalogue.items import published_item
from tongban.services.data_space import licence_port
from tongban.services.data_space import reads as data_space
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork


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
    known = licence_port.licence_types()
    wanted = {
        m.name: code
        for m in item.spec.materials
        if (code := licence_type_for(m, known)) in known and m.name not in case.material_sources
    }
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
        case.attach_licence(name, source, by, actor.at)
        satisfied.append(name)
    return satisfied
