"""The robustness benchmark's paraphrases are not the registry's synonyms: it measures the label engine,
not a list (benchmarks/robustness.py).

Disjoint as the engine compares labels (forms.label_meaning.label_terms), not only as written: a
paraphrase that its table of same-saying words (时间 → 日期, 编码 → 编号 …) or its qualifier rule turns
into a synonym would be read by a list written beside the benchmark, and measure nothing."""

from __future__ import annotations

import tomllib
from pathlib import Path

from forms.fields import FIELDS, TABLES
from forms.label_meaning import label_terms

LISTS = tomllib.loads((Path(__file__).resolve().parents[1] / "benchmarks" / "paraphrases.toml").read_text("utf-8"))


def test_label_paraphrases_are_no_synonyms_as_the_engine_compares_them():
    synonyms = {label_terms(label): spec.key for spec in FIELDS.values() for label in spec.labels}
    written = {p: label_terms(p) for ps in LISTS["field"].values() for p in ps}
    assert written
    assert {p: synonyms[t] for p, t in written.items() if t in synonyms} == {}
    assert set(LISTS["field"]) <= set(FIELDS)


def test_heading_paraphrases_are_no_synonyms_as_the_engine_compares_them():
    for table, columns in LISTS["column"].items():
        synonyms = {label_terms(s) for col in TABLES[table].columns for s in col.synonyms}
        written = [p for ps in columns.values() for p in ps]
        assert written and [p for p in written if label_terms(p) in synonyms] == [], table
        assert set(columns) <= {col.key for col in TABLES[table].columns}, table


def test_the_comparison_sees_through_same_saying_words():
    """The check above is as strict as claimed: a paraphrase only the same-saying words make a synonym
    (填表时间 is 填表日期 to the engine) counts as one."""
    assert label_terms("填表时间") == label_terms("填表日期")
    assert label_terms("企业名称（全称）") == label_terms("企业名称")
