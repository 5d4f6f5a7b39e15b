"""The registry of canonical fields and tables, read from data/fields.toml.

Every layer asks this module what a label means, how to normalise a raw value
and whether the result is valid, so there is one definition of each field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from rapidfuzz.distance import Levenshtein

from forms import normalize as n
from forms.field_types import FIELD_TYPES, FieldType


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    synonyms: tuple[str, ...]
    type: str
    required: bool = False

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.synonyms)

    @property
    def field_type(self) -> FieldType:
        return FIELD_TYPES[self.type]

    def normalise(self, raw: str | None) -> Any:
        """The normal form of docs/fields.md, or None when the raw text holds no value of this type."""
        if raw is None:
            return None
        if isinstance(raw, str) and not n.clean_text(raw).strip(" _/\\-—"):
            return None
        return self.field_type.normalise(raw)

    def validate(self, value: Any, *, credit_code: str | None = None) -> str | None:
        """None when valid, else the reason in Chinese."""
        return None if value is None else self.field_type.validate(value, credit_code)

    def display(self, value: Any) -> str:
        """The value as a document writes it: dates in Chinese, booleans as 是/否."""
        return self.field_type.display(value)


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    synonyms: tuple[str, ...]
    type: str

    @property
    def field_type(self) -> FieldType:
        return FIELD_TYPES[self.type]

    def normalise(self, raw: str | None) -> Any:
        return FieldSpec(self.key, self.key, self.synonyms, self.type).normalise(raw)


@dataclass(frozen=True)
class TableSpec:
    key: str
    label: str
    synonyms: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]

    def match_column(self, header: str) -> ColumnSpec | None:
        wanted = label_key(header)
        if not wanted:
            return None
        index = _column_index(self)
        for candidate in (wanted, re.sub(r"（[^（）]*）$", "", wanted)):
            if candidate in index:
                return index[candidate]
        return None


@cache
def _column_index(spec: TableSpec) -> dict[str, ColumnSpec]:
    """A table's column synonyms as compared (label_key), the first column naming one winning."""
    index: dict[str, ColumnSpec] = {}
    for col in spec.columns:
        for synonym in col.synonyms:
            index.setdefault(label_key(synonym), col)
    return index


@lru_cache(maxsize=65536)  # a ledger of 20 000 rows asks about each header synonym 1.7 million times
def label_key(text: str | None) -> str:
    """A label as compared: no spaces, no numbering or markers, no trailing colon, Chinese brackets."""
    text = n.to_halfwidth(n.clean_text(text or ""))
    text = re.sub(r"\s+", "", text)
    text = n.normalise_brackets(text)
    text = re.sub(r"^(?:[0-9]+[.、．]|[（(][0-9一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)", "", text)
    text = text.strip("*※★:：;；.。·")
    return text


@cache
def _registry() -> dict:
    """forms/data/fields.toml, read once."""
    return tomllib.loads(resources.files("forms").joinpath("data/fields.toml").read_text("utf-8"))


@cache
def _load() -> tuple[dict[str, FieldSpec], dict[str, TableSpec]]:
    data = _registry()
    fields = {
        f["key"]: FieldSpec(f["key"], f["label"], tuple(f.get("synonyms", ())), f["type"], f.get("required", False))
        for f in data["field"]
    }
    tables = {
        t["key"]: TableSpec(
            t["key"], t["label"], tuple(t.get("synonyms", ())),
            tuple(ColumnSpec(c["key"], tuple(c["synonyms"]), c["type"]) for c in t["column"]))
        for t in data["table"]
    }
    return fields, tables


FIELDS, TABLES = _load()


@cache
def _document_keys(section: str) -> dict[str, frozenset[str]]:
    data = _registry()
    return {kind: frozenset(keys) for kind, keys in data.get(section, {}).items()}


@cache
def other_labels(kind: str = "unknown") -> tuple[str, ...]:
    """Labels that are not ours though they end with one of ours, on a document of this kind (fields.toml
    [other_labels]: `labels`, less those `ours_on` gives the kind)."""
    data = _registry().get("other_labels", {})
    ours = {label_key(x) for x in data.get("ours_on", {}).get(kind, ())}
    return tuple(sorted((k for x in data.get("labels", ()) if (k := label_key(x)) not in ours), key=len, reverse=True))


@cache
def party_roles() -> dict[str, tuple[str, ...]]:
    """Field → the roles, beyond its labels' own, by which documents name that party (fields.toml [parties])."""
    return {key: tuple(roles) for key, roles in _registry().get("parties", {}).items()}


def carries(kind: str, key: str) -> bool:
    """Whether a document of this kind states this field (the form and unknown files: every field)."""
    keys = _document_keys("document_fields").get(kind)
    return keys is None or key in keys


def form_only_keys() -> frozenset[str]:
    """Fields that only an application form states (申报等级, 联系人, 在线监测 …): counting them tells a form
    from an attachment that shares its name and code labels."""
    stated = set().union(*_document_keys("document_fields").values())
    return frozenset(FIELDS) - stated


def carries_table(kind: str, key: str) -> bool:
    """Whether a document of this kind holds this table (the form and unknown files: every table)."""
    keys = _document_keys("document_tables").get(kind)
    return keys is None or key in keys


@cache
def _label_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for spec in FIELDS.values():
        for label in spec.labels:
            index.setdefault(label_key(label), spec.key)
    return index


@cache
def registry_label_keys() -> frozenset[str]:
    """Every label and synonym of the registry, as compared (label_key)."""
    return frozenset(_label_index())


def match_label(text: str | None, *, fuzzy: bool = False) -> FieldSpec | None:
    """The field whose label or synonym this text is, exactly after normalisation.

    With `fuzzy` (for OCR text) a label of four or more characters may differ by one
    character (two from eight on), when exactly one label is that close.
    """
    key = label_key(text)
    if not key or len(key) > 30:
        return None
    hit = _label_index().get(key)
    if hit is None:
        # a unit or note in brackets after the label: 设计产能（万吨/年）
        stripped = re.sub(r"（[^（）]*）$", "", key)
        hit = _label_index().get(stripped) if stripped != key else None
    if hit is None and fuzzy and len(key) >= 4:
        hit = _closest_label(key)
    return FIELDS[hit] if hit else None


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 when it is more than `limit` (rapidfuzz stops there)."""
    return Levenshtein.distance(a, b, score_cutoff=limit)


@lru_cache(maxsize=4096)
def _closest_label(key: str) -> str | None:
    """The one registry label a text is a misread character or two away from (a scan's cells are compared
    many times over: as labels, as the row under a label row, as headings)."""
    limit = 2 if len(key) >= 8 else 1
    best: dict[str, int] = {}
    for label, field_key in _label_index().items():
        if len(label) < 4:
            continue
        d = edit_distance(key, label, limit)
        if d <= limit:
            best[field_key] = min(d, best.get(field_key, d))
    if not best:
        return None
    top = min(best.values())
    winners = [k for k, d in best.items() if d == top]
    return winners[0] if len(winners) == 1 else None


def split_label_value(text: str) -> tuple[FieldSpec, str] | None:
    """`企业名称：某某公司` → (enterprise_name, 某某公司); either colon, spaced-out labels allowed."""
    m = re.match(r"^\s*([^:：]{1,40}?)\s*[:：]\s*(.*)$", text)
    if not m:
        return None
    spec = match_label(m.group(1))
    return (spec, m.group(2).strip()) if spec else None


REQUIRED_FIELDS = tuple(k for k, f in FIELDS.items() if f.required)
