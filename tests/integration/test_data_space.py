# ruff: noqa: F811  (the ``holder`` fixture is imported)
"""The personal data space through the services on both databases: grants, revocation, refused
reads, the holder's log of every access, single use, field scope and minimal disclosure."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests.clock import SYSTEM
from tests.integration.catalogue_fixtures import spec
from tests.integration.data_space_fixtures import (
    DEPARTMENT,
    NOW,
    OTHER_DEPARTMENT,
    Holder,
    holder,  # noqa: F401
    later,
)
from tongban.adapters.db.tables_data_space import data_access_events, data_grants
from tongban.domain.data_space.errors import DataAccessRefused, GrantNotFound, UnknownPredicate
from tongban.domain.data_space.model import Requester
from tongban.domain.errors import PermissionDenied, ValidationFailed
from tongban.services.catalogue import items as catalogue
from tongban.services.data_space import reads as data_space


def give(world: Holder, **changes: Any) -> data_space.Grant:
    values: dict[str, Any] = {
        "holder_id": world.id_number,
        "grantee_department": "SCJGJ",
        "grantee_item": None,
        "type_codes": ["id_card", "hukou"],
        "fields": None,
        "purpose": "办理高龄津贴申领",
        "expires_at": later(days=30),
        "single_use": False,
    }
    values.update(changes)
    with world.container.uow() as uow:
        return data_space.grant(uow, world.actor(world.user_id), data_space.GrantTerms(**values))


def read(
    world: Holder,
    requester: Requester = DEPARTMENT,
    *,
    types: tuple[str, ...] = ("id_card",),
    fields: list[str] | None = None,
    at: Any = None,
    legal_basis: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Read in a writing unit of work that commits, as a use case would."""
    with world.container.uow() as uow:
        data = data_space.read_licence_data(
            uow,
            requester,
            holder_id=world.id_number,
            type_codes=types,
            fields=fields,
            purpose="核验申请人年龄",
            case_number="NH20261102-000001",
            legal_basis=legal_basis,
            at=at or later(minutes=5),
        )
        uow.commit()
    return data


def log(world: Holder) -> list[data_space.AccessEntry]:
    with world.container.read() as uow:
        return data_space.access_log(uow.conn, world.id_number)


def test_without_a_grant_nothing_is_read_and_the_refusal_is_logged(holder: Holder) -> None:
    with pytest.raises(DataAccessRefused) as refused:
        read(holder)
    assert refused.value.status == 403 and refused.value.code == "data_access_refused"
    [entry] = log(holder)
    assert entry.outcome == "refused" and entry.department_code == "SCJGJ"
    assert entry.what["types"] == ["id_card"] and entry.case_number == "NH20261102-000001"


def test_a_refused_attempt_stays_logged_though_the_callers_work_rolls_back(
    holder: Holder,
) -> None:
    with holder.container.uow() as uow, pytest.raises(DataAccessRefused):
        data_space.predicates(
            uow,
            DEPARTMENT,
            holder_id=holder.id_number,
            names=["age_at_least_80"],
            purpose="高龄津贴",
            case_number=None,
            at=NOW,
        )
    assert [e.outcome for e in log(holder)] == ["refused"]
    assert log(holder)[0].what["predicates"] == ["age_at_least_80"]


def test_a_grant_lets_the_department_read_and_every_read_is_in_the_holders_log(
    holder: Holder,
) -> None:
    grant = give(holder)
    data = read(holder, types=("id_card", "hukou"))
    assert data["id_card"]["birth_date"] == "1940-05-01"
    assert "南海区" in data["hukou"]["household_address"]
    read(holder)
    entries = log(holder)
    assert [e.outcome for e in entries] == ["allowed", "allowed"]
    assert all(e.purpose == "核验申请人年龄" for e in entries)
    with holder.container.read() as uow:
        used = uow.conn.execute(select(data_access_events.c.grant_id)).scalars().all()
    assert set(used) == {grant.id}


def test_after_revoking_a_grant_the_very_next_read_is_refused(holder: Holder) -> None:
    grant = give(holder)
    read(holder)
    with holder.container.uow() as uow:
        data_space.revoke_grant(uow, holder.actor(holder.user_id, later(minutes=6)), grant.id)
    with pytest.raises(DataAccessRefused):
        read(holder, at=later(minutes=7))
    assert [e.outcome for e in log(holder)] == ["refused", "allowed"]


def test_a_grant_to_one_department_does_not_let_another_read(holder: Holder) -> None:
    give(holder)
    with pytest.raises(DataAccessRefused):
        read(holder, OTHER_DEPARTMENT)


def test_an_item_grant_covers_requests_for_that_item_only(holder: Holder) -> None:
    with holder.container.uow() as uow:
        catalogue.publish_spec(uow, SYSTEM, spec())
        uow.commit()
    give(holder, grantee_department=None, grantee_item="SCJGJ-0001")
    assert "id_card" in read(holder, Requester(None, "SCJGJ-0001", None, "system"))
    with pytest.raises(DataAccessRefused):
        read(holder, Requester("SCJGJ", "RSJ-0001", None, "system"))
    with pytest.raises(ValidationFailed):
        give(holder, grantee_department=None, grantee_item="NOPE-0001")


def test_an_expired_grant_reads_nothing(holder: Holder) -> None:
    give(holder, expires_at=later(days=1))
    read(holder, at=later(minutes=10))
    with pytest.raises(DataAccessRefused):
        read(holder, at=later(days=2))


def test_a_single_use_grant_is_consumed_by_its_first_read(holder: Holder) -> None:
    give(holder, single_use=True)
    read(holder)
    with pytest.raises(DataAccessRefused):
        read(holder)
    [row] = _grants(holder)
    assert row.used_at is not None


def test_a_grant_of_some_fields_does_not_cover_the_others(holder: Holder) -> None:
    give(holder, fields=["id_card.birth_date"])
    assert read(holder, fields=["birth_date"]) == {"id_card": {"birth_date": "1940-05-01"}}
    with pytest.raises(DataAccessRefused):
        read(holder, fields=["holder_name"])
    with pytest.raises(DataAccessRefused):
        read(holder, fields=None)


def test_a_legal_basis_is_recorded_with_the_access(holder: Holder) -> None:
    read(holder, legal_basis="《社会救助暂行办法》第十一条")
    [entry] = log(holder)
    assert entry.outcome == "allowed" and entry.legal_basis == "《社会救助暂行办法》第十一条"


def test_predicates_answer_yes_or_no_without_the_values(holder: Holder) -> None:
    give(
        holder,
        type_codes=["id_card", "hukou", "food_permit"],
        fields=["id_card.birth_date", "hukou.household_address"],
    )
    names = ["age_at_least_18", "age_at_least_80", "household_in_nanhai", "has_food_permit"]
    with holder.container.uow() as uow:
        answers = data_space.predicates(
            uow,
            DEPARTMENT,
            holder_id=holder.id_number,
            names=names,
            purpose="高龄津贴资格",
            case_number=None,
            at=later(minutes=1),
        )
        uow.commit()
    assert answers == {
        "age_at_least_18": True,
        "age_at_least_80": True,
        "household_in_nanhai": True,
        "has_food_permit": False,
    }
    assert all(isinstance(v, bool) for v in answers.values())
    [entry] = log(holder)
    assert entry.kind == "predicate" and entry.what["predicates"] == names
    assert "1940" not in str(entry.what) and "南海大道" not in str(entry.what)


def test_a_predicate_needs_a_grant_of_the_fields_it_reads(holder: Holder) -> None:
    give(holder, type_codes=["hukou"])
    with holder.container.uow() as uow, pytest.raises(DataAccessRefused):
        data_space.predicates(
            uow,
            DEPARTMENT,
            holder_id=holder.id_number,
            names=["age_at_least_18"],
            purpose="年龄核验",
            case_number=None,
            at=NOW,
        )
    with holder.container.uow() as uow, pytest.raises(UnknownPredicate):
        data_space.predicates(
            uow,
            DEPARTMENT,
            holder_id=holder.id_number,
            names=["rich"],
            purpose="x",
            case_number=None,
            at=NOW,
        )


def test_only_the_holder_grants_or_revokes(holder: Holder) -> None:
    with holder.container.uow() as uow, pytest.raises(PermissionDenied):
        terms = data_space.GrantTerms(
            holder_id=holder.id_number,
            grantee_department="SCJGJ",
            grantee_item=None,
            type_codes=["id_card"],
            fields=None,
            purpose="冒名授权",
            expires_at=later(days=1),
            single_use=False,
        )
        data_space.grant(uow, holder.actor(holder.other_user_id), terms)
    grant = give(holder)
    with holder.container.uow() as uow, pytest.raises(GrantNotFound):
        data_space.revoke_grant(uow, holder.actor(holder.other_user_id), grant.id)
    read(holder)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"grantee_department": None}, "grantee"),
        ({"type_codes": []}, "type_codes"),
        ({"type_codes": ["unicorn_licence"]}, "type_codes"),
        ({"purpose": "  "}, "purpose"),
        ({"expires_at": NOW}, "expires_at"),
        ({"expires_at": later(days=400)}, "expires_at"),
    ],
)
def test_a_bad_grant_is_refused_and_changes_nothing(
    holder: Holder, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as error:
        give(holder, **changes)
    assert field in error.value.fields
    assert _grants(holder) == []


def test_the_holder_reads_their_own_data_without_a_grant(holder: Holder) -> None:
    me = Requester(None, None, holder.user_id, "citizen")
    assert read(holder, me)["id_card"]["holder_name"] == "陈阿婆"
    stranger = Requester(None, None, holder.other_user_id, "citizen")
    with pytest.raises(DataAccessRefused):
        read(holder, stranger, legal_basis="我说可以")


def _grants(world: Holder) -> list[Any]:
    with world.container.read() as uow:
        count = uow.conn.execute(select(func.count()).select_from(data_grants)).scalar_one()
        assert count >= 0
        return list(uow.conn.execute(select(data_grants)).all())


def test_a_revoked_licence_is_no_longer_read(holder: Holder) -> None:
    from tongban.services.licences import library as licences

    give(holder)
    with holder.container.uow() as uow:
        licences.revoke(uow, holder.actor(holder.reviewer), holder.issued[1], "户籍已迁出")
    assert read(holder, types=("id_card", "hukou")).keys() == {"id_card"}
    with holder.container.uow() as uow:
        answers = data_space.predicates(
            uow,
            DEPARTMENT,
            holder_id=holder.id_number,
            names=["household_in_nanhai"],
            purpose="户籍核验",
            case_number=None,
            at=later(minutes=9),
        )
    assert answers == {"household_in_nanhai": None}


def test_two_readers_racing_for_a_single_use_grant_exactly_one_wins(holder: Holder) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    give(holder, single_use=True)
    barrier = threading.Barrier(2)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            read(holder)
        except DataAccessRefused:
            return "refused"
        return "read"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(attempt, range(2)))
    assert outcomes == ["read", "refused"]
    assert sorted(e.outcome for e in log(holder)) == ["allowed", "refused"]
