"""OCR engines behind one interface (as OCRmyPDF does): the pipeline never asks which engine it has."""

from __future__ import annotations

import os

from extractors.ocr.engine import OcrEngine, OcrLine

__all__ = ["OcrEngine", "OcrLine", "get_engine"]


def get_engine(name: str | None = None) -> OcrEngine:
    """The engine named by `name` or GRADEDESK_OCR_ENGINE (default: tesseract)."""
    name = (name or os.environ.get("GRADEDESK_OCR_ENGINE") or "tesseract").lower()
    if name == "tesseract":
        from extractors.ocr.tesseract import TesseractEngine

        return TesseractEngine()
    raise ValueError(f"unknown OCR engine {name!r}")
