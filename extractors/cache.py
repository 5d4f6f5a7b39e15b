"""Extraction results kept by file content, so a re-run reads only the files that changed.

A result is keyed by the file's sha256, the extractor version, the OCR engine and the accepted
synonyms in force (forms/synonyms.py: a result read with other synonyms may hold other fields);
the file's name is not part of the key (the same scan uploaded under another name
is the same scan), so sources are stored without it and re-labelled on the way out.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Protocol

from extractors.layout import Cell, Grid
from forms.facts import DocumentResult, Fact, Source

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = "28"  # bump when a change to the extractors changes their results


class ExtractionCache(Protocol):
    def get(self, key: str, name: str) -> DocumentResult | None: ...

    def put(self, key: str, doc: DocumentResult) -> None: ...


def cache_key(sha256: str, engine: str, synonyms: str = "") -> str:
    """`synonyms`: forms.synonyms.fingerprint of the accepted synonyms ("" when there are none)."""
    return f"{sha256}-v{EXTRACTOR_VERSION}-{engine}" + (f"-{synonyms}" if synonyms else "")


def _rename(source: dict, name: str) -> dict:
    return dict(source, file=name)


def dump(doc: DocumentResult) -> dict:
    return {
        "kind": doc.kind, "method": doc.method, "pages": doc.pages, "confidence": doc.confidence,
        "facts": [{"key": f.key, "value": f.value, "raw": f.raw, "confidence": f.confidence,
                   "source": _rename(f.source.to_dict(), ""), "kind": f.kind, "sealed": f.sealed, "label": f.label}
                  for f in doc.facts],
        "tables": {k: [dict(r, source_ref=_rename(r["source_ref"], "")) for r in rows] for k, rows in doc.tables.items()},
        "pages_range": list(doc.pages_range) if doc.pages_range else None,
        "warnings": doc.warnings,
        "parts": [dump(part) for part in doc.parts],
        "unassigned": [dict(u, source=_rename(u["source"], "")) for u in doc.unassigned],
        "grids": [_dump_grid(grid) for grid in doc.grids],
        "untitled": doc.untitled,
    }


def _dump_grid(grid: Grid) -> dict:
    return {"index": grid.index, "caption": grid.caption, "for_fields": grid.for_fields, "ref": grid.ref,
            "rows": [[None if cell is None else [cell.text, _rename(cell.source.to_dict(), ""), cell.confidence]
                      for cell in row] for row in grid.rows]}


def _load_grid(data: dict, name: str) -> Grid:
    return Grid(index=data["index"], caption=data["caption"], for_fields=data["for_fields"], ref=data["ref"],
                rows=[[None if cell is None else Cell(cell[0], Source.from_dict(_rename(cell[1], name)), cell[2])
                       for cell in row] for row in data["rows"]])


def load(data: dict, name: str, sha256: str) -> DocumentResult:
    return DocumentResult(
        file=name, sha256=sha256, kind=data["kind"], method=data["method"], pages=data["pages"],
        confidence=data["confidence"],
        facts=[Fact(f["key"], f["value"], f["raw"], f["confidence"], Source.from_dict(_rename(f["source"], name)),
                    f["kind"], f.get("sealed", False), f.get("label")) for f in data["facts"]],
        tables={k: [dict(r, source_ref=_rename(r["source_ref"], name)) for r in rows] for k, rows in data["tables"].items()},
        pages_range=tuple(data["pages_range"]) if data.get("pages_range") else None,
        part_of=name if data.get("pages_range") else None, warnings=list(data.get("warnings") or ()),
        parts=[load(part, name, sha256) for part in data.get("parts") or ()],
        unassigned=[dict(u, source=_rename(u["source"], name)) for u in data.get("unassigned", ())],
        grids=[_load_grid(grid, name) for grid in data.get("grids", ())],
        untitled=data.get("untitled", False),
    )


class DirectoryCache:
    """One JSON file per result under `root`, written to a temporary name and renamed."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, name: str) -> DocumentResult | None:
        path = self._path(key)
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("extraction cache entry %s unreadable, ignoring it: %s", path, exc)
            return None
        return load(data, name, key.split("-", 1)[0])

    def put(self, key: str, doc: DocumentResult) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(dump(doc), fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
