"""One bundle in, one Extraction out: intake, a backend per file type, classification, labels."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from extractors import intake
from extractors.cache import ExtractionCache, cache_key
from extractors.docx_backend import DocxBackend
from extractors.image_backend import ImageBackend, read_pages, render_pdf_pages
from extractors.kinds import classify
from extractors.labels import facts_from_layout, tables_from_layout
from extractors.layout import Layout
from extractors.pdf_backend import PdfTextBackend
from forms.errors import UnreadableFile
from forms.facts import DocumentResult, Extraction

log = logging.getLogger(__name__)

BASE_CONFIDENCE = {"docx": 0.99, "pdf-text": 0.97, "ocr": 1.0}


def _layout(item: intake.IntakeFile) -> Layout:
    if item.type == "docx":
        return DocxBackend(item.name, item.data).layout()
    if item.type == "pdf":
        backend = PdfTextBackend(item.name, item.data)
        layout = backend.layout()
        if backend.ocr_pages:
            pages = render_pdf_pages(item.name, item.data, backend.ocr_pages)
            read_pages(item.name, pages, layout, first_table=len(layout.grids))
            if len(backend.ocr_pages) * 2 >= (layout.pages or 1):
                layout.method = "ocr"
        return layout
    if item.type in ("jpeg", "png", "tiff"):
        return ImageBackend(item.name, item.data).layout()
    raise UnreadableFile("不支持的文件类型。", f"{item.name}: no backend for {item.type}")


def extract_document(item: intake.IntakeFile) -> DocumentResult:
    """Everything one file says; a file that cannot be read gets `error`, never an exception."""
    doc = DocumentResult(file=item.name, sha256=item.sha256, error=item.error)
    if item.error:
        return doc
    try:
        layout = _layout(item)
    except UnreadableFile as exc:
        log.warning("%s (sha256 %s): %s", item.name, item.sha256[:12], exc.log_message)
        doc.error = exc.user_message
        return doc
    except Exception:
        log.exception("%s (sha256 %s): extraction failed", item.name, item.sha256[:12])
        doc.error = "读取该文件时发生内部错误，已记录日志；其余文件不受影响。"
        return doc
    doc.method = layout.method
    doc.pages = layout.pages
    facts = facts_from_layout(layout, "unknown", BASE_CONFIDENCE.get(layout.method, 0.9))
    kind, confidence = classify(layout.text(), item.name, label_hits=len({f.key for f in facts}),
                                is_image=item.type in ("jpeg", "png", "tiff"))
    for fact in facts:
        fact.kind = kind
    doc.kind, doc.confidence = kind, confidence
    doc.facts = facts
    doc.tables = tables_from_layout(layout)
    return doc


def extract_bundle(paths: list[Path], cache: ExtractionCache | None = None) -> Extraction:
    """All PATHs together are one application bundle (contract.md).

    With a cache, a file whose content was read before is not read again.
    """
    items = intake.collect([Path(p) for p in paths])
    engine = os.environ.get("GRADEDESK_OCR_ENGINE", "rapidocr")
    documents = []
    for item in items:
        key = cache_key(item.sha256, engine) if cache is not None and not item.error else None
        doc = cache.get(key, item.name) if key else None
        if doc is None:
            doc = extract_document(item)
            if key and doc.error is None:
                cache.put(key, doc)
        documents.append(doc)
    return Extraction(documents=documents)
