"""The evidence viewer: where a value came from, shown on the page it came from.

A document is named by the case, its index in the extraction's document list and a page
number — never by a path. Its bytes are found in storage by the sha256 the extraction
recorded (web/services/extraction.store_documents keeps every member of an uploaded zip). A PDF page is
rendered with pypdfium2, an image with Pillow, and the source box ([x0, top, x1, bottom] in
PDF points or image pixels, forms/facts.py) is drawn on it. A Word document has no pages:
the viewer shows the table cell or paragraph the value was read from instead.
"""

from __future__ import annotations

import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageOps

from forms.facts import Source, cell_in_chinese
from web.errors import NotFound
from web.models import Case
from web.services.extraction import store_documents
from web.services.uploads import sniff_head
from web.storage import Storage

MAX_WIDTH = 1400  # pixels of a rendered page
MAX_PIXELS = 80_000_000
BOX_COLOUR = (220, 30, 30)


@dataclass
class EvidenceDocument:
    index: int
    file: str
    sha256: str
    kind: str | None
    method: str | None
    pages: int | None
    error: str | None


def documents(extraction: dict | None) -> list[EvidenceDocument]:
    return [EvidenceDocument(i, d.get("file") or "", d.get("sha256") or "", d.get("kind"), d.get("method"),
                             d.get("pages"), d.get("error"))
            for i, d in enumerate((extraction or {}).get("documents") or [])]


def document_at(extraction: dict | None, index: int) -> EvidenceDocument:
    docs = documents(extraction)
    if not 0 <= index < len(docs) or not docs[index].sha256:
        raise NotFound("没有这份材料。")
    return docs[index]


def index_of(extraction: dict | None, file: str | None) -> int | None:
    for doc in documents(extraction):
        if doc.file == file:
            return doc.index
    return None


def document_bytes(storage: Storage, case: Case, doc: EvidenceDocument) -> bytes:
    """The document's bytes, from storage; a case extracted before documents were kept is unpacked once."""
    if not storage.exists(doc.sha256):
        with tempfile.TemporaryDirectory(prefix="gradedesk-evidence-") as tmp:
            paths = []
            for i, f in enumerate(case.files):
                target = Path(tmp) / f"{i}-{Path(f.original_name).name}"
                with storage.open(f.sha256) as src:
                    target.write_bytes(src.read())
                paths.append(target)
            store_documents(storage, paths)
        if not storage.exists(doc.sha256):
            raise NotFound("找不到这份材料的原件。")
    with storage.open(doc.sha256) as fh:
        return fh.read()


def file_type(data: bytes) -> str:
    kind = sniff_head(data[:4096])
    return "docx" if kind == "zip" else kind


# ---- references: which source a link points at -----------------------------------------------

def resolve(extraction: dict | None, findings: list | None, ref: str | None) -> Source | None:
    """`field:credit_code`, `table:emissions:3`, `finding:2:0`, `unassigned:1` → the source it names (None if none)."""
    parts = (ref or "").split(":")
    try:
        if parts[0] == "field" and len(parts) == 2:
            return _source(((extraction or {}).get("fields") or {}).get(parts[1], {}).get("source"))
        if parts[0] == "table" and len(parts) == 3:
            rows = ((extraction or {}).get("tables") or {}).get(parts[1]) or []
            return _source(rows[int(parts[2])].get("source_ref"))
        if parts[0] == "unassigned" and len(parts) == 2:
            return _source(((extraction or {}).get("unassigned") or [])[int(parts[1])].get("source"))
        if parts[0] == "finding" and len(parts) == 3:
            return _source(((findings or [])[int(parts[1])].get("evidence") or [])[int(parts[2])])
    except (IndexError, ValueError, AttributeError):
        return None
    return None


def _source(data: Any) -> Source | None:
    return Source.from_dict(data) if isinstance(data, dict) and data.get("file") else None


# ---- page images --------------------------------------------------------------------------------

def page_count(data: bytes) -> int:
    kind = file_type(data)
    if kind == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
        try:
            return len(pdf)
        finally:
            pdf.close()
    if kind in ("jpeg", "png", "tiff"):
        with Image.open(io.BytesIO(data)) as image:
            return getattr(image, "n_frames", 1)
    return 0


def render_page(data: bytes, page: int, box: tuple[float, float, float, float] | None = None) -> bytes:
    """The page as PNG (at most MAX_WIDTH wide) with `box` drawn on it; NotFound for a page it lacks."""
    kind = file_type(data)
    if kind == "pdf":
        image, scale = _pdf_page(data, page)
    elif kind in ("jpeg", "png", "tiff"):
        image, scale = _image_page(data, page)
    else:
        raise NotFound("这份材料没有页面图像。")
    if box:
        draw = ImageDraw.Draw(image)
        x0, top, x1, bottom = (v * scale for v in box)
        pad = 3
        draw.rectangle((x0 - pad, top - pad, x1 + pad, bottom + pad), outline=BOX_COLOUR, width=4)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=3)
    return out.getvalue()


def _pdf_page(data: bytes, page: int) -> tuple[Image.Image, float]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:
        raise NotFound("这份 PDF 无法显示。") from exc
    try:
        if not 1 <= page <= len(pdf):
            raise NotFound("没有这一页。")
        p = pdf[page - 1]
        width, _height = p.get_size()
        scale = min(2.0, MAX_WIDTH / max(width, 1))
        image = p.render(scale=scale).to_pil().convert("RGB")
        p.close()
        return image, scale
    finally:
        pdf.close()


def _image_page(data: bytes, page: int) -> tuple[Image.Image, float]:
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise NotFound("图片尺寸过大，无法显示。")
        if not 1 <= page <= getattr(image, "n_frames", 1):
            raise NotFound("没有这一页。")
        image.seek(page - 1)
        image = ImageOps.exif_transpose(image.copy()).convert("RGB")
    except NotFound:
        raise
    except Exception as exc:
        raise NotFound("这张图片无法显示。") from exc
    scale = min(1.0, MAX_WIDTH / max(image.width, 1))
    if scale < 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    return image, scale


# ---- Word: the cell instead of a page -----------------------------------------------------------

@dataclass
class WordContext:
    reference: str  # 表1第3行第2列
    caption: str  # what is shown
    rows: list[list[dict[str, Any]]]  # cells {text, hit}
    paragraphs: list[dict[str, Any]]  # {text, hit}


def word_context(data: bytes, cell: str | None, around: int = 6) -> WordContext:
    """The table rows (or paragraphs) around a `table 1, row 3, column 2` / `paragraph 4` reference."""
    from docx import Document

    reference = cell_in_chinese(cell) if cell else ""
    context = WordContext(reference, "", [], [])
    if not cell:
        return context
    try:
        document = Document(io.BytesIO(data))
    except Exception:
        return context
    m = re.fullmatch(r"table (\d+)(?:, row (\d+))?(?:, column (\d+))?", cell)
    if m:
        t, r, c = (int(x) if x else None for x in m.groups())
        tables = _tables_in_order(document)
        if t is None or not 1 <= t <= len(tables):
            return context
        rows = tables[t - 1].rows
        first = max(0, (r or 1) - 1 - around)
        for ri in range(first, min(len(rows), (r or 1) + around)):
            seen: list = []  # the elements themselves (kept alive, compared by identity)
            out = []
            for ci, c_obj in enumerate(rows[ri].cells):
                if any(x is c_obj._tc for x in seen):
                    continue
                seen.append(c_obj._tc)
                out.append({"text": c_obj.text.strip(), "hit": ri + 1 == r and (c is None or ci + 1 == c)})
            context.rows.append(out)
        context.caption = f"表{t}"
        return context
    m = re.fullmatch(r"paragraph (\d+)", cell)
    if m:
        n = int(m.group(1))
        paragraphs = [p for p in document.element.body.iterchildren() if p.tag.endswith("}p")]
        from docx.text.paragraph import Paragraph

        for i in range(max(0, n - 1 - around), min(len(paragraphs), n + around)):
            text = Paragraph(paragraphs[i], document).text.strip()
            if text or i + 1 == n:
                context.paragraphs.append({"text": text, "hit": i + 1 == n})
    return context


def _tables_in_order(document) -> list:
    """Tables numbered as extractors/backends/docx.py numbers them: body order, nested ones after their table."""
    from docx.oxml.ns import qn
    from docx.table import Table

    out = []

    def add(table):
        out.append(table)
        nested = []
        seen: list = []
        for row in table.rows:
            for cell in row.cells:
                if any(x is cell._tc for x in seen):
                    continue
                seen.append(cell._tc)
                nested.extend(cell.tables)
        for inner in nested:
            add(inner)

    for child in document.element.body.iterchildren():
        if child.tag == qn("w:tbl"):
            add(Table(child, document))
    return out
