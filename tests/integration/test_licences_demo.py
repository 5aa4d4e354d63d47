"""The demo's e-licences: every demo citizen and company holds realistic licences, and loading
them again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.clock import SYSTEM as DEMO_ACTOR
from tongban.adapters.db.tables_licences import licences as licences_table
from tongban.bootstrap import Container
from tongban.demo import departments
from tongban.demo import licences as demo_licences
from tongban.demo.people import DEMO_CITIZENS, DEMO_ENTERPRISES
from tongban.services.licences import library as licences
from tongban.services.licences.verify import verify_credential
from tongban.services.network import structure as network


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
