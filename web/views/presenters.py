"""The stored extraction and findings, arranged for the case page (labels in Chinese)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from forms import rules, vocabulary
from forms.facts import Source
from forms.fields import FIELDS, TABLES
from forms.vocabulary import DOCUMENT_KIND_LABELS

SEVERITIES = tuple((s.key, s.heading) for s in vocabulary.SEVERITIES)
METHOD_LABELS = {"docx": "Word 文档", "pdf-text": "PDF 文本", "ocr": "扫描识别", "spreadsheet": "电子表格", "ofd": "OFD 版式"}
UNIT_COLUMNS = {"concentration_mg_m3", "limit_mg_m3"}
def display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def describe_source(source: dict | None) -> str:
    if not source or not source.get("file"):
        return ""
    return Source.from_dict(dict(source, file=display_name(source["file"]))).describe()


LOW_CONFIDENCE = 0.8  # below this a value is highlighted for the clerk to check


@dataclass
class Evidence:
    """Where the evidence viewer opens: a document of the extraction, a page (None for Word), a reference."""

    index: int
    page: int | None
    ref: str

    def path(self) -> str:
        """The viewer's address below the case's (`files/0?page=1&ref=field:credit_code`), built without
        url_for: a case page has a hundred of these links."""
        query = f"page={self.page}&ref={quote(self.ref, safe=':')}" if self.page else f"ref={quote(self.ref, safe=':')}"
        return f"files/{self.index}?{query}"


def evidence_for(extraction: dict | None, source: dict | None, ref: str) -> Evidence | None:
    if not source or not source.get("file"):
        return None
    for i, doc in enumerate((extraction or {}).get("documents") or []):
        if doc.get("file") == source.get("file") and doc.get("sha256"):
            return Evidence(i, source.get("page") or (1 if doc.get("method") != "docx" else None), ref)
    return None


@dataclass
class FieldRow:
    key: str
    label: str
    value: str
    confidence: int | None
    source: str
    low: bool = False
    corrected: dict | None = None
    evidence: Evidence | None = None


def field_rows(extraction: dict | None) -> list[FieldRow]:
    fields = (extraction or {}).get("fields") or {}
    order = [k for k in FIELDS if k in fields] + [k for k in fields if k not in FIELDS]
    rows = []
    for key in order:
        fact = fields[key] or {}
        confidence = fact.get("confidence")
        corrected = fact.get("corrected")
        if corrected:
            corrected = dict(corrected, original=display(corrected.get("original")))
        rows.append(FieldRow(key, FIELDS[key].label if key in FIELDS else key, display(fact.get("value")),
                             round(confidence * 100) if isinstance(confidence, (int, float)) else None,
                             describe_source(fact.get("source")),
                             isinstance(confidence, (int, float)) and confidence < LOW_CONFIDENCE and not corrected,
                             corrected, evidence_for(extraction, fact.get("source"), f"field:{key}")))
    return rows


@dataclass
class UnassignedRow:
    """A label and value the form states that match no canonical field, with where it was read."""

    label: str
    value: str
    source: str
    evidence: Evidence | None = None
    index: int = 0  # in the extraction's `unassigned`
    filed_as: str | None = None  # the field a clerk filed it under (归入字段)


def unassigned_rows(extraction: dict | None, filed: dict[str, str] | None = None) -> list[UnassignedRow]:
    """The extraction's `unassigned` entries for the clerk to read (files named without folders); `filed`:
    the field label each entry a correction took its value from was filed under, by `source_key`."""
    rows = []
    for i, item in enumerate((extraction or {}).get("unassigned") or []):
        if not isinstance(item, dict) or not (item.get("label") or item.get("value")):
            continue
        source = item.get("source") if isinstance(item.get("source"), dict) else None
        rows.append(UnassignedRow(display(item.get("label")), display(item.get("value")), describe_source(source),
                                  evidence_for(extraction, source, f"unassigned:{i}"), i,
                                  (filed or {}).get(source_key(source))))
    return rows


def source_key(source: dict | None) -> str:
    """A source as one comparable string (file, page, cell, box)."""
    source = source or {}
    return repr((source.get("file"), source.get("page"), source.get("cell"), source.get("bbox")))


def missing_required(extraction: dict | None) -> list[str]:
    fields = (extraction or {}).get("fields") or {}
    return [spec.label for key, spec in FIELDS.items() if spec.required and key not in fields]


def document_rows(extraction: dict | None) -> list[dict[str, Any]]:
    rows = []
    for doc in (extraction or {}).get("documents") or []:
        confidence = doc.get("confidence")
        rows.append({"file": display_name(doc.get("file")), "kind": DOCUMENT_KIND_LABELS.get(doc.get("kind"), doc.get("kind")),
                     "method": METHOD_LABELS.get(doc.get("method"), doc.get("method") or ""),
                     # a document that is part of a file (a 申报材料汇编): the file's pages it spans
                     "pages": "第 {}–{} 页".format(*doc["pages_range"]) if doc.get("pages_range") else doc.get("pages"),
                     "error": doc.get("error") or "；".join(doc.get("warnings") or ()) or None,
                     "confidence": round(confidence * 100) if isinstance(confidence, (int, float)) else None})
    return rows


def rule_title(rule_id: str | None) -> str:
    """The rule's Chinese title from the rule registry, with its subject in words (a field's label, a
    document's kind); never the raw id."""
    rule, param = rules.lookup(rule_id or "")
    title = rule.title if rule else "其他审核意见"
    if rule is not None and rule.subject is None and param:
        words = FIELDS[param].label if param in FIELDS else DOCUMENT_KIND_LABELS.get(param)
        if words is None and re.search(r"[\u4e00-\u9fff]", param):
            words = param
        if words and words not in title:
            title += f"（{words}）"
    return title


def display_name(name: str | None) -> str:
    """A file's name without the folders of the zip it came in."""
    return (name or "").replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _without_folders(finding: dict, folders: dict[str, str]) -> dict:
    """The finding's message naming files as the clerk knows them (the zip's folders left out)."""
    message = finding.get("message") or ""
    for full, short in sorted(folders.items(), key=lambda item: -len(item[0])):
        message = message.replace(full, short)
    return dict(finding, message=message) if folders else finding


def _with_evidence_text(finding: dict, extraction: dict | None = None) -> dict[str, Any]:
    places = (describe_source(e) for e in finding.get("evidence") or [])
    links = []
    for j, e in enumerate(finding.get("evidence") or []):
        target = evidence_for(extraction, e, f"finding:{finding.get('index', 0)}:{j}") if extraction else None
        if target is not None:
            links.append((describe_source(e), target))
    return dict(finding, evidence_text="；".join(dict.fromkeys(p for p in places if p)), evidence_links=links,
                title=rule_title(finding.get("rule")))


def findings_by_severity(findings: list[dict] | None,
                         extraction: dict | None = None) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(severity, Chinese label, findings) for each severity that has findings, blocking first."""
    folders = {d["file"]: display_name(d["file"]) for d in (extraction or {}).get("documents") or []
               if d.get("file") and "/" in d["file"].replace("\\", "/")}
    findings = [_with_evidence_text(_without_folders(f, folders), extraction) for f in findings or []]
    known = dict(SEVERITIES)
    groups = [(key, label, [f for f in findings if f.get("severity") == key]) for key, label in SEVERITIES]
    groups.append(("other", "其他", [f for f in findings if f.get("severity") not in known]))
    return [g for g in groups if g[2]]


def _column_label(table_key: str, column_key: str) -> str:
    spec = TABLES.get(table_key)
    for col in spec.columns if spec else ():
        if col.key == column_key and col.synonyms:
            return col.synonyms[0] + ("（mg/m³）" if column_key in UNIT_COLUMNS else "")
    return column_key


def _percent(value) -> str:
    return f"{value:.0%}" if isinstance(value, int | float) else ""


@dataclass
class TableView:
    key: str
    label: str
    headers: list[str]
    rows: list[list[str]]
    links: list[Evidence | None]


def table_views(extraction: dict | None) -> list[TableView]:
    views = []
    for key, rows in ((extraction or {}).get("tables") or {}).items():
        if not rows:
            continue
        spec = TABLES.get(key)
        columns = [c.key for c in spec.columns] if spec else []
        columns += [c for row in rows for c in row if c not in columns and c not in ("source_ref", "confidence")]
        columns = list(dict.fromkeys(columns))
        body = [[display(row.get(c)) for c in columns]
                + [_percent(row.get("confidence")), describe_source(row.get("source_ref"))] for row in rows]
        links = [evidence_for(extraction, row.get("source_ref"), f"table:{key}:{i}") for i, row in enumerate(rows)]
        views.append(TableView(key, spec.label if spec else key,
                               [_column_label(key, c) for c in columns] + ["置信度", "来源"], body, links))
    return views
