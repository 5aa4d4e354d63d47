"""Rule sets per item (规则集): drafts, validation, publishing, the version in force, dry-runs.

A rule set is versioned per item; an author edits a draft (compare-and-set on ``lock_version``),
validates it (every expression compiles, every variable is declared) and publishes it, which
is refused while any rule fails to compile.  Several published versions may exist; the one in
force on a day is the latest whose effective dates cover it.  A draft can be dry-run against
the item's past cases before it is published.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Engine,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)

from tongban.adapters.db.tables import cases, service_items
from tongban.adapters.db.tables_rules import automated_decisions, rule_sets
from tongban.domain.catalogue.model import ItemStatus, ServiceItemSpec
from tongban.domain.errors import StaleVersion, ValidationFailed
from tongban.domain.rules.errors import (
    NoRuleSetInForce,
    RuleSetNotDraft,
    RuleSetNotFound,
)
from tongban.domain.rules.evaluation import Inputs, Outcome, evaluate
from tongban.domain.rules.expressions import Vocabulary
from tongban.domain.rules.model import RuleSet, RuleSetSpec, RuleSetStatus, in_force
from tongban.domain.rules.vocabulary import vocabulary
from tongban.domain.shared.clock import china_date
from tongban.services.catalogue.items import published_item
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic


@dataclass(frozen=True)
class StoredRuleSet:
    """A rule-set version as stored: the row id and lock version with the domain object."""

    id: int
    lock_version: int
    rule_set: RuleSet
    published_at: Any = None

    @property
    def version(self) -> int:
        return self.rule_set.version

    @property
    def status(self) -> RuleSetStatus:
        return self.rule_set.status

    @property
    def spec(self) -> RuleSetSpec:
        return self.rule_set.spec


def item_vocabulary(spec: ServiceItemSpec) -> Vocabulary:
    """What an item's rules may read: its form fields, licence data and the predicates."""
    return vocabulary(f.name for f in spec.form)


def vocabulary_for(conn: Connection, item_code: str) -> Vocabulary:
    return item_vocabulary(published_item(conn, item_code).spec)


def _stored(row: Any) -> StoredRuleSet:
    rule_set = RuleSet(
        item_code=row.item_code,
        version=row.version,
        status=RuleSetStatus(row.status),
        spec=RuleSetSpec.model_validate(row.spec),
    )
    return StoredRuleSet(row.id, row.lock_version, rule_set, row.published_at)


def versions(conn: Connection, item_code: str) -> list[StoredRuleSet]:
    """Every version of an item's rule set, newest first."""
    rows = conn.execute(
        select(rule_sets)
        .where(rule_sets.c.item_code == item_code.upper())
        .order_by(rule_sets.c.version.desc())
    ).all()
    return [_stored(row) for row in rows]


def get_version(conn: Connection, item_code: str, version: int) -> StoredRuleSet:
    row = conn.execute(
        select(rule_sets).where(
            rule_sets.c.item_code == item_code.upper(), rule_sets.c.version == version
        )
    ).first()
    if row is None:
        raise RuleSetNotFound(item_code=item_code)
    return _stored(row)


_PUBLISHED_FROM = select(rule_sets).where(
    rule_sets.c.item_code == bindparam("item_code"),
    rule_sets.c.status == RuleSetStatus.PUBLISHED.value,
    rule_sets.c.effective_from <= bindparam("day", type_=Date),
)
"""Built once: no cache-key work per call."""
_versions_lock = threading.Lock()
_VERSIONS_MAX = 1024


def _in_force(column: Any, label: str) -> Any:
    day = bindparam("day", type_=Date)
    return (
        select(column)
        .where(
            rule_sets.c.item_code == bindparam("item_code"),
            rule_sets.c.status == RuleSetStatus.PUBLISHED.value,
            rule_sets.c.effective_from <= day,
            or_(rule_sets.c.effective_to.is_(None), rule_sets.c.effective_to > day),
        )
        .order_by(rule_sets.c.effective_from.desc(), rule_sets.c.version.desc())
        .limit(1)
        .scalar_subquery()
        .label(label)
    )


IN_FORCE = (
    _in_force(rule_sets.c.id, "rule_set_id"),
    _in_force(rule_sets.c.lock_version, "rule_set_lock"),
    _in_force(rule_sets.c.updated_at, "rule_set_stamp"),
)
"""The version in force on the day ``day`` of the item ``item_code`` (parameters), as three
columns for a use case's own first read (``in_force_of``): its id, lock version and stamp, the
one ``in_force`` picks (the latest by effective date, then version, of the published versions
whose dates cover the day; the dates are the spec's, repeated as columns)."""
_BY_ID = select(rule_sets).where(rule_sets.c.id == bindparam("id"))


def in_force_of(conn: Connection, row: Any, item_code: str) -> StoredRuleSet:
    """``in_force_on`` from a row with the ``IN_FORCE`` columns: the version is read (and its
    spec validated) only the first time this process meets it; ``no_rule_set_in_force`` when
    none is in force."""
    if row.rule_set_id is None:
        raise NoRuleSetInForce(item_code=item_code)
    key = (row.rule_set_id, row.rule_set_lock, row.rule_set_stamp)
    cache = _versions.get(conn.engine)
    found = cache.get(key) if cache is not None else None
    if found is not None:
        return found
    stored = conn.execute(_BY_ID, {"id": row.rule_set_id}).one()
    found = _stored(stored)
    if (stored.lock_version, stored.updated_at) != key[1:]:
        return found  # written meanwhile: this read's version, not kept
    with _versions_lock:
        cache = _versions.setdefault(conn.engine, {})
        if len(cache) >= _VERSIONS_MAX:
            cache.clear()
        cache[key] = found
    return found


_versions: weakref.WeakKeyDictionary[Engine, dict[tuple[Any, ...], StoredRuleSet]] = (
    weakref.WeakKeyDictionary()
)
"""Published versions by (id, lock version, stamp): every write of a version (draft edit,
publish, retire) bumps its lock version and stamps it anew, so the key names one content."""


def in_force_on(conn: Connection, item_code: str, day: date) -> StoredRuleSet:
    """The published version in force on ``day``; ``no_rule_set_in_force`` when none is."""
    rows = conn.execute(_PUBLISHED_FROM, {"item_code": item_code.upper(), "day": day}).all()
    stored = {row.version: _stored(row) for row in rows}
    chosen = in_force([s.rule_set for s in stored.values()], day)
    if chosen is None:
        raise NoRuleSetInForce(item_code=item_code)
    return stored[chosen.version]


def rule_set_items(conn: Connection) -> list[tuple[str, int, int]]:
    """(item code, versions, published versions) of every item with a rule set."""
    published = func.sum(case((rule_sets.c.status == RuleSetStatus.PUBLISHED.value, 1), else_=0))
    rows = conn.execute(
        select(rule_sets.c.item_code, func.count(), published)
        .group_by(rule_sets.c.item_code)
        .order_by(rule_sets.c.item_code)
    ).all()
    return [(r[0], int(r[1]), int(r[2] or 0)) for r in rows]


def smart_items_in_force(conn: Connection, day: date) -> int:
    """How many published 秒批 items have a rule set in force on ``day`` (a published version
    whose dates cover it); the others answer ``no_rule_set_in_force``."""
    covering = (
        select(rule_sets.c.id)
        .where(
            rule_sets.c.item_code == service_items.c.code,
            rule_sets.c.status == RuleSetStatus.PUBLISHED.value,
            rule_sets.c.effective_from <= day,
            or_(rule_sets.c.effective_to.is_(None), rule_sets.c.effective_to > day),
        )
        .exists()
    )
    counted = select(func.count()).where(
        service_items.c.status == ItemStatus.PUBLISHED.value,
        service_items.c.smart_approval,
        covering,
    )
    return int(conn.execute(counted).scalar_one())


@atomic
def save_draft(
    uow: UnitOfWork,
    actor: Actor,
    item_code: str,
    spec: RuleSetSpec,
    *,
    expected_lock: int | None = None,
) -> StoredRuleSet:
    """Create the item's next draft version, or change its open draft (compare-and-set).

    A draft may hold expressions that do not compile yet; ``publish`` refuses them.
    """
    conn = uow.conn
    code = published_item(conn, item_code).code  # 404 for an unknown item
    draft = conn.execute(
        select(rule_sets.c.id, rule_sets.c.version, rule_sets.c.lock_version).where(
            rule_sets.c.item_code == code, rule_sets.c.status == RuleSetStatus.DRAFT.value
        )
    ).first()
    values = {
        "spec": spec.model_dump(mode="json"),
        "effective_from": spec.effective_from,
        "effective_to": spec.effective_to,
        "updated_at": actor.at,
    }
    if draft is None:
        version = (
            conn.execute(
                select(func.max(rule_sets.c.version)).where(rule_sets.c.item_code == code)
            ).scalar()
            or 0
        ) + 1
        conn.execute(
            insert(rule_sets).values(
                item_code=code,
                version=version,
                status=RuleSetStatus.DRAFT.value,
                lock_version=1,
                created_at=actor.at,
                created_by=actor.user_id,
                **values,
            )
        )
    else:
        version = draft.version
        if expected_lock is not None and expected_lock != draft.lock_version:
            raise StaleVersion(current=draft.lock_version)
        changed = conn.execute(
            update(rule_sets)
            .where(rule_sets.c.id == draft.id, rule_sets.c.lock_version == draft.lock_version)
            .values(lock_version=draft.lock_version + 1, **values)
        ).rowcount
        if changed != 1:
            raise StaleVersion(current=draft.lock_version)
    audit.record(conn, actor, "rule_set.save_draft", "rule_set", f"{code}/{version}")
    return get_version(conn, code, version)


def validate(conn: Connection, item_code: str, version: int) -> dict[str, str]:
    """Per rule (``rules.<id>``), why it does not compile; empty when the version may publish."""
    stored = get_version(conn, item_code, version)
    found: dict[str, str] = {}
    for error in stored.spec.errors(vocabulary_for(conn, item_code)):
        found.update(error.fields)
    return found


@atomic
def publish(
    uow: UnitOfWork, actor: Actor, item_code: str, version: int, *, expected_lock: int
) -> StoredRuleSet:
    """发布: the draft becomes a published version, in force from its effective date; refused
    (``rule_syntax_error`` / ``rule_unknown_variable``) while any expression fails to compile."""
    conn = uow.conn
    stored = get_version(conn, item_code, version)
    if stored.status is not RuleSetStatus.DRAFT:
        raise RuleSetNotDraft()
    if stored.lock_version != expected_lock:
        raise StaleVersion(current=stored.lock_version)
    stored.spec.check(vocabulary_for(conn, item_code))
    changed = conn.execute(
        update(rule_sets)
        .where(rule_sets.c.id == stored.id, rule_sets.c.lock_version == expected_lock)
        .values(
            status=RuleSetStatus.PUBLISHED.value,
            lock_version=expected_lock + 1,
            published_at=actor.at,
            published_by=actor.user_id,
            updated_at=actor.at,
        )
    ).rowcount
    if changed != 1:
        raise StaleVersion(current=stored.lock_version)
    code = stored.rule_set.item_code
    audit.record(conn, actor, "rule_set.publish", "rule_set", f"{code}/{version}")
    return get_version(conn, code, version)


@atomic
def retire(
    uow: UnitOfWork, actor: Actor, item_code: str, version: int, *, expected_lock: int
) -> StoredRuleSet:
    """停用 a published version: it is no longer in force on any day."""
    conn = uow.conn
    stored = get_version(conn, item_code, version)
    if stored.status is not RuleSetStatus.PUBLISHED:
        raise ValidationFailed(fields={"version": "只能停用已发布的版本"})
    changed = conn.execute(
        update(rule_sets)
        .where(rule_sets.c.id == stored.id, rule_sets.c.lock_version == expected_lock)
        .values(
            status=RuleSetStatus.RETIRED.value, lock_version=expected_lock + 1, updated_at=actor.at
        )
    ).rowcount
    if changed != 1:
        raise StaleVersion(current=stored.lock_version)
    code = stored.rule_set.item_code
    audit.record(conn, actor, "rule_set.retire", "rule_set", f"{code}/{version}")
    return get_version(conn, code, version)


# --- dry-run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DryRunCase:
    number: str
    rules_outcome: Outcome
    human_decision: str | None
    """approved / rejected, or None while undecided."""
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DryRun:
    total: int
    """The past cases tried: the newest ``limit`` of them."""
    would_approve: int
    differences: list[DryRunCase]
    history: int = 0
    """All the item's past (submitted) cases, so a page can say when only the newest were tried."""


def dry_run(conn: Connection, item_code: str, version: int, *, limit: int = 500) -> DryRun:
    """Run one version against the item's past cases (their stored form and, where the rules
    decided before, the stored inputs): how many it would approve, and where it differs from
    the human decision (approved by the rules but not by a person, or the other way round)."""
    stored = get_version(conn, item_code, version)
    item = published_item(conn, item_code)
    rows = conn.execute(
        select(
            cases.c.number,
            cases.c.form,
            cases.c.decision,
            cases.c.submitted_at,
            automated_decisions.c.inputs,
            automated_decisions.c.outcome,
        )
        .select_from(
            cases.outerjoin(automated_decisions, automated_decisions.c.case_id == cases.c.id)
        )
        .where(cases.c.item_id == item.id, cases.c.submitted_at.is_not(None))
        .order_by(cases.c.id.desc())
        .limit(limit)
    ).all()
    history = conn.execute(
        select(func.count()).where(cases.c.item_id == item.id, cases.c.submitted_at.is_not(None))
    ).scalar_one()
    would, differences = 0, []
    for row in rows:
        if row.inputs:
            inputs = Inputs.from_snapshot(row.inputs)
        else:
            inputs = Inputs(form=dict(row.form or {}), today=china_date(row.submitted_at))
        result = evaluate(stored.spec, inputs)
        approves = result.outcome is Outcome.APPROVE
        would += approves
        # A case the rules approved before has no human decision to compare with.
        human = None if row.outcome == Outcome.APPROVE.value else row.decision
        if human is not None and approves != (human == "approved"):
            differences.append(DryRunCase(row.number, result.outcome, human, tuple(result.reasons)))
    return DryRun(len(rows), would, differences, int(history))
