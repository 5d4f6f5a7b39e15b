"""The knobs of the library layers, read from the environment once, by an entry point.

Library code (extractors, generators) takes a `Settings` argument and never reads
`os.environ`; the command line and the web app build one with `Settings.from_env()`
and pass it down. A `Settings()` is the defaults, so tests state what they change.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

# rapidocr: cells recognised directly (the default); rapidocr-page: whole-page detection, as until issue 21
OCR_ENGINES = ("rapidocr", "rapidocr-page", "tesseract")


def _flag(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip() else None


@dataclass(frozen=True)
class Settings:
    # OCR (extractors/ocr): engine name, processes for scanned pages (None: one per two cores), inference
    # threads in each (None: the cores shared out among the processes when their number is left to the
    # default, else one), and a directory remembering results by page pixels (None: off)
    ocr_engine: str = "rapidocr"
    ocr_workers: int | None = None
    ocr_threads: int | None = None
    ocr_cache: str | None = None
    # PDF text layers are parsed in a sandboxed child process with these limits
    pdf_sandbox: bool = True
    pdf_timeout: float = 120.0
    pdf_memory_mb: int = 2048
    # generation: a directory of office templates over the packaged ones, the Python that has
    # LibreOffice's uno module, and warm converters (None: one per core)
    template_dir: str | None = None
    uno_python: str | None = None
    pdf_converters: int | None = None

    def __post_init__(self) -> None:
        if self.ocr_engine not in OCR_ENGINES:
            raise ValueError(f"unknown OCR engine {self.ocr_engine!r} (one of {', '.join(OCR_ENGINES)})")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment names (GRADEDESK_*), defaults for the rest."""
        env = os.environ if env is None else env
        default = cls()
        return cls(
            ocr_engine=(env.get("GRADEDESK_OCR_ENGINE") or default.ocr_engine).strip().lower(),
            ocr_workers=_int(env.get("GRADEDESK_OCR_WORKERS")),
            ocr_threads=_int(env.get("GRADEDESK_OCR_THREADS")),
            ocr_cache=env.get("GRADEDESK_OCR_CACHE") or None,
            pdf_sandbox=_flag(env.get("GRADEDESK_PDF_SANDBOX"), default.pdf_sandbox),
            pdf_timeout=float(env.get("GRADEDESK_PDF_TIMEOUT") or default.pdf_timeout),
            pdf_memory_mb=_int(env.get("GRADEDESK_PDF_MEMORY_MB")) or default.pdf_memory_mb,
            template_dir=env.get("GRADEDESK_TEMPLATE_DIR") or None,
            uno_python=env.get("GRADEDESK_UNO_PYTHON") or None,
            pdf_converters=_int(env.get("GRADEDESK_PDF_CONVERTERS")),
        )

    def but(self, **changes) -> Settings:
        """A copy with `changes` (e.g. one OCR worker inside an OCR process)."""
        return replace(self, **changes)

    @property
    def ocr_process_count(self) -> int:
        """Each OCR process holds its own models and inference buffers (some 500 MB with RapidOCR): on two
        cores, two processes of one thread took the big bundle to 1.25 GB, one of two threads to 0.64 GB
        (benchmarks/extraction.py --big-bundle), inference being most of a page's time."""
        return max(1, self.ocr_workers or (os.cpu_count() or 1) // 2)

    @property
    def ocr_pooled(self) -> bool:
        """Whether OCR runs in processes of its own, beside the extraction's: when there are several, or
        one by default on more than one core (it reads the scans while this process reads the rest)."""
        return self.ocr_process_count > 1 or (self.ocr_workers is None and (os.cpu_count() or 1) > 1)

    @property
    def ocr_thread_count(self) -> int:
        """Inference threads of each OCR process."""
        if self.ocr_threads:
            return self.ocr_threads
        if self.ocr_workers:
            return 1
        return max(1, (os.cpu_count() or 1) // self.ocr_process_count)

    def one_ocr_process(self) -> Settings:
        """The settings of an OCR process of the pool: it reads its pages itself, on its share of the cores."""
        return replace(self, ocr_workers=1, ocr_threads=self.ocr_thread_count)
