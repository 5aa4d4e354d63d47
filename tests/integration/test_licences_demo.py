"""The demo's e-licences: every demo citizen and company holds realistic licences, and loading
them again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.clock import SYSTEM as DEMO_ACTOR
from tongban.adapters.db.tables import users
from tongban.adapters.db.tables_licences import licences as licences_table
from tongban.bootstrap import Container
from tongban.demo import departments
from tongban.demo import licences as demo_licences
from tongban.demo import smart as demo_smart
from tongban.demo.people import DEMO_CITIZENS, DEMO_ENTERPRISES
from tongban.domain.licences.model import LicenceStatus
from tongban.domain.people.model import Role
from tongban.services.licences import access as licence_access
from tongban.services.licences import library as licences
from tongban.services.licences.verify import verify_credential
from tongban.services.network import structure as network
from tongban.services.people.sessions import load_principal
from tongban.services.platform.context import Actor


def test_demo_licences_are_issued_once_and_verify(container: Container) -> None:
    with container.uow() as uow:
        network.upsert_departments(uow, DEMO_ACTOR, departments.DEPARTMENTS)
        uow.commit()
    written = demo_licences.load(container, DEMO_ACTOR, "small")
    assert written >= 2 * len(DEMO_CITIZENS) + len(DEMO_ENTERPRISES) - 1
    assert demo_licences.load(container, DEMO_ACTOR, "small") == 0
    with container.read() as uow:
        total = uow.conn.execute(select(func.count()).select_from(licences_table)).scalar_one()
        elder = licences.holder_licences(
            uow.conn, DEMO_CITIZENS[3].id_number, valid_on=container.clock.today()
        )
        company = licences.holder_licences(
            uow.conn, DEMO_ENTERPRISES[0].credit_code, valid_on=container.clock.today()
        )
    assert total == written
    assert {lic.type_code for lic in elder} >= {"id_card", "hukou", "longevity_allowance"}
    hukou = next(lic for lic in elder if lic.type_code == "hukou")
    assert hukou.fields["household_address"].startswith("广东省佛山市南海区")
    assert [lic.type_code for lic in company] == ["business_licence"]
    for lic in (*elder, *company):
        assert verify_credential(
            lic.credential, container.keys.jwks(), None, today=container.clock.today()
        ).ok


def test_the_civil_affairs_bureau_has_a_section_chief_who_may_revoke_its_licences(
    container: Container,
) -> None:
    with container.uow() as uow:
        network.upsert_departments(uow, DEMO_ACTOR, departments.DEPARTMENTS)
        uow.commit()
    demo_licences.load(container, DEMO_ACTOR, "small")
    demo_smart._accounts(container, DEMO_ACTOR)
    login, _name, department = demo_smart.SMART_CHIEF
    with container.read() as uow:
        chief_id = uow.conn.execute(select(users.c.id).where(users.c.username == login)).scalar()
        chief = load_principal(uow.conn, chief_id)
        allowance = next(
            lic
            for lic in licences.holder_licences(
                uow.conn, DEMO_CITIZENS[3].id_number, valid_on=container.clock.today()
            )
            if lic.type_code == "longevity_allowance"
        )
    assert chief is not None and chief.has_role(Role.SECTION_CHIEF)
    assert allowance.issuer_department == department == "MZJ"
    actor = Actor(principal=chief, request_id="test", at=container.clock.now())
    with container.uow() as uow:
        revoked = licence_access.revoke_licence(uow, actor, allowance.id, "户籍迁出本区")
    assert revoked.status_on(container.clock.today()) is LicenceStatus.REVOKED
