"""How the extractors and checks hold up on forms written by other hands than the corpus generator's.

    python -m benchmarks.robustness [--corpus var/corpus] [--limit 12] [--defects N] [--jobs 2]
                                    [--out var/robustness] [--prepare-only | --read-only]
                                    [--before /path/to/other/checkout] [--json FILE]

The corpus (fixtures/) and the synonyms of forms/data/fields.toml were written together, so
the corpus cannot show what happens to a label nobody listed. This rewrites the clean
bundles' Word application forms with what benchmarks/paraphrases.toml holds — a list
written apart from fields.toml and kept disjoint from it (tests/test_robustness_lists.py):

- labels reworded or carrying a qualifier (企业名称（全称）, 是否安装在线监测设施（CEMS）…),
  table headings under other names (号牌, 排放标准阶段 …);
- structure: paragraphs wrapped in content controls (w:sdt), check boxes turned into legacy
  FORMCHECKBOX fields, a title row put above a table's header (the header one row lower);
- value spellings: emission stages with Arabic or Roman digits (国5, 国Ⅵ);
- table layouts (benchmarks/table_rewrites.py): every table in one long table under merged
  section rows, two-row headings with a group heading merged over two columns, label–value pairs
  two to a row, section rows in the middle of a table (自有车辆 / 外协车辆).

The same rewrites are made to cases with planted defects (`--defects N`, every rule family's
first case before any's second), and the defects found there are counted as benchmarks/checks.py
counts them (`found_rules`): a defect is found when its expected rule is raised.

About half of each bundle's evidence documents are retyped as other hands write them
(benchmarks/attachment_rewrites.py, wording written blind: a registration receipt for a permit, a lab
report's client as its 受检单位, a register's stage as 国Ⅵ; sometimes several in one Word file, a page
each); printed: the evidence documents' own fields and table cells read, each part of a file holding
several documents counted for its kind (`--no-attachments` leaves them as the corpus wrote them).

Deliveries: `docx` (the rewritten form), `pdf-text` (the same form printed to PDF by
LibreOffice), each with the bundle's other files unchanged, and `pdf-merged` (that PDF and the
bundle's text PDFs put together into one 申报材料汇编.pdf, one attachment page turned 90°); and, asked for
with `--delivery scan`, `scan` (that PDF through an office scanner, fixtures/scan.py's flatbed, a JPEG a
page at 200 dpi: OCR of reworded labels) and `photo` (the pages photographed on a desk, fixtures/scan.py's
phone_photo). Each bundle is extracted and
checked in its own process; printed per delivery: the original and the rewritten bundles'
form fields read (exact match with the truth), vehicle and emission cells, and findings the clean
bundles do not deserve (every finding but `info:` ones; blocking among them). With
`--before CHECKOUT` the same rewritten bundles are also read by that checkout's code
(its `.venv`), side by side: the figures before and after a change.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.extraction import (
    EMISSION_KEYS,
    ROOT,
    VEHICLE_KEYS,
    _stop_worker_pools,
    align_rows,
    run_all,
    same,
)

PARAPHRASES = Path(__file__).with_name("paraphrases.toml")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def paraphrases() -> dict[str, Any]:
    return tomllib.loads(PARAPHRASES.read_text("utf-8"))


# ---------------------------------------------------------------- rewriting a Word form


def _set_text(paragraphs, text: str) -> None:
    """Replace a cell's or paragraph's text, keeping the first run's formatting."""
    first = True
    for p in paragraphs:
        for run in p.runs:
            run.text = text if first else ""
            first = False
    if first and paragraphs:
        paragraphs[0].add_run(text)


def _legacy_box(checked: bool):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    state = '<w:checked/>' if checked else ""
    return [parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"><w:ffData><w:enabled/><w:checkBox>'
                      f'<w:sizeAuto/><w:default w:val="0"/>{state}</w:checkBox></w:ffData></w:fldChar></w:r>'),
            parse_xml(f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'),
            parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>')]


def _to_legacy_checkboxes(paragraph) -> bool:
    """`☑是 □否` written with glyphs → the same with Word 97 FORMCHECKBOX fields."""
    text = paragraph.text
    if not re.search("[☑■□]", text):
        return False
    p = paragraph._p
    for run in list(p.iterchildren(f"{W}r")):
        p.remove(run)
    for part in re.split("([☑■□])", text):
        if part in ("☑", "■", "□"):
            for el in _legacy_box(part != "□"):
                p.append(el)
        elif part:
            paragraph.add_run(part)
    return True


def _wrap_in_control(element) -> None:
    """Put a paragraph inside a rich-text content control (w:sdt), as forms made with Word's developer
    tools hold their answers."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    sdt = parse_xml(f'<w:sdt {nsdecls("w")}><w:sdtPr><w:showingPlcHdr w:val="0"/></w:sdtPr>'
                    '<w:sdtContent/></w:sdt>')
    element.addprevious(sdt)
    sdt.find(f"{W}sdtContent").append(element)


def rewrite_docx(data: bytes, rng: random.Random, lists: dict[str, Any]) -> tuple[bytes, dict[str, int]]:
    """The form with other hands' wording, structure and spellings; what was changed, counted."""
    import io

    from docx import Document

    from benchmarks import table_rewrites
    from forms.fields import TABLES, match_label

    doc = Document(io.BytesIO(data))
    changed: dict[str, int] = defaultdict(int)
    fields, columns, qualifiers = lists["field"], lists["column"], lists["qualifiers"]
    stages = lists["values"]["emission_stage"]

    def reword(text: str) -> str | None:
        spec = match_label(text)
        if spec is not None and spec.key in fields:
            changed["labels"] += 1
            new = rng.choice(fields[spec.key])
            if "（" not in new and rng.random() < 0.3 and spec.type != "bool":
                new += rng.choice(qualifiers)
            return new
        return None

    keep: set = set()  # group headings of two-row headers: they name no one column
    for rewrite, count in (("four_columns", lambda: table_rewrites.four_columns(doc, rng)),
                           ("one_table", lambda: rng.random() < 0.4 and table_rewrites.one_table(doc, rng, lists)),
                           ("two_row_header", lambda: table_rewrites.two_row_headers(doc, rng, lists, keep)),
                           ("section_rows", lambda: table_rewrites.section_rows(doc, rng, lists))):
        if done := count():
            changed[rewrite] += int(done)
    tables = list(doc.tables)
    for table in tables:
        tables.extend(cell_table for row in table.rows for cell in row.cells for cell_table in cell.tables)
        header_index = None
        seen: set = set()
        for r, row in enumerate(table.rows):
            for cell in row.cells:
                if cell._tc in seen or cell._tc in keep:
                    continue
                seen.add(cell._tc)
                text = cell.text.strip()
                new = reword(text)
                if new is None:
                    for table_key in ("emissions", "vehicles"):
                        col = TABLES[table_key].match_column(text)
                        if col is not None and col.key in columns[table_key]:
                            new = rng.choice(columns[table_key][col.key])
                            changed["headings"] += 1
                            header_index = r if header_index is None else header_index
                            break
                if new is None and text in stages:
                    new = rng.choice(stages[text])
                    changed["stages"] += 1
                if new is not None:
                    _set_text(cell.paragraphs, new)
                elif re.search("[☑■□]", text) and rng.random() < 0.6:
                    changed["legacy_checkboxes"] += sum(_to_legacy_checkboxes(p) for p in cell.paragraphs)
                elif text and rng.random() < 0.2 and len(cell.paragraphs) == 1:
                    _wrap_in_control(cell.paragraphs[0]._p)
                    changed["content_controls"] += 1
        if header_index is not None and rng.random() < 0.7:
            header = table.rows[header_index]._tr
            title = copy.deepcopy(header)
            for t in title.iter(f"{W}t"):
                t.text = ""
            first = next(title.iter(f"{W}t"), None)
            if first is not None:
                first.text = "（以下按实际情况填写）"
            header.addprevious(title)
            changed["header_lower"] += 1
    for paragraph in list(doc.paragraphs):
        m = re.match(r"^(\s*)([^：:]{2,24}?)([：:])(.*)$", paragraph.text)
        if m and (new := reword(m.group(2))) is not None:
            _set_text([paragraph], f"{m.group(1)}{new}{m.group(3)}{m.group(4)}")
        if re.search("[☑■□]", paragraph.text) and rng.random() < 0.6:
            changed["legacy_checkboxes"] += _to_legacy_checkboxes(paragraph)
        elif paragraph.text.strip() and rng.random() < 0.3:
            _wrap_in_control(paragraph._p)
            changed["content_controls"] += 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue(), dict(changed)


def _to_pdf(docx_path: Path, pdf_path: Path) -> None:
    from generators.pdf import convert_cold

    convert_cold(docx_path, pdf_path)


MERGED = "申报材料汇编.pdf"


def merge_pdfs(folder: Path, form_pdf: str, documents: dict[str, str],
               rng: random.Random) -> tuple[dict[str, str], list[dict]]:
    """The form and the bundle's text PDFs put together into one file, as enterprises hand in a 申报材料汇编:
    the form first, the rest in the bundle's order, one page of the attachments turned 90°. The truth then
    names the one file (its kind: the form's, the first part) and lists the parts it holds."""
    import pdfplumber
    import pypdfium2 as pdfium

    def text_pdf(name: str) -> bool:
        with pdfplumber.open(folder / name) as pdf:
            return bool(pdf.pages and pdf.pages[0].chars)

    parts = [form_pdf] + [name for name in sorted(documents) if name != form_pdf and name.lower().endswith(".pdf")
                          and text_pdf(name)]
    merged = pdfium.PdfDocument.new()
    kinds = []
    for name in parts:
        source = pdfium.PdfDocument(str(folder / name))
        first = len(merged)
        merged.import_pages(source)
        kinds.append({"file": name, "kind": documents[name], "pages": [first + 1, len(merged)]})
        source.close()
    attachments = range(kinds[0]["pages"][1], len(merged))
    if attachments:
        merged[rng.choice(list(attachments))].set_rotation(90)
    merged.save(str(folder / MERGED))
    merged.close()
    for name in parts:
        (folder / name).unlink()
    out = {name: kind for name, kind in documents.items() if name not in parts}
    out[MERGED] = documents[form_pdf]
    return out, kinds


SCAN_DPI = 200


def scan_form(folder: Path, form: str, documents: dict[str, str], rng: random.Random,
              photo: bool = False) -> dict[str, str]:
    """The rewritten form printed and put through an office scanner (fixtures/scan.py's flatbed: tilt, grain,
    blur, specks, JPEG), or photographed on a desk with `photo` (fixtures/scan.py's phone_photo: perspective,
    uneven light, colour cast, soft focus), a JPEG a page (申报表-1.jpg, 申报表-2.jpg …), in place of the Word
    file."""
    import pypdfium2 as pdfium

    from fixtures.scan import flatbed, jpeg_bytes, phone_photo, scan_style

    pdf_path = folder / Path(form).with_suffix(".pdf").name
    _to_pdf(folder / form, pdf_path)
    (folder / form).unlink()
    kind = documents.pop(form)
    style = scan_style(rng)
    pdf = pdfium.PdfDocument(str(pdf_path))
    for i, page in enumerate(pdf, 1):
        image = page.render(scale=SCAN_DPI / 72).to_pil().convert("RGB")
        name = f"{Path(form).stem}-{i}.jpg"
        if photo:
            (folder / name).write_bytes(jpeg_bytes(phone_photo(image, rng), rng.randint(70, 88)))
        else:
            (folder / name).write_bytes(jpeg_bytes(flatbed(image, rng, style), style.quality, SCAN_DPI))
        documents[name] = kind
    pdf.close()
    pdf_path.unlink()
    return documents


def _defect_cases(truths: list[dict], limit: int) -> list[dict]:
    """Up to `limit` docx cases with planted defects, every rule family's first case before any family's
    second: the few read are as varied as the corpus holds."""
    from benchmarks.checks import family_of

    defects = [t for t in truths if t["delivery"] == "docx" and t["expected_rules"]]
    rounds: dict[str, int] = defaultdict(int)
    ranked = []
    for t in defects:
        family = family_of(t["expected_rules"][0])
        ranked.append((rounds[family], t["bundle"], t))
        rounds[family] += 1
    return [t for _, _, t in sorted(ranked, key=lambda x: x[:2])][:limit]


def retype_attachments(folder: Path, plan, delivery: str, documents: dict[str, str], facts: dict[str, Any],
                       pdfs: dict[str, bytes]) -> tuple[dict[str, str], dict[str, Any], list[dict]]:
    """Put the plan's retyped attachments (benchmarks/attachment_rewrites.py) in place of the originals: Word
    files in the docx delivery, the same printed to PDF in the others (`pdfs` keeps them, converted once);
    when merged, one file, each document's pages listed as the truth's parts."""
    import tempfile

    import pypdfium2 as pdfium

    from benchmarks.attachment_rewrites import MERGED as RETYPED_MERGED

    suffix = ".docx" if delivery == "docx" else ".pdf"
    documents, facts = dict(documents), dict(facts)
    for name in plan.retyped:
        (folder / name).unlink()
        documents.pop(name)
        facts.pop(name, None)
    if delivery != "docx":
        for name, data in plan.files.items():
            if name not in pdfs:
                with tempfile.TemporaryDirectory() as tmp:
                    source = Path(tmp) / "retyped.docx"
                    source.write_bytes(data)
                    _to_pdf(source, Path(tmp) / "retyped.pdf")
                    pdfs[name] = (Path(tmp) / "retyped.pdf").read_bytes()
    parts: list[dict] = []
    if plan.merged and delivery != "pdf-merged":  # that delivery merges the text PDFs itself
        merged_name = RETYPED_MERGED + suffix
        if delivery == "docx":
            (folder / merged_name).write_bytes(plan.data)
            pages = [[i, i] for i in range(1, len(plan.retyped) + 1)]
        else:
            merged, pages = pdfium.PdfDocument.new(), []
            for name in plan.retyped:
                first = len(merged)
                merged.import_pages(pdfium.PdfDocument(pdfs[name]))
                pages.append([first + 1, len(merged)])
            merged.save(str(folder / merged_name))
            merged.close()
        for (name, r), span in zip(plan.retyped.items(), pages, strict=True):
            parts.append({"file": name, "in": merged_name, "kind": r.kind, "pages": span,
                          "facts": {"fields": r.fields, "tables": r.tables}, "style": r.style})
        documents[merged_name] = parts[0]["kind"]
        return documents, facts, parts
    for name, r in plan.retyped.items():
        new = plan.names[name] + suffix
        if (folder / new).exists():
            new = f"{plan.names[name]}-重新录入{suffix}"
        (folder / new).write_bytes(plan.files[name] if delivery == "docx" else pdfs[name])
        documents[new] = r.kind
        facts[new] = {"fields": r.fields, "tables": r.tables, "retyped": r.style}
    return documents, facts, parts


def prepare(corpus: Path, out: Path, limit: int, deliveries: tuple[str, ...], seed: int,
            defects: int = 0, attachments: bool = True) -> list[tuple[str, str]]:
    """Write the rewritten bundles (clean docx-delivery cases, and `defects` cases with planted defects)
    under `out`; (folder, truth path) each. With `attachments`, about half of each bundle's evidence
    documents are retyped too (benchmarks/attachment_rewrites.py)."""
    from benchmarks import attachment_rewrites

    lists = paraphrases()
    words = attachment_rewrites.wording()
    work: list[tuple[str, str]] = []
    truths = [json.loads(p.read_text("utf-8")) for p in sorted(corpus.glob("*.truth.json"))]
    chosen = [t for t in truths if t["delivery"] == "docx" and not t["expected_rules"]][:limit]
    chosen += _defect_cases(truths, defects)
    for truth in chosen:
        form = next(f for f, kind in truth["documents"].items() if kind == "application_form")
        rng = random.Random(f"{seed}:{truth['bundle']}")
        rewritten, changed = rewrite_docx((corpus / truth["bundle"] / form).read_bytes(), rng, lists)
        retyping = attachment_rewrites.plan(truth, random.Random(f"{seed}:{truth['bundle']}:attachments"),
                                            words) if attachments else None
        retyped_pdfs: dict[str, bytes] = {}
        for delivery in deliveries:
            name = f"{truth['bundle']}-robust-{delivery}"
            folder = out / name
            if folder.exists():
                shutil.rmtree(folder)
            shutil.copytree(corpus / truth["bundle"], folder)
            documents = dict(truth["documents"])
            document_facts = truth.get("document_facts", {})
            retyped_parts: list[dict] = []
            if retyping is not None and retyping.retyped:
                documents, document_facts, retyped_parts = retype_attachments(folder, retyping, delivery, documents,
                                                                              document_facts, retyped_pdfs)
            (folder / form).write_bytes(rewritten)
            if delivery in ("pdf-text", "pdf-merged"):
                pdf_name = Path(form).with_suffix(".pdf").name
                _to_pdf(folder / form, folder / pdf_name)
                (folder / form).unlink()
                documents[pdf_name] = documents.pop(form)
            if delivery in ("scan", "photo"):
                documents = scan_form(folder, form, documents, rng, photo=delivery == "photo")
            parts: list[dict] = []
            if delivery == "pdf-merged":
                documents, parts = merge_pdfs(folder, pdf_name, documents, rng)
                changed = dict(changed, merged=len(parts), turned=1)
            if retyping is not None and retyping.retyped:
                changed = dict(changed, retyped=len(retyping.retyped), retyped_merged=int(retyping.merged))
            new_truth = dict(truth, bundle=name, delivery=delivery, documents=documents, rewritten=changed,
                             parts=parts + retyped_parts, document_facts=document_facts)
            truth_path = out / f"{name}.truth.json"
            truth_path.write_text(json.dumps(new_truth, ensure_ascii=False), encoding="utf-8")
            work.append((str(folder), str(truth_path)))
    return work


# ---------------------------------------------------------------- reading them


def run_robust_bundle(args: tuple[str, ...]) -> dict[str, Any]:
    folder, truth_path = args
    truth = json.loads(Path(truth_path).read_text("utf-8"))
    from extractors.pipeline import extract_bundle
    from forms.checks import run_checks

    try:
        from forms.settings import Settings
    except ImportError:  # a checkout from before settings were one object (--before): it reads the environment
        extraction = extract_bundle([Path(folder)])
    else:
        extraction = extract_bundle([Path(folder)], settings=Settings.from_env())
    data = extraction.to_dict()
    fields = data.get("fields", {})
    missed = [(key, (fields.get(key) or {}).get("value"), want) for key, want in truth["fields"].items()
              if not same(key, (fields.get(key) or {}).get("value"), want)]
    form_files = [f for f, k in truth["documents"].items() if k == "application_form"]
    # the form's document: a file, or the part of a merged file the extraction took for the form
    forms = [d for d in extraction.documents if d.file in form_files and (
        getattr(d, "pages_range", None) is None or d.kind == "application_form")]
    vehicles, emissions = (align_rows(truth["tables"][table], [row for d in forms for row in d.tables.get(table, [])],
                                      keys)[:2]
                           for table, keys in (("vehicles", VEHICLE_KEYS), ("emissions", EMISSION_KEYS)))
    findings = [{"rule": f.rule, "severity": f.severity} for f in run_checks(extraction)]
    kinds, attachment_fields, attachment_cells = _attachments(truth, extraction)
    _stop_worker_pools()  # else the OCR pool's workers keep this process from exiting
    return {"bundle": truth["bundle"], "delivery": truth["delivery"], "expected": truth["expected_rules"],
            "rewritten": truth.get("rewritten", {}), "fields": len(truth["fields"]),
            "missed": missed, "vehicles": vehicles, "emissions": emissions, "findings": findings,
            "unassigned": len(data.get("unassigned", [])), "kinds": [k for k in kinds if k[1] != k[2]],
            "documents": len(kinds), "attachment_fields": attachment_fields, "attachment_cells": attachment_cells}


def _attachments(truth: dict, extraction) -> tuple[list[tuple], list[tuple], list[int]]:
    """Each document's kind as read against the truth's (a file holding several: each part's, by its
    pages), and the evidence documents' fields and table cells read (their own facts, not the form's):
    (name, wanted, read) kinds; (file, kind, key, read, wanted, retyped style or "") fields; cells."""
    by_file: dict[str, list] = defaultdict(list)
    for d in extraction.documents:
        by_file[d.file].append(d)

    def pages(d) -> list[int] | None:
        span = getattr(d, "pages_range", None)
        return list(span) if span else None

    parts: dict[str, list[dict]] = defaultdict(list)
    for part in truth.get("parts", []):
        parts[part.get("in", MERGED)].append(part)
    kinds: list[tuple] = []
    held: list[tuple[dict, list, str]] = []  # (facts, the documents read for them, retyped style)
    for name, want in truth["documents"].items():
        read = by_file.get(name, [])
        if len(parts.get(name, [])) > 1:
            for part in parts[name]:
                got = [d for d in read if pages(d) == part["pages"]]
                kinds.append((f"{name} {part['pages']}", part["kind"], got[0].kind if got else
                              "<not a part>: " + ",".join(f"{d.kind}{pages(d)}" for d in read)))
                if "facts" in part:
                    held.append((part["facts"], got, part.get("style", "")))
        else:
            kinds.append((name, want, read[0].kind if read else "<missing>"))
            facts = truth.get("document_facts", {}).get(name)
            if facts and want != "application_form":
                held.append((facts, read, facts.get("retyped", "")))
    fields: list[tuple] = []
    cells = [0, 0]
    for facts, read, style in held:
        kind = read[0].kind if read else "<missing>"
        for key, want in facts.get("fields", {}).items():
            got = [f.value for d in read for f in d.facts if f.key == key]
            fields.append((read[0].file if read else "?", kind, key, got[0] if got else None, want, style,
                           any(same(key, g, want) for g in got)))
        for table, rows in facts.get("tables", {}).items():
            keys = EMISSION_KEYS if table == "emissions" else VEHICLE_KEYS
            correct, counted = align_rows(rows, [row for d in read for row in d.tables.get(table, [])], keys)[:2]
            cells[0] += correct
            cells[1] += counted
    return kinds, fields, cells


def summarise(results: list[dict]) -> dict[str, dict[str, Any]]:
    """Per delivery: the clean bundles' fields, vehicle cells and undeserved findings; the defect
    bundles' planted defects found (as benchmarks/checks.py judges them); the rewrites made."""
    from benchmarks.checks import found_rules

    out: dict[str, dict[str, Any]] = {}
    for r in results:  # a worker that died knows its bundle only
        r["delivery"] = r["bundle"].rsplit("-robust-", 1)[-1]
    for delivery in sorted({r["delivery"] for r in results}):
        done = [r for r in results if r["delivery"] == delivery and "crash" not in r]
        rows = [r for r in done if not r.get("expected")]
        defects = [r for r in done if r.get("expected")]
        unfound = [f"{r['bundle']}: {rule}" for r in defects
                   for rule in sorted(set(r["expected"]) - found_rules(r["expected"], r["findings"]))]
        rewrites: dict[str, int] = defaultdict(int)
        for r in done:
            for key, n in r.get("rewritten", {}).items():
                rewrites[key] += n
        total = sum(r["fields"] for r in rows)
        read = total - sum(len(r["missed"]) for r in rows)
        false = [f for r in rows for f in r["findings"] if not f["rule"].startswith("info:")]
        cells = [sum(r["vehicles"][0] for r in rows), sum(r["vehicles"][1] for r in rows)]
        emission_cells = [sum(r["emissions"][0] for r in rows if "emissions" in r),
                          sum(r["emissions"][1] for r in rows if "emissions" in r)]
        missed: dict[str, int] = defaultdict(int)
        for r in rows:
            for key, _, _ in r["missed"]:
                missed[key] += 1
        attached = [f for r in rows for f in r.get("attachment_fields", [])]
        attachment_missed: dict[str, int] = defaultdict(int)
        for _, kind, key, _, _, style, ok in attached:
            if not ok:
                attachment_missed[f"{kind}.{key}{' (retyped)' if style else ''}"] += 1
        rules: dict[str, int] = defaultdict(int)
        for f in false:
            rules[f["rule"]] += 1
        out[delivery] = {"bundles": len(rows), "crashed": sum(1 for r in results if r["delivery"] == delivery
                                                               and "crash" in r),
                         "fields_read": read, "fields": total, "vehicle_cells": cells,
                         "emission_cells": emission_cells,
                         "kinds_right": [sum(r["documents"] - len(r["kinds"]) for r in done if "documents" in r),
                                         sum(r["documents"] for r in done if "documents" in r)],
                         "attachment_fields": [sum(1 for f in attached if f[-1]), len(attached)],
                         "attachment_cells": [sum(r.get("attachment_cells", [0, 0])[0] for r in rows),
                                              sum(r.get("attachment_cells", [0, 0])[1] for r in rows)],
                         "attachment_missed": dict(sorted(attachment_missed.items(), key=lambda x: -x[1])),
                         "false_findings": len(false),
                         "false_blocking": sum(1 for f in false if f["severity"] == "blocking"),
                         "planted": sum(len(set(r["expected"])) for r in defects),
                         "planted_found": sum(len(found_rules(r["expected"], r["findings"])) for r in defects),
                         "planted_missed": unfound, "rewrites": dict(sorted(rewrites.items())),
                         "missed_fields": dict(sorted(missed.items(), key=lambda x: -x[1])),
                         "false_rules": dict(sorted(rules.items(), key=lambda x: -x[1]))}
    return out


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:6.2f}%" if b else "     —"


def print_table(columns: dict[str, dict[str, dict[str, Any]]]) -> None:
    names = list(columns)
    deliveries = sorted({d for col in columns.values() for d in col})
    print(f"{'delivery':<10} {'figure':<24}" + "".join(f"{name:>28}" for name in names))
    for delivery in deliveries:
        for label, fmt in (
                ("form fields read", lambda s: f"{s['fields_read']}/{s['fields']} {_pct(s['fields_read'], s['fields'])}"),
                ("vehicle cells", lambda s: f"{s['vehicle_cells'][0]}/{s['vehicle_cells'][1]} "
                                            f"{_pct(*s['vehicle_cells'])}"),
                ("emission cells", lambda s: f"{s['emission_cells'][0]}/{s['emission_cells'][1]} "
                                             f"{_pct(*s['emission_cells'])}"),
                ("document kinds", lambda s: f"{s['kinds_right'][0]}/{s['kinds_right'][1]} "
                                             f"{_pct(*s['kinds_right'])}" if "kinds_right" in s else "—"),
                ("attachment fields", lambda s: f"{s['attachment_fields'][0]}/{s['attachment_fields'][1]} "
                                                f"{_pct(*s['attachment_fields'])}" if "attachment_fields" in s else "—"),
                ("attachment table cells", lambda s: f"{s['attachment_cells'][0]}/{s['attachment_cells'][1]} "
                                                     f"{_pct(*s['attachment_cells'])}" if "attachment_cells" in s
                 else "—"),
                ("undeserved findings", lambda s: f"{s['false_findings']} ({s['false_blocking']} blocking)"),
                ("planted defects found", lambda s: f"{s['planted_found']}/{s['planted']} "
                                                    f"{_pct(s['planted_found'], s['planted'])}"),
                ("crashed bundles", lambda s: str(s["crashed"]))):
            print(f"{delivery:<10} {label:<24}" + "".join(
                f"{fmt(col[delivery]) if delivery in col else '—':>28}" for col in columns.values()))
    for name, col in columns.items():
        for delivery, s in col.items():
            print(f"\n{name} / {delivery}: fields missed {s['missed_fields']}; undeserved findings {s['false_rules']}; "
                  f"planted defects missed {s['planted_missed']}; attachment fields missed "
                  f"{s.get('attachment_missed', {})}")
    first = next(iter(columns.values()))
    print("\nrewrites made: " + "; ".join(f"{d}: {s['rewrites']}" for d, s in first.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "var" / "corpus")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "robustness")
    parser.add_argument("--limit", type=int, default=12, help="clean cases rewritten")
    parser.add_argument("--defects", type=int, help="cases with planted defects rewritten (default: --limit)")
    parser.add_argument("--delivery", help="deliveries rewritten (default docx,pdf-text,pdf-merged); with "
                        "--read-only, the deliveries read (default: every one under --out)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--before", type=Path, help="another checkout (with its .venv) to read the same bundles")
    parser.add_argument("--read-only", action="store_true", help="read the bundles already under --out")
    parser.add_argument("--raw", action="store_true", help="with --read-only: print the results, not their "
                        "summary (how --before runs the other checkout)")
    parser.add_argument("--prepare-only", action="store_true", help="only write the rewritten bundles")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-attachments", action="store_true", help="leave the evidence documents as the corpus "
                        "wrote them (else about half are retyped: benchmarks/attachment_rewrites.py)")
    args = parser.parse_args(argv)
    deliveries = tuple((args.delivery or "docx,pdf-text,pdf-merged").split(","))
    if args.read_only:
        work = [(str(p.with_name(p.name.removesuffix(".truth.json"))), str(p))
                for p in sorted(args.out.glob("*-robust-*.truth.json"))
                if args.delivery is None or p.name.removesuffix(".truth.json").rsplit("-robust-", 1)[1] in deliveries]
    elif args.prepare_only:
        args.out.mkdir(parents=True, exist_ok=True)
        if not args.corpus.exists():
            from benchmarks.extraction import prepare_corpus

            prepare_corpus(args.corpus, args.jobs)
        for stale in args.out.glob("*-robust-*.truth.json"):
            stale.unlink()
        prepare(args.corpus, args.out, args.limit, deliveries, args.seed,
                args.limit if args.defects is None else args.defects, attachments=not args.no_attachments)
        return 0
    else:
        # rewritten in a process of its own: the bundles are read in processes forked from this one, and a
        # process that has run LibreOffice and python-docx must not be the one they fork from (the OCR pools
        # they start hung so)
        subprocess.run([sys.executable, "-m", "benchmarks.robustness", "--prepare-only", "--corpus", str(args.corpus),
                        "--out", str(args.out), "--limit", str(args.limit), "--delivery", ",".join(deliveries),
                        "--defects", str(args.limit if args.defects is None else args.defects),
                        "--seed", str(args.seed), *(["--no-attachments"] if args.no_attachments else [])],
                       cwd=ROOT, check=True)
        work = [(str(p.with_name(p.name.removesuffix(".truth.json"))), str(p))
                for p in sorted(args.out.glob("*-robust-*.truth.json"))]
    results = run_all(work, args.jobs, worker=run_robust_bundle)
    if args.raw:  # for the checkout that asked: it summarises (and may count what this one cannot)
        print(json.dumps(results, ensure_ascii=False))
        return 0
    summary = summarise(results)
    columns = {"this checkout": summary}
    if args.before:
        python = args.before / ".venv" / "bin" / "python"
        env = dict(os.environ, PYTHONPATH=str(args.before))
        done = subprocess.run([str(python), str(Path(__file__).resolve()), "--read-only", "--raw", "--out", str(args.out),
                               "--jobs", str(args.jobs), *(["--delivery", args.delivery] if args.read_only
                                                           and args.delivery else [])], env=env, cwd=args.before, capture_output=True, text=True,
                              check=True)
        columns = {f"before ({args.before})": summarise(json.loads(done.stdout.strip().splitlines()[-1])),
                   **columns}
    print_table(columns)
    if args.json:
        args.json.write_text(json.dumps(columns, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
