"""The one protocol every extraction backend follows (as Docling's AbstractDocumentBackend):
a file's bytes in, a `Layout` with the source of every cell and line out.

A backend declares the intake types it reads (`formats`) and how it reads them (`method`,
which sets the facts' base confidence); `extractors/backends/__init__.py` maps each type to
its backend, so the pipeline never asks which kind of file it holds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from extractors.layout import Layout
from forms.settings import Settings


class Backend(ABC):
    formats: ClassVar[frozenset[str]]  # intake types (extractors/intake.py) this backend reads
    method: ClassVar[str]  # Layout.method of what it produces: docx, pdf-text, ocr

    def __init__(self, name: str, data: bytes, settings: Settings | None = None):
        self.name = name
        self.data = data
        self.settings = settings or Settings()

    @abstractmethod
    def layout(self) -> Layout:
        """The file's tables and text; raises forms.errors.UnreadableFile for a file it cannot read."""
