"""The data space's pure rules: what a grant covers, minimal-disclosure predicates, which
licence stands in for which material, form prefill, and the citizen code's signature."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tongban.domain.catalogue.model import FormField, Material
from tongban.domain.data_space.materials import licence_type_for
from tongban.domain.data_space.model import Grant, GrantTerms, Requester, check_new_grant
from tongban.domain.data_space.predicates import PREDICATES, District, evaluate
from tongban.domain.data_space.prefill import fill, locked_changes
from tongban.domain.errors import ValidationFailed
from tongban.domain.identity_check import model as code
from tongban.domain.identity_check.errors import CitizenCodeInvalid
from tongban.domain.shared.identity import resident_id_check_char

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
SCJGJ = Requester("SCJGJ", None, None, "reviewer")


def grant(**changes: object) -> Grant:
    values: dict[str, object] = {
        "id": 1,
        "holder_id": "440605194005010011",
        "grantee_department": "SCJGJ",
        "grantee_item": None,
        "type_codes": ("id_card", "hukou"),
        "fields": None,
        "purpose": "核验",
        "expires_at": NOW + timedelta(days=1),
        "single_use": False,
        "created_at": NOW,
    }
    values.update(changes)
    return Grant(**values)  # type: ignore[arg-type]


def test_a_grant_covers_its_grantee_types_and_fields_only() -> None:
    assert grant().covers(SCJGJ, ["id_card"], None)
    assert not grant().covers(Requester("RSJ", None, None, "reviewer"), ["id_card"], None)
    assert not grant().covers(SCJGJ, ["marriage"], None)
    narrow = grant(fields=("id_card.birth_date", "household_address"))
    assert narrow.covers(SCJGJ, ["id_card"], ["birth_date"])
    assert narrow.covers(SCJGJ, ["hukou"], ["household_address"])
    assert not narrow.covers(SCJGJ, ["id_card"], ["address"])
    assert not narrow.covers(SCJGJ, ["id_card"], None)
    assert narrow.covers_needs(SCJGJ, ["id_card.birth_date", "hukou"])
    assert not narrow.covers_needs(SCJGJ, ["id_card.sex"])


def test_a_grant_is_active_until_revoked_used_or_expired() -> None:
    assert grant().status(NOW) == "active"
    assert grant(revoked_at=NOW).status(NOW) == "revoked"
    assert grant(single_use=True, used_at=NOW).status(NOW) == "used"
    assert grant(used_at=NOW).status(NOW) == "active"
    assert grant().status(NOW + timedelta(days=2)) == "expired"


def test_a_new_grant_is_checked_all_at_once() -> None:
    with pytest.raises(ValidationFailed) as error:
        check_new_grant(
            grantee_department=" ",
            grantee_item=None,
            type_codes=["x"],
            known_types={"id_card"},
            fields=["hukou.address"],
            purpose="",
            expires_at=NOW,
            at=NOW,
        )
    assert set(error.value.fields) == {"grantee", "type_codes", "fields", "purpose", "expires_at"}


def test_grant_terms_are_checked_and_normalised_in_one_value() -> None:
    terms = GrantTerms(
        holder_id="440605194005010011",
        grantee_department=" SCJGJ ",
        grantee_item="",
        type_codes=["id_card", " id_card", "hukou"],
        fields=[],
        purpose=" 核验 ",
        expires_at=NOW + timedelta(days=1),
        single_use=True,
    )
    checked = terms.checked(known_types={"id_card", "hukou"}, at=NOW)
    assert (checked.grantee_department, checked.grantee_item) == ("SCJGJ", None)
    assert checked.type_codes == ("id_card", "hukou") and checked.fields is None
    assert checked.purpose == "核验" and checked.single_use and terms.fields == ()
    with pytest.raises(ValidationFailed) as error:
        terms.checked(known_types={"id_card", "hukou"}, at=NOW + timedelta(days=2))
    assert set(error.value.fields) == {"expires_at"}


NANHAI = District.of("440605", "佛山市", "南海区")
PANYU = District.of("440113", "广州市", "番禺区")


def test_in_the_district_is_the_configured_district() -> None:
    nanhai = {
        "hukou": {"household_address": "佛山市南海桂城街道"},
        "property": {"region_code": "440113"},
    }
    assert NANHAI.names == ("南海区", "佛山市南海")
    assert evaluate(
        ["household_in_nanhai", "has_property_in_nanhai"], nanhai, "", NOW.date(), NANHAI
    ) == {
        "household_in_nanhai": True,
        "has_property_in_nanhai": False,
    }
    assert evaluate(
        ["household_in_nanhai", "has_property_in_nanhai"], nanhai, "", NOW.date(), PANYU
    ) == {
        "household_in_nanhai": False,
        "has_property_in_nanhai": True,
    }


def test_predicates_answer_without_values_and_none_when_data_is_missing() -> None:
    facts = {
        "id_card": {"birth_date": "1946-11-03"},
        "hukou": {"household_address": "佛山市南海区大沥镇"},
    }
    answers = evaluate(list(PREDICATES), facts, "", date(2026, 11, 2), NANHAI)
    assert answers["age_at_least_80"] is False and answers["age_at_least_60"] is True
    assert answers["household_in_nanhai"] is True and answers["married"] is False
    assert set(answers.values()) <= {True, False, None}
    missing = evaluate(
        ["age_at_least_18", "household_in_nanhai"], {}, "not-an-id", date(2026, 11, 16), NANHAI
    )
    assert missing == {"age_at_least_18": None, "household_in_nanhai": None}
    number = "44060519400501001" + resident_id_check_char("44060519400501001")
    from_number = evaluate(["age_at_least_80"], {}, number, date(2026, 11, 2), NANHAI)
    assert from_number == {"age_at_least_80": True}


def test_holding_an_e_id_is_answered_by_the_licence_itself_not_the_id_number() -> None:
    number = "44060519400501001" + resident_id_check_char("44060519400501001")
    held = evaluate(
        ["has_id_card"], {"id_card": {"birth_date": "1940-05-01"}}, number, NOW.date(), NANHAI
    )
    assert held == {"has_id_card": True}
    # A valid ID number on the account is no e-ID: without the licence the answer is no.
    assert evaluate(["has_id_card"], {}, number, NOW.date(), NANHAI) == {"has_id_card": False}


@pytest.mark.parametrize(
    ("name", "licence_type", "expected"),
    [
        ("经营者身份证明", "居民身份证", "id_card"),
        ("申请人户口簿", None, "hukou"),
        ("食品经营许可证复印件", None, "food_permit"),
        ("营业执照副本", None, "business_licence"),
        ("不动产权证书", None, "property"),
        ("结婚证", None, "marriage"),
        ("经营场所使用证明", None, None),
        ("任意名称", "senior_card", "senior_card"),
    ],
)
def test_a_material_is_matched_to_the_licence_that_replaces_it(
    name: str, licence_type: str | None, expected: str | None
) -> None:
    material = Material(name=name, licence_type=licence_type)
    assert licence_type_for(material, {"senior_card", "id_card"}) == expected


def test_the_applicants_id_card_never_stands_in_for_their_agents() -> None:
    # "受托人身份证件" speaks of an ID card: the agent's, which no licence of the applicant is.
    name = "委托书及受托人身份证件"
    assert licence_type_for(Material(name=name), {"id_card"}) == "id_card"
    assert licence_type_for(Material(name=name, only_by_agent=True), {"id_card"}) is None


def test_prefill_locks_what_the_licences_hold() -> None:
    form = [
        FormField(name="born", label="出生日期", source="id_card.birth_date"),
        FormField(name="spouse", label="配偶", source="marriage.spouse_name"),
        FormField(name="phone", label="电话"),
    ]
    result = fill(form, {"id_card": {"birth_date": "1940-05-01"}})
    assert result.values == {"born": "1940-05-01"} and result.locked == {"born"}
    assert result.missing == {"spouse": "marriage.spouse_name"}
    assert locked_changes(result, {"born": "1950-01-01"}) == {"born": ("1940-05-01", "1950-01-01")}
    with pytest.raises(ValueError):
        FormField(name="x", label="x", source="not a source")


def test_a_citizen_code_verifies_only_with_its_key_and_unaltered() -> None:
    token = code.sign("k", "a" * 24, 7, NOW)
    claims = code.verify("k", token)
    assert (claims.jti, claims.user_id, claims.expires_at) == ("a" * 24, 7, NOW)
    for bad in (token + "x", token.replace(".7.", ".8."), "TB1.a.b.c", ""):
        with pytest.raises(CitizenCodeInvalid):
            code.verify("k", bad)
    with pytest.raises(CitizenCodeInvalid):
        code.verify("other", token)


def test_a_form_fields_source_survives_the_excel_round_trip_and_old_files_still_import() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from tests.integration.catalogue_fixtures import spec
    from tongban.services.catalogue.formats import FORM_SHEET
    from tongban.services.catalogue.xlsx import read_workbook, write_workbook

    form = [
        {"name": "address", "label": "户籍地址", "source": "hukou.household_address"},
        {"name": "phone", "label": "联系电话", "type": "phone"},
    ]
    item = spec(form=form)
    data = write_workbook([item])
    assert read_workbook(data)[0].form == item.form

    book = load_workbook(BytesIO(data))
    sheet = book[FORM_SHEET]
    sheet.delete_cols([c.value for c in sheet[1]].index("数据来源") + 1)
    old = BytesIO()
    book.save(old)
    [parsed] = read_workbook(old.getvalue())
    assert [f.source for f in parsed.form] == [None, None]
