"""The types a canonical field can have (the `type` of data/fields.toml), each one object.

A field type knows how to read a raw value into the normal form of fields.md, how to
check that form, and how a document writes it; a field asks its type, so following a
field from its label to a printed sheet means reading its fields.toml entry and its type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forms import normalize as n
from forms import validators as v
from forms.catalogue import industry_names, match_industry
from forms.display import cn_date, number, yes_no
from forms.vocabulary import APPLIED_GRADES


def _valid(value: Any, credit_code: str | None) -> str | None:
    return None


@dataclass(frozen=True)
class FieldType:
    name: str
    parse: Callable[[str], Any]  # raw text → the normal form, or None when it holds no value of this type
    check: Callable[[Any, str | None], str | None] = _valid  # (value, the bundle's credit code) → reason
    show: Callable[[Any], str] = number  # the normal form as a document writes it

    def normalise(self, raw: str) -> Any:
        return self.parse(raw)

    def validate(self, value: Any, credit_code: str | None = None) -> str | None:
        """None when valid, else the reason in Chinese."""
        return self.check(value, credit_code)

    def display(self, value: Any) -> str:
        return yes_no(value) if isinstance(value, bool) else self.show(value)


def _text(raw: str) -> str | None:
    return n.repair_cement_grades(n.repair_brackets(n.squeeze_cjk_spaces(n.clean_text(raw)))) or None


def _or_none(normalise: Callable[[str], str]) -> Callable[[str], str | None]:
    """A normaliser that returns "" for no value, returning None instead."""
    return lambda raw: normalise(raw) or None


def _industry(raw: str) -> str | None:
    text = n.squeeze_cjk_spaces(n.clean_text(raw))
    options = n.ticked_options(text)
    if options:
        text = options[0]
    return match_industry(text) or (text or None)


def _check_grade(value: Any, credit_code: str | None) -> str | None:
    return None if value in APPLIED_GRADES else "申报等级应为A、B、B-、C、D或引领性。"


def _check_industry(value: Any, credit_code: str | None) -> str | None:
    return None if value in industry_names() else f"“{value}”不是绩效分级目录中的行业。"


def _check_date(value: Any, credit_code: str | None) -> str | None:
    return v.check_date(value)


FIELD_TYPES: dict[str, FieldType] = {t.name: t for t in (
    FieldType("text", _text),
    FieldType("person", _or_none(n.normalise_person)),
    FieldType("place", _or_none(n.normalise_place)),
    FieldType("credit_code", _or_none(n.normalise_code), lambda value, _: v.check_credit_code(value)),
    FieldType("permit_number", _or_none(n.normalise_code), v.check_permit_number),
    FieldType("vin", _or_none(n.normalise_code), lambda value, _: v.check_vin(value)),
    FieldType("doc_number", _or_none(n.normalise_doc_number)),
    FieldType("phone", _or_none(n.normalise_phone), lambda value, _: v.check_phone(value)),
    FieldType("grade", n.normalise_grade, _check_grade),
    FieldType("permit_class", n.normalise_permit_class),
    FieldType("date", n.parse_date, _check_date, cn_date),
    FieldType("date_end", n.parse_date_end, _check_date, cn_date),  # a range's end: 有效期至
    FieldType("bool", n.parse_bool, show=yes_no),
    FieldType("number", n.parse_number),
    FieldType("pollutant", _or_none(n.normalise_pollutant)),
    FieldType("emission_stage", _or_none(n.normalise_emission_stage)),
    FieldType("industry", _industry, _check_industry),
)}
