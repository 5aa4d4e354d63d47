"""What a 秒批 decision reads, and on what authority (材料秒报, 最小必要).

The applicant's consent becomes single-use grants to the item's department for this case, one
per read; then the materials are taken from the e-licence library, and the predicates and the
licence data the rule set reads (found by scanning its expressions) are read through the
personal data space, each read logged for the holder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from tongban.domain.cases.model import Case
from tongban.domain.cases.values import SYSTEM_ROLE
from tongban.domain.catalogue.model import ListKind, ServiceItemSpec
from tongban.domain.data_space.materials import licence_type_for
from tongban.domain.data_space.model import Requester
from tongban.domain.rules.evaluation import Inputs
from tongban.domain.rules.model import RuleSetSpec
from tongban.domain.rules.negative_list import matches
from tongban.domain.rules.vocabulary import SERVICE_PREDICATES
from tongban.services.catalogue import lists
from tongban.services.catalogue.items import ItemView
from tongban.services.data_space import licence_materials, licence_port
from tongban.services.data_space import reads as data_space
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork

GRANT_MINUTES = 10
"""A consent grant outlives the request only briefly; each is single use anyway."""


def purpose_for(item: ItemView) -> str:
    return f"秒批：{item.spec.name}"


class _SameTransaction:
    """The decision's unit of work, as seen by a use case that commits: its commit waits for
    the decision's, so the consent grants exist if and only if the decision commits."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.conn = uow.conn
        self.engine = uow.engine
        self.dialect = uow.dialect
        self.read_only = False

    def commit(self) -> None:
        """Deferred to the decision's own commit."""

    def after_end(self, callback: Any) -> None:
        self._uow.after_end(callback)


def _consent(
    uow: UnitOfWork,
    actor: Actor,
    item: ItemView,
    holder_id: str,
    reads: list[tuple[list[str], list[str] | None]],
    case_number: str,
) -> None:
    """授权: one single-use grant per read the decision makes, to the item's department for this
    case's purpose; each read consumes its own grant, so none is left usable afterwards."""
    data_space.grant_many(
        _SameTransaction(uow),  # type: ignore[arg-type]
        actor,
        [
            data_space.GrantTerms(
                holder_id=holder_id,
                grantee_department=item.spec.department_code,
                grantee_item=item.code,
                type_codes=type_codes,
                fields=fields,
                purpose=f"{purpose_for(item)}（办件 {case_number}）",
                expires_at=actor.at + timedelta(minutes=GRANT_MINUTES),
                single_use=True,
            )
            for type_codes, fields in reads
        ],
    )


def _predicate_types(names: list[str]) -> list[str]:
    from tongban.domain.data_space.predicates import PREDICATES

    needs = [need for n in names for need in PREDICATES[n].needs]
    return list(dict.fromkeys(need.partition(".")[0] for need in needs))


def _predicate_fields(names: list[str]) -> list[str] | None:
    """The ``type.field`` pairs the predicates read (a bare type needs no field at all)."""
    from tongban.domain.data_space.predicates import PREDICATES

    fields = [need for n in names for need in PREDICATES[n].needs if "." in need]
    return list(dict.fromkeys(fields)) or None


def _material_types(spec: ServiceItemSpec) -> list[str]:
    known = licence_port.licence_types()
    codes = [licence_type_for(m) for m in spec.materials]
    return sorted({c for c in codes if c is not None and c in known})


def declared_materials(spec: ServiceItemSpec) -> list[str]:
    """Materials the online application itself declares (告知承诺, trust D): those no licence
    replaces, and the non-key ones; a key material a licence replaces must come from it."""
    known = licence_port.licence_types()
    return [m.name for m in spec.materials if not m.key or licence_type_for(m) not in known]


def _service_predicates(
    conn: Connection, names: list[str], form: Mapping[str, Any]
) -> dict[str, bool | None]:
    answers: dict[str, bool | None] = {}
    if "scope_clear_of_negative_list" in names:
        scope = str(form.get("business_scope") or "")
        listed = [v.entry.code for v in lists.list_entries(conn, ListKind.NEGATIVE)]
        answers["scope_clear_of_negative_list"] = not matches(scope, listed) if scope else None
    return answers


@dataclass
class Gathered:
    inputs: Inputs
    missing_materials: list[str]


def gather(
    uow: UnitOfWork,
    actor: Actor,
    case: Case,
    item: ItemView,
    spec: RuleSetSpec,
    holder_id: str,
    today: date,
) -> Gathered:
    """材料秒报, predicates and licence data, each read on its own single-use consent grant."""
    conn = uow.conn
    requester = Requester(item.spec.department_code, item.code, None, SYSTEM_ROLE)
    purpose = f"{purpose_for(item)}（办件 {case.number}）"
    wanted_preds = [p for p in spec.predicates_needed() if p not in SERVICE_PREDICATES]
    data_needed = spec.data_needed()
    reads: list[tuple[list[str], list[str] | None]] = []
    material_types = _material_types(item.spec)
    if material_types:
        reads.append((material_types, []))
    if wanted_preds:
        reads.append((_predicate_types(wanted_preds), _predicate_fields(wanted_preds)))
    if data_needed:
        fields = [f"{t}.{f}" for t, names in data_needed.items() for f in names]
        reads.append((list(data_needed), fields))
    _consent(uow, actor, item, holder_id, reads, case.number)
    if material_types:
        licence_materials.attach_licences(
            uow, actor, case, requester, holder_id=holder_id, purpose=purpose
        )
    preds: dict[str, bool | None] = {}
    if wanted_preds:
        preds = data_space.predicates(
            uow,
            requester,
            holder_id=holder_id,
            names=wanted_preds,
            purpose=purpose,
            case_number=case.number,
            at=actor.at,
        )
    preds.update(_service_predicates(conn, spec.predicates_needed(), case.form))
    data: dict[str, dict[str, Any]] = {}
    if data_needed:
        data = data_space.read_licence_data(
            uow,
            requester,
            holder_id=holder_id,
            type_codes=list(data_needed),
            fields=[f"{t}.{f}" for t, names in data_needed.items() for f in names],
            purpose=purpose,
            case_number=case.number,
            at=actor.at,
        )
    inputs = Inputs(form=dict(case.form), data=data, pred=preds, today=today)
    return Gathered(inputs, case.absent_materials())
