"""PDF backend: the text layer (pdfplumber) gives ruled tables as grids and other words as positioned
segments; pages without a usable text layer (scans, `(cid:NNN)` glyphs without ToUnicode) are
listed in `ocr_pages` and read by the OCR backend (extractors/backends/image.py).

pdfminer is pure Python and believes what a file says, so a hostile PDF is answered
in three steps, each with a per-file error whose log line starts with `[code]`:

1. `preflight`, on the raw bytes (zlib and pdfium, both C): more than `MAX_PDF_PAGES` pages
   (`pdf_too_many_pages`), an image of more than `MAX_IMAGE_PIXELS` (`pdf_image_too_large`), a Flate stream inflating past `MAX_STREAM_BYTES` or all of them past
   `MAX_INFLATED_BYTES` (`pdf_bomb`), objects that are references to each other in a ring, on
   which pdfminer loops for ever (`pdf_reference_loop`);
2. reading at most `MAX_PAGES` pages; a page whose content streams inflate past
   `MAX_PAGE_CONTENT_BYTES` is not read (neither pdfminer nor pdfium's rendering would end soon;
   `pdf_too_complex` when no page is left), a page pdfminer fails on goes to OCR (pdfium renders
   it); pages after `PAGE_BUDGET` of the time limit are left unread;
3. all of it in a child process (`multiprocessing` forkserver) with a wall-clock limit
   (`Settings.pdf_timeout`, default 120 s: `pdf_timeout`) and an address-space limit
   (`Settings.pdf_memory_mb`, default 2048: `pdf_too_complex`). `Settings.pdf_sandbox=False`
   reads in-process (steps 1 and 2 still apply).
"""

from __future__ import annotations

import bisect
import copy
import io
import logging
import re
import time
import zlib
from dataclasses import replace
from functools import cache

import pdfplumber
import pdfplumber.page

from extractors.backends.base import Backend
from extractors.backends.drawn_checkboxes import add_circled_options, add_drawn_checkboxes, not_a_box
from extractors.backends.pdf_form_fields import add_form_fields
from extractors.layout import Cell, Grid, Layout, Segment
from forms.errors import GradedeskError, UnreadableFile
from forms.facts import Source
from forms.settings import Settings

log = logging.getLogger(__name__)

MAX_PAGES = 300  # pages read; the rest of a longer PDF is not
MAX_PDF_PAGES = 5000  # a PDF claiming more is refused (nobody applies with 5000 pages)
MAX_STREAM_BYTES = 64 * 2**20  # one Flate stream (not an image) inflated
MAX_INFLATED_BYTES = 256 * 2**20  # all of them
MAX_IMAGE_PIXELS = 200_000_000  # an image in a PDF (a 600 dpi A3 scan is 70 million); pdfium would render it
MAX_PAGE_CONTENT_BYTES = 2**20  # a page's content streams; pdfminer takes ~10 s per MB of operators
PAGE_BUDGET = 0.6  # share of the time limit after which no further page is started
LINE_TOLERANCE = 3.0


def _refusal(code: str, user_message: str, detail: str) -> UnreadableFile:
    return UnreadableFile(user_message, f"[{code}] {detail}")


def _exception_text(exc: BaseException) -> str:
    """The exception with what it wraps (pdfplumber wraps pdfminer's, whose str() may be empty)."""
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append(f"{type(exc).__name__}: {exc}")
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = inner or exc.__cause__ or exc.__context__
    return " <- ".join(parts)


def _open(name: str, data: bytes):
    try:
        return pdfplumber.open(io.BytesIO(data), pages=list(range(1, MAX_PAGES + 1)))
    except Exception as exc:
        text = _exception_text(exc)
        if "Password" in text or "Encrypt" in text or "encrypt" in text:
            raise _refusal("pdf_encrypted", "PDF 文件已加密（设有密码），无法读取，请提供未加密的文件。",
                           f"{name}: encrypted PDF: {text}") from exc
        raise _refusal("pdf_broken", "PDF 文件已损坏，无法打开，请重新导出或扫描后上传。",
                       f"{name}: pdfplumber failed: {text}") from exc


# ---------------------------------------------------------------- preflight on the raw bytes

_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_IMAGE = re.compile(rb"/Subtype\s*/Image")
_OBJSTM = re.compile(rb"/Type\s*/ObjStm")
_WIDTH = re.compile(rb"/Width\s+(\d+)(?!\s+\d+\s+R)")
_HEIGHT = re.compile(rb"/Height\s+(\d+)(?!\s+\d+\s+R)")
_BARE_REF_OBJECT = re.compile(rb"(?<!\d)(\d+)\s+\d+\s+obj\s*(\d+)\s+\d+\s+R\s*endobj")
_BARE_REF = re.compile(rb"\s*(\d+)\s+\d+\s+R\s*")


def _inflate(raw: bytes, limit: int, keep: bool) -> tuple[int, bytes | None]:
    """How many bytes a Flate stream inflates to, stopping past `limit` (and the bytes when `keep`)."""
    inflater = zlib.decompressobj()
    total, parts, pending = 0, [], raw
    try:
        while pending:
            out = inflater.decompress(pending, 2**20)
            total += len(out)
            if total > limit:
                return total, None
            if keep:
                parts.append(out)
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error:
        return total, None  # pdfminer will say what it makes of it
    return total, b"".join(parts) if keep else None


def _object_stream_refs(decoded: bytes, head: bytes) -> dict[int, int]:
    """Objects of an object stream that are nothing but a reference to another object."""
    first = re.search(rb"/First\s+(\d+)", head)
    if not first:
        return {}
    start = int(first.group(1))
    numbers = decoded[:start].split()
    pairs = [(int(numbers[i]), int(numbers[i + 1])) for i in range(0, len(numbers) - 1, 2)
             if numbers[i].isdigit() and numbers[i + 1].isdigit()]
    refs = {}
    for k, (number, offset) in enumerate(pairs):
        end = pairs[k + 1][1] if k + 1 < len(pairs) else len(decoded) - start
        m = _BARE_REF.fullmatch(decoded[start + offset:start + end])
        if m:
            refs[number] = int(m.group(1))
    return refs


def _has_ring(refs: dict[int, int]) -> int | None:
    """An object on a ring of objects that only refer to the next one, if there is one."""
    done: set[int] = set()
    for start in refs:
        path: set[int] = set()
        n = start
        while n in refs and n not in done:
            if n in path:
                return n
            path.add(n)
            n = refs[n]
        done |= path
    return None


def _page_count(data: bytes) -> int | None:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except Exception:  # pdfium cannot open it (a password, damage): pdfminer will say
        return None
    try:
        return len(document)
    finally:
        document.close()


_INVISIBLE = 3  # PDF text render mode 3: neither filled nor stroked (an OCR layer over a page's scan)
_MAX_TEXT_OBJECTS = 20_000  # text objects looked at on a page


def invisible_text_pages(data: bytes) -> set[int]:
    """Pages (from 1) whose text is all invisible: a searchable scan, whose text layer a scanner, a phone app
    (扫描全能王) or another OCR tool laid under the page's image. That layer is another engine's reading,
    without the ticks drawn on the page: such a page is read by OCR as any scan is."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        document = pdfium.PdfDocument(data)
    except Exception:  # pdfium cannot open it: pdfminer will say
        return set()
    found = set()
    try:
        for number in range(min(len(document), MAX_PDF_PAGES)):
            page = document[number]
            try:
                modes = [pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) for _, obj in zip(
                    range(_MAX_TEXT_OBJECTS), page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]), strict=False)]
            finally:
                page.close()
            if modes and all(mode == _INVISIBLE for mode in modes):
                found.add(number + 1)
    except Exception as exc:  # a damaged page tree: the text layer's reading decides as before
        log.warning("text render modes not read: %s", _exception_text(exc))
    finally:
        document.close()
    return found


def preflight(name: str, data: bytes) -> int | None:
    """Refuse the PDFs pdfminer must not be given (see the module's doc); the page count pdfium sees."""
    pages = _page_count(data)
    if pages is not None and pages > MAX_PDF_PAGES:
        raise _refusal("pdf_too_many_pages", f"PDF 文件声称有 {pages} 页，超过上限 {MAX_PDF_PAGES} 页，无法读取。",
                       f"{name}: {pages} pages")
    refs = {int(m.group(1)): int(m.group(2)) for m in _BARE_REF_OBJECT.finditer(data)}
    total = 0
    pos = 0
    while (m := _STREAM.search(data, pos)) is not None:
        start = m.end()
        head = data[max(0, m.start() - 4096):m.start()]
        obj = head.rfind(b"obj")
        head = head[obj:] if obj >= 0 else head[-1024:]
        length = _LENGTH.search(head)
        end = start + int(length.group(1)) if length else -1
        if not 0 <= end <= len(data):
            end = data.find(b"endstream", start)
            end = len(data) if end < 0 else end
        pos = max(end, start)
        if _IMAGE.search(head):
            width, height = _WIDTH.search(head), _HEIGHT.search(head)
            if width and height and int(width.group(1)) * int(height.group(1)) > MAX_IMAGE_PIXELS:
                raise _refusal("pdf_image_too_large",
                               f"PDF 文件中的图片过大（{int(width.group(1))}×{int(height.group(1))} 像素），无法读取，"
                               "请降低扫描分辨率后重新上传。",
                               f"{name}: an image at byte {start} of {int(width.group(1))}x{int(height.group(1))} px")
            continue
        if b"/FlateDecode" not in head:
            continue
        objstm = bool(_OBJSTM.search(head))
        size, decoded = _inflate(data[start:end], MAX_STREAM_BYTES, keep=objstm)
        total += size
        if size > MAX_STREAM_BYTES or total > MAX_INFLATED_BYTES:
            raise _refusal("pdf_bomb", "PDF 文件中的数据解压后异常巨大，疑似“压缩炸弹”，已拒绝读取。",
                           f"{name}: a stream at byte {start} inflates past {size} bytes, {total} in all")
        if decoded is not None:
            refs.update(_object_stream_refs(decoded, head))
    ring = _has_ring(refs)
    if ring is not None:
        raise _refusal("pdf_reference_loop", "PDF 文件结构有误（对象循环引用），无法读取，请重新导出后上传。",
                       f"{name}: object {ring} is a reference to itself through {len(refs)} bare references")
    return pages


def text_layer_broken(chars: list[dict]) -> bool:
    """True when the page's characters cannot be trusted as text."""
    if not chars:
        return True
    cid = sum(1 for c in chars if c.get("text", "").startswith("(cid:"))
    text = "".join(c.get("text", "") for c in chars if not c.get("text", "").startswith("(cid:"))
    # a font's private codes (U+E000–U+F8FF) mapped as they are, not to the characters drawn: a few are a symbol
    # font's boxes, most a font whose map says nothing
    unreadable = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n")
                     or "\ue000" <= ch <= "\uf8ff")
    return cid > len(chars) * 0.05 or unreadable > max(len(text), 1) * 0.2


STRIKE_TOLERANCE = 1.0  # points: a character drawn again this near where it was drawn is the same character


def without_double_strikes(chars: list[dict]) -> list[dict]:
    """The page's characters with each drawn once: a font without a bold face is made bold by drawing the
    text two or more times a hair apart (WPS, print drivers), which the text layer gives as 企企业业名名称称."""
    kept: list[dict] = []
    near: dict[tuple, list[dict]] = {}
    for char in chars:
        key = (char.get("text"), char.get("fontname"), round(float(char.get("size") or 0), 1), char.get("upright"))
        x, y = float(char["x0"]), float(char.get("doctop", char["top"]))
        cell = (round(x / STRIKE_TOLERANCE), round(y / STRIKE_TOLERANCE))
        if any(abs(x - float(o["x0"])) <= STRIKE_TOLERANCE
               and abs(y - float(o.get("doctop", o["top"]))) <= STRIKE_TOLERANCE
               for dx in (-1, 0, 1) for dy in (-1, 0, 1) for o in near.get((key, cell[0] + dx, cell[1] + dy), ())):
            continue
        near.setdefault((key, *cell), []).append(char)
        kept.append(char)
    return kept


STRIKE_BAND = (0.3, 0.82)  # where a line through a character strikes it out, as shares of its height from its top
STRIKE_COVER = 0.6  # share of a character's width, and of the line's length, the struck characters cover


def without_struck_text(chars: list[dict], lines: list[dict]) -> list[dict]:
    """The page's characters less those struck through: a thin line across a run of characters between their
    top and their baseline (not under them, as an underline or a fill-in line is) is how a word processor prints
    text struck out — the option not chosen (是 ~~否~~), a value replaced by the one after it."""
    strikes = [line for line in lines if abs(float(line["bottom"]) - float(line["top"])) <= 1.5
               and float(line["x1"]) - float(line["x0"]) >= 3]
    if not strikes:
        return chars
    order = sorted(range(len(chars)), key=lambda i: float(chars[i]["top"]))
    tops = [float(chars[i]["top"]) for i in order]
    tallest = max((float(c["bottom"]) - float(c["top"]) for c in chars), default=0.0)
    struck: set[int] = set()
    for line in strikes:
        y, x0, x1 = (float(line["top"]) + float(line["bottom"])) / 2, float(line["x0"]), float(line["x1"])
        crossed = []
        for i in order[bisect.bisect_left(tops, y - tallest):bisect.bisect_right(tops, y)]:
            char = chars[i]
            top, bottom = float(char["top"]), float(char["bottom"])
            height, width = bottom - top, float(char["x1"]) - float(char["x0"])
            if height <= 0 or width <= 0 or not (top + STRIKE_BAND[0] * height <= y <= top + STRIKE_BAND[1] * height):
                continue
            if min(x1, float(char["x1"])) - max(x0, float(char["x0"])) >= STRIKE_COVER * width:
                crossed.append(i)
        covered = sum(float(chars[i]["x1"]) - float(chars[i]["x0"]) for i in crossed)
        if crossed and covered >= STRIKE_COVER * (x1 - x0):  # no table's rule run through a cell's text
            struck.update(crossed)
    return [char for i, char in enumerate(chars) if i not in struck]


THIN_TEXT_CHARS = 40  # a footer, a page number, a watermark: fewer characters than any document's page
IMAGE_COVER = 0.5  # share of the page an image covers for the page to be a scan


def scanned(page) -> bool:
    """Whether an image covers most of the page (IMAGE_COVER): a scan."""
    area = max(float(page.width) * float(page.height), 1.0)
    covered = 0.0
    for image in page.images:
        width = max(0.0, min(float(image["x1"]), float(page.width)) - max(float(image["x0"]), 0.0))
        height = max(0.0, min(float(image["bottom"]), float(page.height)) - max(float(image["top"]), 0.0))
        covered = max(covered, width * height)
    return covered >= IMAGE_COVER * area


def text_layer_not_the_page(page) -> bool:
    """True when the text layer does not carry the page: a scan with only a footer, page number or
    watermark typed over it (a scanner's or a merging tool's), or text set sideways or upside down
    (a page turned in the content stream: its words would be cut into single characters). Such a page
    is read by OCR, which sets it upright."""
    chars = [c for c in page.chars if c.get("text", "").strip()]
    # pdfminer calls a 180° turn upright (its test is on the signs' product): the matrix's a < 0 tells it
    turned = sum(1 for c in chars if not c.get("upright", True) or (c.get("matrix") or (1,))[0] < 0)
    if chars and turned > len(chars) / 2:
        return True
    return len(chars) < THIN_TEXT_CHARS and scanned(page)


def as_drawn(pdf, page):
    """The page without its /Rotate (its content as drawn), when it has one; None otherwise."""
    if not page.rotation:
        return None
    obj = copy.copy(page.page_obj)
    obj.attrs = {k: v for k, v in page.page_obj.attrs.items() if k != "Rotate"}
    obj.rotate = 0
    return pdfplumber.page.Page(pdf, obj, page_number=page.page_number, initial_doctop=page.initial_doctop)


def _shown(box, rotation: int, size: tuple[float, float]):
    """A box on a page as drawn (width, height `size`) where the page shows it turned `rotation`° clockwise."""
    if box is None:
        return None
    x0, top, x1, bottom = box
    width, height = size
    if rotation == 90:
        return (height - bottom, x0, height - top, x1)
    if rotation == 180:
        return (width - x1, height - bottom, width - x0, height - top)
    if rotation == 270:
        return (top, width - x1, bottom, width - x0)
    return box


def shown_boxes(grids: list[Grid], segments: list[Segment], rotation: int, size: tuple[float, float]) -> None:
    for grid in grids:
        for row in grid.rows:
            for cell in row:
                if cell is not None:
                    cell.source = replace(cell.source, bbox=_shown(cell.source.bbox, rotation, size))
    for segment in segments:
        segment.source = replace(segment.source, bbox=_shown(segment.source.bbox, rotation, size))


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


def _content_bytes(page) -> int:
    """What a page's content streams inflate to (pdfminer keeps the bytes for the interpreter)."""
    from pdfminer.pdftypes import PDFStream, resolve1

    total = 0
    for stream in page.page_obj.contents or []:
        stream = resolve1(stream)
        if isinstance(stream, PDFStream):
            total += len(stream.get_data() or b"")
    return total


def _close(pdf) -> None:
    try:
        pdf.close()  # which walks the page tree again: a tree that failed once fails again
    except Exception as exc:
        log.debug("closing the PDF: %s", exc)


class PdfBackend(Backend):
    formats = frozenset({"pdf"})
    method = "pdf-text"

    def __init__(self, name: str, data: bytes, settings: Settings | None = None):
        super().__init__(name, data, settings)
        self.ocr_pages: list[int] = []  # 1-based pages whose text layer is missing or broken

    def layout(self) -> Layout:
        """The text layer, read in the sandbox, then the pages without one by OCR; a PDF mostly of
        such pages is an OCR document."""
        layout, self.ocr_pages = read_guarded(self.name, self.data, self.settings)
        if self.ocr_pages:
            # imported here: the sandbox child, which reads the text layer only, need not load OCR
            from extractors.backends.image import read_pages, render_pdf_pages

            pages = render_pdf_pages(self.name, self.data, self.ocr_pages)
            read_pages(self.name, pages, layout, settings=self.settings, first_table=len(layout.grids))
            if len(self.ocr_pages) * 2 >= (layout.pages or 1):
                layout.method = "ocr"
        return layout

    def read(self, deadline: float | None = None) -> Layout:
        """The text layer's layout, in this process (pages without one in `ocr_pages`); pages are started
        only until `deadline` (time.monotonic())."""
        pages_seen = preflight(self.name, self.data)
        pdf = _open(self.name, self.data)
        try:
            try:
                pages = pdf.pages
            except Exception as exc:
                raise _refusal("pdf_broken", "PDF 文件已损坏，无法读取页面，请重新导出或扫描后上传。",
                               f"{self.name}: page tree: {_exception_text(exc)}") from exc
            if not pages:
                raise _refusal("pdf_no_pages", "PDF 文件中没有任何页面，请重新导出后上传。", f"{self.name}: no pages")
            total = max(pages_seen or 0, len(pages))
            layout = Layout(file=self.name, method=self.method, pages=total)
            table_index = 0
            dense: list[int] = []
            ocr_layers = cache(lambda: invisible_text_pages(self.data))  # read once a page is found to be a scan
            for page_no, page in enumerate(pages, start=1):
                if deadline is not None and time.monotonic() > deadline:
                    log.warning("[pdf_slow] %s: time budget spent, pages %d-%d not read", self.name, page_no,
                                len(pages))
                    break
                try:
                    layout.page_sizes[page_no] = (float(page.width), float(page.height))
                    size = _content_bytes(page)
                    if size > MAX_PAGE_CONTENT_BYTES:
                        log.warning("[pdf_dense_page] %s page %d: %d bytes of content, not read", self.name,
                                    page_no, size)
                        dense.append(page_no)
                        continue
                    if text_layer_broken(page.chars) or scanned(page) and page_no in ocr_layers():
                        self.ocr_pages.append(page_no)
                        continue
                    if text_layer_not_the_page(page):
                        drawn = as_drawn(pdf, page)
                        if drawn is None or text_layer_not_the_page(drawn):
                            self.ocr_pages.append(page_no)
                            continue
                        # a text page its /Rotate shows turned (a page turned in a merging tool): read as drawn,
                        # each box put back where the page shows it, and the turn that sets it upright kept
                        grids, segments = self._read_page(drawn, page_no, table_index)
                        shown_boxes(grids, segments, page.rotation, (float(drawn.width), float(drawn.height)))
                        layout.page_turns[page_no] = page.rotation // 90 % 4
                    else:
                        grids, segments = self._read_page(page, page_no, table_index)
                except (RecursionError, MemoryError) as exc:
                    raise _refusal("pdf_too_complex", "PDF 文件结构过于复杂，无法读取，请重新导出后上传。",
                                   f"{self.name} page {page_no}: {_exception_text(exc)}") from exc
                except Exception as exc:  # pdfminer on a malformed page: let pdfium render it for OCR
                    log.warning("[pdf_bad_page] %s page %d unreadable as text, read by OCR: %s", self.name,
                                page_no, _exception_text(exc))
                    self.ocr_pages.append(page_no)
                    continue
                finally:
                    page.flush_cache()
                layout.grids.extend(grids)
                layout.segments.extend(segments)
                table_index = grids[-1].index if grids else table_index
            if dense and len(dense) == len(pages):
                raise _refusal("pdf_too_complex", "PDF 页面内容过于复杂（绘图指令过多），无法读取，请重新导出或扫描后上传。",
                               f"{self.name}: every page has over {MAX_PAGE_CONTENT_BYTES} bytes of content")
            if total > MAX_PAGES:
                log.warning("%s: only the first %d of %d pages read", self.name, MAX_PAGES, total)
        finally:
            _close(pdf)
        return layout

    def _read_page(self, page, page_no: int, table_index: int) -> tuple[list[Grid], list[Segment]]:
        page.objects["char"] = without_struck_text(without_double_strikes(page.chars), page.lines + page.rects)
        add_form_fields(page)
        add_drawn_checkboxes(page)
        add_circled_options(page)
        grids, boxes = [], []
        for table in page.filter(not_a_box).find_tables():
            table_index += 1
            grids.append(self._grid(table, table_index, page_no))
            boxes.append(table.bbox)
        if not boxes and _looks_tabular(page):
            for grid in borderless_grids(self.name, self.data, page_no, page.height, table_index):
                table_index = grid.index
                grids.append(grid)
        return grids, _segments(page, page_no, self.name, boxes, first_line=page_no * 10000)

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


# ---------------------------------------------------------------- the child process


def _read_here(name: str, data: bytes, timeout: float) -> tuple[Layout, list[int]]:
    backend = PdfBackend(name, data)
    layout = backend.read(deadline=time.monotonic() + timeout * PAGE_BUDGET)
    return layout, backend.ocr_pages


class _Forward(logging.Handler):
    """Log records of the child, sent to the parent with the result."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, f"{record.name}: {record.getMessage()}"))


def _child(name: str, data: bytes, timeout: float, memory: int, conn) -> None:
    import resource
    import traceback

    forward = _Forward()
    logging.getLogger().addHandler(forward)  # pdfminer's warnings too, instead of stderr
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("extractors").setLevel(logging.INFO)
    started = time.monotonic()
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            memory = min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (memory, hard))
        layout, ocr_pages = _read_here(name, data, timeout)
        outcome = ("ok", layout, ocr_pages)
    except GradedeskError as exc:
        outcome = ("refused", exc.user_message, exc.log_message)
    except MemoryError:
        outcome = ("refused", "PDF 文件过于复杂，读取时超出内存上限，请重新导出或拆分后上传。",
                   f"[pdf_too_complex] {name}: out of memory (limit {memory // 2**20} MB)")
    except BaseException:
        outcome = ("crashed", traceback.format_exc())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    try:
        conn.send((outcome, forward.records, time.monotonic() - started, peak))
    except MemoryError:
        conn.send((("refused", "PDF 文件过于复杂，读取时超出内存上限，请重新导出或拆分后上传。",
                    f"[pdf_too_complex] {name}: result too large"), [], time.monotonic() - started, peak))
    conn.close()


_context = None


def _get_context():
    global _context
    if _context is None:
        import multiprocessing

        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["extractors.backends.pdf"])
    return _context


def read_guarded(name: str, data: bytes, settings: Settings) -> tuple[Layout, list[int]]:
    """The text layer's layout and the pages to OCR, read in a child process within the time and memory
    limits of `settings`."""
    timeout, memory = settings.pdf_timeout, settings.pdf_memory_mb * 2**20
    if not settings.pdf_sandbox:
        return _read_here(name, data, timeout)
    context = _get_context()
    receiver, sender = context.Pipe(duplex=False)
    try:
        child = context.Process(target=_child, args=(name, data, timeout, memory, sender), daemon=True)
        child.start()
    except (AssertionError, OSError) as exc:  # a daemonic process (a pool's worker) may not have children
        receiver.close()
        sender.close()
        log.warning("%s: PDF read in-process, no child process possible: %s", name, exc)
        return _read_here(name, data, timeout)
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise _refusal("pdf_timeout", f"PDF 文件过于复杂，{timeout:.0f} 秒内未能读完，请重新导出或拆分后上传。",
                           f"{name}: not read within {timeout:.0f} s")
        try:
            outcome, records, seconds, peak = receiver.recv()
        except (EOFError, OSError) as exc:
            child.join(5)
            raise _refusal("pdf_crashed", "读取 PDF 文件时处理进程意外退出（文件可能已损坏或过于复杂），请重新导出后上传。",
                           f"{name}: reader exited with {child.exitcode}") from exc
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    for level, message in records:
        log.log(level, "%s", message)
    log.info("%s: PDF read in %.2f s, child peak RSS %d MB", name, seconds, peak)
    if outcome[0] == "refused":
        raise UnreadableFile(outcome[1], outcome[2])
    if outcome[0] == "crashed":
        raise RuntimeError(f"{name}: the PDF reader failed:\n{outcome[1]}")
    return outcome[1], outcome[2]
