"""A second district (番禺区) end to end, on a database that starts with no jurisdiction:
``tongban init`` from a file, a bad region code refused with nothing changed, then a small
catalogue, a case, a licence and its verification, and nothing of Nanhai anywhere a citizen or
a verifier sees: the pages, the licence PDF, its API answer and its credential."""

from __future__ import annotations

import base64
import json
import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select
from typer.testing import CliRunner

from tests.calendar_fixtures import seed_test_calendar
from tests.clock import SYSTEM
from tests.factories import Person, make_citizen, resident_id, sign_in
from tests.integration.catalogue_fixtures import spec
from tests.unit.test_receipt_pdf import page_text
from tongban.adapters.db.tables import audit_log, centres, departments
from tongban.adapters.db.tables import jurisdiction as jurisdiction_table
from tongban.bootstrap import Container
from tongban.cli import app
from tongban.demo.jurisdictions import PANYU
from tongban.domain.catalogue.model import Level
from tongban.domain.people.model import Role, RoleAssignment
from tongban.services.cases import attachments
from tongban.services.cases import lifecycle as cases
from tongban.services.catalogue import items as catalogue
from tongban.services.licences import library
from tongban.services.licences.verify import verify_credential
from tongban.services.people import accounts as people
from tongban.services.people.sessions import load_principal
from tongban.services.platform import jurisdiction
from tongban.services.platform.context import Actor

NANHAI_MARKS = ("南海", "NH", "440605")

PANYU_TOML = """\
region_code = "440113"
province = "广东省"
city = "广州市"
district = "番禺区"
licence_issuer_name = "广州市番禺区政务服务和数据管理局"
licence_issuer_code = "11440113006952141M"

[[towns]]
code = "440113001"
name = "市桥街道"

[[towns]]
code = "440113101"
name = "南村镇"
"""


@pytest.fixture
def fresh(container: Container) -> Container:
    """The test database as a new deployment finds it: migrated, no jurisdiction yet."""
    with container.uow() as uow:
        uow.conn.execute(delete(jurisdiction_table))
        uow.commit()
    jurisdiction.forget(container.engine)
    return container


def cli(container: Container, *args: str) -> Any:
    env = {
        "TONGBAN_DATABASE_URL": container.engine.url.render_as_string(hide_password=False),
        "TONGBAN_DATA_DIR": str(container.settings.data_dir),
    }
    return CliRunner().invoke(app, list(args), env=env)


def stored(container: Container) -> tuple[list[Any], int]:
    """The jurisdiction rows and the number of audit entries."""
    with container.read() as uow:
        rows = [tuple(r) for r in uow.conn.execute(select(jurisdiction_table)).all()]
        audits = uow.conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    return rows, int(audits)


def test_init_sets_a_district_from_a_file_and_refuses_bad_input_changing_nothing(
    fresh: Container, tmp_path: Path
) -> None:
    assert stored(fresh) == ([], 0)
    settings = tmp_path / "jurisdiction.toml"
    settings.write_text(PANYU_TOML, encoding="utf-8")
    done = cli(fresh, "init", "--file", str(settings))
    assert done.exit_code == 0, done.output
    assert "广州市番禺区" in done.output and "440113" in done.output
    with fresh.read() as uow:
        panyu = jurisdiction.current(uow.conn)
    assert panyu.town_names == ("市桥街道", "南村镇") and panyu.case_prefix == "440113"
    assert panyu.platform_title == "番禺区一网通办"
    before = stored(fresh)
    assert len(before[0]) == 1 and before[1] == 1

    refusals = {
        "990113": "没有代码为 99 的省级行政区",  # no such province
        "440100": "不是县级行政区划代码",  # 广州市: a city's code, not a county's
        "44011": "须为 6 位数字",
    }
    for code, why in refusals.items():
        refused = cli(fresh, "init", "--file", str(settings), "--region", code)
        assert refused.exit_code == 2, refused.output
        assert "辖区配置有误，未做任何更改" in refused.output and why in refused.output
        assert "invalid_jurisdiction" in refused.output
        assert stored(fresh) == before
    wrong_province = cli(fresh, "init", "--file", str(settings), "--province", "福建省")
    assert wrong_province.exit_code == 2 and "属于广东省" in wrong_province.output
    assert stored(fresh) == before


def test_without_a_jurisdiction_nothing_is_numbered(fresh: Container) -> None:
    from tongban.domain.shared.jurisdiction import JurisdictionNotConfigured

    with fresh.read() as uow, pytest.raises(JurisdictionNotConfigured) as caught:
        jurisdiction.current(uow.conn)
    assert caught.value.code == "jurisdiction_not_configured"
    assert "tongban init" in caught.value.message


# --- Panyu end to end --------------------------------------------------------------------------


def panyu_reference_data(container: Container) -> None:
    """Panyu's departments and centres (its own names), the calendar and one published item."""
    with container.uow() as uow:
        uow.conn.execute(
            insert(departments),
            [
                {"code": "SCJGJ", "name": "番禺区市场监督管理局", "short_name": "区市场监管局"},
                {"code": "GAJ", "name": "广州市公安局番禺区分局", "short_name": "番禺公安分局"},
            ],
        )
        common = {
            "latitude": 22.94,
            "longitude": 113.38,
            "opening_hours": "周一至周五 09:00-12:00, 14:00-17:30",
            "accessibility": [],
        }
        district = uow.conn.execute(
            insert(centres)
            .values(
                code="C-PY",
                name="番禺区政务服务中心",
                level=Level.DISTRICT.value,
                town="",
                **common,
            )
            .returning(centres.c.id)
        ).scalar_one()
        uow.conn.execute(
            insert(centres).values(
                code="C-SQ",
                name="市桥街道政务服务中心",
                level=Level.TOWN.value,
                town="市桥街道",
                parent_id=district,
                **common,
            )
        )
        uow.commit()
    seed_test_calendar(container)
    with container.uow() as uow:
        catalogue.publish_spec(uow, SYSTEM, spec())
        uow.commit()


def file_case(container: Container, citizen: Person) -> str:
    with container.read() as uow:
        principal = load_principal(uow.conn, citizen.user_id)
    actor = Actor(principal=principal, request_id="panyu", at=container.clock.now())
    application = cases.Application(
        item_code="SCJGJ-0001",
        form={},
        materials=(),
        pickup_centre_code="C-PY",
    )
    uploads = [
        attachments.Upload(m, f"{m}.pdf", BytesIO(b"%PDF-1.7\n%%EOF\n"))
        for m in ("经营者身份证明", "经营场所使用证明")
    ]
    with container.uow() as uow:
        ref = attachments.apply_online(
            uow,
            actor,
            container.files,  # type: ignore[arg-type]
            application,
            uploads,
            submit=True,
            max_bytes=container.settings.upload_max_bytes,
            allowed=container.settings.upload_allowed_types,
        )
    return ref.number


def decoded(credential: str) -> str:
    """The credential's header, signed claims and disclosures, as readable JSON text, without
    its random parts (the digests of the selectively disclosed claims and each disclosure's
    salt), where base64 letters could spell NH by chance."""

    def part(text: str) -> Any:
        return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))

    def without_digests(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: without_digests(v) for k, v in value.items() if k != "_sd"}
        if isinstance(value, list):
            return [without_digests(v) for v in value if not (isinstance(v, dict) and "..." in v)]
        return value

    def readable(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    jwt, *disclosures = [p for p in credential.split("~") if p]
    header, payload, _signature = jwt.split(".")
    return "\n".join(
        [
            readable(part(header)),
            readable(without_digests(part(payload))),
            *(readable(part(d)[1:]) for d in disclosures),
        ]
    )


def assert_nothing_of_nanhai(what: str, text: str, *random: str) -> None:
    """``text`` names nothing of Nanhai; ``random`` (tokens, ids) are left out first, where two
    random letters could spell NH by chance."""
    for value in random:
        text = text.replace(value, "")
    found = [mark for mark in NANHAI_MARKS if mark in text]
    assert not found, f"{what} shows {found}"


def test_a_second_district_files_issues_and_verifies_with_nothing_of_nanhai(
    fresh: Container, client: Any
) -> None:
    container = fresh
    with container.uow() as uow:
        jurisdiction.configure(uow, SYSTEM, PANYU)
    panyu_reference_data(container)
    citizen = make_citizen(container, id_number=resident_id(region="440113"), name="何晓明")
    number = file_case(container, citizen)
    assert re.fullmatch(r"440113-20261116-\d{7}", number)
    with container.uow() as uow:
        licence = library.issue(
            uow,
            SYSTEM,
            container.keys,
            type_code="id_card",
            holder_id=citizen.login,
            holder_name="何晓明",
            fields={
                "sex": "男",
                "ethnicity": "汉",
                "birth_date": "1985-03-12",
                "address": "广州市番禺区市桥街道",
            },
            case_number=number,
        )
    claims = decoded(licence.credential)
    assert '"iss":"urn:tongban:440113"' in claims and "广州市番禺区市桥街道" in claims
    today = container.clock.now().date()
    assert verify_credential(licence.credential, container.keys, None, today=today).ok
    ca = container.keys.ca_certificate_pem.decode()
    assert "BEGIN CERTIFICATE" in ca
    from cryptography import x509

    subject = x509.load_pem_x509_certificate(container.keys.ca_certificate_pem).subject
    assert subject.rfc4514_string() == (
        "CN=广州市番禺区政务服务和数据管理局 电子证照 CA,O=广州市番禺区政务服务和数据管理局,"
        "L=广州市,ST=广东省,C=CN"
    )

    csrf = sign_in(container, client, citizen)
    pages = {
        "home": client.get("/"),
        "item guide": client.get("/items/SCJGJ-0001"),
        "case page": client.get(f"/my/cases/{number}"),
        "licence verify page": client.get(f"/verify?id={licence.id}"),
        "verify result": client.post(
            "/verify", data={"credential": licence.credential}, headers={"X-CSRF-Token": csrf}
        ),
    }
    answer = client.get(f"/api/v1/licences/{licence.id}")
    pdf = client.get(f"/api/v1/licences/{licence.id}/pdf")
    with container.uow() as uow:
        manager = people.create_staff(
            uow, SYSTEM, "py.manager", "番禺中心主任", "Factory@2026",
            [RoleAssignment(Role.CENTRE_MANAGER, centre_code="C-SQ")],
        )  # fmt: skip
    client.cookies.clear()
    staff_csrf = sign_in(
        container, client, Person(manager, "py.manager", None, Role.CENTRE_MANAGER)
    )
    pages["kiosk"] = client.get("/kiosk/pair")

    for name, response in pages.items():
        assert response.status_code == 200, (name, response.text[:500])
        assert_nothing_of_nanhai(name, response.text, csrf, staff_csrf, licence.id)
    assert "番禺区一网通办" in pages["home"].text
    assert "广州市番禺区政务服务和数据管理局" in pages["home"].text
    assert "番禺区政务服务" in pages["kiosk"].text
    assert number in pages["case page"].text
    assert "核验通过" in pages["verify result"].text or "有效" in pages["verify result"].text
    assert answer.status_code == 200 and pdf.status_code == 200
    body = answer.json()
    credential = body.pop("credential", "")
    assert_nothing_of_nanhai("licence JSON", json.dumps(body, ensure_ascii=False), licence.id)
    assert_nothing_of_nanhai("credential", decoded(credential or licence.credential), licence.id)
    text = page_text(pdf.content)
    assert "广州市公安局番禺区分局" in text
    assert_nothing_of_nanhai("licence PDF", text, licence.id)
