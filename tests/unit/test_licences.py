"""E-licences without a database: the types, the SD-JWT VC, offline verification with only the
published JWKS, selective disclosure, tampering, key rotation."""

from __future__ import annotations

import json
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.factories import credit_code, resident_id
from tongban.adapters import keys as key_store
from tongban.adapters import sdjwt
from tongban.domain.errors import InvalidCreditCode
from tongban.domain.licences.errors import LicenceFieldsInvalid, UnknownLicenceType
from tongban.domain.licences.model import Licence, LicenceStatus, check_holder, new_licence_id
from tongban.domain.licences.trust import TrustLevel
from tongban.domain.licences.types import LICENCE_TYPES, HolderKind, licence_type
from tongban.services.licences import keys as key_service
from tongban.services.licences.library import _credential
from tongban.services.licences.verify import verify_credential

REQUIRED_TYPES = {
    "id_card",
    "hukou",
    "marriage",
    "business_licence",
    "food_permit",
    "property",
    "social_insurance",
    "senior_card",
    "birth_certificate",
    "residence_permit",
    "birth_registration",
    "longevity_allowance",
}
ID_CARD = {
    "sex": "男",
    "ethnicity": "汉",
    "birth_date": "1985-03-12",
    "address": "佛山市南海区桂城街道",
}


@pytest.fixture
def ring(tmp_path: Path) -> key_store.KeyRing:
    return key_service.key_ring(tmp_path)


def credential(ring: key_store.KeyRing, *, until: date | None = date(2046, 1, 1)) -> str:
    return _credential(
        ring,
        "urn:tongban:440605",
        "DZZZ-id_card-20261127-TEST0001",
        "id_card",
        "GAJ",
        resident_id(1),
        "陈志明",
        ID_CARD,
        datetime(2026, 11, 27, tzinfo=UTC),
        date(2026, 11, 27),
        until,
    )


def published(ring: key_store.KeyRing) -> dict[str, object]:
    """The JWKS as a verifier downloads it: JSON text, nothing private."""
    text = json.dumps(ring.jwks())
    assert '"d"' not in text
    return dict(json.loads(text))


def test_the_registry_holds_every_required_type_with_chinese_names_and_fields() -> None:
    assert {t.code for t in LICENCE_TYPES} >= REQUIRED_TYPES
    for kind in LICENCE_TYPES:
        assert kind.name and kind.fields and kind.department_code
    assert licence_type("business_licence").holder_kind is HolderKind.ENTERPRISE
    with pytest.raises(UnknownLicenceType):
        licence_type("driving_licence")


def test_fields_are_checked_and_normalised_all_at_once() -> None:
    kind = licence_type("id_card")
    assert kind.clean_fields({**ID_CARD, "birth_date": date(1985, 3, 12)})["birth_date"] == (
        "1985-03-12"
    )
    with pytest.raises(LicenceFieldsInvalid) as caught:
        kind.clean_fields({"sex": "男", "birth_date": "1985-13-45", "colour": "red"})
    assert set(caught.value.fields) == {"birth_date", "colour", "ethnicity", "address"}


def test_holders_are_checked_by_their_kind() -> None:
    number = resident_id(2)
    assert check_holder(HolderKind.PERSON, number.lower(), "陈志明") == number
    code = credit_code(3)
    assert check_holder(HolderKind.ENTERPRISE, code, "某公司") == code
    with pytest.raises(InvalidCreditCode):
        check_holder(HolderKind.ENTERPRISE, number, "某公司")


def test_status_follows_the_dates_and_revocation() -> None:
    licence = Licence(
        id=new_licence_id("senior_card", date(2026, 1, 1)),
        type_code="senior_card",
        holder_id=resident_id(4),
        holder_name="梁淑芬",
        fields={},
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
        issued_at=datetime(2026, 1, 1, tzinfo=UTC),
        issuer_department="MZJ",
        credential="",
        key_id="k",
    )
    assert licence.status_on(date(2026, 6, 1)) is LicenceStatus.VALID
    assert licence.status_on(date(2027, 1, 1)) is LicenceStatus.EXPIRED
    assert licence.status_on(date(2025, 12, 31)) is LicenceStatus.NOT_YET_VALID
    assert licence.holder_id_masked.count("*") == 8
    assert licence.trust_level is TrustLevel.A and "直接使用" in TrustLevel.A.label


def test_key_files_are_private_and_init_is_idempotent(tmp_path: Path) -> None:
    first, made = key_service.initialise(tmp_path)
    again, made_again = key_service.initialise(tmp_path)
    assert made and not made_again and first.current.kid == again.current.kid
    for key_file in (tmp_path / "keys").rglob("*.key.pem"):
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "电子证照 CA" in first.current.certificate.issuer.rfc4514_string()


def test_a_genuine_credential_verifies_offline_with_only_the_jwks(ring: key_store.KeyRing) -> None:
    result = verify_credential(credential(ring), published(ring), None, today=date(2027, 1, 1))
    assert result.ok and result.code == "valid"
    assert result.licence_id == "DZZZ-id_card-20261127-TEST0001"
    assert result.type_name == "居民身份证" and result.claims["address"] == ID_CARD["address"]
    assert "注销" in result.message  # offline: revocation could not be checked, and it says so


def test_a_credential_changed_anywhere_by_one_character_fails(ring: key_store.KeyRing) -> None:
    text = credential(ring)
    jwks = published(ring)
    for position in range(0, len(text), 7):
        if text[position] == "~":
            continue
        swapped = "B" if text[position] == "A" else "A"
        changed = text[:position] + swapped + text[position + 1 :]
        result = verify_credential(changed, jwks, None, today=date(2027, 1, 1))
        assert not result.ok, f"position {position} still verifies"
        # The first characters make it recognisably a JWT: changed, it is no longer one.
        expected = ("bad_signature", "unknown_key", *(("not_a_licence",) if position < 3 else ()))
        assert result.code in expected, (position, result.code)


def test_selective_disclosure_reveals_only_the_chosen_claims(ring: key_store.KeyRing) -> None:
    shown = sdjwt.present(credential(ring), ["birth_date"])
    result = verify_credential(shown, published(ring), None, today=date(2027, 1, 1))
    assert result.ok and result.claims == {"birth_date": "1985-03-12"}
    assert "陈志明" not in json.dumps(result.as_dict(), ensure_ascii=False)


def test_an_expired_credential_fails(ring: key_store.KeyRing) -> None:
    text = credential(ring, until=date(2026, 12, 31))
    assert verify_credential(text, published(ring), None, today=date(2026, 12, 31)).ok
    result = verify_credential(text, published(ring), None, today=date(2027, 1, 1))
    assert result.code == "expired" and not result.ok


def test_a_revoked_credential_fails_when_the_status_is_known(ring: key_store.KeyRing) -> None:
    result = verify_credential(
        credential(ring), ring, lambda _id: "revoked", today=date(2027, 1, 1)
    )
    assert result.code == "revoked" and not result.ok


@pytest.mark.parametrize(
    "text",
    ["", "hello", "eyJhbGciOiJIUzI1NiJ9.e30.sig", "not~an~sd-jwt", "%PDF-1.4"],
)
def test_text_that_is_not_a_licence_says_so(ring: key_store.KeyRing, text: str) -> None:
    assert verify_credential(text, ring, None, today=date(2026, 12, 31)).code in (
        "not_a_licence",
        "bad_signature",
    )
    if "~" not in text:
        assert verify_credential(text, ring, None, today=date(2026, 12, 31)).code == "not_a_licence"


def test_after_rotation_old_credentials_still_verify_and_new_ones_use_the_new_key(
    tmp_path: Path,
) -> None:
    old_ring = key_service.key_ring(tmp_path)
    old = credential(old_ring)
    new_ring = key_service.rotate(tmp_path)
    assert new_ring.current.kid != old_ring.current.kid
    assert len(new_ring.jwks()["keys"]) == 2
    assert verify_credential(old, published(new_ring), None, today=date(2027, 1, 1)).ok
    fresh = credential(new_ring)
    assert json.loads(sdjwt._b64decode(fresh.split(".")[0]))["kid"] == new_ring.current.kid
    # A verifier holding only the old JWKS cannot place the new key.
    result = verify_credential(fresh, published(old_ring), None, today=date(2027, 1, 1))
    assert result.code == "unknown_key"
