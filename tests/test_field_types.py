"""Each field type reads, checks and writes its values in one place."""

from __future__ import annotations

from forms.field_types import FIELD_TYPES
from forms.fields import FIELDS, TABLES


def test_every_declared_type_exists():
    used = {spec.type for spec in FIELDS.values()} | {c.type for t in TABLES.values() for c in t.columns}
    assert used <= set(FIELD_TYPES)


def test_permit_valid_until_from_label_to_sheet():
    spec = FIELDS["permit_valid_until"]
    value = spec.normalise("2018年1月1日至2023年12月31日")
    assert value == "2023-12-31"
    assert spec.validate(value) is None
    assert spec.validate("2023-02-30") == "日期无法识别。"
    assert spec.display(value) == "2023年12月31日"


def test_display_by_type():
    assert FIELD_TYPES["bool"].display(True) == "是" and FIELD_TYPES["bool"].display(None) == ""
    assert FIELD_TYPES["number"].display(10.0) == "10" and FIELD_TYPES["number"].display(False) == "否"
    assert FIELD_TYPES["text"].display("某某公司") == "某某公司"
    assert FIELD_TYPES["date"].display("2020-06-30") == "2020年6月30日"


def test_validation_by_type():
    assert FIELD_TYPES["grade"].validate("B-") is None
    assert FIELD_TYPES["grade"].validate("E") == "申报等级应为A、B、B-、C、D或引领性。"
    assert FIELD_TYPES["industry"].validate("造纸") == "“造纸”不是绩效分级目录中的行业。"
    assert FIELD_TYPES["phone"].validate("1234")
    assert FIELD_TYPES["text"].validate("anything") is None
