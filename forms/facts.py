"""The document model: every extracted value carries where it came from and how sure we are.

Following Docling, provenance lives on each item, so checks and generators never go
back to the file to ask where something came from. `Extraction.to_dict()` is the
`gradedesk.extraction/1` object of docs/cli.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = "gradedesk.extraction/1"


@dataclass(frozen=True)
class Source:
    """A place in a file: page counts from 1, bbox is [x0, top, x1, bottom] in page units."""

    file: str
    page: int | None = None
    cell: str | None = None
    bbox: tuple[float, float, float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "page": self.page, "cell": self.cell,
                "bbox": [round(v, 1) for v in self.bbox] if self.bbox else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Source:
        data = data or {}
        bbox = data.get("bbox")
        return cls(file=data.get("file", ""), page=data.get("page"), cell=data.get("cell"),
                   bbox=tuple(bbox) if bbox else None)

    def describe(self) -> str:
        """A clerk-readable place: `申报表.docx 表1第3行第2列`."""
        parts = [self.file]
        if self.page:
            parts.append(f"第{self.page}页")
        if self.cell:
            parts.append(cell_in_chinese(self.cell))
        return " ".join(parts)


def cell_in_chinese(cell: str) -> str:
    """`table 1, row 3, column 2` → `表1第3行第2列`; `paragraph 4` → `第4段` (`, text box`: `第4段文本框`);
    `page header` → `页眉`; `sheet 台账, row 3, column 2` → `工作表“台账”第3行第2列`; `row 3, column 2` (a CSV)
    → `第3行第2列`; anything else unchanged."""
    import re

    m = re.fullmatch(r"(?:sheet (.+?), )?row (\d+)(?:, column (\d+))?", cell)
    if m:
        sheet, r, c = m.groups()
        return (f"工作表“{sheet}”" if sheet else "") + f"第{r}行" + (f"第{c}列" if c else "")
    m = re.fullmatch(r"table (\d+)(?:, row (\d+))?(?:, column (\d+))?", cell)
    if m:
        t, r, c = m.groups()
        return f"表{t}" + (f"第{r}行" if r else "") + (f"第{c}列" if c else "")
    if cell == "page header":
        return "页眉"
    m = re.fullmatch(r"paragraph (\d+)(, text box)?", cell)
    return f"第{m.group(1)}段" + ("文本框" if m.group(2) else "") if m else cell


@dataclass
class Fact:
    """One value of one canonical field found in one document."""

    key: str
    value: Any
    raw: str
    confidence: float
    source: Source
    kind: str = "unknown"
    sealed: bool = False  # read from a scan where seal ink lies over the value: characters may be hidden
    label: str | None = None  # the label it was read under, as written (a clerk's correction may teach from it)

    def to_dict(self) -> dict[str, Any]:
        out = {"value": self.value, "confidence": round(self.confidence, 3), "source": self.source.to_dict()}
        if self.sealed:
            out["sealed"] = True  # additive key (docs/cli.md: add, don't rename)
        if self.label:
            out["label"] = self.label  # additive key
        return out


@dataclass
class DocumentResult:
    file: str
    sha256: str
    kind: str = "unknown"
    method: str | None = None
    pages: int | None = None
    confidence: float = 0.0
    error: str | None = None
    facts: list[Fact] = field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    error_code: str | None = None  # why `error`, for machines (snake_case; intake and backends name it)
    seconds: float | None = None  # how long reading it took (None when it came from the cache); not in the JSON
    # one file holding several documents (a 申报材料汇编): each is a DocumentResult of its own with the
    # file's name, `part_of` that name and the pages it spans; the file's result lists them in `parts`
    pages_range: tuple[int, int] | None = None
    part_of: str | None = None
    parts: list[DocumentResult] = field(default_factory=list)  # not in the JSON: the parts are listed instead
    warnings: list[str] = field(default_factory=list)  # what a clerk should know about how the file was read
    unassigned: list[dict[str, Any]] = field(default_factory=list)  # {label, value, source}: pairs meaning no field
    # the file's tables as its backend read them (extractors' grids), kept only for a numbered page of a
    # document whose pages came as files of their own (申报表-1.jpg, 申报表-2.jpg), so that a table one
    # page carries over to the next is read whole; not in the JSON
    grids: list[Any] = field(default_factory=list)
    # for such a page, whether it opens with no title of its own (a form's later page holding its vehicle
    # table opens with the table's header); not in the JSON
    untitled: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = {"file": self.file, "sha256": self.sha256, "kind": self.kind, "method": self.method,
               "pages": self.pages, "confidence": round(self.confidence, 3), "error": self.error}
        if self.error_code:
            out["error_code"] = self.error_code
        if self.pages_range:  # additive keys (docs/cli.md: add, don't rename)
            out["pages_range"] = list(self.pages_range)
            out["part_of"] = self.part_of or self.file
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out

    def holds(self, source: Source) -> bool:
        """Whether a value from `source` belongs to this document (its file, and its pages if it is a part)."""
        if source.file != self.file:
            return False
        if not self.pages_range or source.page is None:
            return True
        return self.pages_range[0] <= source.page <= self.pages_range[1]


@dataclass
class Extraction:
    """All documents of one bundle and what was found in them."""

    documents: list[DocumentResult] = field(default_factory=list)

    def facts(self, key: str) -> list[Fact]:
        """Every candidate value of a field, the application form's first."""
        found = [f for doc in self.documents for f in doc.facts if f.key == key]
        return sorted(found, key=lambda f: (f.kind != "application_form", -f.confidence))

    def field(self, key: str) -> Fact | None:
        candidates = self.facts(key)
        return candidates[0] if candidates else None

    def value(self, key: str) -> Any:
        fact = self.field(key)
        return fact.value if fact else None

    @property
    def fields(self) -> dict[str, Fact]:
        keys = dict.fromkeys(f.key for doc in self.documents for f in doc.facts)
        return {key: self.field(key) for key in keys}

    def table(self, key: str) -> list[dict[str, Any]]:
        """The rows of a table; the application form's rows come first."""
        docs = sorted(self.documents, key=lambda d: d.kind != "application_form")
        return [row for doc in docs for row in doc.tables.get(key, [])]

    def to_dict(self) -> dict[str, Any]:
        from forms.fields import TABLES

        table_keys = list(TABLES) + [k for d in self.documents for k in d.tables if k not in TABLES]
        return {
            "schema": SCHEMA,
            "documents": [d.to_dict() for d in self.documents],
            "fields": {key: fact.to_dict() for key, fact in self.fields.items()},
            "tables": {key: self.table(key) for key in dict.fromkeys(table_keys)},
            "candidates": {
                key: [dict(f.to_dict(), kind=f.kind) for f in self.facts(key)] for key in self.fields
            },
            # additive (docs/cli.md): a label and value on a form that mean no canonical field, for the clerk
            "unassigned": [u for d in self.documents for u in d.unassigned],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Extraction:
        """Rebuild from a stored `gradedesk.extraction/1` object (with its candidates)."""
        docs: list[DocumentResult] = []
        for d in data.get("documents", []):
            pages_range = d.get("pages_range")
            docs.append(DocumentResult(
                file=d["file"], sha256=d.get("sha256", ""), kind=d.get("kind", "unknown"),
                method=d.get("method"), pages=d.get("pages"), confidence=d.get("confidence", 0.0),
                error=d.get("error"), error_code=d.get("error_code"),
                pages_range=tuple(pages_range) if pages_range else None, part_of=d.get("part_of"),
                warnings=list(d.get("warnings") or ())))

        def home(source: Source) -> DocumentResult:
            doc = next((doc for doc in docs if doc.holds(source)), None)
            if doc is None:
                doc = DocumentResult(file=source.file, sha256="")
                docs.append(doc)
            return doc

        candidates = data.get("candidates") or {
            key: [dict(f, kind=None)] for key, f in data.get("fields", {}).items()}
        for key, facts in candidates.items():
            for f in facts:
                source = Source.from_dict(f.get("source"))
                doc = home(source)
                doc.facts.append(Fact(key=key, value=f.get("value"), raw=str(f.get("value")),
                                      confidence=f.get("confidence", 0.0), source=source,
                                      kind=f.get("kind") or doc.kind, sealed=bool(f.get("sealed")),
                                      label=f.get("label")))
        for item in data.get("unassigned") or ():
            home(Source.from_dict(item.get("source"))).unassigned.append(item)
        for key, rows in data.get("tables", {}).items():
            for row in rows:
                home(Source.from_dict(row.get("source_ref"))).tables.setdefault(key, []).append(row)
        return cls(documents=docs)


@dataclass
class Finding:
    """One result of a check: a stable rule id, a severity, a sentence and the evidence."""

    rule: str
    severity: str  # blocking | warning | note
    message: str
    evidence: list[Source] = field(default_factory=list)
    basis: str | None = None  # where the rule's requirement comes from (catalogue source, printed limit …)

    def to_dict(self) -> dict[str, Any]:
        out = {"rule": self.rule, "severity": self.severity, "message": self.message,
               "evidence": [s.to_dict() for s in self.evidence]}
        if self.basis:
            out["basis"] = self.basis
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(data["rule"], data["severity"], data["message"],
                   [Source.from_dict(e) for e in data.get("evidence") or ()], data.get("basis"))
