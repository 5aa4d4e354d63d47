"""An applicant's own licences, read for their application (表单秒填, 材料秒报, 秒批).

One application reads the applicant's licences several times: to fill the form (the holder's
own read), then, on their consent, for the item's department: the materials, the predicates,
the data the rules need.  The law wants each as a read of its own, with its own line in the
holder's log and, on consent, its own single-use grant (授权) to the department for that read's
purpose.  Here the licences come from the library once for all of them; each read is authorised
on its own and takes only what it may see; each consented read gets a grant made for it, which
it uses at once (so none is left usable afterwards, nor used by another read).  ``flush`` then
writes the grants, already used, the holder's log and the platform's access log, one insert per
table, in the caller's transaction; nothing is read back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from tongban.adapters.db.tables import data_access_log
from tongban.adapters.db.tables_data_space import data_access_events, data_grants
from tongban.domain.data_space.model import GrantTerms, Requester
from tongban.domain.data_space.predicates import Facts, evaluate
from tongban.domain.errors import PermissionDenied
from tongban.domain.shared.clock import china_date
from tongban.services.data_space import licence_port
from tongban.services.data_space.grants import grant_audit, grant_row, holder_id_of
from tongban.services.data_space.reads import (
    HOLDER_ROLES,
    SELF_BASIS,
    Access,
    access_log_row,
    checked_types,
    district_of,
    event_row,
    latest_by_type,
    licence_data,
    predicate_needs,
    refuse,
)
from tongban.services.platform.context import Actor
from tongban.services.platform.together import Part, write_together
from tongban.services.platform.unit_of_work import UnitOfWork

AuditEntry = tuple[str, str, str, dict[str, Any]]

READ_PURPOSES = {
    "material": "调取电子证照作为申请材料",
    "predicate": "核验办理条件",
    "licence": "读取审批所需的证照信息",
}
"""What each kind of read on consent is for, added to the consent's purpose: the holder sees
one grant per read, each saying which read it allowed."""


@dataclass(frozen=True)
class Consent:
    """The applicant's consent to one department (or item) for one case: each read on it rests
    on a single-use grant of its own, expiring at ``expires_at``."""

    grantee_department: str | None
    grantee_item: str | None
    purpose: str
    case_number: str
    expires_at: datetime


_INSERT_GRANTS = insert(data_grants).returning(
    data_grants.c.id,
    data_grants.c.holder_id,
    data_grants.c.type_codes,
    data_grants.c.fields,
    data_grants.c.purpose,
    data_grants.c.single_use,
)
_INSERT_EVENTS = insert(data_access_events)
_INSERT_LOG = insert(data_access_log)
"""Built once: no cache-key work per application."""


def _content(grant: Any) -> tuple[Iterable[str], Iterable[str] | None, str]:
    return grant.type_codes, grant.fields, grant.purpose


def _key(type_codes: Iterable[str], fields: Iterable[str] | None, purpose: str) -> Any:
    """What tells two grants of one holder and grantee apart."""
    return (tuple(type_codes), None if fields is None else tuple(fields), purpose)


class ApplicantReads:
    """The reads of one application by its applicant (the holder) and on their consent."""

    def __init__(self, uow: UnitOfWork, actor: Actor, type_codes: Iterable[str]) -> None:
        """``type_codes``: every licence type any of the reads will ask for."""
        principal = actor.principal
        self.holder_id = holder_id_of(principal)  # refuses anyone but a citizen or enterprise
        assert principal is not None
        self._holder_user = principal.user_id
        self._uow, self._actor = uow, actor
        self._announced = frozenset(type_codes)
        self._held: list[Any] | None = None
        self._events: list[tuple[dict[str, Any], GrantTerms | None]] = []
        self._log: list[dict[str, Any]] = []

    # --- reading ------------------------------------------------------------------------------

    def _licences(self, types: Sequence[str]) -> dict[str, Any]:
        """The holder's current licence of each of ``types``, from the one fetch."""
        if not self._announced.issuperset(types):
            raise ValueError(f"not announced: {sorted(set(types) - self._announced)}")
        if self._held is None:
            self._held = licence_port.holder_licences(
                self._uow.conn,
                self.holder_id,
                valid_on=china_date(self._actor.at),
                type_codes=sorted(self._announced),
            )
        return latest_by_type([lic for lic in self._held if lic.type_code in types])

    def own(
        self,
        requester: Requester,
        *,
        type_codes: Sequence[str],
        fields: Sequence[str] | None,
        purpose: str,
        kind: str = "prefill",
    ) -> dict[str, dict[str, Any]]:
        """The applicant reading their own licences (本人查询), to fill their form, say."""
        types = checked_types(type_codes)
        what = {"types": types, "fields": None if fields is None else list(fields)}
        access = Access(self.holder_id, kind, what, purpose or "", None, self._actor.at)
        if requester.role not in HOLDER_ROLES or requester.user_id != self._holder_user:
            raise PermissionDenied()
        if not access.purpose.strip():
            refuse(self._uow, requester, access, "未说明用途")
        data = licence_data(self._licences(types), fields)
        self._events.append(
            (event_row(requester, access, "allowed", grant_id=None, legal_basis=SELF_BASIS), None)
        )
        return data

    def licences(
        self,
        requester: Requester,
        consent: Consent,
        *,
        type_codes: Sequence[str],
        fields: Sequence[str] | None,
        kind: str,
    ) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """On consent: (type → the fields read, type → the licence read) of ``type_codes``."""
        types = checked_types(type_codes)
        what = {"types": types, "fields": None if fields is None else list(fields)}
        access = self._access(consent, kind, what)
        terms = self._grant(requester, consent, access, types, fields)
        if not terms.as_grant(id=0, at=self._actor.at).covers(requester, types, fields):
            refuse(self._uow, requester, access, "没有覆盖该请求的有效授权")
        held = self._licences(types)
        self._allowed(requester, access, terms)
        return licence_data(held, fields), held

    def predicates(
        self, requester: Requester, consent: Consent, names: Sequence[str]
    ) -> dict[str, bool | None]:
        """On consent, 最小必要: yes/no (None: data missing) for each named predicate."""
        wanted, needs, types = predicate_needs(names)
        fields = list(dict.fromkeys(n for n in needs if "." in n)) or None
        access = self._access(consent, "predicate", {"predicates": wanted, "types": types})
        terms = self._grant(requester, consent, access, types, fields)
        if not terms.as_grant(id=0, at=self._actor.at).covers_needs(requester, needs):
            refuse(self._uow, requester, access, "没有覆盖该请求的有效授权")
        facts: Facts = {t: dict(lic.fields) for t, lic in self._licences(types).items()}
        where = district_of(self._uow.conn)
        answers = evaluate(wanted, facts, self.holder_id, china_date(self._actor.at), where)
        self._allowed(requester, access, terms)
        return answers

    def _access(self, consent: Consent, kind: str, what: dict[str, Any]) -> Access:
        """A read of ``kind`` (``material``, ``predicate`` or ``licence``) on ``consent``, for
        the consent's purpose and what this read is for."""
        purpose = f"{consent.purpose}，{READ_PURPOSES[kind]}"
        return Access(self.holder_id, kind, what, purpose, consent.case_number, self._actor.at)

    def _grant(
        self,
        requester: Requester,
        consent: Consent,
        access: Access,
        types: Sequence[str],
        fields: Sequence[str] | None,
    ) -> GrantTerms:
        """The single-use grant this one read rests on, given by the holder for its purpose."""
        terms = GrantTerms(
            holder_id=self.holder_id,
            grantee_department=consent.grantee_department,
            grantee_item=consent.grantee_item,
            type_codes=types,
            fields=fields,
            purpose=access.purpose,
            expires_at=consent.expires_at,
            single_use=True,
        )
        return terms.checked(known_types=licence_port.licence_types(), at=self._actor.at)

    def _allowed(self, requester: Requester, access: Access, terms: GrantTerms) -> None:
        # grant_id is filled in by flush, once the grants have their ids
        self._events.append((event_row(requester, access, "allowed", legal_basis=None), terms))
        if requester.user_id != self._holder_user:
            self._log.append(access_log_row(requester, access, self._holder_user))

    # --- writing ------------------------------------------------------------------------------

    def flush(self) -> list[AuditEntry]:
        """Write what the reads so far logged: their grants (used by them), the holder's log
        and the access log, one insert each; returns the grants' audit entries, for the caller
        to record with its own in the same transaction."""
        entries, logs = self.flush_grants()
        write_together(self._uow.conn, logs)
        return entries

    def pending_grants(self) -> Part | None:
        """The grants the reads so far rest on, already used, as an insert returning what the
        logs need (None: no read on consent): for a caller that sends it with its own inserts
        (``together.write_returning``) and hands its rows to ``flush_grants``."""
        actor = self._actor
        terms = [t for _, t in self._events if t is not None]
        if not terms:
            return None
        return (_INSERT_GRANTS, [grant_row(t, actor, used_at=actor.at) for t in terms])

    def flush_grants(
        self, stored: Sequence[Any] | None = None
    ) -> tuple[list[AuditEntry], list[Part]]:
        """``flush`` in two: the grants are inserted now (their ids are the logs'), the holder's
        log and the access log are returned for the caller to send with its own inserts
        (``write_together``) in the same transaction.  ``stored``: the rows of
        ``pending_grants`` when the caller inserted them already."""
        conn, actor = self._uow.conn, self._actor
        terms = [t for _, t in self._events if t is not None]
        ids: dict[Any, list[int]] = {}
        entries: list[AuditEntry] = []
        if terms:
            rows = stored
            if rows is None:
                rows = conn.execute(
                    _INSERT_GRANTS, [grant_row(t, actor, used_at=actor.at) for t in terms]
                ).all()
            assert len(rows) == len(terms), "one stored grant per read on consent"
            # Matched by content, not by position: a multi-row INSERT does not promise to
            # return its rows in order, and two grants of the same content are alike anyway.
            for row in rows:
                ids.setdefault(_key(*_content(row)), []).append(row.id)
                entries.append(grant_audit(row))

        def grant_id(terms: GrantTerms | None) -> int | None:
            return None if terms is None else ids[_key(*_content(terms))].pop(0)

        events = [{**event, "grant_id": grant_id(terms)} for event, terms in self._events]
        logs: list[Part] = [(_INSERT_EVENTS, events), (_INSERT_LOG, self._log)]
        self._events, self._log = [], []
        return entries, logs
