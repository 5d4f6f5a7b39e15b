"""OCR engines behind one interface (as OCRmyPDF does): the pipeline never asks which engine it has."""

from __future__ import annotations

import os

from extractors.ocr.engine import OcrEngine, OcrLine

__all__ = ["OcrEngine", "OcrLine", "get_engine"]


def get_engine(name: str | None = None) -> OcrEngine:
    """The engine named by `name` or GRADEDESK_OCR_ENGINE (default: rapidocr, the more accurate on scans;
    see benchmarks/extraction.py --ocr-compare), remembering its results under GRADEDESK_OCR_CACHE if set."""
    engine = _engine(name)
    memo = os.environ.get("GRADEDESK_OCR_CACHE")
    if memo:
        from extractors.ocr.memo import MemoEngine

        return MemoEngine(engine, memo)
    return engine


def _engine(name: str | None) -> OcrEngine:
    name = (name or os.environ.get("GRADEDESK_OCR_ENGINE") or "rapidocr").lower()
    if name == "tesseract":
        from extractors.ocr.tesseract import TesseractEngine

        return TesseractEngine()
    if name == "rapidocr":
        from extractors.ocr.rapid import RapidOcrEngine

        return RapidOcrEngine()
    raise ValueError(f"unknown OCR engine {name!r}")
