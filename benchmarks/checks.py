"""How well the checks find the defects planted in the corpus, and how quiet they stay on clean bundles.

    python -m benchmarks.checks [--corpus var/corpus] [--delivery docx,pdf-text,scan]
                                [--only REGEX] [--limit N] [--jobs N] [--json FILE] [--from DIR]

Every bundle is extracted (`extractors.pipeline.extract_bundle`) and checked
(`forms.checks.run_checks`, as of the application date) in its own process. Each truth
file lists `expected_rules`: the docs/cli.md rule ids a correct checker raises on it
(empty for a clean bundle). Printed:

- expected-rule recall over the bundles with planted defects, overall and per delivery;
- blocking findings on clean bundles (false positives), and how many warnings they got;
- per rule: planted, found, missed, blocking false positives;
- every miss, with the findings the bundle did get and the extracted values the rule needs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from benchmarks.extraction import DELIVERIES, ROOT, extract_one, prepare_corpus, run_all, select

# what to show next to a miss: the extracted values a rule of this family reads
_EVIDENCE = {
    "missing_document": lambda data: {"kinds": sorted({d["kind"] for d in data["documents"]})},
    "missing_field": lambda data: {"fields": sorted(data["fields"])},
    "invalid": lambda data: {k: (data["fields"].get(k) or {}).get("value") for k in
                             ("credit_code", "permit_number", "contact_phone")},
    "mismatch": lambda data: {k: [(c.get("kind"), c["value"]) for c in data.get("candidates", {}).get(k, [])]
                              for k in ("enterprise_name", "credit_code", "legal_representative")},
    "expired": lambda data: {"permit_valid_until": data.get("candidates", {}).get("permit_valid_until"),
                             "application_date": (data["fields"].get("application_date") or {}).get("value")},
    "stale": lambda data: {"sampling_date": data.get("candidates", {}).get("sampling_date"),
                           "application_date": (data["fields"].get("application_date") or {}).get("value")},
    "over_limit": lambda data: {"emissions": [(r.get("outlet_id"), r.get("source"), r.get("pollutant"),
                                               r.get("concentration_mg_m3"), r.get("limit_mg_m3"),
                                               r.get("source_ref", {}).get("file"))
                                              for r in data["tables"].get("emissions", [])]},
    "transport": lambda data: {"stages": Counter(r.get("emission_stage") for r in data["tables"].get("vehicles", []))},
    "duplicate": lambda data: {"vins": Counter(r.get("vin") for r in data["tables"].get("vehicles", [])).most_common(3)},
}


def run_check_bundle(args: tuple[str, ...]) -> dict[str, Any]:
    folder, truth_path, *saved = args
    truth = json.loads(Path(truth_path).read_text("utf-8"))
    base = {"bundle": truth["bundle"], "delivery": truth["delivery"], "expected": truth["expected_rules"],
            "industry": truth["fields"].get("industry"), "grade": truth["fields"].get("applied_grade")}
    try:
        from forms.checks import run_checks

        if saved and saved[0]:  # an extraction saved by `benchmarks.extraction --save`
            from forms.facts import Extraction

            started = time.perf_counter()
            stored = Path(saved[0], f"{truth['bundle']}.extraction.json")
            extraction = Extraction.from_dict(json.loads(stored.read_text("utf-8")))
            seconds = time.perf_counter() - started
        else:
            extraction, _timings, seconds, _memory = extract_one(folder)
        findings = run_checks(extraction)
    except Exception as exc:
        return {**base, "crash": f"{type(exc).__name__}: {exc}"}
    data = extraction.to_dict()
    evidence = {}
    for rule in truth["expected_rules"]:
        family = rule.split(":")[0]
        if family in _EVIDENCE and family not in evidence:
            try:
                evidence[family] = _EVIDENCE[family](data)
            except Exception as exc:  # evidence is a courtesy; never let it hide the figures
                evidence[family] = f"{type(exc).__name__}: {exc}"
    return {**base, "seconds": seconds, "evidence": evidence,
            "findings": [{"rule": f.rule, "severity": f.severity, "message": f.message} for f in findings]}


def found_rules(expected: list[str], findings: list[dict]) -> set[str]:
    """The planted defects found: the expected rules among the findings' rules."""
    return set(expected) & {f["rule"] for f in findings}


def family_of(rule: str) -> str:
    """`missing_document:cems_data` → `missing_document:*`, `invalid:credit_code` stays whole."""
    head, _, tail = rule.partition(":")
    return f"{head}:*" if head in ("missing_document", "missing_field", "over_limit") else rule


def report(results: list[dict]) -> dict[str, Any]:
    crashed = [r for r in results if "crash" in r]
    ok = [r for r in results if "crash" not in r]
    defect = [r for r in ok if r["expected"]]
    clean = [r for r in ok if not r["expected"]]
    per_rule: dict[str, Counter] = defaultdict(Counter)
    misses = []
    for r in defect:
        found = found_rules(r["expected"], r["findings"])
        for rule in r["expected"]:
            per_rule[rule]["planted"] += 1
            if rule in found:
                per_rule[rule]["found"] += 1
            else:
                per_rule[rule]["missed"] += 1
                misses.append((r, rule))
    false_positives = []
    for r in clean:
        for f in r["findings"]:
            if f["severity"] == "blocking":
                per_rule[f["rule"]]["blocking_fp"] += 1
                false_positives.append((r, f))
            else:
                per_rule[f["rule"]][f"{f['severity']}_on_clean"] += 1
    print("\nChecks on the corpus")
    header = f"{'delivery':<9}{'defect b.':>10}{'planted':>9}{'found':>7}{'recall':>9}{'clean b.':>10}{'blocking FP':>13}{'FP bundles':>12}"
    print(header)
    print("-" * len(header))
    summary = {}
    for d in (*DELIVERIES, "all"):
        dd = [r for r in defect if d == "all" or r["delivery"] == d]
        cc = [r for r in clean if d == "all" or r["delivery"] == d]
        if not dd and not cc:
            continue
        planted = sum(len(r["expected"]) for r in dd)
        found = sum(len(found_rules(r["expected"], r["findings"])) for r in dd)
        fps = [(r, f) for r, f in false_positives if d == "all" or r["delivery"] == d]
        fp_bundles = len({r["bundle"] for r, _f in fps})
        recall = f"{100 * found / planted:7.2f}%" if planted else "      —"
        print(f"{d:<9}{len(dd):>10}{planted:>9}{found:>7}{recall:>9}{len(cc):>10}{len(fps):>13}{fp_bundles:>12}")
        summary[d] = {"defect_bundles": len(dd), "planted": planted, "found": found, "clean_bundles": len(cc),
                      "blocking_fp": len(fps), "fp_bundles": fp_bundles}
    print("\nPer rule (planted / found / missed on defect bundles; findings on clean bundles)")
    print(f"{'rule':<40}{'planted':>8}{'found':>7}{'missed':>8}{'block FP':>10}{'warn':>7}{'note':>7}")
    for rule in sorted(per_rule, key=lambda k: (-per_rule[k]["planted"], k)):
        c = per_rule[rule]
        print(f"{rule:<40}{c['planted']:>8}{c['found']:>7}{c['missed']:>8}{c['blocking_fp']:>10}"
              f"{c['warning_on_clean']:>7}{c['note_on_clean']:>7}")
    families: dict[str, Counter] = defaultdict(Counter)
    for rule, c in per_rule.items():
        families[family_of(rule)].update({k: v for k, v in c.items() if k in ("planted", "found", "missed")})
    print("\nPer rule family: " + ", ".join(
        f"{fam} {c['found']}/{c['planted']}" for fam, c in sorted(families.items()) if c["planted"]))
    if misses:
        print(f"\nMisses ({len(misses)}):")
        for r, rule in misses:
            got = sorted({f["rule"] for f in r["findings"]})
            print(f"  {r['bundle']} [{r['industry']} {r['grade']}]: {rule}")
            print(f"      findings: {', '.join(got) or '—'}")
            family = rule.split(":")[0]
            if family in r["evidence"]:
                print(f"      extracted: {json.dumps(r['evidence'][family], ensure_ascii=False, default=str)[:400]}")
    if false_positives:
        print(f"\nBlocking findings on clean bundles ({len(false_positives)}):")
        for r, f in false_positives:
            print(f"  {r['bundle']}: {f['rule']} — {f['message'][:120]}")
    unexpected = Counter(f["rule"] for r in defect for f in r["findings"]
                         if f["severity"] == "blocking" and f["rule"] not in r["expected"])
    if unexpected:
        print("\nOther blocking findings on defect bundles (not counted): "
              + ", ".join(f"{k} ×{v}" for k, v in unexpected.most_common(12)))
    if crashed:
        print(f"\n{len(crashed)} bundles crashed:")
        for r in crashed:
            print(f"  {r['bundle']}: {r['crash']}")
    return {"summary": summary, "per_rule": {k: dict(v) for k, v in per_rule.items()},
            "misses": [(r["bundle"], rule) for r, rule in misses],
            "false_positives": [(r["bundle"], f["rule"]) for r, f in false_positives],
            "crashed": [(r["bundle"], r["crash"]) for r in crashed]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure the checks on the corpus with planted defects.")
    parser.add_argument("--corpus", type=Path, default=ROOT / "var" / "corpus")
    parser.add_argument("--delivery", default=",".join(DELIVERIES), help="comma-separated: docx,pdf-text,scan")
    parser.add_argument("--only", help="only bundles whose name matches this regular expression")
    parser.add_argument("--limit", type=int, help="at most N bundles per delivery")
    parser.add_argument("--defects-only", action="store_true", help="skip the clean bundles")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--from", dest="saved", type=Path,
                        help="check the extractions saved by `benchmarks.extraction --save DIR` instead of extracting")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    prepare_corpus(args.corpus, max(args.jobs, 2))
    deliveries = tuple(d.strip() for d in args.delivery.split(",") if d.strip())
    predicate = (lambda truth: bool(truth["expected_rules"])) if args.defects_only else None
    work = select(args.corpus, deliveries, args.only, args.limit, predicate)
    if args.saved:
        work = [(folder, truth, str(args.saved)) for folder, truth in work
                if (args.saved / f"{Path(folder).name}.extraction.json").exists()]
    if not work:
        print("no bundles selected", file=sys.stderr)
        return 2
    started = time.perf_counter()
    results = run_all(work, max(1, args.jobs), worker=run_check_bundle)
    figures = report(results)
    print(f"\n{len(results)} bundles in {time.perf_counter() - started:.0f} s wall, {args.jobs} job(s)")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
