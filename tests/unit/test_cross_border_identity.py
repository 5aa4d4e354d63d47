"""跨境通办 identity documents, as tables of valid and invalid examples: each type's number,
its check character where it has one, the nationality and the Latin name, how each is masked.

Every number is made up: the 18-character ones get their check character computed here.
"""

from __future__ import annotations

from datetime import date

import pytest

from tongban.domain.errors import (
    InvalidDocumentNumber,
    InvalidIdentityNumber,
    InvalidLatinName,
    InvalidNationality,
)
from tongban.domain.shared.identity import (
    IdType,
    form_document_number,
    nationality_code,
    parse_identity,
    parse_latin_name,
    resident_id_check_char,
)
from tongban.domain.shared.masking import mask_document, mask_text

TODAY = date(2026, 11, 16)


def with_check(first17: str) -> str:
    """A made-up GB 11643-shaped number with its correct check character."""
    return first17 + resident_id_check_char(first17)


def with_wrong_check(first17: str) -> str:
    right = resident_id_check_char(first17)
    return first17 + ("0" if right != "0" else "1")


HK_PERMIT_18 = with_check("81000019900101123")
MACAO_PERMIT_18 = with_check("82000019851231004")
TAIWAN_PERMIT_18 = with_check("83000020000229005")
FOREIGN_PR = with_check("94484019880808123")  # 9 + 44 (广东) + 840 (USA) + birth + sequence

VALID: list[tuple[IdType, str, str | None, str]] = [
    # (type, as typed, nationality, as stored)
    (IdType.HK_MACAO_TRAVEL_PERMIT, "H12345678", None, "H12345678"),
    (IdType.HK_MACAO_TRAVEL_PERMIT, " m87654321 ", None, "M87654321"),
    (IdType.HK_MACAO_TRAVEL_PERMIT, "H1234567890", None, "H1234567890"),  # older permit
    (IdType.HK_MACAO_TRAVEL_PERMIT, "Ｈ１２３４５６７８", None, "H12345678"),  # full-width
    (IdType.TAIWAN_TRAVEL_PERMIT, "01234567", None, "01234567"),
    (IdType.HMT_RESIDENCE_PERMIT, HK_PERMIT_18, None, HK_PERMIT_18),
    (IdType.HMT_RESIDENCE_PERMIT, MACAO_PERMIT_18, None, MACAO_PERMIT_18),
    (IdType.HMT_RESIDENCE_PERMIT, TAIWAN_PERMIT_18.lower(), None, TAIWAN_PERMIT_18),
    (IdType.PASSPORT, "e1234567", "gbr", "E1234567"),
    (IdType.PASSPORT, "123456789", "USA", "123456789"),
    (IdType.PASSPORT, "C01X00T47", "deu", "C01X00T47"),
    (IdType.PASSPORT, "XA0000001", "UNO", "XA0000001"),  # an ICAO code (United Nations)
    # ICAO 9303: at most 9 letters and digits in the machine-readable zone, digits only in
    # many countries; one number may be issued by two countries, or be a 台胞证's too.
    (IdType.PASSPORT, "987654321", "usa", "987654321"),
    (IdType.PASSPORT, "987654321", "CAN", "987654321"),
    (IdType.PASSPORT, "01234567", "AUT", "01234567"),
    (IdType.PASSPORT, "１２３４５", "FRA", "12345"),  # full-width, the shortest taken
    (IdType.PASSPORT, "H12345678", "NLD", "H12345678"),  # a 回乡证's shape, as a passport
    (IdType.FOREIGN_PERMANENT_RESIDENCE, FOREIGN_PR, None, FOREIGN_PR),
    (IdType.FOREIGN_PERMANENT_RESIDENCE, FOREIGN_PR, "usa", FOREIGN_PR),
]


@pytest.mark.parametrize(("kind", "typed", "nationality", "stored"), VALID)
def test_valid_documents_parse_and_are_stored_normalised(
    kind: IdType, typed: str, nationality: str | None, stored: str
) -> None:
    identity = parse_identity(kind, typed, nationality=nationality, today=TODAY)
    assert (identity.id_type, identity.number) == (kind, stored)
    assert identity.nationality == (nationality.upper() if nationality else None)


INVALID: list[tuple[IdType, str, str | None, type[Exception], str]] = [
    # (type, number, nationality, error, the Chinese reason names …)
    (IdType.HK_MACAO_TRAVEL_PERMIT, "A12345678", None, InvalidDocumentNumber, "H或M"),
    (IdType.HK_MACAO_TRAVEL_PERMIT, "H1234567", None, InvalidDocumentNumber, "H或M"),
    (IdType.HK_MACAO_TRAVEL_PERMIT, "H123456789", None, InvalidDocumentNumber, "H或M"),
    (IdType.HK_MACAO_TRAVEL_PERMIT, "", None, InvalidDocumentNumber, "为空"),
    (IdType.TAIWAN_TRAVEL_PERMIT, "1234567", None, InvalidDocumentNumber, "8位数字"),
    (IdType.TAIWAN_TRAVEL_PERMIT, "T1234567", None, InvalidDocumentNumber, "8位数字"),
    (
        IdType.HMT_RESIDENCE_PERMIT,
        with_wrong_check("81000019900101123"),
        None,
        InvalidDocumentNumber,
        "校验码",
    ),
    (
        IdType.HMT_RESIDENCE_PERMIT,
        with_check("44060519900101123"),
        None,
        InvalidDocumentNumber,
        "810000",
    ),
    (
        IdType.HMT_RESIDENCE_PERMIT,
        with_check("81000019901301123"),
        None,
        InvalidDocumentNumber,
        "不是有效日期",
    ),
    (IdType.HMT_RESIDENCE_PERMIT, "81000019900101", None, InvalidDocumentNumber, "18位"),
    (
        IdType.FOREIGN_PERMANENT_RESIDENCE,
        with_wrong_check("94484019880808123"),
        None,
        InvalidDocumentNumber,
        "校验码",
    ),
    (
        IdType.FOREIGN_PERMANENT_RESIDENCE,
        with_check("84484019880808123"),
        None,
        InvalidDocumentNumber,
        "以9开头",
    ),
    (IdType.FOREIGN_PERMANENT_RESIDENCE, "USA440088080812", None, InvalidDocumentNumber, "2023"),
    (IdType.FOREIGN_PERMANENT_RESIDENCE, FOREIGN_PR, "XYZ", InvalidNationality, "ISO 3166"),
    (IdType.PASSPORT, "E1234567", None, InvalidNationality, "国籍代码"),
    (IdType.PASSPORT, "E1234567", "ZZZ", InvalidNationality, "ISO 3166"),
    (IdType.PASSPORT, "E1234567", "GB", InvalidNationality, "三位字母"),
    (IdType.PASSPORT, "E12", "GBR", InvalidDocumentNumber, "5至9位"),
    (IdType.PASSPORT, "1234", "USA", InvalidDocumentNumber, "5至9位"),
    (IdType.PASSPORT, "E123-4567", "GBR", InvalidDocumentNumber, "5至9位"),
    (IdType.PASSPORT, "E12345678X", "GBR", InvalidDocumentNumber, "5至9位"),  # 10: past the MRZ
    (IdType.PASSPORT, "1234567890", "USA", InvalidDocumentNumber, "5至9位"),
    (IdType.PASSPORT, "12345678<", "USA", InvalidDocumentNumber, "5至9位"),  # the MRZ filler
    (IdType.PASSPORT, "", "USA", InvalidDocumentNumber, "为空"),
    (IdType.TAIWAN_TRAVEL_PERMIT, "123456789", None, InvalidDocumentNumber, "8位数字"),
    (IdType.HK_MACAO_TRAVEL_PERMIT, "123456789", None, InvalidDocumentNumber, "H或M"),
    (IdType.RESIDENT_ID, "123456789", None, InvalidIdentityNumber, "18位"),
]


@pytest.mark.parametrize(("kind", "number", "nationality", "error", "reason"), INVALID)
def test_invalid_documents_are_refused_with_a_chinese_reason_and_a_stable_code(
    kind: IdType, number: str, nationality: str | None, error: type[Exception], reason: str
) -> None:
    with pytest.raises(error, match=reason) as refused:
        parse_identity(kind, number, nationality=nationality, today=TODAY)
    codes = ("invalid_document_number", "invalid_nationality", "invalid_id_number")
    assert refused.value.code in codes  # type: ignore[attr-defined]


def test_the_nationality_code_has_its_own_error_code_under_the_document_error() -> None:
    assert InvalidNationality.code == "invalid_nationality"
    assert issubclass(InvalidNationality, InvalidDocumentNumber)
    assert nationality_code(" chn ") == "CHN" and nationality_code("") is None


LATIN: list[tuple[str, str, str, str]] = [
    # (surname, given names, as stored, as the document prints it)
    ("smith", "john paul", "SMITH", "SMITH JOHN PAUL"),
    ("  García  Márquez ", "José", "GARCIA MARQUEZ", "GARCIA MARQUEZ JOSE"),
    ("O'Brien", "Siobhán", "O'BRIEN", "O'BRIEN SIOBHAN"),
    ("Nguyen-Tran", "", "NGUYEN-TRAN", "NGUYEN-TRAN"),
]


@pytest.mark.parametrize(("surname", "given", "stored", "printed"), LATIN)
def test_latin_names_keep_the_document_order_surname_first(
    surname: str, given: str, stored: str, printed: str
) -> None:
    name = parse_latin_name(surname, given)
    assert name.surname == stored and name.as_printed == printed


@pytest.mark.parametrize(
    ("surname", "given", "reason"),
    [
        ("", "John", "请填写姓"),
        ("张", "三", "拉丁字母"),
        ("Smith2", "", "拉丁字母"),
        ("X" * 61, "", "60"),
    ],
)
def test_bad_latin_names_are_refused(surname: str, given: str, reason: str) -> None:
    with pytest.raises(InvalidLatinName, match=reason) as refused:
        parse_latin_name(surname, given)
    assert refused.value.code == "invalid_latin_name"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("h12345678", "H12345678"),
        ("01234567", "01234567"),
        ("E1234567", "E1234567"),
        ("123456789", "123456789"),  # a passport of digits only (USA, DEU ...)
        ("１２３４５６７８９", "123456789"),
        ("12345", "12345"),
        ("c01x00t47", "C01X00T47"),
        ("H1234567890", "H1234567890"),
        (HK_PERMIT_18, HK_PERMIT_18),
        (FOREIGN_PR, FOREIGN_PR),
        ("11010519491231002x", "11010519491231002X"),
    ],
)
def test_a_form_id_field_takes_every_document_of_a_recognisable_shape(
    typed: str, stored: str
) -> None:
    assert form_document_number(typed, today=TODAY) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "1",
        "1234",
        "1101051949",  # 10 digits: longer than any passport number
        "123456789012345",
        "11010519491231002A",
        "110105194912310021",  # a 身份证 number whose check character is wrong
        with_wrong_check("81000019900101123"),  # a 居住证 likewise
        "E12345678X",
        "E1234-567",
    ],
)
def test_a_form_id_field_reads_anything_else_as_a_mistyped_resident_id(typed: str) -> None:
    with pytest.raises(InvalidIdentityNumber):
        form_document_number(typed, today=TODAY)


@pytest.mark.parametrize(
    ("kind", "number", "masked"),
    [
        ("hk_macao_travel_permit", "H12345678", "H******78"),
        ("hk_macao_travel_permit", "M1234567890", "M********90"),
        ("taiwan_travel_permit", "01234567", "******67"),
        ("passport", "E12345678", "E1*****78"),
        ("passport", "E1234", "E***4"),
        ("hmt_residence_permit", HK_PERMIT_18, HK_PERMIT_18[:6] + "********" + HK_PERMIT_18[-4:]),
        ("foreign_permanent_residence", FOREIGN_PR, FOREIGN_PR[:6] + "********" + FOREIGN_PR[-4:]),
        (None, "H12345678", "H1*****78"),
    ],
)
def test_each_document_is_masked_by_its_type(kind: str | None, number: str, masked: str) -> None:
    assert mask_document(kind, number) == masked


def test_logs_mask_a_hong_kong_or_macao_permit_standing_alone() -> None:
    line = "login H12345678 failed; M1234567890 ok; case NH-H12345678X and H1234567 kept"
    assert mask_text(line) == (
        "login H******78 failed; M********90 ok; case NH-H12345678X and H1234567 kept"
    )
