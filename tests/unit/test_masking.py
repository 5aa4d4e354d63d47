"""Tests of masking personal information for display and logs."""

from __future__ import annotations

import logging
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.domain.shared.masking import (
    MaskingFilter,
    mask_bank_account,
    mask_by_type,
    mask_credit_code,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
)

id_numbers = st.builds(
    lambda body, check: body + check,
    st.text(alphabet=string.digits, min_size=17, max_size=17),
    st.sampled_from(string.digits + "Xx"),
)
mobiles = st.builds(
    lambda second, rest: "1" + second + rest,
    st.sampled_from("3456789"),
    st.text(alphabet=string.digits, min_size=9, max_size=9),
)
# Free text around the numbers: anything but decimal digits (which would merge with them).
fillers = st.text(
    alphabet=st.characters(blacklist_categories=("Nd", "Cs")), min_size=1, max_size=12
)


def masked_id(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


def masked_mobile(number: str) -> str:
    return number[:3] + "****" + number[-4:]


# --- single values ------------------------------------------------------------------------------


def test_an_id_number_keeps_its_first_six_and_last_four_characters() -> None:
    assert mask_id_number("440605199001011234") == "440605********1234"
    assert mask_id_number(" 11010519491231002X ") == "110105********002X"


@given(id_numbers)
def test_masking_an_id_number_never_reveals_the_birth_date_or_first_sequence_digits(
    number: str,
) -> None:
    masked = mask_id_number(number)
    assert masked == masked_id(number)
    assert number[6:14] not in masked
    assert len(masked) == len(number)


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=17))
def test_other_document_numbers_are_at_least_half_hidden(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    if len(number) != 15:
        assert masked.count("*") >= len(number) / 2
    if len(number) <= 4:
        assert set(masked) == {"*"}


def test_short_documents_keep_a_short_prefix_and_suffix() -> None:
    assert mask_id_number("H12345678") == "H1*****78"
    assert mask_id_number("01234567") == "0******7"
    assert mask_id_number("110105491231002") == "110105******002"
    assert mask_id_number("E12") == "***"


def test_a_mobile_number_keeps_its_first_three_and_last_four_digits() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "+86 138-****-5678"


@given(mobiles)
def test_masking_a_mobile_number_always_hides_the_middle_four_digits(number: str) -> None:
    assert mask_phone(number) == masked_mobile(number)


def test_other_phone_numbers_are_masked_in_the_middle() -> None:
    assert mask_phone("0757-86231234") == "075******1234"
    assert mask_phone("86231234") == "86****34"
    assert mask_phone("12345") == "*****"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张**"), ("李四", "李*"), (" 欧阳娜娜 ", "欧***"), ("王", "*"), ("", "")],
)
def test_a_name_keeps_only_its_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_credit_codes_are_public_and_returned_unchanged() -> None:
    assert mask_credit_code("91350100M000100Y43") == "91350100M000100Y43"


# --- free text ----------------------------------------------------------------------------------


def test_a_log_message_has_its_id_and_mobile_numbers_masked() -> None:
    text = "申请人身份证440605199001011234，手机13812345678，代码91350100M000100Y43。"
    assert mask_text(text) == (
        "申请人身份证440605********1234，手机138****5678，代码91350100M000100Y43。"
    )


def test_numbers_written_in_groups_or_with_a_country_code_are_masked() -> None:
    assert mask_text("ID 440605 19900101 1234.") == "ID 440605 ******** 1234."
    assert mask_text("tel:+8613812345678") == "tel:+86138****5678"
    assert mask_text("tel 0086 139 1234 5678") == "tel 0086 139 **** 5678"


def test_digit_runs_of_other_lengths_are_left_alone() -> None:
    text = "订单 1234567890123456789 与 1381234567 以及 2024-06-30"
    assert mask_text(text) == text


@given(
    st.lists(
        st.tuples(
            fillers,
            st.one_of(id_numbers.map(lambda n: ("id", n)), mobiles.map(lambda n: ("mobile", n))),
        ),
        max_size=6,
    ),
    fillers,
)
def test_mask_text_masks_every_embedded_id_and_mobile_number(
    pieces: list[tuple[str, tuple[str, str]]], tail: str
) -> None:
    text = "".join(filler + number for filler, (_kind, number) in pieces) + tail
    masked = mask_text(text)
    expected = (
        "".join(
            filler + (masked_id(number) if kind == "id" else masked_mobile(number))
            for filler, (kind, number) in pieces
        )
        + tail
    )
    assert masked == expected
    for _filler, (kind, number) in pieces:
        assert number not in masked
        if kind == "id":
            assert number[6:14] not in masked


@given(fillers)
def test_text_without_digits_is_unchanged(text: str) -> None:
    assert mask_text(text) == text


@given(st.text())
def test_masking_is_idempotent(text: str) -> None:
    once = mask_text(text)
    assert mask_text(once) == once


# --- logging ------------------------------------------------------------------------------------


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> ListHandler:
    handler = ListHandler()
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("tests.unit.test_masking")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return handler


def test_the_logging_filter_masks_the_message_and_its_arguments(captured: ListHandler) -> None:
    logger = logging.getLogger("tests.unit.test_masking")
    logger.info("applicant %s phone %s", "440605199001011234", 13812345678)
    assert captured.lines == ["applicant 440605********1234 phone 138****5678"]
    assert captured.records[0].args == ()


def test_the_logging_filter_masks_exception_text(captured: ListHandler) -> None:
    logger = logging.getLogger("tests.unit.test_masking")
    try:
        raise ValueError("bad number 11010519491231002X")
    except ValueError:
        logger.exception("lookup failed for %s", "13912345678")
    (line,) = captured.lines
    assert "19491231" not in line
    assert "13912345678" not in line
    assert "110105********002X" in line
    assert "Traceback" in line


def test_the_logging_filter_survives_a_malformed_call_without_leaking(
    captured: ListHandler,
) -> None:
    logger = logging.getLogger("tests.unit.test_masking")
    logger.info("%s and %s", "440605199001011234")
    (line,) = captured.lines
    assert "440605********1234" in line
    assert "19900101" not in line


def test_the_logging_filter_never_drops_a_record() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plain", None, None)
    assert MaskingFilter().filter(record) is True
    assert record.getMessage() == "plain"


@pytest.mark.parametrize(
    ("field_type", "value", "shown"),
    [
        ("id_number", "11010519491231002X", "110105********002X"),
        ("phone", "13800138000", "138****8000"),
        ("bank_account", "6222 0212 3456 7890 123", "***************0123"),
        ("address", "广东省佛山市南海区桂城街道南海大道1号", "广东省佛山市南海区桂城街道******"),
        ("address", "佛山市南海区大沥镇黄岐广佛路3号", "佛山市南海区大沥镇*******"),
        ("address", "南海大道1号", "南海****"),
        ("text", "小明奶茶", "小明奶茶"),
        ("phone", "", ""),
    ],
)
def test_form_values_are_masked_by_their_type(field_type: str, value: str, shown: str) -> None:
    assert mask_by_type(field_type, value) == shown


def test_a_bank_account_keeps_only_its_last_four_digits() -> None:
    assert mask_bank_account("6222021234567890123") == "*" * 15 + "0123"
    assert mask_bank_account("123") == "***"
