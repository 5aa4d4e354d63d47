"""Finding the applicant a clerk serves (窗口核验身份): the one rule both windows use, the
clerk's page and the cases API.

The number is validated before it is looked up, so a typo is told apart from an applicant who
has no account yet; a citizen is found by an identity document, an enterprise by its credit
code, and a number is read as whichever of the two it validly is, not guessed from its prefix.
"""

from __future__ import annotations

import pytest

from tests.clock import SYSTEM, TEST_START
from tests.factories import credit_code, make_citizen, make_enterprise, make_staff, resident_id
from tongban.bootstrap import Container
from tongban.domain.errors import (
    DomainError,
    InvalidCreditCode,
    InvalidDocumentNumber,
    InvalidIdentityNumber,
    UserNotFound,
    ValidationFailed,
)
from tongban.domain.people.model import Role, UserKind
from tongban.domain.shared.clock import china_date
from tongban.domain.shared.identity import (
    IdType,
    credit_code_check_char,
    organisation_code_check_char,
    parse_credit_code,
)
from tongban.services.people import accounts
from tongban.services.people.queries import applicant, applicants, find_applicant

TODAY = china_date(TEST_START)


def find(
    container: Container, number: str, id_type: IdType | None = None, field: str = "id_number"
) -> int:
    with container.read() as uow:
        return find_applicant(uow.conn, number, today=TODAY, id_type=id_type, field=field)


def all_digit_credit_code() -> str:
    """A 事业单位's code (registration authority 1, category 2): digits only, like an ID."""
    for n in range(1000):
        body = f"{n:08d}"
        first17 = "12440605" + body + organisation_code_check_char(body)
        check = credit_code_check_char(first17)
        if (first17 + check).isdigit():
            return first17 + check
    raise AssertionError("no all-digit code")


def test_a_citizen_is_found_by_id_number_and_an_enterprise_by_credit_code(
    container: Container,
) -> None:
    citizen = make_citizen(container, id_number=resident_id())
    company = make_enterprise(container, code=credit_code())
    assert find(container, f"  {citizen.login.lower()} ") == citizen.user_id
    assert find(container, company.login) == company.user_id
    assert find(container, citizen.login, id_type=IdType.RESIDENT_ID) == citizen.user_id


def test_a_number_is_read_as_what_it_validly_is_not_by_its_first_digits(
    container: Container,
) -> None:
    """A 永居证 issued in Shanghai starts 931, as an enterprise's code starts 93; a public
    institution's code may be all digits, as an ID number is."""
    shanghai = resident_id(region="931840")
    resident = make_citizen(
        container, id_number=shanghai, id_type=IdType.FOREIGN_PERMANENT_RESIDENCE
    )
    institution = make_enterprise(container, code=all_digit_credit_code())
    assert find(container, shanghai) == resident.user_id
    assert find(container, institution.login) == institution.user_id


def test_a_passport_holder_is_found_by_the_document_type_and_number(
    container: Container,
) -> None:
    with container.uow() as uow:
        holder = accounts.create_citizen(
            uow, SYSTEM, IdType.PASSPORT, "E1234567", "Smith John", "13800138001", nationality="GBR"
        )
    assert find(container, "e1234567", id_type=IdType.PASSPORT) == holder
    with pytest.raises(UserNotFound):
        find(container, "E7654321", id_type=IdType.PASSPORT)


def test_a_typo_is_told_apart_from_an_applicant_without_an_account(
    container: Container,
) -> None:
    # A number whose characters 9-17 are no organisation code, so that a wrong last character
    # cannot be read as a credit code instead (one whose check character is merely wrong is
    # still a credit code, to be verified by hand) and looked up as a company.
    number = next(n for n in (resident_id() for _ in range(200)) if not _code(n))
    typo = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(InvalidIdentityNumber) as bad_id:
        find(container, typo)
    assert "校验码" in bad_id.value.fields["id_number"]
    with pytest.raises(InvalidCreditCode) as bad_code:
        find(container, "91440605MA4WQ7K1X9"[:-3] + "ZZZ", field="credit_code")
    assert set(bad_code.value.fields) == {"credit_code"}
    with pytest.raises(InvalidDocumentNumber):
        find(container, "H123", id_type=IdType.HK_MACAO_TRAVEL_PERMIT)
    with pytest.raises(UserNotFound) as unknown:
        find(container, number)
    assert unknown.value.fields == {"id_number": "没有找到该申请人，请先为其注册账号"}
    with pytest.raises(ValidationFailed):
        find(container, "   ")


def test_an_applicant_is_shown_masked_in_lists_and_staff_are_never_applicants(
    container: Container,
) -> None:
    citizen = make_citizen(container, name="张小明", phone="13800138000")
    company = make_enterprise(container, name="佛山市南海区测试有限公司")
    clerk = make_staff(container, Role.CLERK)
    with container.read() as uow:
        found = applicants(uow.conn, [citizen.user_id, company.user_id, citizen.user_id])
        assert applicant(uow.conn, citizen.user_id) == found[citizen.user_id]
        assert applicant(uow.conn, clerk.user_id) is None
    person, firm = found[citizen.user_id].masked(), found[company.user_id].masked()
    assert (person.kind, person.name, person.phone) == (UserKind.CITIZEN, "张**", "138****8000")
    assert person.number is not None and person.number != citizen.login
    assert person.number[:6] == citizen.login[:6]
    assert (firm.name, firm.number) == ("佛山市南海区测试有限公司", company.login)


def _code(text: str) -> bool:
    try:
        parse_credit_code(text)
    except DomainError:
        return False
    return True
