"""The committed sample bundles agree with their truth files, the generator and the field registry."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import docx
import pdfplumber
import pytest

from fixtures import generate
from fixtures.bundles import build
from forms import normalize as n
from forms.catalogue import industry_names
from forms.fields import FIELDS, TABLES, match_label
from forms.validators import check_credit_code, check_date, check_permit_number, check_phone, check_vin
from forms.vocabulary import APPLIED_GRADES

SAMPLES = Path(generate.__file__).resolve().parent / "samples"
TRUTH_FILES = sorted(SAMPLES.glob("*.truth.json"))
BUNDLE_NAMES = [p.name.removesuffix(".truth.json") for p in TRUTH_FILES]
REQUIRED_BUNDLES = {"foundry-a-docx", "cement-b-docx", "coating-pdf"}
DOCUMENT_KINDS = {"application_form", "business_license", "discharge_permit", "eia_approval", "acceptance",
                  "monitoring_report", "cems_data", "transport_ledger", "gate_records", "pledge", "photo"}
BOOL_KEYS = {k for k, spec in FIELDS.items() if spec.type == "bool"}
STAGES = {"国三", "国四", "国五", "国六", "新能源", "燃气"}


def load_truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built():
    """The bundles as the generator builds them in memory, by name."""
    return {bundle.name: bundle for bundle in build(generate.DEFAULT_SEED)}


def test_required_bundles_are_committed():
    assert set(BUNDLE_NAMES) >= REQUIRED_BUNDLES


def test_samples_stay_small():
    size = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert size < 1_000_000


# ---------------------------------------------------------------- truth files on their own


@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_truth_shape(name):
    truth = load_truth(name)
    assert set(truth) == {"bundle", "documents", "fields", "tables"}
    assert truth["bundle"] == name
    assert len(truth["fields"]) >= 14
    assert set(truth["fields"]) <= set(FIELDS)
    assert set(truth["tables"]) == {"emissions", "vehicles"}
    assert set(truth["documents"].values()) <= DOCUMENT_KINDS
    assert "application_form" in truth["documents"].values()


@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_truth_values_are_in_normal_form(name):
    fields = load_truth(name)["fields"]
    for key, value in fields.items():
        kind = FIELDS[key].type
        if kind == "bool":
            assert isinstance(value, bool), key
        elif kind in ("date", "date_end"):
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and check_date(value) is None, key
        elif kind in ("text", "person"):
            assert value == n.squeeze_cjk_spaces(n.clean_text(value)), key
    assert fields["applied_grade"] in APPLIED_GRADES
    assert fields["industry"] in industry_names()
    assert check_phone(fields["contact_phone"]) is None
    if "permit_class" in fields:
        assert fields["permit_class"] in n.PERMIT_CLASSES
    assert BOOL_KEYS & set(fields)


@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_truth_tables_are_in_normal_form(name):
    tables = load_truth(name)["tables"]
    for row in tables["emissions"]:
        assert set(row) == {"outlet_id", "source", "pollutant", "concentration_mg_m3", "limit_mg_m3"}
        assert row["pollutant"] == n.normalise_pollutant(row["pollutant"])
        assert isinstance(row["concentration_mg_m3"], int | float)
        assert isinstance(row["limit_mg_m3"], int | float)
    vins = [row["vin"] for row in tables["vehicles"]]
    assert len(vins) == len(set(vins))
    for row in tables["vehicles"]:
        assert set(row) == {"plate", "vin", "emission_stage", "registration_date"}
        assert check_vin(row["vin"]) is None
        assert row["emission_stage"] in STAGES
        assert check_date(row["registration_date"]) is None


@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_credit_code_is_valid(name):
    assert check_credit_code(load_truth(name)["fields"]["credit_code"]) is None


@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_permit_number_belongs_to_credit_code(name):
    fields = load_truth(name)["fields"]
    assert check_permit_number(fields["permit_number"], fields["credit_code"]) is None


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_documents_exist(name):
    folder = SAMPLES / name
    assert sorted(p.name for p in folder.iterdir()) == sorted(load_truth(name)["documents"])


@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_zip_holds_the_folder(name):
    folder = SAMPLES / name
    with zipfile.ZipFile(SAMPLES / f"{name}.zip") as archive:
        infos = archive.infolist()
        assert sorted(i.filename for i in infos) == sorted(p.name for p in folder.iterdir())
        for info in infos:
            assert info.flag_bits & 0x800, f"{info.filename}: name not flagged UTF-8"
            assert archive.read(info) == (folder / info.filename).read_bytes()


def test_generator_is_deterministic_and_committed(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert generate.main(["--out", str(first)]) == 0
    assert generate.main(["--out", str(second)]) == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    for truth in first.glob("*.truth.json"):
        committed = SAMPLES / truth.name
        assert committed.exists(), f"{truth.name} not committed: run python -m fixtures.generate"
        assert json.loads(truth.read_text("utf-8")) == json.loads(committed.read_text("utf-8")), truth.name


# ---------------------------------------------------------------- what the forms print


@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_printed_labels_and_values_normalise_to_truth(built, name):
    """Every label the form prints is a known label of its field, and its value normalises to the truth."""
    bundle = built[name]
    truth = bundle.truth()
    for written in bundle.form.fields:
        spec = match_label(written.label)
        assert spec is not None and spec.key == written.key, written
        assert spec.normalise(written.raw) == truth["fields"][written.key], written
    for table_key, table in bundle.form.tables.items():
        spec = TABLES[table_key]
        for col, (key, header) in enumerate(table.columns):
            column = spec.match_column(header)
            assert column is not None and column.key == key, header
            expected = [row[key] for row in truth["tables"][table_key]]
            assert [column.normalise(row[col]) for row in table.rows] == expected, header


def _docx_cells(path: Path) -> tuple[str, list[list[list[str]]]]:
    document = docx.Document(str(path))
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    text = "\n".join([p.text for p in document.paragraphs] + [c for t in tables for r in t for c in r])
    return text, tables


def _pdf_cells(path: Path) -> tuple[str, list[list[list[str]]]]:
    with pdfplumber.open(path) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        tables = [t for page in pdf.pages for t in page.extract_tables()]
    return text, tables


@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_application_form_text_is_extractable(built, name):
    """python-docx / pdfplumber read back every printed label and value, and each table row by row."""
    bundle = built[name]
    form_file = next(f for f, kind in bundle.documents.items() if kind == "application_form")
    path = SAMPLES / name / form_file
    text, tables = _docx_cells(path) if path.suffix == ".docx" else _pdf_cells(path)
    for written in bundle.form.fields:
        assert written.label in text and written.raw in text, written
    for written_table in bundle.form.tables.values():
        headers = [header for _key, header in written_table.columns]
        found = [t for t in tables if t and t[0][-len(headers):] == headers]
        assert found, f"no table with header {headers}"
        width = len(headers)
        assert [row[-width:] for row in found[0][1:]] == written_table.rows


@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_attachments_carry_identity(built, name):
    bundle = built[name]
    for file_name, kind in bundle.documents.items():
        if kind == "application_form":
            continue
        path = SAMPLES / name / file_name
        text = _docx_cells(path)[0] if path.suffix == ".docx" else _pdf_cells(path)[0]
        assert bundle.enterprise.enterprise_name in text, file_name
        if kind in ("business_license", "discharge_permit"):
            assert bundle.enterprise.credit_code in text, file_name
        if kind == "discharge_permit":
            assert bundle.enterprise.permit_number in text, file_name
