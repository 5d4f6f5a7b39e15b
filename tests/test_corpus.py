"""The generated corpus (fixtures/corpus.py): deterministic, broad, truthful, and its hostile files are hostile.

The full corpus takes minutes to render; these tests build every bundle's truth in memory
(seconds) and render only application forms of a few bundles and the hostile files.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter
from datetime import date

import docx
import pdfplumber
import pypdfium2 as pdfium
import pytest
from PIL import Image

from fixtures import corpus
from fixtures.cases import add_months, build_case, corpus_plan
from fixtures.profiles import CATALOGUE_LIMITS, CATALOGUE_SHARES, PROFILES
from forms import normalize as n
from forms.catalogue import industry_names, required_documents
from forms.fields import FIELDS, TABLES, match_label
from forms.validators import check_credit_code, check_date, check_permit_number, check_phone, check_vin
from forms.vocabulary import CLEAN_STAGES

DOCUMENT_KINDS = {"application_form", "business_license", "discharge_permit", "eia_approval", "acceptance",
                  "monitoring_report", "cems_data", "transport_ledger", "gate_records", "pledge", "photo"}
GRADES = {"A", "B", "B-", "C", "D", "引领性"}
RULE = re.compile(r"^(missing_document:[a-z_]+|missing_field:[a-z_]+|invalid:(credit_code|permit_number|contact_phone)"
                  r"|mismatch:(enterprise_name|credit_code|legal_representative)|expired:discharge_permit"
                  r"|stale:monitoring_report|over_limit:\S+|transport:clean_share|duplicate:vin)$")
FAMILIES = ("missing_document", "missing_field", "invalid:credit_code", "invalid:permit_number",
            "invalid:contact_phone", "mismatch:enterprise_name", "mismatch:credit_code",
            "mismatch:legal_representative", "expired:discharge_permit", "stale:monitoring_report", "over_limit",
            "transport:clean_share", "duplicate:vin")


def _truths() -> list[dict]:
    return [corpus.build_bundle(plan, delivery, render=False).truth for plan, delivery in corpus.all_bundles()]


@pytest.fixture(scope="module")
def truths() -> list[dict]:
    return _truths()


@pytest.fixture(scope="module")
def clean(truths) -> list[dict]:
    return [t for t in truths if t["clean"]]


@pytest.fixture(scope="module")
def defective(truths) -> list[dict]:
    return [t for t in truths if not t["clean"]]


def _facts(truth: dict, kind: str) -> list[dict]:
    return [truth["document_facts"][f]["fields"] for f, k in truth["documents"].items()
            if k == kind and f in truth["document_facts"]]


def _name(value: str) -> str:
    return re.sub(r"\s+", "", value.replace("(", "（").replace(")", "）"))


# ---------------------------------------------------------------- determinism and breadth


def test_same_seed_same_truth(truths):
    assert json.dumps(_truths(), ensure_ascii=False) == json.dumps(truths, ensure_ascii=False)


def test_another_seed_another_corpus(truths):
    plan, delivery = corpus.all_bundles()[0]
    other = corpus.build_bundle(plan, delivery, seed=7, render=False).truth
    assert other["fields"] != truths[0]["fields"]


def test_breadth(truths):
    cases = {t["case"] for t in truths}
    industries = {t["fields"]["industry"] for t in truths}
    assert len(truths) >= 40 and len(cases) >= 40
    assert len(industries) >= 8 and {"水泥", "长流程联合钢铁", "铸造"} <= industries
    assert industries <= set(industry_names())
    assert {t["fields"]["applied_grade"] for t in truths} == GRADES
    assert {k for t in truths for k in t["kinds"]} == DOCUMENT_KINDS
    assert {t["delivery"] for t in truths} == {"docx", "pdf-text", "scan"}
    assert {t["scan_kind"] for t in truths if t["delivery"] == "scan"} == set(corpus.SCAN_KINDS)
    for t in truths:  # every clean case in all three deliveries
        if t["clean"]:
            assert sum(1 for o in truths if o["case"] == t["case"]) == 3


def test_truth_shape(truths):
    for t in truths:
        assert {"bundle", "documents", "fields", "tables", "delivery", "kinds", "expected_rules"} <= set(t)
        assert set(t["documents"].values()) <= DOCUMENT_KINDS
        assert list(t["documents"].values()).count("application_form") >= 1
        assert set(t["fields"]) <= set(FIELDS) and len(t["fields"]) >= 14
        assert set(t["tables"]) == {"emissions", "vehicles"} and t["tables"]["emissions"]
        for file_name, facts in t["document_facts"].items():
            assert file_name in t["documents"] and set(facts["fields"]) <= set(FIELDS)


def test_values_in_normal_form(truths):
    for t in truths:
        fields = t["fields"]
        for key, value in fields.items():
            kind = FIELDS[key].type
            if kind == "bool":
                assert isinstance(value, bool), (t["bundle"], key)
            elif kind in ("date", "date_end"):
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and check_date(value) is None, (t["bundle"], key)
            elif kind in ("text", "person"):
                assert value == n.squeeze_cjk_spaces(n.clean_text(value)), (t["bundle"], key)
        assert fields["applied_grade"] in GRADES and fields["industry"] in industry_names()
        for row in t["tables"]["emissions"]:
            assert row["pollutant"] == n.normalise_pollutant(row["pollutant"])
        for row in t["tables"]["vehicles"]:
            assert check_vin(row["vin"]) is None and row["emission_stage"] in {"国三", "国四", *CLEAN_STAGES}
            assert row["registration_date"] <= fields["application_date"]


# ---------------------------------------------------------------- clean bundles raise nothing


def _over_limits(truth: dict) -> list[str]:
    """Pollutants above the printed limit or above any catalogue limit of the industry and grade."""
    fields = truth["fields"]
    catalogue = CATALOGUE_LIMITS.get((fields["industry"], fields["applied_grade"]), [])
    over = []
    rows = list(truth["tables"]["emissions"])
    for facts in truth["document_facts"].values():
        rows += facts["tables"].get("emissions", [])
    for row in rows:
        limits = [row["limit_mg_m3"]] + [v for _p, pollutant, v in catalogue if pollutant == row["pollutant"]]
        if row["concentration_mg_m3"] > min(limits):
            over.append(row["pollutant"])
    return over


def _clean_share(truth: dict) -> float:
    stages = [v["emission_stage"] for v in truth["tables"]["vehicles"]]
    return sum(s in CLEAN_STAGES for s in stages) / len(stages)


def test_clean_bundles_have_what_their_grade_needs(clean):
    assert len({t["case"] for t in clean}) >= 40
    for t in clean:
        fields = t["fields"]
        need = set(required_documents(fields["applied_grade"], fields.get("permit_class")))
        assert need <= set(t["kinds"]), (t["bundle"], need - set(t["kinds"]))


def test_clean_bundles_are_consistent_and_current(clean):
    for t in clean:
        f = t["fields"]
        assert check_credit_code(f["credit_code"]) is None
        assert check_permit_number(f["permit_number"], f["credit_code"]) is None
        assert check_phone(f["contact_phone"]) is None
        for kind in ("business_license", "discharge_permit", "pledge", "monitoring_report"):
            for facts in _facts(t, kind):
                for key in ("enterprise_name", "legal_representative"):
                    if key in facts:
                        assert _name(facts[key]) == _name(f[key]), (t["bundle"], kind, key)
                for key in ("credit_code", "permit_number", "address", "permit_valid_until"):
                    if key in facts:
                        assert facts[key] == f[key], (t["bundle"], kind, key)
        assert f["permit_valid_until"] >= f["application_date"], t["bundle"]
        applied = date.fromisoformat(f["application_date"])
        for facts in _facts(t, "monitoring_report"):
            sampled = date.fromisoformat(facts["sampling_date"])
            assert sampled <= applied and add_months(sampled, 12) >= applied, t["bundle"]
        assert not _over_limits(t), t["bundle"]
        vins = [v["vin"] for v in t["tables"]["vehicles"]]
        assert len(vins) == len(set(vins)), t["bundle"]
        needed = CATALOGUE_SHARES.get((f["industry"], f["applied_grade"]))
        if needed is not None:
            assert _clean_share(t) >= needed, t["bundle"]


def test_clean_bundles_hold_the_boundary_cases(clean):
    notes = Counter(note for t in clean for note in t["notes"])
    assert {"permit_ends_on_application", "report_12_months", "limit_equal", "share_boundary",
            "ascii_brackets"} <= set(notes)
    assert any(t["fields"]["permit_valid_until"] == t["fields"]["application_date"] for t in clean)


# ---------------------------------------------------------------- planted defects are there


def test_every_rule_family_planted_several_times(defective):
    assert all(RULE.match(rule) for t in defective for rule in t["expected_rules"])
    bundles_per_family = Counter()
    for t in defective:
        for family in {f for f in FAMILIES for rule in t["expected_rules"] if rule.startswith(f)}:
            bundles_per_family[family] += 1
    assert all(bundles_per_family[f] >= 3 for f in FAMILIES), bundles_per_family


def test_planted_defects_are_real(defective):
    for t in defective:
        f = t["fields"]
        applied = date.fromisoformat(f["application_date"])
        for rule in t["expected_rules"]:
            family, _, key = rule.partition(":")
            where = (t["bundle"], rule)
            if family == "missing_document":
                assert key not in t["kinds"] and key in required_documents(f["applied_grade"], f.get("permit_class"))
            elif family == "missing_field":
                assert key not in f and FIELDS[key].required, where
            elif rule == "invalid:credit_code":
                assert check_credit_code(f["credit_code"]) is not None, where
            elif rule == "invalid:permit_number":
                assert check_permit_number(f["permit_number"], f["credit_code"]) is not None, where
            elif rule == "invalid:contact_phone":
                assert check_phone(f["contact_phone"]) is not None, where
            elif family == "mismatch":
                values = {_name(facts[key]) for kind in ("business_license", "discharge_permit")
                          for facts in _facts(t, kind) if key in facts}
                assert values - {_name(f[key])}, where
            elif rule == "expired:discharge_permit":
                assert f["permit_valid_until"] < f["application_date"], where
            elif rule == "stale:monitoring_report":
                sampled = date.fromisoformat(_facts(t, "monitoring_report")[0]["sampling_date"])
                assert add_months(sampled, 12) < applied, where
            elif family == "over_limit":
                assert key in _over_limits(t), where
            elif rule == "transport:clean_share":
                assert _clean_share(t) < CATALOGUE_SHARES[(f["industry"], f["applied_grade"])], where
            elif rule == "duplicate:vin":
                vehicles = t["tables"]["vehicles"]
                vins = Counter(v["vin"] for v in vehicles)
                twin = next(vin for vin, count in vins.items() if count > 1)
                assert len({v["plate"] for v in vehicles if v["vin"] == twin}) > 1, where


# ---------------------------------------------------------------- what the forms print


def test_printed_labels_and_values_normalise_to_truth():
    """Every label printed is a label of docs/fields.md; every value normalises to the truth."""
    for plan in corpus_plan()[::3]:
        case = build_case(plan, corpus.DEFAULT_SEED)
        for delivery in plan.deliveries:
            _doc, form = corpus._form(case, delivery)
            for written in form.fields:
                spec = match_label(written.label)
                assert spec is not None and spec.key == written.key, (plan.name, written)
                if written.key == "industry":
                    assert written.raw in PROFILES[case.ent.industry].written
                assert spec.normalise(written.raw) == case.ent.value(written.key), (plan.name, written)
            for table_key, table in form.tables.items():
                for _key, header in table.columns:
                    assert TABLES[table_key].match_column(header) is not None, header


# ---------------------------------------------------------------- rendered files


def _render(name: str) -> corpus.BuiltBundle:
    plan, delivery = next((p, d) for p, d in corpus.all_bundles() if corpus.bundle_name(p, d) == name)
    return corpus.build_bundle(plan, delivery, kinds={"application_form"})


@pytest.fixture(scope="module")
def rendered() -> dict[str, corpus.BuiltBundle]:
    names = ["c01-foundry-a-docx", "c06-cement-a-pdf"]
    for plan in corpus_plan():  # the first clean case of each scan kind
        name = corpus.bundle_name(plan, "scan")
        if "scan" in plan.deliveries and plan.scan_kind not in {n.split(":")[0] for n in names[2:]}:
            names.append(f"{plan.scan_kind}:{name}")
    return {name.split(":")[-1]: _render(name.split(":")[-1]) for name in names}


def _form_files(built: corpus.BuiltBundle) -> list[str]:
    return [f for f, k in built.truth["documents"].items() if k == "application_form"]


def test_word_and_text_pdf_forms_carry_the_truth(rendered):
    for name in ("c01-foundry-a-docx", "c06-cement-a-pdf"):
        built = rendered[name]
        (file_name,) = _form_files(built)
        data = built.files[file_name]
        if file_name.endswith(".docx"):
            document = docx.Document(io.BytesIO(data))
            text = "\n".join([p.text for p in document.paragraphs] + [
                c.text for t in document.tables for r in t.rows for c in r.cells])
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                assert all(i.date_time == (2020, 1, 1, 0, 0, 0) for i in archive.infolist())
        else:
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        squeezed = re.sub(r"\s+", "", text)
        fields = built.truth["fields"]
        for key in ("enterprise_name", "credit_code", "permit_number", "eia_approval_number"):
            assert fields[key] in squeezed, (name, key)
        for row in built.truth["tables"]["vehicles"]:
            assert row["vin"] in squeezed and row["plate"] in squeezed


def test_scans_look_like_scans(rendered):
    kinds = set()
    for built in rendered.values():
        if built.truth["delivery"] != "scan":
            continue
        kinds.add(built.truth["scan_kind"])
        files = _form_files(built)
        assert set(files) <= set(built.files)
        texts = [t for f in files for t in built.page_text[f]]
        assert texts and built.truth["fields"]["credit_code"] in re.sub(r"\s", "", "".join(texts))
        for file_name in files:
            data = built.files[file_name]
            if file_name.endswith(".pdf"):
                document = pdfium.PdfDocument(data)
                assert len(document) == len(built.page_text[file_name])
                with pdfplumber.open(io.BytesIO(data)) as pdf:
                    assert not any(page.chars for page in pdf.pages)  # no text layer
                    width_pt = pdf.pages[0].width
                    image = pdf.pages[0].images[0]
                    dpi = image["srcsize"][0] / (width_pt / 72)
                    assert 149 <= dpi <= 301
            else:
                image = Image.open(io.BytesIO(data))
                assert image.format in ("JPEG", "TIFF")
                if image.format == "TIFF":
                    assert image.n_frames == len(built.page_text[file_name]) and image.mode == "1"
                dpi = image.info.get("dpi", (None,))[0]
                if dpi:  # flatbed scans say their resolution; phone photos do not
                    assert 149 <= dpi <= 301
                    assert abs(image.width / dpi - 8.27) < 0.05
                else:
                    assert image.width * 4 == image.height * 3 or abs(image.width / image.height - 0.75) < 0.01
    assert kinds == set(corpus.SCAN_KINDS)


def test_rendering_is_deterministic(rendered):
    name = next(n for n, b in rendered.items() if b.truth["scan_kind"] == "photo")
    again = _render(name)
    assert again.files == rendered[name].files


# ---------------------------------------------------------------- hostile files


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    manifest = corpus.write_hostile(out)
    return out / "hostile", manifest


def test_encrypted_pdf_needs_its_password(hostile):
    folder, manifest = hostile
    data = (folder / "encrypted.pdf").read_bytes()
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(data)
    assert len(pdfium.PdfDocument(data, password=manifest["encrypted.pdf"]["password"])) == 1
    with pytest.raises(Exception), pdfplumber.open(io.BytesIO(data)) as pdf:  # noqa: B017
        pdf.pages[0].extract_text()


def test_broken_text_layer_reads_as_cids_but_renders(hostile):
    folder, _ = hostile
    data = (folder / "broken-text-layer.pdf").read_bytes()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = pdf.pages[0].extract_text()
    assert "(cid:" in text and not re.search(r"[\u4e00-\u9fff]", text)
    image = pdfium.PdfDocument(data)[0].render(scale=1).to_pil().convert("L")
    assert image.getextrema()[0] < 80  # glyphs are drawn


def test_huge_png_is_huge_but_small(hostile):
    folder, _ = hostile
    path = folder / "huge.png"
    assert path.stat().st_size < 1_000_000
    header = path.read_bytes()[:33]
    assert header[12:16] == b"IHDR" and int.from_bytes(header[16:20], "big") == 20000
    assert int.from_bytes(header[20:24], "big") == 20000


def test_hundred_page_image_pdf(hostile):
    folder, _ = hostile
    data = (folder / "hundred-pages.pdf").read_bytes()
    assert len(pdfium.PdfDocument(data)) == 100 and len(data) < 1_000_000
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert not pdf.pages[0].chars
