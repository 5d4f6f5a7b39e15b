"""extractors/ocr_plan.py: the pages of a file the extraction will OCR, as the Celery fan-out shares them out."""

from __future__ import annotations

import io
from types import SimpleNamespace

from PIL import Image

from extractors.ocr_plan import pages_to_ocr, plan_version


def _item(kind: str, data: bytes, **changes) -> SimpleNamespace:
    """A file as extractors.intake hands it over."""
    return SimpleNamespace(**{"name": f"scan.{kind}", "type": kind, "data": data, "sha256": "0" * 64,
                              "error": None, **changes})


def _tiff(frames: int) -> bytes:
    out = io.BytesIO()
    pages = [Image.new("L", (40, 30), 255) for _ in range(frames)]
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def test_every_frame_of_an_image_is_planned():
    assert pages_to_ocr(_item("tiff", _tiff(3))) == [1, 2, 3]


def test_nothing_is_planned_for_refused_unreadable_or_extracted_files():
    class Cache:
        def get(self, key, name):
            return {"extracted": True}

    assert pages_to_ocr(_item("tiff", _tiff(1), error="refused")) == []
    assert pages_to_ocr(_item("docx", b"PK")) == []
    assert pages_to_ocr(_item("png", b"not an image")) == []
    assert pages_to_ocr(_item("tiff", _tiff(2)), Cache(), "rapidocr") == []


def test_a_pdf_without_images_has_no_scanned_page():
    assert pages_to_ocr(_item("pdf", b"%PDF-1.4\n%%EOF\n")) == []


def test_plans_are_versioned_by_engine():
    assert plan_version("rapidocr") != plan_version("tesseract")


def test_an_extraction_with_other_synonyms_is_no_reason_to_skip_the_pages():
    """The cache keys an extraction by the accepted synonyms' fingerprint; the plan asks with the same key."""
    from extractors.cache import cache_key

    class Cache:
        def __init__(self, keys):
            self.keys = keys

        def get(self, key, name):
            return {"extracted": True} if key in self.keys else None

    item = _item("tiff", _tiff(2))
    plain = Cache({cache_key(item.sha256, "rapidocr")})
    assert pages_to_ocr(item, plain, "rapidocr") == []
    assert pages_to_ocr(item, plain, "rapidocr", "f1ab") == [1, 2]
    assert pages_to_ocr(item, Cache({cache_key(item.sha256, "rapidocr", "f1ab")}), "rapidocr", "f1ab") == []
