"""Property-based tests: the parsers never crash and agree with themselves on any input."""

import io
import re
import unicodedata
import zipfile
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors import intake
from forms import normalize as n
from forms.validators import CREDIT_CHARS, check_credit_code, check_permit_number, credit_check_char

WRITTEN = [
    "{y}年{m}月{d}日", "{y}-{m:02d}-{d:02d}", "{y}.{m}.{d}", "{y}/{m}/{d}", "{y} 年 {m} 月 {d} 日", "{y}{m:02d}{d:02d}",
]
CN = "〇一二三四五六七八九"


def chinese(day: date) -> str:
    def small(v: int) -> str:
        tens, units = divmod(v, 10)
        return (("" if tens == 1 else CN[tens]) + "十" if tens else "") + (CN[units] if units else "")

    return "".join(CN[int(c)] for c in str(day.year)) + f"年{small(day.month)}月{small(day.day)}日"


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)), st.sampled_from(WRITTEN + ["cn"]))
def test_every_written_form_of_a_date_parses_back(day, form):
    text = chinese(day) if form == "cn" else form.format(y=day.year, m=day.month, d=day.day)
    assert n.parse_date(f"填表日期：{text}（盖章）") == day.isoformat()


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 1, 1)),
       st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 1, 1)))
def test_a_range_ends_on_its_last_date(start, end):
    assert n.parse_date_end(f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日") == end.isoformat()


@given(st.text(max_size=60))
def test_date_parsers_never_crash(text):
    for parse in (n.parse_date, n.parse_date_end):
        value = parse(text)
        assert value is None or date.fromisoformat(value)


@given(st.text(alphabet=CREDIT_CHARS, min_size=17, max_size=17))
def test_a_code_with_its_own_check_characters_is_valid(first17):
    code = first17 + credit_check_char(first17)
    reason = check_credit_code(code)
    # valid, unless positions 9–17 carry a wrong organisation-code check character
    assert reason is None or "组织机构代码" in reason


@given(st.text(max_size=30))
def test_credit_code_and_permit_checks_never_crash(text):
    code = n.normalise_code(text)
    assert check_credit_code(code) is None or isinstance(check_credit_code(code), str)
    assert check_permit_number(code, "91130200699229617X") is None or isinstance(check_permit_number(code), str)


@given(st.text(alphabet=CREDIT_CHARS, min_size=18, max_size=18), st.integers(0, 17), st.sampled_from(CREDIT_CHARS))
def test_one_changed_character_is_caught(code, position, replacement):
    valid = code[:17] + credit_check_char(code[:17])
    changed = valid[:position] + replacement + valid[position + 1:]
    if changed != valid and position != 16:  # position 17 is itself a check character
        assert check_credit_code(changed) is not None


@given(st.binary(max_size=2048), st.sampled_from(["a.pdf", "b.docx", "c.jpg", "d.zip", "e.png", "f"]))
@settings(max_examples=200)
def test_intake_answers_any_bytes_without_raising(data, name):
    for item in intake._intake_bytes(name, data, 0):
        assert item.error is None or isinstance(item.error, str)
        assert item.type


@pytest.mark.filterwarnings("ignore:Duplicate name")
@given(st.lists(st.tuples(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/"), min_size=1, max_size=20),
                          st.binary(max_size=300)), max_size=8))
@settings(max_examples=100)
def test_intake_of_any_zip_stays_inside_and_never_raises(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            zf.writestr(name, data)
    for item in intake.unpack_zip("x.zip", buf.getvalue()):
        assert ".." not in item.name.split("/") and not item.name.startswith("/")


# ---------------------------------------------------------------- dates: round trips and idempotence

NOT_DATE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Nd", "No", "Nl"),
                                      blacklist_characters="〇零○一二三四五六七八九十年月日号Ｏ-./_ \t\n"), max_size=20)


@given(st.text(max_size=60))
def test_a_parsed_date_parses_to_itself(text):
    for parse in (n.parse_date, n.parse_date_end):
        value = parse(text)
        if value is not None:
            assert n.parse_date(value) == value == n.parse_date_end(value)


@given(NOT_DATE_TEXT, st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)),
       st.sampled_from(WRITTEN + ["cn"]), NOT_DATE_TEXT)
def test_a_date_is_found_whatever_surrounds_it(before, day, form, after):
    text = chinese(day) if form == "cn" else form.format(y=day.year, m=day.month, d=day.day)
    assert n.parse_date(before + text + after) == day.isoformat()


@given(st.text(max_size=80))
def test_found_dates_are_real_and_in_order(text):
    found = n.find_dates(text)
    assert [start for _, start, _ in found] == sorted(start for _, start, _ in found)
    for value, start, end in found:
        assert isinstance(value, date) and 0 <= start < end
    assert n.parse_date(text) == (found[0][0].isoformat() if found else None)
    assert n.parse_date_end(text) == (found[-1][0].isoformat() if found else None)


@given(st.text(alphabet="0123456789年月日-./ 〇一二三四五六七八九十", max_size=30))
def test_impossible_dates_are_never_made_up(text):
    value = n.parse_date(text)
    assert value is None or date.fromisoformat(value).isoformat() == value


# ---------------------------------------------------------------- credit codes and permit numbers

ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # organisation-code positions use the credit-code alphabet here


@st.composite
def valid_credit_codes(draw) -> str:
    """A unified social credit code valid in both check characters (GB 32100 and GB 11714)."""
    from forms.validators import org_code_check_char

    head = draw(st.text(alphabet=CREDIT_CHARS, min_size=8, max_size=8))
    org = draw(st.text(alphabet=ORG_CHARS, min_size=8, max_size=8))
    first17 = head + org + org_code_check_char(org)
    return first17 + credit_check_char(first17)


@given(valid_credit_codes())
def test_a_generated_valid_code_validates(code):
    assert check_credit_code(code) is None
    assert n.normalise_code(code) == code


@given(valid_credit_codes(), st.integers(0, 17), st.sampled_from(CREDIT_CHARS + "IOSVZ"))
def test_any_single_changed_character_of_a_valid_code_fails(code, position, replacement):
    changed = code[:position] + replacement + code[position + 1:]
    if changed != code:
        assert check_credit_code(changed) is not None


@given(valid_credit_codes(), st.lists(st.sampled_from([" ", "-", "　", ".", "·"]), max_size=6), st.randoms())
def test_a_code_written_loosely_normalises_back(code, separators, rng):
    chars = list(code.lower() if rng.random() < 0.5 else code)
    for sep in separators:
        chars.insert(rng.randrange(len(chars) + 1), sep)
    loose = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() and rng.random() < 0.3 else c for c in chars)
    assert n.normalise_code(loose) == code
    assert check_credit_code(n.normalise_code(loose)) is None


@given(st.text(max_size=40))
def test_code_normalisation_is_idempotent(text):
    once = n.normalise_code(text)
    assert n.normalise_code(once) == once


@given(valid_credit_codes(), st.integers(0, 999), st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"))
def test_a_permit_number_of_the_enterprise_validates(code, sequence, letter):
    permit = f"{code}{sequence:03d}{letter}"
    assert check_permit_number(permit, code) is None
    assert check_permit_number(permit) is None
    assert check_permit_number(n.normalise_code(permit.lower()), code) is None


@given(valid_credit_codes(), valid_credit_codes(), st.integers(0, 999))
def test_a_permit_of_another_enterprise_is_caught(code, other, sequence):
    permit = f"{other}{sequence:03d}P"
    reason = check_permit_number(permit, code)
    assert (reason is None) == (other == code)


@given(valid_credit_codes(), st.integers(0, 21), st.text(alphabet="0123456789P", min_size=0, max_size=2))
def test_a_permit_number_of_the_wrong_length_fails(code, cut, extra):
    permit = f"{code}001P"
    wrong = permit[:cut] + extra
    if len(wrong) != 22:
        assert check_permit_number(wrong, code) is not None


# ---------------------------------------------------------------- intake of hostile zips

_CODES = {"empty", "too_large", "symlink", "not_regular_file", "old_office", "office_encrypted",
          "unsupported_archive", "executable", "markup", "ooxml_other", "unknown_type", "type_mismatch",
          "zip_broken", "docx_broken", "zip_too_many_members", "zip_overlap", "zip_too_large", "zip_bomb",
          "zip_bad_name", "zip_unsafe_path", "zip_symlink", "zip_duplicate_name", "zip_encrypted",
          "zip_unsupported_method", "zip_empty", "zip_damaged", "zip_nested"}

_NAME_PARTS = st.sampled_from(["..", ".", "", "a", "申报表", "C:", "\\\\srv", "__MACOSX", ".hidden", "x" * 300,
                               "a\nb", "\x1b[2J", "../..", "许可证.pdf", "b.docx", "c.ZIP", "d.zip"])
_MEMBER_NAMES = st.one_of(
    st.lists(_NAME_PARTS, min_size=1, max_size=4).map(lambda parts: "/".join(parts)),
    st.lists(_NAME_PARTS, min_size=1, max_size=4).map(lambda parts: "\\".join(parts)),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=30),
)
_CONTENTS = st.one_of(st.binary(max_size=200), st.sampled_from([b"", b"%PDF-1.4\n%%EOF", b"MZ\x90\x00", b"<html>",
                                                                b"\xff\xd8\xff\xe0", b"PK\x03\x04broken"]))


@st.composite
def hostile_zips(draw, depth: int = 0) -> bytes:
    import stat as st_mode

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for _ in range(draw(st.integers(0, 6))):
            name = draw(_MEMBER_NAMES)
            if name.endswith("/"):
                name += "f"
            info = zipfile.ZipInfo(name)
            info.compress_type = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
            if draw(st.booleans()) and draw(st.booleans()):
                info.external_attr = (st_mode.S_IFLNK | 0o777) << 16
            data = draw(hostile_zips(depth + 1)) if depth < 2 and draw(st.integers(0, 5)) == 0 else draw(_CONTENTS)
            zf.writestr(info, data)
    return buffer.getvalue()


@pytest.mark.filterwarnings("ignore:Duplicate name")
@given(hostile_zips())
@settings(max_examples=150, deadline=None)
def test_intake_of_hostile_zips_is_safe_and_says_why(data):
    items = intake._intake_bytes("材料.zip", data, 0)
    assert items
    for item in items:
        parts = item.name.replace("\\", "/").split("/")
        assert ".." not in parts and not item.name.startswith(("/", "\\")) and item.name[1:2] != ":"
        assert not any(unicodedata.category(c) == "Cc" for c in item.name)
        if item.error is None:
            assert item.code is None and item.type in ("docx", "pdf", "jpeg", "png", "tiff") and item.data
        else:
            assert item.code in _CODES and re.search(r"[\u4e00-\u9fff]", item.error)
    assert sum(len(i.data) for i in items) <= intake.MAX_UNPACKED_BYTES


@given(st.binary(max_size=4096), st.sampled_from(["a.pdf", "b.docx", "c.jpg", "d.zip", "e.png", "f.tif", "g"]))
@settings(max_examples=200)
def test_an_error_always_comes_with_its_code(data, name):
    for item in intake._intake_bytes(name, data, 0):
        assert (item.error is None) == (item.code is None)
        assert item.code is None or item.code in _CODES
