"""Which backend reads which intake type: the one table, as Docling's `format_to_default_options`."""

from __future__ import annotations

from extractors.backends.base import Backend
from extractors.backends.docx import DocxBackend
from extractors.backends.image import ImageBackend
from extractors.backends.ofd import OfdBackend
from extractors.backends.office import LegacyWordBackend, LegacyWorkbookBackend
from extractors.backends.pdf import PdfBackend
from extractors.backends.spreadsheet import CsvBackend, SpreadsheetBackend

BACKENDS: dict[str, type[Backend]] = {
    fmt: backend
    for backend in (DocxBackend, PdfBackend, ImageBackend, SpreadsheetBackend, CsvBackend, LegacyWordBackend,
                    LegacyWorkbookBackend, OfdBackend)
    for fmt in backend.formats
}
IMAGE_FORMATS = ImageBackend.formats  # read by the OCR processes, a file in each
