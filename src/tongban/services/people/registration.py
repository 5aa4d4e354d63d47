"""Self-registration of a citizen on the portal (实名注册), by any accepted identity document.

Mainland residents register with their 居民身份证; residents of Hong Kong, Macao and Taiwan
with a 回乡证, 台胞证 or 港澳台居民居住证; foreigners with their passport (and its nationality)
or 永居证 and their name in Latin script as the document prints it (跨境通办).  Every mistake
is reported beside its field, all at once; nothing is written until everything is right.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongban.domain.errors import DomainError, ValidationFailed
from tongban.domain.shared.identity import (
    IdType,
    LatinName,
    parse_identity,
    parse_latin_name,
)
from tongban.i18n import gettext as _
from tongban.services.people import accounts
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

LATIN_NAME_TYPES = frozenset({IdType.PASSPORT, IdType.FOREIGN_PERMANENT_RESIDENCE})
"""Documents whose holder's name is in Latin script: the surname and given names are asked
for as the document prints them (the Chinese name, if any, is optional)."""


@dataclass(frozen=True)
class Registration:
    """What the registration form or the API sends (raw text; validated by ``register``)."""

    id_type: str
    id_number: str
    phone: str
    password: str
    name: str = ""
    nationality: str = ""
    surname: str = ""
    given_names: str = ""


def _message(error: DomainError) -> str:
    """The error's message in the reader's language, its reason too where catalogued."""
    if not error.params:
        return _(error.message)
    params = {k: _(v) if isinstance(v, str) and v else v for k, v in error.params.items()}
    return _(error.template).format(**params)


def _check(registration: Registration) -> tuple[IdType, LatinName | None]:
    """Every field's problem at once (``ValidationFailed`` with ``fields``), else the type."""
    fields: dict[str, str] = {}
    first: DomainError | None = None
    kind: IdType | None = None
    try:
        kind = IdType(registration.id_type)
    except ValueError:
        fields["id_type"] = _("请选择证件类型")
    if kind is not None:
        try:
            parse_identity(kind, registration.id_number, nationality=registration.nationality)
        except DomainError as error:
            first = first or error
            key = "nationality" if error.code == "invalid_nationality" else "id_number"
            fields[key] = _message(error)
    latin: LatinName | None = None
    if kind in LATIN_NAME_TYPES or registration.surname.strip():
        try:
            latin = parse_latin_name(registration.surname, registration.given_names)
        except DomainError as error:
            first = first or error
            fields["surname"] = _message(error)
    if kind not in LATIN_NAME_TYPES and not registration.name.strip():
        fields["name"] = _("请填写姓名（与证件一致）")
    try:
        accounts.check_phone(registration.phone)
    except DomainError as error:
        fields["phone"] = error.fields.get("phone", _message(error))
    try:
        accounts.check_password_rules(registration.password)
    except DomainError as error:
        fields["password"] = error.fields.get("password", _message(error))
    if fields:
        if first is not None and len(fields) == 1:
            first.fields.update(fields)
            raise first
        raise ValidationFailed(_("注册信息填写有误，请按提示修改。"), fields=fields)
    assert kind is not None
    return kind, latin


@atomic
def register(uow: UnitOfWork, actor: Actor, registration: Registration) -> int:
    """A new citizen account with a password, by a validated identity document; the number
    already registered: ``AccountExists`` (409 ``account_exists``)."""
    kind, latin = _check(registration)
    return accounts.create_citizen(
        uow,
        actor,
        kind,
        registration.id_number,
        registration.name,
        registration.phone,
        registration.password,
        nationality=registration.nationality or None,
        latin_name=latin,
    )
