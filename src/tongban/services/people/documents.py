"""Which account holds an identity document.

Since migration 0046 a number is unique per document, not on its own: one passport number may
be issued by two countries, or equal a 台胞证's (8 digits) or a 回乡证's (H/M + 8 digits).  A
lookup says which document it means (type, and a passport's nationality), or takes a number
no other document can have: the GB 11643 documents' (18 characters, each kind with region
codes of its own).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, select

from tongban.adapters.db.tables import users
from tongban.domain.errors import DocumentAmbiguous, DocumentNumberShared
from tongban.domain.people.model import UserKind
from tongban.domain.shared.identity import IdType
from tongban.i18n import gettext as _

GB11643_DOCUMENTS = (
    IdType.RESIDENT_ID.value,
    IdType.HMT_RESIDENCE_PERMIT.value,
    IdType.FOREIGN_PERMANENT_RESIDENCE.value,
)
"""居民身份证, 港澳台居民居住证 (810000/820000/830000) and 永居证 (9…): 18 characters with
address codes of their own, longer than any other document's number (a passport's is at most 9,
a 回乡证's 11), so the number alone names the document."""


def holds(
    number: str, id_type: IdType | str | None = None, nationality: str | None = None
) -> ColumnElement[bool]:
    """Citizens holding a document numbered ``number``: of ``id_type`` when given, and for a
    passport of ``nationality`` when given (other documents' nationality is not part of them)."""
    terms = [users.c.id_number == number, users.c.kind == UserKind.CITIZEN.value]
    if id_type is not None:
        terms.append(users.c.id_type == str(id_type))
        if id_type == IdType.PASSPORT and nationality:
            terms.append(users.c.nationality == nationality)
    return and_(*terms)


def holds_gb11643(number: str) -> ColumnElement[bool]:
    """Citizens holding the GB 11643 document numbered ``number`` (at most one)."""
    return and_(
        users.c.id_number == number,
        users.c.kind == UserKind.CITIZEN.value,
        users.c.id_type.in_(GB11643_DOCUMENTS),
    )


def citizen_holding(
    conn: Connection,
    number: str,
    id_type: IdType | str | None = None,
    nationality: str | None = None,
    *,
    columns: tuple[Any, ...] = (users,),
) -> Any:
    """The one citizen's row holding the document, or None; ``DocumentAmbiguous`` when the
    document is not named precisely enough to tell two holders apart."""
    rows = conn.execute(
        select(*columns).where(holds(number, id_type, nationality)).order_by(users.c.id).limit(2)
    ).all()
    if len(rows) > 1:
        raise DocumentAmbiguous(
            fields={
                "id_type": _("请选择证件类型"),
                "nationality": _("持护照的，请填写国籍"),
            }
        )
    return rows[0] if rows else None


def refuse_shared_number(conn: Connection, number: str) -> None:
    """``DocumentNumberShared`` when any citizen's document already carries ``number``.

    The schema allows one number per document (0046), but a holder's data space, consent grants
    and e-licences are still keyed by the number alone (``holder_id``): two accounts with one
    number would see each other's licences.  Until those are keyed per document, a second
    account with a number already held is refused wherever citizens are made."""
    held = conn.execute(select(users.c.id).where(holds(number)).limit(1)).first()
    if held is not None:
        raise DocumentNumberShared()
