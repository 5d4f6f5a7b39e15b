import pytest

from forms.validators import (
    check_credit_code,
    check_permit_number,
    check_phone,
    check_vin,
    credit_check_char,
    org_code_check_char,
)


def test_credit_code_vectors_from_fields_md():
    assert check_credit_code("91130200699229617X") is None
    reason = check_credit_code("91350100M000100Y4Z")
    assert reason is not None and "“3”" in reason


def test_credit_code_check_characters():
    assert credit_check_char("91130200699229617") == "X"
    assert org_code_check_char("69922961") == "7"


def test_organisation_code_check_is_enforced():
    # a code whose 18th character is right for its first 17 but whose 17th (GB 11714) is wrong
    first16 = "9113020069922961"
    wrong17 = "8"
    first17 = first16 + wrong17
    code = first17 + credit_check_char(first17)
    reason = check_credit_code(code)
    assert reason is not None and "组织机构代码" in reason


@pytest.mark.parametrize("code", ["", "9113020069922961", "91130200699229617XX", "9113020069922961IX"])
def test_credit_code_shape(code):
    assert check_credit_code(code) is not None


def test_permit_number():
    assert check_permit_number("91130200699229617X001P") is None
    assert check_permit_number("91130200699229617X001P", "91130200699229617X") is None
    assert "不一致" in check_permit_number("91130200699229617X001P", "91350100M000100Y43")
    assert check_permit_number("91130200699229617X01P") is not None
    assert check_permit_number("91130200699229617X0011") is not None


@pytest.mark.parametrize("phone, ok", [
    ("13812345678", True), ("19912345678", True), ("12812345678", False), ("1381234567", False),
    ("0311-89109306", True), ("031189109306", True), ("010-12345678", True), ("89109306", False),
    ("0311-89109306-801", True),
])
def test_phone(phone, ok):
    assert (check_phone(phone) is None) is ok


def test_vin():
    assert check_vin("LFV2A21K8D4123456") is None
    assert check_vin("LFV2A21K8D412345I") is not None
    assert check_vin("LFV2A21K8D41234") is not None
