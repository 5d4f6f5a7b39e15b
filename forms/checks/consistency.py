"""Consistency across documents: one enterprise, one name, one code, the same outlets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from forms import rules
from forms.checks.base import CheckContext
from forms.facts import Fact, Finding, Source
from forms.fields import FIELDS, edit_distance
from forms.normalize import only_units
from forms.validators import check_credit_code
from forms.vocabulary import DOCUMENT_KIND_LABELS

# key → severity of a disagreement
COMPARED = {"enterprise_name": "blocking", "credit_code": "blocking",
            "legal_representative": "warning", "address": "warning"}


def comparable(key: str, value) -> str:
    """Names compare after normalising full/half-width brackets and spaces only (issue 4)."""
    text = str(value)
    text = text.replace("(", "（").replace(")", "）")
    text = re.sub(r"[\s\u3000]+", "", text)
    if key == "credit_code":
        text = text.upper()
    return text


def _per_document(facts: list[Fact]) -> list[Fact]:
    """The best value of each document (the first, highest-confidence one). The documents of one file (a
    申报材料汇编's form and licence) are told apart by their kinds."""
    seen: dict[tuple[str, str], Fact] = {}
    for fact in facts:
        seen.setdefault((fact.source.file, fact.kind), fact)
    return list(seen.values())


def misread(key: str, one: Fact, other: Fact, scanned: set[str]) -> bool:
    """A difference that OCR of a scan explains: one or two characters, in a value read from a scan
    (for a credit code: the scanned code fails its own check character, so it was misread)."""
    from_scan = [f for f in (one, other) if f.source.file in scanned]
    if not from_scan:
        return False
    if key == "credit_code":
        return any(check_credit_code(str(f.value)) for f in from_scan)
    a, b = comparable(key, one.value), comparable(key, other.value)
    limit = min(2, max(1, len(max(a, b, key=len)) // 6))
    return edit_distance(a, b, limit) <= limit


CUT_SHARE = 0.6  # of the whole value a scan's reading must hold to be taken for its beginning


def cut_short(key: str, one: Fact, other: Fact, scanned: set[str]) -> bool:
    """A value a scan read only up to a line break (a licence's 住所 running on beside the next label): the
    scan's reading is the other's beginning, most of it. The values agree as far as the scan reads."""
    if key == "credit_code":
        return False
    for short, whole in ((one, other), (other, one)):
        a, b = comparable(key, short.value), comparable(key, whole.value)
        if short.source.file in scanned and len(a) < len(b) and b.startswith(a) and len(a) >= CUT_SHARE * len(b):
            return True
    return False


def with_units_above(key: str, one: Fact, other: Fact) -> bool:
    """One address written with the administrative units above it that the other leaves out (河北省沧州市泊头市
    交河镇工业区88号 and 泊头市交河镇工业区88号): the same place."""
    if key != "address":
        return False
    a, b = sorted((comparable(key, one.value), comparable(key, other.value)), key=len)
    return len(a) >= 4 and b.endswith(a) and only_units(b[:len(b) - len(a)])


def under_seal(key: str, one: Fact, other: Fact, scanned: set[str]) -> bool:
    """A name read from a scan under a seal's ink (a pledge's 企业名称（盖章）): the seal hides characters and
    OCR drops or replaces them, so a difference there is for a clerk to verify, not a finding to block on.
    A credit code keeps its own test (its check characters tell a misread)."""
    return key != "credit_code" and any(f.sealed and f.source.file in scanned for f in (one, other))


def mismatches(ctx: CheckContext) -> Iterator[Finding]:
    extraction = ctx.extraction
    kinds = {d.file: d.kind for d in extraction.documents}
    scanned = {d.file for d in extraction.documents if d.method == "ocr"}
    for key, severity in COMPARED.items():
        facts = _per_document(extraction.facts(key))
        if len(facts) < 2:
            continue
        reference = facts[0]
        ref_value = comparable(key, reference.value)
        for other in facts[1:]:
            if comparable(key, other.value) == ref_value or cut_short(key, reference, other, scanned) or (
                    with_units_above(key, reference, other)):
                continue
            label = FIELDS[key].label
            level = severity
            if key == "address" and "business_license" in (kinds.get(reference.source.file),
                                                           kinds.get(other.source.file)):
                level = "note"  # the licence's 住所 is the registered address, which may lawfully differ
            ref_doc = DOCUMENT_KIND_LABELS.get(kinds.get(reference.source.file, ""), "申报表")
            other_doc = DOCUMENT_KIND_LABELS.get(kinds.get(other.source.file, ""), "附件")
            note = "（营业执照登记的住所可与生产地址不同，请核实）" if level == "note" else ""
            if level == "blocking" and under_seal(key, reference, other, scanned):
                level = "warning"
                note = "（扫描件上该处盖有印章，印章遮挡的文字可能识别有误，请对照原件核实）"
            elif level == "blocking" and misread(key, reference, other, scanned):
                level = "warning"
                note = "（差异仅一两个字且来自扫描件，可能是文字识别误差，请对照原件核实）"
            yield rules.MISMATCH.finding(
                (f"{ref_doc}的{label}为“{reference.value}”，{other_doc}（{other.source.file}）"
                 f"为“{other.value}”，两者不一致。{note}"),
                [reference.source, other.source], param=key, severity=level)


def outlet_mismatches(ctx: CheckContext) -> Iterator[Finding]:
    """Outlets of the application form and of the monitoring reports should be the same."""
    extraction = ctx.extraction
    kinds = {d.file: d.kind for d in extraction.documents}
    form_rows = [r for r in extraction.table("emissions")
                 if kinds.get(r["source_ref"]["file"]) == "application_form" and r.get("outlet_id")]
    report_rows = [r for r in extraction.table("emissions")
                   if kinds.get(r["source_ref"]["file"]) == "monitoring_report" and r.get("outlet_id")]
    if not form_rows or not report_rows:
        return
    form_outlets = {r["outlet_id"]: r for r in form_rows}
    report_outlets = {r["outlet_id"]: r for r in report_rows}
    for outlet in sorted(set(form_outlets) - set(report_outlets)):
        yield rules.OUTLET_MISMATCH.finding(f"申报表列出的排放口 {outlet} 在监测报告中没有监测结果。",
                                            [Source.from_dict(form_outlets[outlet]["source_ref"])])
    for outlet in sorted(set(report_outlets) - set(form_outlets)):
        yield rules.OUTLET_MISMATCH.finding(f"监测报告中的排放口 {outlet} 未列入申报表。",
                                            [Source.from_dict(report_outlets[outlet]["source_ref"])])
