import pytest

from kubat.core.errors import InvalidInput
from kubat.quotas.identifiers import kz_check_digit, make_kz_number, validate_tax_id


def test_kazakh_iin_check_digit_follows_the_two_pass_mod_11_rule():
    # 95010130012: first pass 1*9+2*5+3*0+4*1+5*0+6*1+7*3+8*0+9*0+10*1+11*2 = 82 -> 82 % 11 = 5
    assert kz_check_digit("95010130012") == 5
    iin = make_kz_number("95010130012")
    assert validate_tax_id(country_code="KZ", kind="person", tax_id=iin) == iin
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    with pytest.raises(InvalidInput, match="check digit"):
        validate_tax_id(country_code="KZ", kind="person", tax_id=wrong)


def test_kazakh_bin_needs_a_legal_entity_digit_and_its_check_digit():
    bin_ = make_kz_number("08044000123")
    assert validate_tax_id(country_code="KZ", kind="company", tax_id=bin_) == bin_
    with pytest.raises(InvalidInput, match="position 5"):
        validate_tax_id(country_code="KZ", kind="company", tax_id=make_kz_number("08041000123"))


def test_kyrgyz_pin_has_14_digits_sex_and_birth_date():
    assert validate_tax_id(country_code="KG", kind="person", tax_id="21505199012345")
    for bad in ("2150519901234", "31505199012345", "23113199012345"):
        with pytest.raises(InvalidInput):
            validate_tax_id(country_code="KG", kind="person", tax_id=bad)
    assert validate_tax_id(country_code="KG", kind="company", tax_id="01234567891234")
