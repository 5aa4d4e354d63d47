"""表单秒填: fill an item's form from the applicant's e-licences, lock those values, and let the
applicant dispute a locked value, which sends the case to manual review with the dispute kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tongban.domain.catalogue.model import FormField
from tongban.domain.data_space.errors import FieldNotDisputable
from tongban.domain.data_space.model import Requester
from tongban.domain.data_space.prefill import PrefillResult, fill, needs_by_type, sources
from tongban.domain.errors import StaleVersion
from tongban.domain.people.model import Principal
from tongban.services.cases import queries
from tongban.services.cases import repository as repo
from tongban.services.cases.intake import CaseRef, ref
from tongban.services.cases.notify import notify
from tongban.services.cases.roles import APPLICANT, CLERK, performer
from tongban.services.catalogue.items import published_item
from tongban.services.data_space import reads as data_space
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

__all__ = ["PrefillResult", "dispute", "prefill", "prefill_own_form"]


def prefill(
    uow: UnitOfWork,
    requester: Requester,
    *,
    holder_id: str,
    form_schema: Sequence[FormField],
    purpose: str,
    case_number: str | None = None,
    at: datetime,
) -> PrefillResult:
    """Values for every sourced field the holder's licences hold, locked; the rest missing.

    One read of the data space (logged in the calling use case's transaction), covering only
    the fields the form names.
    """
    needed = needs_by_type(form_schema)
    if not needed:
        return fill(form_schema, {})
    fields = [f"{type_code}.{name}" for type_code, names in needed.items() for name in names]
    data, _held = data_space.read_licences(
        uow,
        requester,
        holder_id=holder_id,
        type_codes=list(needed),
        fields=fields,
        purpose=purpose,
        case_number=case_number,
        kind="prefill",
        at=at,
    )
    return fill(form_schema, data)


@atomic
def prefill_own_form(
    uow: UnitOfWork, principal: Principal | None, item_code: str, *, at: datetime
) -> PrefillResult:
    """表单秒填 for the signed-in holder: the item's form filled from their own licences (the
    read is logged for them)."""
    item = published_item(uow.conn, item_code)
    return prefill(
        uow,
        data_space.requester_for(principal, item_code=item.code),
        holder_id=data_space.holder_id_of(principal),
        form_schema=item.spec.form,
        purpose="填写“" + item.spec.name + "”申请表",
        at=at,
    )


@atomic
def dispute(
    uow: UnitOfWork,
    actor: Actor,
    number: str,
    *,
    field: str,
    claim: str,
    reason: str,
    expected_version: int | None = None,
) -> CaseRef:
    """The applicant (or a clerk for them) disputes a prefilled, locked value of the form.

    The dispute is recorded on the case (``Case.disputes``, and a ``FormValueDisputed`` event
    in its audit trail); a case with an open dispute needs a person (``needs_manual_review``)
    and is never decided automatically.
    """
    case = queries.case_to_act_on(uow.conn, actor.principal, number)  # another's: 404
    by = performer(actor, case, APPLICANT, CLERK)
    if expected_version is not None and case.version != expected_version:
        raise StaleVersion(current=case.version)
    item = published_item(uow.conn, case.item_code, case.item_version)
    if field not in sources(item.spec.form):
        raise FieldNotDisputable(name=field)
    value: Any = case.form.get(field)
    case.dispute_form_value(field, value, claim, reason, by, actor.at)
    notify(uow.conn, case, actor.at)
    repo.save(uow.conn, case, actor.at)
    return ref(case)
