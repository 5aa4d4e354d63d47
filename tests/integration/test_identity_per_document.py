"""Migration 0046 on a populated database, both engines: an identity number becomes unique per
document (a passport per nationality), every user and every row pointing at one is kept (SQLite
rebuilds ``users`` under its foreign keys, some of them ON DELETE CASCADE), each lookup by
number stays an index lookup, and going back is refused while two accounts share a number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from tongban.adapters.db import migrate
from tongban.adapters.db.tables import sessions, totp_recovery_codes, users

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PEOPLE = 600


def _head() -> str:
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    head = ScriptDirectory.from_config(
        migrate.alembic_config(create_engine("sqlite://"))
    ).get_current_head()
    assert head is not None
    return head


HEAD = _head()
"""The chain's last migration (0046 is not the last: ids are names, not order)."""


def _person(i: int) -> dict[str, object]:
    """Every fourth a passport (of one country each: the old schema allowed no more)."""
    kinds = [
        ("resident_id", f"4406051990{i:06d}00"[:18], None),
        ("hk_macao_travel_permit", f"H{i:08d}", None),
        ("taiwan_travel_permit", f"{i:08d}", None),
        ("passport", f"E{i:07d}", "GBR"),
    ]
    id_type, number, nationality = kinds[i % 4]
    return {
        "kind": "citizen",
        "id_type": id_type,
        "id_number": number,
        "nationality": nationality,
        "name": f"居民{i}",
        "created_at": AT,
    }


def _citizen(id_type: str, number: str, nationality: str | None = None) -> dict[str, object]:
    return {
        "kind": "citizen",
        "id_type": id_type,
        "id_number": number,
        "nationality": nationality,
        "name": "新",
        "created_at": AT,
    }


def _add(engine: Engine, *rows: dict[str, object]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(users), list(rows))


def _snapshot(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as conn:
        people = conn.execute(
            select(users.c.id, users.c.id_type, users.c.id_number, users.c.nationality).order_by(
                users.c.id
            )
        ).all()
        held = [
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (sessions, totp_recovery_codes)
        ]
    return (tuple(people), tuple(held))


def _populate(engine: Engine) -> None:
    _add(engine, *[_person(i) for i in range(PEOPLE)])
    with engine.begin() as conn:
        ids = conn.execute(select(users.c.id).order_by(users.c.id)).scalars().all()
        conn.execute(
            insert(sessions),
            [
                {
                    "id": f"{n:064d}",
                    "user_id": n,
                    "csrf_token": "x",
                    "created_at": AT,
                    "expires_at": AT + timedelta(days=1),
                }
                for n in ids[:200]
            ],
        )
        conn.execute(
            insert(totp_recovery_codes), [{"user_id": n, "code_hash": "0" * 64} for n in ids[:50]]
        )


def _plan(engine: Engine, where: str, params: dict[str, str]) -> str:
    """How the engine would run a lookup of users by ``where`` (PostgreSQL told to avoid a
    sequential scan where an index can serve: the test table is small)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(
                text(f"EXPLAIN QUERY PLAN SELECT id FROM users WHERE {where}"), params
            )
            return " ".join(str(r[-1]) for r in rows)
        conn.execute(text("SET enable_seqscan = off"))
        rows = conn.execute(text(f"EXPLAIN SELECT id FROM users WHERE {where}"), params)
        plan = " ".join(str(r[0]) for r in rows)
        conn.rollback()
        return plan


LOOKUPS = [
    # log-in and SMS log-in by number alone; the data space by a holder's number
    ("id_number = :n", {"n": "E0000003"}),
    # the window's 核验身份 by type, registration's duplicate check, a federated applicant
    ("id_number = :n AND id_type = :t", {"n": "H00000001", "t": "hk_macao_travel_permit"}),
    (
        "id_number = :n AND id_type = 'passport' AND nationality = :c",
        {"n": "E0000003", "c": "GBR"},
    ),
    # the card reader's and the face check's GB 11643 number
    (
        "id_number = :n AND id_type IN ('resident_id', 'hmt_residence_permit', "
        "'foreign_permanent_residence')",
        {"n": "440605199000000000"},
    ),
]


def test_0046_keeps_every_row_and_makes_numbers_unique_per_document(engine: Engine) -> None:
    migrate.downgrade(engine, "0045")
    _populate(engine)
    with pytest.raises(IntegrityError):  # before: one number, whatever the country
        _add(engine, _citizen("passport", "E0000003", "USA"))
    before = _snapshot(engine)

    migrate.upgrade(engine)

    assert migrate.current(engine) == HEAD
    assert _snapshot(engine) == before  # no user, session or recovery code lost
    _add(
        engine,
        _citizen("passport", "E0000003", "USA"),  # the same number, another country
        _citizen("passport", "00000002", "USA"),  # a 台胞证's number, as a US passport
        _citizen("passport", "H00000001", "NLD"),  # a 回乡证's number, as a Dutch passport
    )
    refused = [
        _citizen("passport", "E0000003", "GBR"),  # the same passport twice
        _citizen("resident_id", _person(0)["id_number"]),  # type: ignore[arg-type]
        _citizen("hk_macao_travel_permit", "H00000001"),
        _citizen("taiwan_travel_permit", "00000002"),
    ]
    for row in refused:
        with pytest.raises(IntegrityError):
            _add(engine, row)
    with pytest.raises(IntegrityError):  # the rebuilt table keeps its CHECK constraint
        _add(engine, {**_citizen("passport", "E7777777", "USA"), "kind": "robot"})
    for where, params in LOOKUPS:
        plan = _plan(engine, where, params)
        assert "ix_users_" in plan, (where, plan)


def test_0046_goes_back_only_when_no_two_accounts_share_a_number(engine: Engine) -> None:
    _add(
        engine,
        _citizen("passport", "987654321", "USA"),
        _citizen("passport", "987654321", "CAN"),
    )
    with pytest.raises(RuntimeError, match="share an identity number"):
        migrate.downgrade(engine, "0045")
    assert migrate.current(engine) == HEAD  # nothing undone

    with engine.begin() as conn:
        conn.execute(users.delete().where(users.c.nationality == "CAN"))
    migrate.downgrade(engine, "0045")
    with pytest.raises(IntegrityError):  # the old constraint is back
        _add(
            engine,
            _citizen("taiwan_travel_permit", "98765432"),
            _citizen("passport", "98765432", "USA"),
        )
    migrate.upgrade(engine)
    assert migrate.current(engine) == HEAD
