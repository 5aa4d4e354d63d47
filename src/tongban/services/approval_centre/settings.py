"""The chief's assignment settings of the online approval centre (分派设置): the strategy and
each reviewer's skills, per served department, saved by compare-and-set on ``lock_version``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import Connection, insert, update
from sqlalchemy.exc import IntegrityError

from tongban.adapters.db.tables_approval import approval_settings
from tongban.domain.approval.errors import NotCentreReviewer
from tongban.domain.approval.model import Strategy, normalise_skills
from tongban.domain.errors import PermissionDenied, StaleVersion
from tongban.services.approval_centre import queries as q
from tongban.services.approval_centre.access import Scope, require_chief_scope, scope_of
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic

__all__ = ["settings_for", "update_settings"]


@atomic
def update_settings(
    uow: UnitOfWork,
    actor: Actor,
    served: Collection[str],
    strategy: Strategy,
    skills: Mapping[int, Sequence[str]],
    expected_version: int,
    department_code: str | None = None,
) -> q.CentreSettings:
    """The chief sets the department's strategy and reviewers' skills (compare-and-set)."""
    scope = scope_of(uow.conn, actor.principal, served)
    require_chief_scope(scope)
    department_id = _chief_department(scope, department_code)
    known = {r.user_id for r in q.reviewers(uow.conn, [department_id])}
    unknown = sorted(set(skills) - known)
    if unknown:
        raise NotCentreReviewer(fields={f"skills.{u}": NotCentreReviewer.template for u in unknown})
    stored = {str(u): list(normalise_skills(v)) for u, v in sorted(skills.items())}
    stored = {u: v for u, v in stored.items() if v}
    current = q.settings(uow.conn, department_id)
    if current.version != expected_version:
        raise StaleVersion(current=current.version)
    values = {"strategy": strategy.value, "skills": stored, "updated_at": actor.at}
    if current.version == 0:
        try:
            # A savepoint: after a lost race the transaction can still read the winner's version.
            with uow.atomic(savepoint=True):
                uow.conn.execute(
                    insert(approval_settings).values(
                        department_id=department_id,
                        lock_version=1,
                        updated_by=actor.user_id,
                        **values,
                    )
                )
        except IntegrityError:
            raise StaleVersion(current=q.settings(uow.conn, department_id).version) from None
    else:
        changed = uow.conn.execute(
            update(approval_settings)
            .where(
                approval_settings.c.department_id == department_id,
                approval_settings.c.lock_version == expected_version,
            )
            .values(lock_version=expected_version + 1, updated_by=actor.user_id, **values)
        ).rowcount
        if changed != 1:
            raise StaleVersion(current=q.settings(uow.conn, department_id).version)
    audit.record(
        uow.conn,
        actor,
        "approval_centre.settings",
        "approval_settings",
        current.department_code,
        {"strategy": strategy.value, "skills": stored},
    )
    return q.settings(uow.conn, department_id)


def _chief_department(scope: Scope, code: str | None) -> int:
    chosen = [i for i in sorted(scope.chief_of) if code is None or scope.departments[i] == code]
    if not chosen:
        raise PermissionDenied("只有本部门科长可以调整该部门的设置。")
    return chosen[0]


def settings_for(conn: Connection, scope: Scope) -> list[q.CentreSettings]:
    """The settings of every served department the person works in."""
    return [q.settings(conn, i) for i in scope.department_ids]
