"""The types a canonical field can have (the `type` of data/fields.toml), each one object.

A field type knows how to read a raw value into the normal form of docs/fields.md, how to
check that form, and how a document writes it; a field asks its type, so following a
field from its label to a printed sheet means reading its fields.toml entry and its type.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forms import normalize as n
from forms import validators as v
from forms.display import cn_date, number, yes_no
from forms.industries import industry_names, match_industry
from forms.vocabulary import APPLIED_GRADES, EMISSION_STAGES, PLATE_PROVINCES


def _valid(value: Any, credit_code: str | None) -> str | None:
    return None


@dataclass(frozen=True)
class FieldType:
    name: str
    parse: Callable[[str], Any]  # raw text → the normal form, or None when it holds no value of this type
    check: Callable[[Any, str | None], str | None] = _valid  # (value, the bundle's credit code) → reason
    show: Callable[[Any], str] = number  # the normal form as a document writes it
    description: str = ""  # what the normal form is, for integrators (docs/fields.md is generated from it)
    shape: Callable[[Any], bool] = lambda value: True  # the normal form looks like a value of this type
    #   (looser than `check`: an invalid credit code is still shaped like one; 编号 is not)
    distinctive: bool | Callable[[Any], bool] = False  # its values are told from other types' by their reading
    #   and shape (or by this test of the normal form: an industry of the catalogue): a column of them names
    #   itself, and a value of it tells which field a label only somewhat like its labels means
    naming: Callable[[Any], bool] = lambda value: False  # the normal form says it is of this type though other
    #   fields share the type (a Chinese name of two to four characters, a document number with its year and 号)

    def normalise(self, raw: str) -> Any:
        return self.parse(raw)

    def validate(self, value: Any, credit_code: str | None = None) -> str | None:
        """None when valid, else the reason in Chinese."""
        return self.check(value, credit_code)

    def plausible(self, value: Any) -> bool:
        """Whether a normalised value is shaped like one of this type: decides which field a reworded
        label means, and keeps a label word or the next label's text from being taken as a value."""
        return value is not None and self.shape(value)

    def tells(self, value: Any) -> bool:
        """Whether a normalised value is one only this type has (see `distinctive`)."""
        if not self.distinctive or not self.plausible(value):
            return False
        return self.distinctive(value) if callable(self.distinctive) else True

    def display(self, value: Any) -> str:
        return yes_no(value) if isinstance(value, bool) else self.show(value)


# a scan's speck read as a dot or a stroke at a value's ends (·河北省…), or as a dot set apart between two Chinese
# characters (煎茶铺· 镇): no text writes one there (a name's dot, 买买提·艾力, stands between them unspaced)
_SPECK_ENDS = "·•.,，、:：;；|丨'\"`"
_SPECK_APART = re.compile(r"(?<=[\u4e00-\u9fff])(?:\s*[·•]\s+|\s+[·•]\s*)(?=[\u4e00-\u9fff])")


def _text(raw: str) -> str | None:
    text = n.drop_instruction(n.close_figure_gaps(n.squeeze_cjk_spaces(n.clean_text(raw))))
    text = _SPECK_APART.sub("", text).strip(_SPECK_ENDS + " ")
    return n.repair_cement_grades(n.repair_brackets(text)) or None


def _or_none(normalise: Callable[[str], str]) -> Callable[[str], str | None]:
    """A normaliser that returns "" for no value, returning None instead."""
    return lambda raw: normalise(raw) or None


def _industry(raw: str) -> str | None:
    text = n.squeeze_cjk_spaces(n.clean_text(raw))
    options = n.ticked_options(text)
    if options:
        text = options[0]
    return match_industry(text) or (text or None)


def _shaped(pattern: str) -> Callable[[Any], bool]:
    compiled = re.compile(pattern)
    return lambda value: bool(compiled.fullmatch(str(value)))


def _short_words(limit: int) -> Callable[[Any], bool]:
    return lambda value: len(str(value)) <= limit and not re.search(r"\d", str(value))


def _check_grade(value: Any, credit_code: str | None) -> str | None:
    return None if value in APPLIED_GRADES else f"申报等级应为{'、'.join(APPLIED_GRADES[:-1])}或{APPLIED_GRADES[-1]}。"


def _check_industry(value: Any, credit_code: str | None) -> str | None:
    return None if value in industry_names() else f"“{value}”不是绩效分级目录中的行业。"


def _check_date(value: Any, credit_code: str | None) -> str | None:
    return v.check_date(value)


FIELD_TYPES: dict[str, FieldType] = {t.name: t for t in (
    FieldType("text", _text,
              description="text, spaces between Chinese characters (and between them and figures) and bracket styles "
                          "made uniform"),
    FieldType("outlet", lambda raw: n.outlet_code(raw) or _text(raw),
              distinctive=lambda value: n.OUTLET_CODE.fullmatch(value) is not None,
              description="an outlet: the permit's code (`DA001`) when the text holds one (`1#排气筒（DA001）` → "
                          "`DA001`), else the text"),
    FieldType("person", _or_none(n.normalise_person), shape=_short_words(12),
              naming=_shaped(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,8}[·•][\u4e00-\u9fff]{1,8}"),
              description="a person's name (at least two letters)"),
    FieldType("place", _or_none(n.normalise_place), shape=_short_words(20),
              # an administrative unit's name (永年区, 泊头市): what a place field holds, though a text may too
              naming=lambda value: isinstance(value, str) and n.only_units(value),
              description="a county, city or district name (at least two Chinese characters)"),
    FieldType("credit_code", _or_none(n.normalise_code), lambda value, _: v.check_credit_code(value),
              distinctive=True, shape=_shaped(r"[0-9A-Z]{15,20}"),
              description="18 characters, upper case, half-width; validated by the GB 32100-2015 check character"),
    FieldType("permit_number", _or_none(n.normalise_code), v.check_permit_number,
              distinctive=True, shape=_shaped(r"[0-9A-Z]{16,26}"),
              description="22 characters, upper case: the credit code, a 3-digit sequence and a letter"),
    FieldType("vin", _or_none(n.normalise_vin), lambda value, _: v.check_vin(value),
              shape=_shaped(r"[0-9A-Z]{14,19}"), distinctive=True,
              description="17 characters, upper case (vehicle identification number)"),
    FieldType("doc_number", _or_none(n.normalise_doc_number), shape=_shaped(r".{0,20}\d.{0,20}"),
              naming=_shaped(r"\S{1,12}[〔\[（(]\d{4}[〕\]）)]\S{0,4}\d{1,5}号"),
              description="a document number with 六角括号, e.g. `冀环评〔2018〕123号`"),
    FieldType("phone", _or_none(n.normalise_phone), lambda value, _: v.check_phone(value),
              distinctive=True, shape=lambda value: 7 <= len(re.sub(r"\D", "", str(value))) <= 13,
              description="digits and `-`: a mainland mobile (11 digits) or a landline with its area code"),
    FieldType("grade", n.normalise_grade, _check_grade, distinctive=True,
              description="one of " + ", ".join(f"`{g}`" for g in APPLIED_GRADES)),
    FieldType("permit_class", n.normalise_permit_class, distinctive=True,
              description="one of " + ", ".join(f"`{c}`" for c in n.PERMIT_CLASSES)),
    FieldType("plate", _or_none(n.normalise_plate), shape=_shaped(f"[{PLATE_PROVINCES}][A-Z][A-Z0-9]{{4,6}}[挂学警港澳]?"),
              distinctive=True,
              description="a vehicle's number plate, e.g. `冀A12345` (a province's character and a letter; `冀A·12345` → `冀A12345`)"),
    FieldType("date", n.parse_date, _check_date, cn_date, shape=_shaped(r"\d{4}-\d{2}-\d{2}"), distinctive=True,
              description="ISO date `YYYY-MM-DD` (read from `2020年9月15日`, `2020.9.15`, `二〇二〇年九月十五日` …)"),
    FieldType("date_end", n.parse_date_end, _check_date, cn_date, distinctive=True,  # a range's end: 有效期至
              description="ISO date `YYYY-MM-DD`: the end of a range such as `2018年1月1日至2023年12月31日`"),
    FieldType("bool", n.parse_bool, show=yes_no, distinctive=True,
              description="`true` or `false` (a ticked box, 是/否, 有/无 …)"),
    FieldType("number", n.parse_number,
              description="a JSON number (`6.3mg/m³` → 6.3, `＜1` → 1; 未检出/ND → no value)"),
    FieldType("pollutant", _or_none(n.normalise_pollutant), shape=_shaped(n.POLLUTANT_SHAPE), distinctive=True,
              description="a pollutant's standard name (`SO2` → 二氧化硫, `NOx` → 氮氧化物, `烟尘` → 颗粒物 …)"),
    FieldType("emission_stage", _or_none(n.normalise_emission_stage), shape=lambda value: value in EMISSION_STAGES,
              distinctive=True,
              description="a vehicle's emission stage (国三 … 国六, 新能源, 燃气)"),
    # an industry is named in Chinese words: a grade's letter or a figure under a label read by its last word
    # (焦化行业 over B) is no industry
    FieldType("industry", _industry, _check_industry, distinctive=lambda value: value in industry_names(),
              shape=lambda value: len(re.findall(r"[\u4e00-\u9fff]", str(value))) >= 2,
              description="an industry name of the grading catalogue (forms/data/catalogue.toml)"),
)}
