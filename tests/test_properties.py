"""Property-based tests: the parsers never crash and agree with themselves on any input."""

import io
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
