"""How well the extractors read the corpus, per delivery form of the application form.

    python -m benchmarks.extraction [--corpus var/corpus] [--delivery docx,pdf-text,scan]
                                    [--only REGEX] [--limit N] [--jobs N] [--misses N] [--json FILE]
    python -m benchmarks.extraction --ocr-compare [--engines tesseract,rapidocr] [--pages N]
    python -m benchmarks.extraction --big-bundle

The corpus (fixtures/corpus.py) is generated into --corpus first when missing or stale.
Every bundle runs `extractors.pipeline.extract_bundle` in a fresh process (so that peak
memory is the bundle's own) and is scored against its truth file:

- field accuracy: the bundle's `fields` (the application form's values) equal to the truth,
  text compared after normalising bracket width and white space (the only differences
  docs/fields.md treats as the same text);
- table cell accuracy: the form's emissions and vehicles rows (and, separately, the
  monitoring reports' and ledgers' rows), rows aligned greedily, extra or missing rows
  counting as wrong cells;
- document kind accuracy: every file's `kind`;
- seconds per page by extraction method, and peak resident memory (ru_maxrss of the
  worker and of its child processes, e.g. tesseract).

`--ocr-compare` runs every available OCR engine (`extractors.ocr.get_engine`) over scanned
pages of the corpus and over the same pages rendered clean, one thread each
(OMP_THREAD_LIMIT=1), and prints the character error rate and seconds per page.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DELIVERIES = ("docx", "pdf-text", "scan")
TEXT_KEYS = {"enterprise_name", "legal_representative", "address", "county", "contact_person",
             "eia_approval_number", "main_products", "design_capacity", "testing_lab", "report_number",
             "source", "outlet_id", "plate"}
EMISSION_KEYS = ("outlet_id", "source", "pollutant", "concentration_mg_m3", "limit_mg_m3")
VEHICLE_KEYS = ("plate", "vin", "emission_stage", "registration_date")


# ---------------------------------------------------------------- comparing values


def canonical_text(value: Any) -> str:
    text = str(value)
    text = text.replace("(", "（").replace(")", "）").replace("[", "〔").replace("]", "〕")
    return re.sub(r"[\s\u3000]+", "", text)


def same(key: str, got: Any, want: Any) -> bool:
    if got is None or want is None:
        return got is want
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, int | float) and isinstance(got, int | float):
        return abs(float(got) - float(want)) < 1e-9
    if key in TEXT_KEYS:
        return canonical_text(got) == canonical_text(want)
    return got == want


def align_rows(truth_rows: list[dict], got_rows: list[dict], keys: tuple[str, ...]) -> tuple[int, int, list]:
    """(correct cells, cells counted, wrong cells) with each truth row matched to its best unused row."""
    unused = list(range(len(got_rows)))
    correct = 0
    wrong: list[tuple[str, Any, Any]] = []
    for want in truth_rows:
        best, best_score = None, -1
        for i in unused:
            score = sum(same(k, got_rows[i].get(k), want[k]) for k in keys)
            if score > best_score:
                best, best_score = i, score
        if best is None:
            wrong.extend((k, None, want[k]) for k in keys)
            continue
        unused.remove(best)
        correct += best_score
        wrong.extend((k, got_rows[best].get(k), want[k]) for k in keys if not same(k, got_rows[best].get(k), want[k]))
    for i in unused:
        wrong.extend((k, got_rows[i].get(k), "<extra row>") for k in keys[:1])
    counted = max(len(truth_rows), len(got_rows)) * len(keys)
    return correct, counted, wrong


# ---------------------------------------------------------------- one bundle, in its own process


def _stop_worker_pools() -> None:
    """Shut down any process pool the extractors keep, so its workers count in RUSAGE_CHILDREN."""
    import concurrent.futures

    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("extractors"):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, concurrent.futures.Executor):
                value.shutdown(wait=True)


def extract_one(folder: str) -> tuple[Any, list[dict], float, dict]:
    """Extraction, per-file timings, wall seconds and peak memory of one bundle."""
    from extractors.pipeline import extract_bundle
    from forms.settings import Settings

    started = time.perf_counter()
    extraction = extract_bundle([Path(folder)], settings=Settings.from_env())
    seconds = time.perf_counter() - started
    # per file: how long reading it took, in this process or in an OCR process (image files)
    timings = [{"file": doc.file, "method": doc.method or "none", "pages": doc.pages or 0,
                "seconds": doc.seconds or 0.0, "error": doc.error} for doc in extraction.documents]
    _stop_worker_pools()
    memory = {"self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    return extraction, timings, seconds, memory


def score_bundle(truth: dict, extraction) -> dict[str, Any]:
    data = extraction.to_dict()
    fields = data.get("fields", {})
    field_results = []
    for key, want in truth["fields"].items():
        got = (fields.get(key) or {}).get("value")
        field_results.append((key, got, want, same(key, got, want)))
    docs = {d.file: d for d in extraction.documents}
    kinds = [(f, want, docs[f].kind if f in docs else "<missing>", docs[f].error if f in docs else "not extracted")
             for f, want in truth["documents"].items()]
    form_files = [f for f, k in truth["documents"].items() if k == "application_form"]
    tables = {}
    for table, keys in (("emissions", EMISSION_KEYS), ("vehicles", VEHICLE_KEYS)):
        got_rows = [row for f in form_files if f in docs for row in docs[f].tables.get(table, [])]
        tables[f"form_{table}"] = align_rows(truth["tables"][table], got_rows, keys)
    attach_fields = []
    attach_cells = [0, 0]
    for file_name, facts in truth.get("document_facts", {}).items():
        doc = docs.get(file_name)
        for key, want in facts.get("fields", {}).items():
            got = [f.value for f in doc.facts if f.key == key] if doc else []
            ok = any(same(key, g, want) for g in got)
            attach_fields.append((truth["documents"][file_name], key, got[0] if got else None, want, ok))
        for table, rows in facts.get("tables", {}).items():
            keys = EMISSION_KEYS if table == "emissions" else VEHICLE_KEYS
            got_rows = doc.tables.get(table, []) if doc else []
            correct, counted, _ = align_rows(rows, got_rows, keys)
            attach_cells[0] += correct
            attach_cells[1] += counted
    return {"fields": field_results, "kinds": kinds, "tables": tables, "attach_fields": attach_fields,
            "attach_cells": attach_cells}


def run_bundle(args: tuple[str, ...]) -> dict[str, Any]:
    folder, truth_path, *save = args
    truth = json.loads(Path(truth_path).read_text("utf-8"))
    try:
        extraction, timings, seconds, memory = extract_one(folder)
    except Exception as exc:  # the pipeline must not raise; when it does, it is a finding of the benchmark
        return {"bundle": truth["bundle"], "delivery": truth["delivery"], "crash": f"{type(exc).__name__}: {exc}"}
    if save and save[0]:
        Path(save[0], f"{truth['bundle']}.extraction.json").write_text(
            json.dumps(extraction.to_dict(), ensure_ascii=False, default=str), encoding="utf-8")
    scored = score_bundle(truth, extraction)
    return {"bundle": truth["bundle"], "delivery": truth["delivery"], "seconds": seconds, "memory": memory,
            "timings": timings, "engine": _engine_name(), **scored}


def _engine_name() -> str:
    """The OCR engine the pipeline would use now (the lead may change the default between runs)."""
    try:
        from extractors.ocr import get_engine
        from forms.settings import Settings

        return get_engine(Settings.from_env()).name
    except Exception as exc:
        return f"unavailable ({type(exc).__name__})"


def select(corpus: Path, deliveries: tuple[str, ...], only: str | None, limit: int | None,
           predicate=None) -> list[tuple[str, str]]:
    chosen: list[tuple[str, str]] = []
    per_delivery: Counter = Counter()
    for truth_path in sorted(corpus.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text("utf-8"))
        if truth["delivery"] not in deliveries or (only and not re.search(only, truth["bundle"])):
            continue
        if predicate and not predicate(truth):
            continue
        if limit and per_delivery[truth["delivery"]] >= limit:
            continue
        per_delivery[truth["delivery"]] += 1
        chosen.append((str(corpus / truth["bundle"]), str(truth_path)))
    return chosen


def _child(worker, item, result_path: str) -> None:
    import pickle

    try:
        result = worker(item)
    except BaseException as exc:  # report, never hang the parent
        result = {"bundle": Path(item[0]).name, "delivery": "?", "crash": f"{type(exc).__name__}: {exc}"}
    with open(result_path, "wb") as fh:
        pickle.dump(result, fh)


def run_all(work: list[tuple[str, str]], jobs: int, worker=run_bundle) -> list[dict]:
    """Each bundle in its own (non-daemonic) process, so the pipeline may start its own OCR workers."""
    import multiprocessing
    import multiprocessing.connection
    import pickle
    import tempfile

    context = multiprocessing.get_context("fork")
    pending = list(enumerate(work))
    running: dict[int, tuple] = {}
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="gradedesk-bench-") as tmp:
        while pending or running:
            while pending and len(running) < jobs:
                index, item = pending.pop(0)
                path = os.path.join(tmp, f"{index}.pickle")
                process = context.Process(target=_child, args=(worker, item, path))
                process.start()
                running[process.sentinel] = (process, path, item)
            for sentinel in multiprocessing.connection.wait(list(running)):
                process, path, item = running.pop(sentinel)
                process.join()
                if os.path.exists(path):
                    with open(path, "rb") as fh:
                        result = pickle.load(fh)
                else:
                    result = {"bundle": Path(item[0]).name, "delivery": "?",
                              "crash": f"worker died with exit code {process.exitcode}"}
                results.append(result)
                print(f"\r{len(results)}/{len(work)} {result['bundle']:<48}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return sorted(results, key=lambda r: r["bundle"])


def prepare_corpus(corpus: Path, jobs: int) -> None:
    sys.path.insert(0, str(ROOT))
    from fixtures.corpus import ensure_corpus

    started = time.perf_counter()
    ensure_corpus(corpus, jobs=jobs)
    if time.perf_counter() - started > 5:
        print(f"corpus generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)


# ---------------------------------------------------------------- the report


def _pct(num: float, den: float) -> str:
    return f"{100 * num / den:6.2f}%" if den else "     —"


def report(results: list[dict], misses: int) -> dict[str, Any]:
    rows = {}
    crashed = [r for r in results if "crash" in r]
    ok = [r for r in results if "crash" not in r]
    by_method: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for d in (*DELIVERIES, "all"):
        group = [r for r in ok if d == "all" or r["delivery"] == d]
        if not group:
            continue
        f_ok = sum(x[3] for r in group for x in r["fields"])
        f_n = sum(len(r["fields"]) for r in group)
        em = [sum(r["tables"]["form_emissions"][i] for r in group) for i in (0, 1)]
        ve = [sum(r["tables"]["form_vehicles"][i] for r in group) for i in (0, 1)]
        at = [sum(r["attach_cells"][i] for r in group) for i in (0, 1)]
        af = [sum(x[4] for r in group for x in r["attach_fields"]), sum(len(r["attach_fields"]) for r in group)]
        k_ok = sum(want == got for r in group for _f, want, got, _e in r["kinds"])
        k_n = sum(len(r["kinds"]) for r in group)
        pages = sum(t["pages"] for r in group for t in r["timings"])
        rows[d] = {"bundles": len(group), "fields": (f_ok, f_n), "emissions": em, "vehicles": ve,
                   "attach_tables": at, "attach_fields": af, "kinds": (k_ok, k_n),
                   "seconds_per_bundle": sum(r["seconds"] for r in group) / len(group),
                   "max_bundle_seconds": max(r["seconds"] for r in group), "pages": pages,
                   "peak_mb": max(r["memory"]["self_mb"] for r in group),
                   "peak_child_mb": max(r["memory"]["children_mb"] for r in group)}
    for r in ok:
        for t in r["timings"]:
            by_method[t["method"]][0] += t["seconds"]
            by_method[t["method"]][1] += t["pages"] or 0
    header = (f"{'delivery':<9}{'bundles':>8}{'fields':>9}{'emiss.':>9}{'vehicles':>9}{'attach.':>9}"
              f"{'att.tbl':>9}{'kinds':>9}{'s/bundle':>9}{'max s':>7}{'peak MB':>9}{'child MB':>9}")
    print("\nExtraction accuracy per delivery of the application form")
    print("(fields: form fields exact; emiss./vehicles: form table cells; attach.: attachment fields;"
          " att.tbl: report/ledger table cells; kinds: document kind)")
    print(header)
    print("-" * len(header))
    for d, row in rows.items():
        print(f"{d:<9}{row['bundles']:>8}{_pct(*row['fields']):>9}{_pct(*row['emissions']):>9}"
              f"{_pct(*row['vehicles']):>9}{_pct(*row['attach_fields']):>9}{_pct(*row['attach_tables']):>9}"
              f"{_pct(*row['kinds']):>9}{row['seconds_per_bundle']:>9.1f}{row['max_bundle_seconds']:>7.1f}"
              f"{row['peak_mb']:>9.0f}{row['peak_child_mb']:>9.0f}")
    print("\nSeconds per page by method (all bundles)")
    for method, (seconds, pages) in sorted(by_method.items()):
        per = f"{seconds / pages:.3f}" if pages else "—"
        print(f"  {method:<9} {pages:>6} pages {seconds:>9.1f} s   {per} s/page")
    if crashed:
        print(f"\n{len(crashed)} bundles crashed the pipeline:")
        for r in crashed:
            print(f"  {r['bundle']}: {r['crash']}")
    _misses(ok, misses)
    return {"per_delivery": rows, "by_method": {k: list(v) for k, v in by_method.items()},
            "crashed": [(r["bundle"], r["crash"]) for r in crashed]}


def _short(value: Any, n: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= n else text[: n - 1] + "…"


def _misses(results: list[dict], limit: int) -> None:
    field_miss: dict[tuple[str, str], list] = defaultdict(list)
    for r in results:
        for key, got, want, ok in r["fields"]:
            if not ok:
                field_miss[(r["delivery"], key)].append((r["bundle"], got, want))
    if field_miss:
        print("\nForm fields missed (delivery, key: count — examples got ≠ want)")
        for (delivery, key), items in sorted(field_miss.items(), key=lambda kv: -len(kv[1]))[:limit]:
            examples = "; ".join(f"{b}: {_short(g)} ≠ {_short(w)}" for b, g, w in items[:2])
            print(f"  {delivery:<8} {key:<22} {len(items):>4} — {examples}")
    kind_miss: Counter = Counter()
    examples: dict = {}
    for r in results:
        for file_name, want, got, error in r["kinds"]:
            if want != got:
                kind_miss[(r["delivery"], want, got)] += 1
                examples.setdefault((r["delivery"], want, got), f"{r['bundle']}/{file_name}" + (
                    f" ({error})" if error else ""))
    if kind_miss:
        print("\nDocument kinds missed (delivery: truth → got: count — example)")
        for (delivery, want, got), count in kind_miss.most_common(limit):
            print(f"  {delivery:<8} {want} → {got}: {count} — {examples[(delivery, want, got)]}")
    attach_miss: Counter = Counter()
    for r in results:
        for kind, key, _got, _want, ok in r["attach_fields"]:
            if not ok:
                attach_miss[(kind, key)] += 1
    if attach_miss:
        print("\nAttachment fields missed (kind.key: count)")
        print("  " + ", ".join(f"{k}.{f}: {n}" for (k, f), n in attach_miss.most_common(limit)))


# ---------------------------------------------------------------- OCR comparison


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, exact inside the differing stretches that difflib finds between equal runs."""
    total = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        x, y = a[i1:i2], b[j1:j2]
        if not x or not y:
            total += len(x) + len(y)
            continue
        previous = list(range(len(y) + 1))
        for i, cx in enumerate(x, start=1):
            current = [i]
            for j, cy in enumerate(y, start=1):
                current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (cx != cy)))
            previous = current
        total += previous[-1]
    return total


def reading_order(lines) -> str:
    """OCR lines top to bottom (rows grouped by their vertical middle), left to right."""
    items = sorted(lines, key=lambda ln: ((ln.bbox[1] + ln.bbox[3]) / 2, ln.bbox[0]))
    rows: list[list] = []
    for line in items:
        mid = (line.bbox[1] + line.bbox[3]) / 2
        height = max(line.bbox[3] - line.bbox[1], 1)
        if rows and abs(mid - rows[-1][0]) <= 0.5 * height:
            rows[-1][1].append(line)
        else:
            rows.append([mid, [line]])
    return "\n".join(" ".join(ln.text for ln in sorted(row, key=lambda ln: ln.bbox[0])) for _mid, row in rows)


def cer(ocr_text: str, truth_text: str) -> tuple[int, int]:
    a = re.sub(r"\s+", "", truth_text)
    b = re.sub(r"\s+", "", ocr_text)
    return edit_distance(a, b), len(a)


def _scan_pages(corpus: Path, count: int) -> list[dict]:
    """Scanned pages with their known text, spread over scan kinds (flatbed, PDF, photo, TIFF) and documents."""
    candidates: dict[str, list[dict]] = defaultdict(list)
    for sidecar in sorted(corpus.glob("*.ocr.json")):
        bundle = sidecar.name.removesuffix(".ocr.json")
        truth = json.loads((corpus / f"{bundle}.truth.json").read_text("utf-8"))
        for file_name, texts in json.loads(sidecar.read_text("utf-8")).items():
            kind = truth["documents"].get(file_name)
            if kind == "photo":
                continue
            for page, text in enumerate(texts, start=1):
                if len(re.sub(r"\s", "", text)) < 80:
                    continue
                group = f"{kind}:{Path(file_name).suffix}:{truth.get('scan_kind') if kind == 'application_form' else ''}"
                candidates[group].append({"bundle": bundle, "file": file_name, "page": page, "text": text,
                                          "kind": kind, "group": group})
    chosen: list[dict] = []
    seen_files: set = set()
    groups = sorted(candidates)
    depth = 0
    while len(chosen) < count and any(depth < len(candidates[g]) for g in groups):
        for g in groups:
            if depth < len(candidates[g]) and len(chosen) < count:
                item = candidates[g][depth * 7 % len(candidates[g])]
                if (item["bundle"], item["file"], item["page"]) not in seen_files:
                    seen_files.add((item["bundle"], item["file"], item["page"]))
                    chosen.append(item)
        depth += 1
    return chosen


def _page_image(corpus: Path, item: dict):
    from extractors.backends.image import open_images, render_pdf_pages

    path = corpus / item["bundle"] / item["file"]
    data = path.read_bytes()
    if path.suffix.lower() == ".pdf":
        page = render_pdf_pages(item["file"], data, [item["page"]])[0]
    else:
        page = open_images(item["file"], data)[item["page"] - 1]
    # the backends have returned images, (page, image) pairs and page objects with .image
    if isinstance(page, tuple):
        page = page[1]
    return getattr(page, "image", page)


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (tesseract runs as a child): on cores
    that other work shares, time on the CPU compares engines where wall time measures the neighbours."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _prepared(image):
    """A page as the pipeline hands it to OCR (extractors/backends/image.py): cleaned, its ruled tables
    found and their rules wiped; the same for every engine."""
    import numpy as np
    from PIL import Image

    from extractors.scan import clean_page as clean_scan
    from extractors.scan_tables import find_tables, wipe_rules

    grey = np.asarray(clean_scan(image).image)
    tables = find_tables(grey)
    ocr_input = wipe_rules(grey, tables) if tables else grey
    return Image.fromarray(ocr_input), [cell.bbox for table in tables for cell in table.cells]


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def ocr_compare(corpus: Path, engines: list[str], count: int) -> dict[str, Any]:
    """Every engine on the same pages in one run, each page prepared as the pipeline prepares it; the
    memo of OCR results is off (each engine reads every page)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    sys.path.insert(0, str(ROOT))
    from extractors.ocr import get_engine
    from extractors.ocr.engine import recognise_page
    from fixtures.corpus import clean_page
    from forms.settings import Settings

    available = {}
    for name in engines:
        try:
            available[name] = get_engine(Settings.from_env().but(ocr_engine=name, ocr_threads=1, ocr_cache=None))
        except Exception as exc:  # an engine that is not installed is reported, not fatal
            print(f"OCR engine {name!r} not available: {type(exc).__name__}: {exc}", file=sys.stderr)
    pages = _scan_pages(corpus, count)
    if pages:  # models loaded before timing (start-up is --cli-compare's): each engine reads a page once
        image, cells = _prepared(_page_image(corpus, pages[0]))
        for engine in available.values():
            recognise_page(engine, image, cells)
    results: dict[str, dict] = {name: {"scan": [0, 0, 0.0, 0.0], "clean": [0, 0, 0.0, 0.0],
                                       "groups": defaultdict(lambda: [0, 0, 0.0, 0])} for name in available}
    print(f"OCR comparison on {len(pages)} scanned pages (and the same pages rendered clean at 300 dpi), "
          f"one thread per engine, OCR memo off; load average before: {_load()}", file=sys.stderr)
    load_before = _load()
    for n, item in enumerate(pages, start=1):
        variants = (("scan", _prepared(_page_image(corpus, item))),
                    ("clean", _prepared(clean_page(corpus, item["bundle"], item["file"], item["page"], dpi=300))))
        for name, engine in available.items():
            for variant, (image, cells) in variants:
                cpu, started = _cpu_seconds(), time.perf_counter()
                lines = recognise_page(engine, image, cells)
                wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
                dist, length = cer(reading_order(lines), item["text"])
                acc = results[name][variant]
                acc[0] += dist
                acc[1] += length
                acc[2] += cpu
                acc[3] += wall
                if variant == "scan":
                    group = results[name]["groups"][item["group"]]
                    group[0] += dist
                    group[1] += length
                    group[2] += cpu
                    group[3] += 1
        print(f"\r{n}/{len(pages)} {item['bundle']}/{item['file']} p{item['page']}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    pages_n = max(len(pages), 1)
    base = results.get("tesseract")
    print(f"\nOCR engines on the same {len(pages)} pages in one run: character error rate and seconds per page "
          f"on one core (CPU seconds of the engine, child processes included; wall seconds beside), the page "
          f"already cleaned and its tables found as the pipeline does for every engine; OCR memo off; "
          f"load average {load_before} before, {_load()} after")
    print(f"{'engine':<15}{'CER clean':>10}{'CER scan':>10}{'cpu s clean':>12}{'cpu s scan':>11}{'wall s scan':>12}"
          f"{'vs tesseract':>13}")
    for name, r in results.items():
        ratio = f"{r['scan'][2] / base['scan'][2]:.2f}×" if base and base["scan"][2] else "—"
        print(f"{name:<15}{_pct(r['clean'][0], r['clean'][1]):>10}{_pct(r['scan'][0], r['scan'][1]):>10}"
              f"{r['clean'][2] / pages_n:>12.2f}{r['scan'][2] / pages_n:>11.2f}{r['scan'][3] / pages_n:>12.2f}"
              f"{ratio:>13}")
    print("\nOn scans by document and scan kind: CER, CPU s/page")
    groups = sorted({g for r in results.values() for g in r["groups"]})
    print(f"{'group':<40}" + "".join(f"{name:>22}" for name in results))
    for g in groups:
        cells = []
        for name in results:
            dist, length, cpu, count_g = results[name]["groups"][g]
            cells.append(f"{_pct(dist, length)} {cpu / max(count_g, 1):5.2f} s")
        print(f"{g:<40}" + "".join(f"{c:>22}" for c in cells))
    return {"load_before": load_before, "load_after": _load(),
            **{name: {"scan": r["scan"], "clean": r["clean"], "groups": dict(r["groups"])}
               for name, r in results.items()}}


def _form_scans(corpus: Path, pages: int, out: Path) -> int:
    """Scanned application forms of the corpus (flatbed JPEGs, image PDFs, photos, TIFFs) copied into
    `out` until they hold at least `pages` pages; the number of pages copied."""
    import shutil

    copied = 0
    for sidecar in sorted(corpus.glob("*-scan.ocr.json")):
        bundle = sidecar.name.removesuffix(".ocr.json")
        truth = json.loads((corpus / f"{bundle}.truth.json").read_text("utf-8"))
        for file_name, texts in sorted(json.loads(sidecar.read_text("utf-8")).items()):
            if truth["documents"].get(file_name) != "application_form" or copied >= pages:
                continue
            shutil.copyfile(corpus / bundle / file_name, out / f"{bundle}-{Path(file_name).name}")
            copied += len(texts)
    return copied


def cli_compare(corpus: Path, engines: list[str], pages: int, repeat: int = 1) -> dict[str, Any]:
    """`gradedesk extract` of the same scanned form pages once per engine, on one core (taskset -c 0, one
    OCR process of one thread), start-up included, no OCR memo and no extraction cache. With `repeat`, the
    engines take turns that many times and the median run of each is compared (on cores shared with other
    work one run's wall time moved by ±5% between runs of the same code)."""
    import shutil
    import statistics
    import subprocess
    import tempfile

    cli = shutil.which("gradedesk", path=str(Path(sys.executable).parent)) or shutil.which("gradedesk")
    if not cli:
        raise SystemExit("the gradedesk command is not installed (pip install -e .)")
    taskset = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in engines}
    with tempfile.TemporaryDirectory(prefix="gradedesk-cli-") as tmp:
        folder = Path(tmp, "forms")
        folder.mkdir()
        count = _form_scans(corpus, pages, folder)
        files = len(list(folder.iterdir()))
        env = {k: v for k, v in os.environ.items() if k != "GRADEDESK_OCR_CACHE"}
        env.update(GRADEDESK_OCR_WORKERS="1", GRADEDESK_OCR_THREADS="1", OMP_THREAD_LIMIT="1")
        load_before = _load()
        for turn in range(max(repeat, 1)):
            for name in engines:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                done = subprocess.run([*taskset, cli, "extract", str(folder)], env={**env, "GRADEDESK_OCR_ENGINE": name},
                                      capture_output=True, timeout=3600, check=False, cwd=tmp)
                wall = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                try:
                    fields = len(json.loads(done.stdout).get("fields", {}))
                except ValueError:
                    fields = -1
                runs[name].append({"wall": wall, "cpu": cpu, "exit": done.returncode, "fields": fields,
                                   "peak_mb": after.ru_maxrss / 1024})
                print(f"\r{turn + 1}/{repeat} {name}: {wall:.1f} s   ", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    figures: dict[str, Any] = {}
    for name, done_runs in runs.items():
        median = sorted(done_runs, key=lambda f: f["wall"])[(len(done_runs) - 1) // 2]
        figures[name] = {**median, "walls": [round(f["wall"], 2) for f in done_runs],
                         "cpu_median": statistics.median(f["cpu"] for f in done_runs)}
    base = figures.get("tesseract")
    print(f"\n`gradedesk extract` of {count} scanned form pages ({files} files) on "
          f"one core ({' '.join(taskset) or 'no taskset'}; GRADEDESK_OCR_WORKERS=1, GRADEDESK_OCR_THREADS=1), "
          f"start-up included, no OCR memo, no cache, {repeat} run(s) per engine taking turns, the median "
          f"shown; load average {load_before} before, {_load()} after")
    print(f"{'engine':<15}{'wall s':>8}{'cpu s':>8}{'s/page':>8}{'vs tesseract':>13}{'cpu vs':>8}{'fields':>8}"
          f"{'exit':>6}  every run's wall s")
    for name, f in figures.items():
        ratio = f"{f['wall'] / base['wall']:.2f}×" if base and base["wall"] else "—"
        cpu_ratio = f"{f['cpu_median'] / base['cpu_median']:.2f}×" if base and base["cpu_median"] else "—"
        print(f"{name:<15}{f['wall']:>8.1f}{f['cpu_median']:>8.1f}{f['wall'] / max(count, 1):>8.2f}{ratio:>13}"
              f"{cpu_ratio:>8}{f['fields']:>8}{f['exit']:>6}  {' '.join(f'{w:.1f}' for w in f['walls'])}")
    return {"cli_compare": {"pages": count, "files": files, "repeat": repeat, "load_before": load_before, **figures}}


# ---------------------------------------------------------------- one big bundle


def big_bundle(corpus: Path, out: Path, text_pages: int = 20, scan_pages: int = 10) -> dict[str, int]:
    """The bundle of issue 3's wall-time target in `out`: one Word form, text PDFs of `text_pages` pages
    and `scan_pages` scanned pages (single-page JPEG scans and photos), all from the corpus."""
    import shutil

    import pypdfium2

    index = json.loads((corpus / "index.json").read_text("utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    counts = Counter()
    for entry in index:
        truth = json.loads((corpus / f"{entry['bundle']}.truth.json").read_text("utf-8"))
        for name, kind in sorted(truth["documents"].items()):
            path = corpus / entry["bundle"] / name
            target = out / f"{entry['bundle']}-{name}"
            if kind == "application_form" and entry["delivery"] == "docx" and not counts["form"]:
                counts["form"] += 1
            elif entry["delivery"] == "pdf-text" and kind != "application_form" and path.suffix == ".pdf" \
                    and counts["text_pages"] < text_pages:
                pdf = pypdfium2.PdfDocument(str(path))
                pages = len(pdf)
                pdf.close()
                if counts["text_pages"] + pages > text_pages or not _has_text(path):
                    continue
                counts["text_pages"] += pages
            elif entry["delivery"] == "scan" and path.suffix == ".jpg" and counts["scan_pages"] < scan_pages:
                counts["scan_pages"] += 1
            else:
                continue
            shutil.copyfile(path, target)
    return dict(counts)


def _has_text(path: Path) -> bool:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return all(len(page.chars) > 20 for page in pdf.pages)


def big_bundle_run(corpus: Path) -> dict[str, Any]:
    import tempfile

    if os.environ.get("GRADEDESK_OCR_CACHE"):
        raise SystemExit("--big-bundle measures OCR time: run it without --ocr-cache / GRADEDESK_OCR_CACHE")
    with tempfile.TemporaryDirectory(prefix="gradedesk-big-") as tmp:
        counts = big_bundle(corpus, Path(tmp) / "bundle")
        result = run_all([(str(Path(tmp) / "bundle"), "")], 1, worker=_run_big)[0]
    by_method: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for t in result["timings"]:
        by_method[t["method"] or "error"][0] += t["seconds"]
        by_method[t["method"] or "error"][1] += t["pages"] or 0
    print(f"one bundle: {counts.get('form', 0)} Word form, {counts.get('text_pages', 0)} text-PDF pages, "
          f"{counts.get('scan_pages', 0)} scanned pages, {len(result['timings'])} files, {os.cpu_count()} cores")
    print("OCR memo off, no extraction cache (every page is read)")
    print(f"wall {result['seconds']:.1f} s (target ≤ 20 s); peak memory of the bundle's process and all its "
          f"children together {result['memory']['tree_mb']:.0f} MB (target ≤ 1.2 GB; sampled every 0.1 s), of "
          f"which the bundle's process {result['memory']['self_mb']:.0f} MB and the largest child "
          f"{result['memory']['children_mb']:.0f} MB")
    for method, (seconds, pages) in sorted(by_method.items()):
        print(f"  {method}: {pages} pages, {seconds:.1f} s summed over files"
              + (f" ({seconds / pages:.2f} s a page)" if pages else ""))
    return {"big_bundle": {"counts": counts, **result}}


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants now (MB)."""
    from tests.web.servers import process_table

    table = process_table()
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, (parent, _, _) in table.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            m = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        except OSError:
            continue
        total += int(m.group(1)) if m else 0
    return total / 1024


def _run_big(args: tuple[str, ...]) -> dict[str, Any]:
    import threading

    peak, done = [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], _tree_rss_mb(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        extraction, timings, seconds, memory = extract_one(args[0])
    finally:
        done.set()
        sampler.join()
    memory["tree_mb"] = peak[0]
    return {"bundle": Path(args[0]).name, "seconds": seconds, "memory": memory, "timings": timings,
            "errors": [d.file for d in extraction.documents if d.error]}


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure extraction on the generated corpus.")
    parser.add_argument("--corpus", type=Path, default=ROOT / "var" / "corpus")
    parser.add_argument("--delivery", default=",".join(DELIVERIES), help="comma-separated: docx,pdf-text,scan")
    parser.add_argument("--only", help="only bundles whose name matches this regular expression")
    parser.add_argument("--limit", type=int, help="at most N bundles per delivery")
    parser.add_argument("--jobs", type=int, default=1, help="bundles in parallel (1 gives honest timings)")
    parser.add_argument("--misses", type=int, default=15, help="how many kinds of misses to list")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--save", type=Path, help="write each bundle's extraction (contract JSON) here, "
                                                 "for `benchmarks.checks --from`")
    parser.add_argument("--engine", help="OCR engine of the pipeline (sets GRADEDESK_OCR_ENGINE; default: the "
                                         "pipeline's own default)")
    parser.add_argument("--ocr-cache", type=Path, help="remember OCR results here (GRADEDESK_OCR_CACHE): a re-run "
                        "measures accuracy in minutes, but its OCR seconds are then cache reads")
    parser.add_argument("--ocr-compare", action="store_true", help="compare OCR engines instead")
    parser.add_argument("--engines", default="tesseract,rapidocr-page,rapidocr",
                        help="engines for --ocr-compare and --cli-compare (rapidocr-page: whole-page detection, the "
                             "configuration before issue 21)")
    parser.add_argument("--pages", type=int, default=12, help="pages for --ocr-compare and --cli-compare")
    parser.add_argument("--repeat", type=int, default=1, help="--cli-compare: runs per engine, taking turns; "
                        "the median is compared")
    parser.add_argument("--cli-compare", action="store_true", help="time `gradedesk extract` of scanned form pages "
                        "on one core once per engine, start-up included, instead")
    parser.add_argument("--big-bundle", action="store_true", help="time one bundle of a Word form, 20 text-PDF "
                        "pages and 10 scanned pages (issue 3's wall-time target) instead")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.engine:
        os.environ["GRADEDESK_OCR_ENGINE"] = args.engine
    if args.ocr_cache:
        os.environ["GRADEDESK_OCR_CACHE"] = str(args.ocr_cache.resolve())
    prepare_corpus(args.corpus, max(args.jobs, 2))
    if args.big_bundle:
        figures = big_bundle_run(args.corpus)
    elif args.cli_compare:
        figures = cli_compare(args.corpus, [e.strip() for e in args.engines.split(",") if e.strip()], args.pages,
                              args.repeat)
    elif args.ocr_compare:
        figures = ocr_compare(args.corpus, [e.strip() for e in args.engines.split(",") if e.strip()], args.pages)
    else:
        deliveries = tuple(d.strip() for d in args.delivery.split(",") if d.strip())
        work = select(args.corpus, deliveries, args.only, args.limit)
        if not work:
            print("no bundles selected", file=sys.stderr)
            return 2
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            work = [(*item, str(args.save)) for item in work]
        started = time.perf_counter()
        results = run_all(work, max(1, args.jobs))
        figures = report(results, args.misses)
        engines = Counter(r.get("engine") for r in results if "crash" not in r)
        memo = os.environ.get("GRADEDESK_OCR_CACHE")
        print(f"\n{len(results)} bundles in {time.perf_counter() - started:.0f} s wall, {args.jobs} job(s); "
              f"OCR engine: {', '.join(f'{e} ({n} bundles)' for e, n in engines.items())}; no extraction cache; "
              + (f"OCR memo on ({memo}): OCR seconds of pages read before are memo reads" if memo
                 else "OCR memo off (every page is read)"))
        figures["bundles"] = results
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
