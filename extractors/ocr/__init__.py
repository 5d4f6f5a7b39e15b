"""OCR engines behind one interface (as OCRmyPDF does): the pipeline never asks which engine it has."""

from __future__ import annotations

from extractors.ocr.engine import OcrEngine, OcrLine
from forms.settings import Settings

__all__ = ["OcrEngine", "OcrLine", "get_engine"]


def get_engine(settings: Settings | None = None) -> OcrEngine:
    """The engine `settings.ocr_engine` names (default: rapidocr, the more accurate on scans; see
    benchmarks/extraction.py --ocr-compare), remembering its results under `settings.ocr_cache` if set, its
    readings in simplified characters (extractors/ocr/simplified.py)."""
    from extractors.ocr.simplified import SimplifiedEngine

    settings = settings or Settings()
    engine = _engine(settings)
    if settings.ocr_cache:
        from extractors.ocr.memo import MemoEngine

        engine = MemoEngine(engine, settings.ocr_cache)
    return SimplifiedEngine(engine)  # outside the memo: it keeps what the engine read


def _engine(settings: Settings) -> OcrEngine:
    if settings.ocr_engine == "tesseract":
        from extractors.ocr.tesseract import TesseractEngine

        return TesseractEngine()
    if settings.ocr_engine == "rapidocr":
        from extractors.ocr.rapid import RapidOcrEngine

        return RapidOcrEngine(threads=settings.ocr_thread_count)
    if settings.ocr_engine == "rapidocr-page":
        from extractors.ocr.rapid import RapidOcrPageEngine

        return RapidOcrPageEngine(threads=settings.ocr_thread_count)
    raise ValueError(f"unknown OCR engine {settings.ocr_engine!r}")
