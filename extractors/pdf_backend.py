"""Text-PDF backend (pdfplumber): ruled tables as grids, other words as positioned segments.

Pages without a usable text layer (scans, `(cid:NNN)` glyphs without ToUnicode)
are listed in `Layout`-less `ocr_pages` for the OCR backend to read.
"""

from __future__ import annotations

import io
import logging

import pdfplumber

from extractors.layout import Cell, Grid, Layout, Segment
from forms.errors import UnreadableFile
from forms.facts import Source

log = logging.getLogger(__name__)

MAX_PAGES = 300
LINE_TOLERANCE = 3.0


def _open(name: str, data: bytes):
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        _ = pdf.pages  # forces the page tree to load
        return pdf
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}"
        if "Password" in text or "Encrypt" in text or "encrypt" in text:
            raise UnreadableFile("PDF 文件已加密（设有密码），无法读取，请提供未加密的文件。",
                                 f"{name}: encrypted PDF: {text}") from exc
        raise UnreadableFile("PDF 文件已损坏，无法打开，请重新导出或扫描后上传。",
                             f"{name}: pdfplumber failed: {text}") from exc


def text_layer_broken(chars: list[dict]) -> bool:
    """True when the page's characters cannot be trusted as text."""
    if not chars:
        return True
    cid = sum(1 for c in chars if c.get("text", "").startswith("(cid:"))
    text = "".join(c.get("text", "") for c in chars if not c.get("text", "").startswith("(cid:"))
    unreadable = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n"))
    return cid > len(chars) * 0.05 or unreadable > max(len(text), 1) * 0.2


def _segments(page, page_no: int, name: str, exclude: list[tuple], first_line: int) -> list[Segment]:
    words = [
        w for w in page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False)
        if not any(b[0] - 1 <= (w["x0"] + w["x1"]) / 2 <= b[2] + 1 and b[1] - 1 <= (w["top"] + w["bottom"]) / 2 <= b[3] + 1
                   for b in exclude)
    ]
    words.sort(key=lambda w: (round(w["top"]), w["x0"]))
    lines: list[list[dict]] = []
    for w in words:
        if lines and abs(lines[-1][0]["top"] - w["top"]) <= LINE_TOLERANCE:
            lines[-1].append(w)
        else:
            lines.append([w])
    segments: list[Segment] = []
    for i, line in enumerate(lines):
        line.sort(key=lambda w: w["x0"])
        current: list[dict] = [line[0]]
        for w in line[1:]:
            size = max(current[-1]["bottom"] - current[-1]["top"], 1)
            if w["x0"] - current[-1]["x1"] > 2.5 * size:
                segments.append(_segment(current, page_no, name, first_line + i))
                current = [w]
            else:
                current.append(w)
        segments.append(_segment(current, page_no, name, first_line + i))
    return segments


def _segment(words: list[dict], page_no: int, name: str, line: int) -> Segment:
    text = words[0]["text"]
    for prev, w in zip(words, words[1:], strict=False):
        size = max(prev["bottom"] - prev["top"], 1)
        text += (" " if w["x0"] - prev["x1"] > 0.2 * size else "") + w["text"]
    bbox = (min(w["x0"] for w in words), min(w["top"] for w in words),
            max(w["x1"] for w in words), max(w["bottom"] for w in words))
    return Segment(text=text, source=Source(name, page_no, None, bbox), line=line)


def _looks_tabular(page) -> bool:
    """Whether a line of the page carries three or more column headings of a canonical table."""
    from forms.fields import TABLES

    words = page.extract_words(x_tolerance=1.5, keep_blank_chars=False)
    lines: dict[int, list[str]] = {}
    for w in words:
        lines.setdefault(round(w["top"] / 4), []).append(w["text"])
    for texts in lines.values():
        for spec in TABLES.values():
            if sum(1 for t in texts if spec.match_column(t)) >= 3:
                return True
    return False


def borderless_grids(name: str, data: bytes, page_no: int, page_height: float, index: int) -> list[Grid]:
    """Tables without rules, from camelot's stream flavour, kept when camelot's own accuracy is high.

    The grids serve tables only (`for_fields=False`): the page's label/value lines are read
    from its segments already.
    """
    import tempfile

    import camelot

    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            tables = camelot.read_pdf(tmp.name, pages=str(page_no), flavor="stream")
        except Exception as exc:  # camelot raises many kinds on odd pages; the page stays text only
            log.warning("%s page %d: camelot stream failed: %s", name, page_no, exc)
            return []
    grids = []
    for table in tables:
        report = table.parsing_report
        if report.get("accuracy", 0) < 80:
            log.info("%s page %d: borderless table dropped, accuracy %s", name, page_no, report.get("accuracy"))
            continue
        index += 1
        rows: list[list[Cell | None]] = []
        for r, row in enumerate(table.cells):
            out: list[Cell | None] = []
            for c, cell in enumerate(row):
                bbox = (cell.x1, page_height - cell.y2, cell.x2, page_height - cell.y1)
                out.append(Cell(text=(cell.text or "").strip(), source=Source(
                    name, page_no, f"table {index}, row {r + 1}, column {c + 1}", bbox),
                    confidence=min(1.0, report["accuracy"] / 100)))
            rows.append(out)
        grids.append(Grid(index=index, rows=rows, for_fields=False))
    return grids


class PdfTextBackend:
    method = "pdf-text"

    def __init__(self, name: str, data: bytes):
        self.name = name
        self.data = data
        self.ocr_pages: list[int] = []  # 1-based pages whose text layer is missing or broken

    def layout(self) -> Layout:
        pdf = _open(self.name, self.data)
        with pdf:
            pages = pdf.pages
            layout = Layout(file=self.name, method=self.method, pages=len(pages))
            table_index = 0
            for page_no, page in enumerate(pages[:MAX_PAGES], start=1):
                if text_layer_broken(page.chars):
                    self.ocr_pages.append(page_no)
                    continue
                boxes = []
                for table in page.find_tables():
                    table_index += 1
                    layout.grids.append(self._grid(table, table_index, page_no))
                    boxes.append(table.bbox)
                if not boxes and _looks_tabular(page):
                    for grid in borderless_grids(self.name, self.data, page_no, page.height, table_index):
                        table_index = grid.index
                        layout.grids.append(grid)
                layout.segments.extend(_segments(page, page_no, self.name, boxes, first_line=page_no * 10000))
                page.flush_cache()
            if len(pages) > MAX_PAGES:
                log.warning("%s: only the first %d of %d pages read", self.name, MAX_PAGES, len(pages))
        return layout

    def _grid(self, table, index: int, page_no: int) -> Grid:
        texts = table.extract()
        rows: list[list[Cell | None]] = []
        for r, row in enumerate(table.rows):
            out: list[Cell | None] = []
            for c, bbox in enumerate(row.cells):
                text = texts[r][c] if r < len(texts) and c < len(texts[r]) else None
                if bbox is None or text is None:
                    out.append(None)
                    continue
                out.append(Cell(text=text.strip(), source=Source(
                    self.name, page_no, f"table {index}, row {r + 1}, column {c + 1}", tuple(bbox))))
            rows.append(out)
        return Grid(index=index, rows=rows)
