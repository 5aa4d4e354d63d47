"""Kiosks as values: pairing codes are typed forgivingly and stored only hashed, codes and idle
times are checked, and a visit knows whether it is still going."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tongban.domain.errors import ValidationFailed
from tongban.domain.self_service import model

AT = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def test_a_pairing_code_is_eight_unambiguous_characters_and_typed_forgivingly() -> None:
    code = model.new_pairing_code()
    assert len(code) == 8 and set(code) <= set(model.PAIRING_ALPHABET)
    assert not set("01IOL") & set(model.PAIRING_ALPHABET)
    typed = f" {code[:4].lower()}-{code[4:]} "
    assert model.pairing_digest(typed) == model.pairing_digest(code)
    assert code not in model.pairing_digest(code)
    assert model.pairing_digest("ABCD2345") != model.pairing_digest("ABCD2346")


def test_kiosk_codes_names_and_idle_times_are_checked() -> None:
    assert model.kiosk_code(" gc-01 ") == "GC-01"
    with pytest.raises(ValidationFailed) as bad:
        model.kiosk_code("桂城1号")
    assert "code" in bad.value.fields
    with pytest.raises(ValidationFailed):
        model.kiosk_name(" ")
    assert model.idle_seconds(30) == 30 and model.idle_seconds(900) == 900
    for wrong in (29, 901):
        with pytest.raises(ValidationFailed) as bad:
            model.idle_seconds(wrong)
        assert "30–900" in bad.value.fields["idle_seconds"]


def test_a_visit_is_open_until_filed_and_over_once_its_idle_time_passes() -> None:
    visit = model.Visit(1, 1, 7, "id_card", AT, AT + timedelta(seconds=60), None, None, None)
    assert visit.state is model.VisitState.OPEN
    assert not visit.expired(AT + timedelta(seconds=59))
    assert visit.expired(AT + timedelta(seconds=60))
    filed = model.Visit(1, 1, 7, "id_card", AT, AT, AT, "NH20261102-000001", None)
    assert filed.state is model.VisitState.RECEIPT
