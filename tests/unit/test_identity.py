"""Tests of identity numbers against GB 11643, GB 32100 and GB 11714.

The check characters are recomputed here by independent oracles (Horner form, no weight
tables, values from a freshly built alphabet) so a shared mistake cannot pass unnoticed.
"""

from __future__ import annotations

import string
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tongban.domain.errors import InvalidCreditCode, InvalidDocumentNumber, InvalidIdentityNumber
from tongban.domain.shared.identity import (
    CreditCode,
    IdType,
    Sex,
    credit_code_check_char,
    document_number,
    organisation_code_check_char,
    parse_credit_code,
    parse_identity,
    parse_resident_id,
    resident_id_check_char,
)

TODAY = date(2025, 6, 30)
DIGITS = string.digits
USCC_CHARS = [c for c in string.digits + string.ascii_uppercase if c not in "IOSVZ"]
GB11714_VALUES = string.digits + string.ascii_uppercase  # index is the GB 11714 value


# --- independent oracles ----------------------------------------------------------------------


def oracle_mod11_2(body: str) -> str:
    """ISO 7064 MOD 11-2 by Horner's rule: the full number must be congruent to 1 mod 11."""
    acc = 0
    for ch in body:
        acc = (acc + int(ch)) * 2 % 11
    check = (1 - acc) % 11
    return "X" if check == 10 else str(check)


def oracle_gb11714(body: str) -> str:
    """GB 11714 by Horner's rule: weights 3,7,9,10,5,8,4,2 are 2^8..2^1 modulo 11."""
    acc = 0
    for ch in body:
        acc = (acc + GB11714_VALUES.index(ch)) * 2 % 11
    check = -acc % 11
    return "X" if check == 10 else str(check)


def oracle_gb32100(body: str) -> str:
    """GB 32100 by Horner's rule from the right: weights are 3^0..3^16 modulo 31."""
    acc = 0
    for ch in reversed(body):
        acc = (acc * 3 + USCC_CHARS.index(ch)) % 31
    return USCC_CHARS[-acc % 31]


def oracle_age(birth: date, day: date) -> int:
    """Count birthdays passed one by one; a 29 February birthday falls on 1 March."""
    age = 0
    while True:
        year = birth.year + age + 1
        try:
            anniversary = birth.replace(year=year)
        except ValueError:
            anniversary = date(year, 3, 1)
        if anniversary > day:
            return age
        age += 1


# --- strategies -------------------------------------------------------------------------------

regions = st.text(alphabet=DIGITS, min_size=6, max_size=6)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.text(alphabet=DIGITS, min_size=3, max_size=3)


@st.composite
def resident_ids(draw: st.DrawFn, region: st.SearchStrategy[str] = regions) -> str:
    body = draw(region) + draw(births).strftime("%Y%m%d") + draw(sequences)
    return body + oracle_mod11_2(body)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(USCC_CHARS)) + draw(st.sampled_from(USCC_CHARS)) + draw(regions)
    org_body = "".join(draw(st.lists(st.sampled_from(USCC_CHARS), min_size=8, max_size=8)))
    body = head + org_body + oracle_gb11714(org_body)
    return body + oracle_gb32100(body)


# --- 公民身份号码 -------------------------------------------------------------------------------


def test_the_widely_published_sample_number_is_valid() -> None:
    assert oracle_mod11_2("11010519491231002") == "X"
    parsed = parse_resident_id("11010519491231002X", today=TODAY)
    assert parsed.region_code == "110105"
    assert parsed.province_code == "110000"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sequence_code == "002"
    assert parsed.sex is Sex.FEMALE
    assert parsed.check_char == "X"


@given(resident_ids())
def test_every_generated_valid_number_parses_with_its_birth_date_and_sex(number: str) -> None:
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed.number == number
    assert parsed.region_code == number[:6]
    assert parsed.birth_date.strftime("%Y%m%d") == number[6:14]
    assert parsed.sex is (Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE)


@given(st.text(alphabet=DIGITS, min_size=17, max_size=17))
def test_the_check_char_helper_agrees_with_the_horner_oracle(body: str) -> None:
    assert resident_id_check_char(body) == oracle_mod11_2(body)


@given(resident_ids(), st.integers(min_value=0, max_value=17), st.sampled_from(DIGITS + "X"))
def test_changing_any_single_character_makes_the_number_invalid(
    number: str, position: int, replacement: str
) -> None:
    assume(replacement != number[position])
    assume(position == 17 or replacement != "X")
    corrupted = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(InvalidIdentityNumber):
        parse_resident_id(corrupted, today=TODAY)


@given(resident_ids(), st.integers(min_value=0, max_value=16))
def test_transposing_two_different_adjacent_characters_makes_the_number_invalid(
    number: str, position: int
) -> None:
    assume(number[position] != number[position + 1])
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    with pytest.raises(InvalidIdentityNumber):
        parse_resident_id(swapped, today=TODAY)


@given(resident_ids())
def test_every_other_check_character_is_rejected_as_a_check_error(number: str) -> None:
    for check in DIGITS + "X":
        if check == number[-1]:
            continue
        with pytest.raises(InvalidIdentityNumber, match="校验码错误"):
            parse_resident_id(number[:17] + check, today=TODAY)


def test_a_lowercase_x_is_accepted_and_normalised_to_upper_case() -> None:
    assert parse_resident_id("11010519491231002x", today=TODAY).number == "11010519491231002X"


def test_surrounding_whitespace_and_full_width_digits_are_normalised() -> None:
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert parse_resident_id(f"  {full_width}\n", today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize("region", ["000000", "999999", "440699"])
def test_unknown_region_codes_are_accepted_because_they_are_advisory(region: str) -> None:
    body = region + "19800101" + "123"
    assert parse_resident_id(body + oracle_mod11_2(body), today=TODAY).region_code == region


def test_a_nanhai_number_reports_nanhai_and_guangdong() -> None:
    body = "440605" + "19600229" + "135"
    parsed = parse_resident_id(body + oracle_mod11_2(body), today=TODAY)
    assert parsed.region_code == "440605"
    assert parsed.province_code == "440000"
    assert parsed.sex is Sex.MALE


def test_fifteen_digit_numbers_are_rejected_asking_for_eighteen_digits() -> None:
    with pytest.raises(InvalidIdentityNumber, match="18位") as caught:
        parse_resident_id("110105491231002", today=TODAY)
    assert caught.value.code == "invalid_id_number"
    assert caught.value.message.startswith("公民身份号码无效：")


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("", "为空"),
        ("   ", "为空"),
        ("1101051949123100", "应为18位"),
        ("1101051949123100211", "应为18位"),
        ("11010519491231002Y", "末位须为数字或X"),
        ("1101051949123X0021", "前17位须为数字"),
    ],
)
def test_malformed_numbers_are_rejected_with_a_chinese_reason(number: str, reason: str) -> None:
    with pytest.raises(InvalidIdentityNumber, match=reason):
        parse_resident_id(number, today=TODAY)


@pytest.mark.parametrize(
    ("birth", "reason"),
    [
        ("19990230", "不是有效日期"),
        ("20011301", "不是有效日期"),
        ("19000000", "不是有效日期"),
        ("18991231", "早于1900年"),
        ("20250701", "晚于今天"),
    ],
)
def test_impossible_birth_dates_are_rejected(birth: str, reason: str) -> None:
    body = "440605" + birth + "001"
    with pytest.raises(InvalidIdentityNumber, match=reason):
        parse_resident_id(body + oracle_mod11_2(body), today=TODAY)


def test_a_person_born_today_is_accepted() -> None:
    body = "440605" + TODAY.strftime("%Y%m%d") + "002"
    assert parse_resident_id(body + oracle_mod11_2(body), today=TODAY).age_on(TODAY) == 0


@given(resident_ids(), st.integers(min_value=0, max_value=60_000))
def test_age_counts_completed_years_like_the_oracle(number: str, days_later: int) -> None:
    parsed = parse_resident_id(number, today=TODAY)
    day = parsed.birth_date + timedelta(days=days_later)
    assert parsed.age_on(day) == oracle_age(parsed.birth_date, day)


def test_age_turns_over_on_the_birthday_and_a_leap_day_birthday_on_the_first_of_march() -> None:
    body = "440605" + "20000229" + "002"
    parsed = parse_resident_id(body + oracle_mod11_2(body), today=TODAY)
    assert parsed.age_on(date(2004, 2, 28)) == 3
    assert parsed.age_on(date(2004, 2, 29)) == 4
    assert parsed.age_on(date(2005, 2, 28)) == 4
    assert parsed.age_on(date(2005, 3, 1)) == 5
    with pytest.raises(ValueError):
        parsed.age_on(date(2000, 2, 28))


def test_the_repr_of_a_resident_id_does_not_reveal_the_birth_date() -> None:
    parsed = parse_resident_id("11010519491231002X", today=TODAY)
    assert "19491231" not in repr(parsed)
    assert "19491231" not in repr(parse_identity(IdType.RESIDENT_ID, parsed.number, today=TODAY))


def test_the_check_char_helper_refuses_anything_but_seventeen_digits() -> None:
    for bad in ["1234", "1101051949123100X", "１１０１０５１９４９１２３１００２"]:
        with pytest.raises(ValueError):
            resident_id_check_char(bad)


# --- 统一社会信用代码 ---------------------------------------------------------------------------


def test_the_commonly_cited_credit_code_is_valid() -> None:
    assert oracle_gb11714("M000100Y") == "4"
    assert oracle_gb32100("91350100M000100Y4") == "3"
    parsed = parse_credit_code("91350100M000100Y43")
    assert parsed == CreditCode(
        code="91350100M000100Y43",
        registration_authority="9",
        organisation_category="1",
        region_code="350100",
        organisation_code="M000100Y4",
        check_char="3",
        needs_manual_verification=False,
    )
    assert parsed.organisation_code_display == "M000100Y-4"
    assert parsed.registration_authority_name == "市场监管（工商）"


@given(credit_codes())
def test_generated_valid_codes_parse_without_the_manual_verification_flag(code: str) -> None:
    parsed = parse_credit_code(code)
    assert parsed.code == code
    assert not parsed.needs_manual_verification
    assert parsed.organisation_code == code[8:17]
    assert parsed.region_code == code[2:8]
    assert parsed.expected_check_char == code[17]


@given(st.lists(st.sampled_from(USCC_CHARS), min_size=17, max_size=17).map("".join))
def test_the_credit_code_check_char_helper_agrees_with_the_horner_oracle(body: str) -> None:
    assert credit_code_check_char(body) == oracle_gb32100(body)


@given(st.text(alphabet=GB11714_VALUES, min_size=8, max_size=8))
def test_the_organisation_code_check_char_helper_agrees_with_the_horner_oracle(body: str) -> None:
    assert organisation_code_check_char(body) == oracle_gb11714(body)


@given(credit_codes(), st.sampled_from(USCC_CHARS))
def test_a_code_failing_only_the_final_check_is_accepted_but_flagged(
    code: str, replacement: str
) -> None:
    assume(replacement != code[17])
    parsed = parse_credit_code(code[:17] + replacement)
    assert parsed.needs_manual_verification
    assert parsed.expected_check_char == code[17]


@given(credit_codes(), st.sampled_from(USCC_CHARS))
def test_corrupting_the_organisation_code_check_is_rejected(code: str, replacement: str) -> None:
    assume(replacement != code[16])
    body = code[:16] + replacement
    with pytest.raises(InvalidCreditCode, match="组织机构代码"):
        parse_credit_code(body + oracle_gb32100(body))


@given(credit_codes(), st.integers(min_value=8, max_value=15), st.sampled_from(DIGITS))
def test_changing_a_digit_of_the_organisation_code_body_is_rejected(
    code: str, position: int, replacement: str
) -> None:
    assume(code[position].isdigit() and replacement != code[position])
    body = code[:position] + replacement + code[position + 1 : 17]
    with pytest.raises(InvalidCreditCode):
        parse_credit_code(body + oracle_gb32100(body))


@given(credit_codes())
def test_lowercase_and_surrounding_whitespace_are_normalised(code: str) -> None:
    assert parse_credit_code(f" \t{code.lower()} ").code == code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "为空"),
        ("91350100M000100Y4", "应为18位"),
        ("91350100M000100Y433", "应为18位"),
        ("91350100M000100I43", "I"),
        ("91350100O000100Y43", "O"),
        ("9135010-M000100Y43", "-"),
    ],
)
def test_malformed_credit_codes_are_rejected_with_a_chinese_reason(code: str, reason: str) -> None:
    with pytest.raises(InvalidCreditCode, match=reason) as caught:
        parse_credit_code(code)
    assert caught.value.message.startswith("统一社会信用代码无效：")


def test_the_credit_code_helpers_refuse_malformed_input() -> None:
    with pytest.raises(ValueError):
        credit_code_check_char("91350100M000100Y")
    with pytest.raises(ValueError):
        credit_code_check_char("91350100M000100I4")
    with pytest.raises(ValueError):
        organisation_code_check_char("m000100y")


# --- other documents ----------------------------------------------------------------------------


@given(resident_ids())
def test_parse_identity_of_a_resident_id_agrees_with_parse_resident_id(number: str) -> None:
    identity = parse_identity("resident_id", number, today=TODAY)
    parsed = parse_resident_id(number, today=TODAY)
    assert identity.id_type is IdType.RESIDENT_ID
    assert (identity.number, identity.birth_date, identity.sex) == (
        parsed.number,
        parsed.birth_date,
        parsed.sex,
    )


@given(resident_ids(region=st.sampled_from(["810000", "820000", "830000"])))
def test_residence_permits_of_hong_kong_macao_and_taiwan_residents_parse(number: str) -> None:
    identity = parse_identity(IdType.HMT_RESIDENCE_PERMIT, number, today=TODAY)
    assert identity.birth_date is not None
    assert identity.birth_date.strftime("%Y%m%d") == number[6:14]
    assert identity.sex is not None


def test_a_residence_permit_needs_a_hong_kong_macao_or_taiwan_prefix() -> None:
    with pytest.raises(InvalidDocumentNumber, match="810000"):
        parse_identity(IdType.HMT_RESIDENCE_PERMIT, "11010519491231002X", today=TODAY)


def test_a_residence_permit_with_a_wrong_check_is_an_invalid_document() -> None:
    body = "810000" + "19850615" + "004"
    wrong = "0" if oracle_mod11_2(body) != "0" else "1"
    with pytest.raises(InvalidDocumentNumber, match="校验码错误"):
        parse_identity(IdType.HMT_RESIDENCE_PERMIT, body + wrong, today=TODAY)


def test_a_new_foreign_permanent_residence_card_number_parses_with_its_nationality() -> None:
    body = "944840" + "19780704" + "011"
    identity = parse_identity(
        IdType.FOREIGN_PERMANENT_RESIDENCE,
        body + oracle_mod11_2(body),
        nationality="usa",
        today=TODAY,
    )
    assert identity.birth_date == date(1978, 7, 4)
    assert identity.sex is Sex.MALE
    assert identity.nationality == "USA"


def test_a_permanent_residence_number_not_starting_with_nine_is_rejected() -> None:
    with pytest.raises(InvalidDocumentNumber, match="应以9开头"):
        parse_identity(IdType.FOREIGN_PERMANENT_RESIDENCE, "11010519491231002X", today=TODAY)


def test_an_old_fifteen_character_permanent_residence_number_asks_for_the_new_card() -> None:
    with pytest.raises(InvalidDocumentNumber, match="新版"):
        parse_identity(IdType.FOREIGN_PERMANENT_RESIDENCE, "USA440678041210", today=TODAY)


@pytest.mark.parametrize(
    ("number", "normalised"),
    [("H12345678", "H12345678"), (" m87654321 ", "M87654321"), ("H1234567890", "H1234567890")],
)
def test_hong_kong_and_macao_travel_permits_are_h_or_m_with_eight_or_ten_digits(
    number: str, normalised: str
) -> None:
    identity = parse_identity(IdType.HK_MACAO_TRAVEL_PERMIT, number)
    assert identity.number == normalised
    assert identity.birth_date is None


@pytest.mark.parametrize("number", ["", "A12345678", "H1234567", "H123456789", "12345678"])
def test_malformed_hong_kong_and_macao_travel_permits_are_rejected(number: str) -> None:
    with pytest.raises(InvalidDocumentNumber):
        parse_identity(IdType.HK_MACAO_TRAVEL_PERMIT, number)


def test_taiwan_travel_permits_are_eight_digits() -> None:
    assert parse_identity(IdType.TAIWAN_TRAVEL_PERMIT, "01234567").number == "01234567"
    for bad in ["1234567", "123456789", "T1234567"]:
        with pytest.raises(InvalidDocumentNumber, match="8位数字"):
            parse_identity(IdType.TAIWAN_TRAVEL_PERMIT, bad)


def test_a_passport_is_normalised_and_keeps_its_nationality() -> None:
    identity = parse_identity(IdType.PASSPORT, " e1234567 ", nationality=" gbr")
    assert (identity.number, identity.nationality) == ("E1234567", "GBR")
    assert identity.birth_date is None and identity.sex is None


def test_a_passport_without_a_nationality_is_rejected() -> None:
    for nationality in [None, "", "  "]:
        with pytest.raises(InvalidDocumentNumber, match="国籍代码"):
            parse_identity(IdType.PASSPORT, "E1234567", nationality=nationality)


@pytest.mark.parametrize("nationality", ["US", "USAA", "U5A", "中国"])
def test_a_nationality_that_is_not_three_letters_is_rejected(nationality: str) -> None:
    with pytest.raises(InvalidDocumentNumber, match="三位字母"):
        parse_identity(IdType.PASSPORT, "E1234567", nationality=nationality)


@pytest.mark.parametrize(
    "number", ["E123", "E12345678901234567", "1234567890", "E1234-567", "护照1234567"]
)
def test_passport_numbers_must_be_five_to_nine_letters_or_digits(number: str) -> None:
    with pytest.raises(InvalidDocumentNumber, match="5至9位"):
        parse_identity(IdType.PASSPORT, number, nationality="USA")


def test_an_unknown_document_type_is_rejected_as_an_invalid_document() -> None:
    with pytest.raises(InvalidDocumentNumber, match="不支持的证件类型"):
        parse_identity("driving_licence", "123456")


def test_a_holder_is_looked_up_by_the_document_number_alone() -> None:
    """A passport's nationality is not part of its number: a lookup does not ask for it."""
    assert document_number(IdType.PASSPORT, " e1234567 ") == "E1234567"
    number = document_number(IdType.RESIDENT_ID, "11010519491231002x", today=TODAY)
    assert number == "11010519491231002X"
    with pytest.raises(InvalidDocumentNumber, match="5至9位"):
        document_number(IdType.PASSPORT, "E123")
    with pytest.raises(InvalidIdentityNumber, match="校验码"):
        document_number(IdType.RESIDENT_ID, "110105194912310021", today=TODAY)
