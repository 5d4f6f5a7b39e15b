"""The robustness benchmark's paraphrases are not the registry's synonyms: it measures the label engine,
not a list (benchmarks/robustness.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from forms.fields import FIELDS, TABLES, label_key

LISTS = tomllib.loads((Path(__file__).resolve().parents[1] / "benchmarks" / "paraphrases.toml").read_text("utf-8"))


def test_label_paraphrases_are_no_synonyms():
    synonyms = {label_key(label) for spec in FIELDS.values() for label in spec.labels}
    written = [label_key(p) for ps in LISTS["field"].values() for p in ps]
    assert written and not set(written) & synonyms
    assert set(LISTS["field"]) <= set(FIELDS)


def test_heading_paraphrases_are_no_synonyms():
    for table, columns in LISTS["column"].items():
        synonyms = {label_key(s) for col in TABLES[table].columns for s in col.synonyms}
        written = [label_key(p) for ps in columns.values() for p in ps]
        assert written and not set(written) & synonyms, table
