"""结果电子证照: the e-licence an approval of a licence-type item issues, whoever approved it.

A 秒批 decision signs its licence from the rule set; a case a person approved gets its licence
when the department issues the result (出具结果).  The officer confirms or corrects a draft
filled from the application — fields of the same name or label, the case number for the serial,
the day of issue for the registration date — and the licence is signed and stored in the
transaction that records ``CaseResultIssued``, its id the result's reference: the holder finds
it in their data space the moment the case says 已出结果.

The holder is the applicant (their ID number or credit code, never shown in full to the
officer) unless the licence is an enterprise's and a person applied — a company registered on
an individual's application, say: then the officer enters the new entity's credit code and name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from tongban.adapters.db.tables import users
from tongban.domain.cases.model import Case
from tongban.domain.cases.status import CaseStatus
from tongban.domain.catalogue.model import FieldType, FormField, ServiceItemSpec
from tongban.domain.errors import ValidationFailed
from tongban.domain.licences.model import Licence
from tongban.domain.licences.types import FieldKind, HolderKind, LicenceType, licence_type
from tongban.domain.people.model import UserKind
from tongban.domain.shared.masking import MASK_BY_TYPE, mask_by_type, mask_id_number
from tongban.services.catalogue.items import published_item
from tongban.services.licences import library as licences
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork

ISSUE_DAY_FIELDS = frozenset({"registered_on", "established_on", "starts_on"})
"""Date fields of the licence types that are the day the licence is issued."""


class ResultLicenceRequired(ValidationFailed):
    code = "result_licence_required"
    template = "该事项的办理结果是电子证照（{type_name}）：请填写证照内容后出具。"


@dataclass(frozen=True)
class LicenceContent:
    """What the officer confirms: the licence's fields, and the holder when not the applicant."""

    fields: Mapping[str, Any]
    holder_id: str | None = None
    holder_name: str | None = None


@dataclass(frozen=True)
class LicenceDraft:
    """The form the officer sees: the type, its fields filled where the application says.

    Personal data (an ID number, an address) is not put into the form: ``from_form`` shows it
    masked, and a field left blank is taken from the application when the licence is signed."""

    kind: LicenceType
    fields: dict[str, str]
    from_form: dict[str, str]
    holder_is_applicant: bool
    holder_name: str
    holder_id_masked: str
    holder_fields: dict[str, str] = field(default_factory=dict)
    """Holder id and name suggested from the form, when the holder is not the applicant."""


def result_licence_type(conn: Connection, case: Case) -> LicenceType | None:
    """The licence type an approved case's result is issued as; None for other results."""
    if case.status is not CaseStatus.APPROVED:
        return None
    spec = published_item(conn, case.item_code, case.item_version).spec
    return licence_type(spec.result_licence_type) if spec.result_licence_type else None


def _applicant(conn: Connection, case: Case) -> tuple[UserKind, str, str]:
    row = conn.execute(
        select(users.c.kind, users.c.name, users.c.id_number, users.c.credit_code).where(
            users.c.id == case.applicant_id
        )
    ).one()
    kind = UserKind(row.kind)
    number = row.credit_code if kind is UserKind.ENTERPRISE else row.id_number
    return kind, row.name, number or ""


def _holder_is_applicant(kind: LicenceType, applicant: UserKind) -> bool:
    return (kind.holder_kind is HolderKind.ENTERPRISE) == (applicant is UserKind.ENTERPRISE)


def _from_form(spec: ServiceItemSpec, case: Case, kind: LicenceType) -> dict[str, FormField]:
    """Licence field → the application's form field that says it (same name, else label)."""
    by_name = {f.name: f for f in spec.form}
    by_label = {f.label: f for f in spec.form}
    found: dict[str, FormField] = {}
    for f in kind.fields:
        source = by_name.get(f.name) or by_label.get(f.label)
        if source is not None and case.form.get(source.name) not in (None, ""):
            found[f.name] = source
    return found


def licence_draft(conn: Connection, case: Case, today: date) -> LicenceDraft | None:
    """The draft of the licence an approved licence-type case is to be issued, or None."""
    kind = result_licence_type(conn, case)
    if kind is None:
        return None
    spec = published_item(conn, case.item_code, case.item_version).spec
    sources = _from_form(spec, case, kind)
    values: dict[str, str] = {}
    personal: dict[str, str] = {}
    for f in kind.fields:
        source = sources.get(f.name)
        if source is not None:
            value = str(case.form[source.name])
            if source.type.value in MASK_BY_TYPE:
                personal[f.name] = str(mask_by_type(source.type.value, value))
            else:
                values[f.name] = value
        elif f.name.endswith("_no"):
            values[f.name] = case.number
        elif f.kind is FieldKind.DATE and f.name in ISSUE_DAY_FIELDS:
            values[f.name] = today.isoformat()
    applicant_kind, name, number = _applicant(conn, case)
    own = _holder_is_applicant(kind, applicant_kind)
    suggested: dict[str, str] = {}
    if not own:
        for form_field in spec.form:
            value = str(case.form.get(form_field.name) or "")
            if form_field.type is FieldType.CREDIT_CODE and value and "holder_id" not in suggested:
                suggested["holder_id"] = value
            if "名称" in form_field.label and value and "holder_name" not in suggested:
                suggested["holder_name"] = value
    masked = number if applicant_kind is UserKind.ENTERPRISE else mask_id_number(number)
    return LicenceDraft(kind, values, personal, own, name, masked, suggested)


def issue_result_licence(
    uow: UnitOfWork, actor: Actor, keys: Any, case: Case, content: LicenceContent | None
) -> Licence | None:
    """Sign and store the licence of an approved licence-type case (None for other results),
    in the caller's transaction; the fields are checked against the type, all at once."""
    kind = result_licence_type(uow.conn, case)
    if kind is None:
        return None
    if content is None:
        raise ResultLicenceRequired(type_name=kind.name, fields={"licence": "请填写证照内容"})
    applicant_kind, name, number = _applicant(uow.conn, case)
    if _holder_is_applicant(kind, applicant_kind):
        holder_id, holder_name = number, name
    else:
        holder_id, holder_name = content.holder_id or "", content.holder_name or ""
    if not holder_id.strip():
        raise ValidationFailed(fields={"holder_id": "请填写持证主体的统一社会信用代码"})
    spec = published_item(uow.conn, case.item_code, case.item_version).spec
    fields = {
        name: case.form[source.name] for name, source in _from_form(spec, case, kind).items()
    }  # what the application says, unless the officer wrote otherwise
    fields.update({k: v for k, v in content.fields.items() if v not in (None, "")})
    return licences.issue(
        uow,
        actor,
        keys,
        type_code=kind.code,
        holder_id=holder_id,
        holder_name=holder_name,
        fields=fields,
        case_number=case.number,
    )
