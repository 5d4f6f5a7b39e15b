"""Which pages of a bundle's file the extraction will OCR, and reading one of them ahead of it.

Celery's OCR fan-out (web/queue/celery_worker.py) shares a bundle's scanned pages out among
workers before the extraction runs: each page read here goes through the OCR engine, whose memo
(extractors/ocr/memo.py) keeps the result for the extraction, so the plan must pick the pages and
read the pixels exactly as the extraction would.
"""

from __future__ import annotations

import io
import logging
import re

import pypdfium2 as pdfium
from PIL import Image

from extractors.backends.image import MAX_OCR_PAGES, MAX_PIXELS, open_images, read_pages, render_pdf_pages
from extractors.backends.pdf import MAX_PAGES, preflight
from extractors.cache import EXTRACTOR_VERSION, cache_key
from extractors.layout import Layout
from extractors.ocr import get_engine
from forms.settings import Settings

log = logging.getLogger(__name__)

SCANNED_TYPES = ("pdf", "jpeg", "png", "tiff")
_PDF_IMAGE = re.compile(rb"/Subtype\s*/Image\b")


def memo_version() -> str | None:
    """The version of the OCR memo's keys; None when this build has no memo (nothing to share)."""
    try:
        from extractors.ocr.memo import MEMO_VERSION
    except ImportError:
        return None
    return str(MEMO_VERSION)


def plan_version(engine: str) -> str:
    """What a page read now is valid for: the engine, the memo's and the extractors' versions."""
    return f"{engine}:m{memo_version()}:v{EXTRACTOR_VERSION}"


def pages_to_ocr(item, cache=None, engine: str = "rapidocr", synonyms: str = "") -> list[int]:
    """The pages of an intake file that the extraction will OCR (1-based): every frame of an image, the
    pages of a PDF that hold images and no text at all (scans). Other pages the pipeline may OCR
    (broken text layers, overly dense pages) it reads itself; [] when the file would be refused, or
    when `cache` (the extraction cache) holds the file's extraction by `engine` with the accepted synonyms
    of fingerprint `synonyms` (no OCR at all)."""
    if item.error or not item.sha256 or item.type not in SCANNED_TYPES:
        return []
    if cache is not None and cache.get(cache_key(item.sha256, engine, synonyms), item.name) is not None:
        return []
    try:
        if item.type == "pdf":
            preflight(item.name, item.data)  # the hostile PDFs the extraction refuses are not rendered here either
            return _scanned_pdf_pages(item.data)[:MAX_OCR_PAGES]
        with Image.open(io.BytesIO(item.data)) as image:
            if image.width * image.height > MAX_PIXELS:
                return []
            return list(range(1, min(getattr(image, "n_frames", 1), MAX_OCR_PAGES) + 1))
    except Exception as exc:  # unreadable: the extraction says so in the document's error
        log.info("%s: no pages to fan out (%s)", item.name, exc)
        return []


def _scanned_pdf_pages(data: bytes) -> list[int]:
    """Pages without a single character of text, in a PDF that has image XObjects (an image stream is never
    inside a compressed object stream, so a PDF without the bytes `/Subtype /Image` has no scan).
    pdfium counts the characters: milliseconds a page, where pdfplumber would parse the text twice."""
    if not _PDF_IMAGE.search(data):
        return []
    pdf = pdfium.PdfDocument(data)
    pages: list[int] = []
    try:
        for index in range(min(len(pdf), MAX_PAGES)):
            page = pdf[index]
            text = page.get_textpage()
            if text.count_chars() == 0:
                pages.append(index + 1)
            text.close()
            page.close()
    finally:
        pdf.close()
    return pages


def read_page(name: str, data: bytes, kind: str, number: int, settings: Settings) -> None:
    """Read one planned page as the extraction would (same pixels, same cleaning), through the OCR engine
    `settings` names, whose memo keeps the result for the extraction."""
    if kind == "pdf":
        pages = render_pdf_pages(name, data, [number])
    else:
        pages = [page for page in open_images(name, data) if page.number == number]
    read_pages(name, pages, Layout(file=name, method="ocr"), engine=get_engine(settings), settings=settings)
