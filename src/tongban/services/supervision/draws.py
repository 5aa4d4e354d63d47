"""Random draws (双随机一公开): a department head draws a random sample of the department's
pending inspection tasks and a random inspector for each, recorded so anyone can replay it.

The seed comes from ``secrets`` when the draw runs (nobody, the head included, can predict or
choose the outcome) and is stored with the pools' snapshots and SHA-256 hashes only once the
draw is made; ``replay_draw`` recomputes the outcome from the record and compares pools, hashes
and outcome, so a changed pool or a changed outcome is detected.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from tongban.adapters.db.tables_supervision import inspection_tasks, supervision_draws
from tongban.domain.errors import ValidationFailed
from tongban.domain.supervision.draw import (
    MAX_SAMPLE,
    SEED_BYTES,
    Replay,
    draw,
    replay,
    snapshot_hash,
)
from tongban.domain.supervision.errors import DrawNotFound, NothingToDraw
from tongban.domain.supervision.model import TaskStatus, draw_number
from tongban.i18n import gettext as _
from tongban.services.platform import audit
from tongban.services.platform.context import Actor
from tongban.services.platform.unit_of_work import UnitOfWork, atomic
from tongban.services.supervision.access import check_head
from tongban.services.supervision.records import (
    add_event,
    department_inspectors,
    staff_link,
    tell,
)


@dataclass(frozen=True)
class DrawRef:
    number: str
    picked: list[dict[str, Any]]
    """Each drawn task's number and the inspector assigned."""


def _pool(conn: Connection, department_code: str) -> list[dict[str, Any]]:
    """The subjects a draw may pick: the department's pending tasks, by number (with the
    licence each concerns, so the snapshot also pins what is inspected)."""
    rows = conn.execute(
        select(
            inspection_tasks.c.number, inspection_tasks.c.licence_id, inspection_tasks.c.item_code
        )
        .where(
            inspection_tasks.c.department_code == department_code,
            inspection_tasks.c.status == TaskStatus.PENDING.value,
        )
        .order_by(inspection_tasks.c.number)
    )
    return [{"key": r.number, "licence": r.licence_id, "item": r.item_code} for r in rows]


def new_seed() -> str:
    """32 bytes from the operating system's secure generator, as hex."""
    return secrets.token_bytes(SEED_BYTES).hex()


@atomic
def run_draw(
    uow: UnitOfWork,
    actor: Actor,
    department_code: str,
    sample_size: int,
    *,
    seed_source: Callable[[], str] = new_seed,
) -> DrawRef:
    """双随机: draw ``sample_size`` of the department's pending tasks and an inspector for each;
    the drawn tasks become 待检查 and their inspectors are told.  Pages and the API always use
    ``new_seed``; only the demo passes a fixed ``seed_source`` so that it loads the same way."""
    conn = uow.conn
    check_head(actor.principal, department_code)
    if not 1 <= sample_size <= MAX_SAMPLE:
        raise ValidationFailed(fields={"sample_size": "抽取数量须为 1 至 200"})
    subjects = _pool(conn, department_code)
    inspectors = department_inspectors(conn, department_code)
    if not subjects or not inspectors:
        raise NothingToDraw(subjects=len(subjects), inspectors=len(inspectors))
    seed = seed_source()
    picks = draw(seed, [s["key"] for s in subjects], inspectors, sample_size)
    draw_id = conn.execute(
        insert(supervision_draws)
        .values(
            number=f"T{secrets.token_hex(8)}",
            department_code=department_code,
            seed=seed,
            subject_pool=subjects,
            subject_pool_hash=snapshot_hash(subjects),
            inspector_pool=inspectors,
            inspector_pool_hash=snapshot_hash(inspectors),
            sample_size=sample_size,
            picks=[p.as_dict() for p in picks],
            run_by=actor.user_id,
            run_at=actor.at,
        )
        .returning(supervision_draws.c.id)
    ).scalar_one()
    number = draw_number(draw_id)
    conn.execute(
        update(supervision_draws).where(supervision_draws.c.id == draw_id).values(number=number)
    )
    for pick in picks:
        _assign(conn, actor, pick.subject, pick.inspector_id, draw_id, number)
    audit.record(
        conn,
        actor,
        "supervision.draw",
        "supervision_draw",
        number,
        {"department": department_code, "pool": len(subjects), "sample": len(picks)},
    )
    return DrawRef(number, [p.as_dict() for p in picks])


def _assign(
    conn: Connection, actor: Actor, task: str, inspector_id: int, draw_id: int, draw_no: str
) -> None:
    # Only a task still pending is assigned: the pool was read in this transaction, and the
    # conditional UPDATE keeps a concurrent draw of the same department from assigning it twice.
    row = conn.execute(
        update(inspection_tasks)
        .where(
            inspection_tasks.c.number == task,
            inspection_tasks.c.status == TaskStatus.PENDING.value,
        )
        .values(
            status=TaskStatus.ASSIGNED.value,
            inspector_id=inspector_id,
            draw_id=draw_id,
            lock_version=inspection_tasks.c.lock_version + 1,
            updated_at=actor.at,
        )
        .returning(inspection_tasks.c.id, inspection_tasks.c.due_on)
    ).first()
    if row is None:
        raise NothingToDraw(subjects=0, inspectors=1)
    add_event(conn, row.id, "drawn", actor, {"draw": draw_no, "inspector_id": inspector_id})
    tell(
        conn,
        [inspector_id],
        _("抽取到批后监管检查任务"),
        _("随机抽查 {draw} 抽取您检查 {number}，检查期限 {day}。").format(
            draw=draw_no, number=task, day=row.due_on.isoformat()
        ),
        link=staff_link(task),
        key=f"inspection:{task}:drawn:{draw_no}",
        now=actor.at,
    )


def _load(conn: Connection, number: str) -> Any:
    row = conn.execute(
        select(supervision_draws).where(supervision_draws.c.number == number.strip().upper())
    ).first()
    if row is None:
        raise DrawNotFound(number=number)
    return row


def replay_draw(conn: Connection, number: str) -> Replay:
    """Recompute a recorded draw and compare it with the record: the pools against their
    hashes, the outcome against the recomputation from the seed."""
    row = _load(conn, number)
    return replay(
        row.seed,
        row.subject_pool,
        row.subject_pool_hash,
        [int(i) for i in row.inspector_pool],
        row.inspector_pool_hash,
        row.sample_size,
        row.picks,
    )
