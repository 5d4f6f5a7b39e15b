"""Scans and photos: pages cleaned, ruled tables cut into cells, OCR words placed in them.

Images and PDF pages without a text layer come here. The result is the same
Layout as the other backends produce, with boxes in pixels of the original image
(or PDF points for PDF pages), so the label engine and the evidence viewer need
not know the page was a scan.
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import io
import logging
import multiprocessing
import re
import warnings
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from extractors.backends.base import Backend
from extractors.ink import local_ink
from extractors.labels import SIGNATURE_LINE
from extractors.layout import Cell, Grid, Layout, Segment
from extractors.ocr import OcrEngine, get_engine
from extractors.ocr.engine import OcrLine, OcrWord, recognise_page
from extractors.ocr.orientation import looks_sideways, quarter_turns, read_poorly
from extractors.scan import ScanPage, clean_page, quarter_turned, seal_boxes
from extractors.scan_checkboxes import find_checkboxes
from extractors.scan_tables import ScanTable, find_tables, wipe_rules
from forms.errors import UnreadableFile
from forms.facts import Source
from forms.normalize import find_dates
from forms.settings import Settings
from forms.validators import check_credit_code

log = logging.getLogger(__name__)

MAX_PIXELS = 80_000_000  # a 300 dpi A0 scan; beyond is refused before decoding
MAX_TOTAL_PIXELS = 400_000_000  # all frames of one file together (a TIFF of many large pages)
MAX_DECODED_BYTES = 300_000_000  # one frame decoded (a 16-bit RGBA frame takes 8 bytes a pixel)
MAX_SIDE = 3600  # longer sides are scaled down before OCR (≈ 300 dpi for A4)
MAX_OCR_PAGES = 50
RENDER_DPI = 300


@dataclass
class PageImage:
    number: int
    image: Image.Image
    scale: float  # pixels of `image` per unit of the coordinates we report (image pixels or PDF points)


def _transparent(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or image.mode == "P" and "transparency" in image.info


def _on_white(image: Image.Image) -> Image.Image:
    """An image with transparency (RGBA) as a viewer shows it, on white: converted as it is, its transparent
    background (a PNG exported by a PDF tool or a scanner app) turns black, and the page reads as nothing."""
    page = Image.new("RGB", image.size, "white")
    page.paste(image.convert("RGB"), mask=image.getchannel("A"))
    return page


def _prepare(image: Image.Image) -> tuple[Image.Image, float]:
    image = ImageOps.exif_transpose(image)
    transparent = _transparent(image)
    if image.mode not in ("L", "RGB", "RGBA"):
        image = image.convert("RGBA" if transparent else "RGB")
    factor = 1.0
    longest = max(image.size)
    if longest > MAX_SIDE:  # made smaller first: a large page's copies on white would not fit in memory
        factor = MAX_SIDE / longest
        image = image.resize((round(image.width * factor), round(image.height * factor)), Image.LANCZOS)
    return (_on_white(image) if image.mode == "RGBA" else image), factor


def _checked_pixels(name: str, frame: Image.Image, number: int) -> int:
    """A frame's pixels, refused before decoding when the frame (each page of a TIFF may differ) or its
    decoded bytes (16-bit, alpha) are too large."""
    pixels = frame.width * frame.height
    bands = len(frame.getbands())
    depth = 2 if frame.mode.startswith("I;16") or frame.mode in ("I", "F") else 1
    if pixels > MAX_PIXELS or pixels * bands * depth > MAX_DECODED_BYTES:
        raise UnreadableFile(
            f"图片第 {number} 页尺寸过大（{frame.width}×{frame.height} 像素），请缩小到 8000 万像素以内后上传。",
            f"[image_too_large] {name}: frame {number} is {frame.width}x{frame.height} {frame.mode}")
    return pixels


def _register_heif() -> None:
    """HEIC/HEIF (iPhone and many Android photos) through pillow-heif, when it is installed."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        log.warning("pillow-heif not installed: HEIC photos cannot be read")
        return
    register_heif_opener()


def open_images(name: str, data: bytes) -> list[PageImage]:
    """The frames of an image file, refused before decoding when they are too large."""
    if data[4:8] == b"ftyp":
        _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise UnreadableFile(
                    f"图片尺寸过大（{image.width}×{image.height} 像素），请缩小到 8000 万像素以内后上传。",
                    f"{name}: {image.width}x{image.height} px exceeds {MAX_PIXELS}")
            frames = []
            n_frames = getattr(image, "n_frames", 1)
            total = 0
            for i in range(min(n_frames, MAX_OCR_PAGES)):  # sizes first: seeking reads a frame's header only
                image.seek(i)
                total += _checked_pixels(name, image, i + 1)
                if total > MAX_TOTAL_PIXELS:
                    raise UnreadableFile(
                        "多页图片的总尺寸过大，请拆分成多个文件或降低分辨率后上传。",
                        f"[image_too_large] {name}: frames 1-{i + 1} hold {total} px, more than {MAX_TOTAL_PIXELS}")
            for i in range(min(n_frames, MAX_OCR_PAGES)):
                image.seek(i)
                prepared, factor = _prepare(image.copy())
                frames.append(PageImage(i + 1, prepared, factor))
            if n_frames > MAX_OCR_PAGES:
                log.warning("%s: only %d of %d frames OCR'd", name, MAX_OCR_PAGES, n_frames)
            return frames
    except UnreadableFile:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableFile("图片尺寸过大，无法处理，请缩小后上传。", f"{name}: {exc}") from exc
    except Exception as exc:
        raise UnreadableFile("图片已损坏或格式不受支持，无法读取。", f"{name}: {type(exc).__name__}: {exc}") from exc


def render_pdf_pages(name: str, data: bytes, pages: list[int]) -> list[PageImage]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:
        raise UnreadableFile("PDF 文件无法渲染为图片进行文字识别。", f"{name}: pdfium: {exc}") from exc
    out = []
    try:
        for page_no in pages[:MAX_OCR_PAGES]:
            page = pdf[page_no - 1]
            width, height = page.get_size()
            scale = min(RENDER_DPI / 72, MAX_SIDE / max(width, height, 1))
            out.append(PageImage(page_no, page.render(scale=scale).to_pil().convert("RGB"), scale))
            page.close()
    finally:
        pdf.close()
    if len(pages) > MAX_OCR_PAGES:
        log.warning("%s: only %d of %d scanned pages OCR'd", name, MAX_OCR_PAGES, len(pages))
    return out


_LATIN = re.compile(r"[A-Za-z0-9]$")


def join_words(words: list[OcrWord]) -> str:
    """Chinese characters run together; Latin words and numbers keep a space where the page has one."""
    text = ""
    prev: OcrWord | None = None
    for word in words:
        if prev is not None:
            gap = word.bbox[0] - prev.bbox[2]
            height = max(prev.bbox[3] - prev.bbox[1], 1)
            if _LATIN.search(prev.text) and re.match(r"[A-Za-z0-9]", word.text) and gap > 0.35 * height:
                text += " "
        text += word.text
        prev = word
    return text


def _box(words: list[OcrWord]) -> tuple[float, float, float, float]:
    return (min(w.bbox[0] for w in words), min(w.bbox[1] for w in words),
            max(w.bbox[2] for w in words), max(w.bbox[3] for w in words))


def _inside(word: OcrWord, bbox) -> bool:
    cx, cy = (word.bbox[0] + word.bbox[2]) / 2, (word.bbox[1] + word.bbox[3]) / 2
    return bbox[0] <= cx <= bbox[2] and bbox[1] <= cy <= bbox[3]


def _distance(line: OcrLine, cx: float, cy: float) -> float:
    """How far a point lies from a line: across first, as the label's line may share the row."""
    across = max(line.bbox[0] - cx, cx - line.bbox[2], 0)
    return across + abs((line.bbox[1] + line.bbox[3]) / 2 - cy)


# what engines read a check box as; any other character read confidently where a square was found
# is that character (日, 国, 回 … have square outlines too)
# (or its side alone: |)
_BOX_READINGS = set("口□☐☑☒■▢囗回図✓✔√Vv×xX0Oo〇|丨")


# punctuation has no square outline: a square where the engine's box for a colon reaches (人员:☒是 — its box is
# a character wide, the colon's ink a dot at its left) is the box after it
_NO_SQUARE = set(":：;；,，、.。·'\"“”‘’")


def _read_as_text(bbox, words: list[OcrWord], ink: np.ndarray) -> bool:
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    for word in words:
        if _within_a_latin_run(word, bbox):
            return True
        if _glyph_beside(word, bbox, ink):
            continue
        # a letter read even half-sure is an option's letter (□D级), which bold type can make look boxed
        letter = word.text.isascii() and word.text.isalnum() and word.text not in _BOX_READINGS
        if len(word.text) != 1 or word.confidence < (0.3 if letter else 0.6) or word.text in _NO_SQUARE:
            continue
        # a character over the box's middle, unless its box is spread far wider than the square (the engine
        # read 是否 where ☒是 □否 stand, and shared the line's width out among the two)
        over = (word.bbox[0] <= cx <= word.bbox[2] and word.bbox[1] <= cy <= word.bbox[3]
                and word.bbox[2] - word.bbox[0] <= 1.6 * (bbox[2] - bbox[0]))
        if not (_inside(word, bbox) or over):
            continue
        if word.text not in _BOX_READINGS:
            return True
        if word.text in "口回" and (word.confidence >= 0.9 or _after_opening_bracket(word.bbox, words)) \
                and _between_characters(word.bbox, words):
            # 木厂口镇, 窑尾（回转窑）: the character, set close between two others as no box is (its neighbours abut
            # the character's box, not the smaller square inside it); after an opening bracket and before a
            # character however unsure the engine was (a box there would close its bracket)
            return True
        if word.text in "0Oo〇" and _between_characters(bbox, words, latin=True):
            return True  # 冀D81096F: a figure's or a letter's hole, between two others of a plate or a number
    return False


def _within_a_latin_run(word: OcrWord, bbox) -> bool:
    """A square inside a run of Latin letters and digits the engine read as one word (a VIN, a plate, a permit
    number: it boxes Latin lines word by word) is one of its glyphs (0, D, 8 have square holes), not a box:
    a box stands before its option, not within a word."""
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    return (len(word.text) > 1 and word.text.isascii() and word.text.isalnum()
            and word.bbox[0] + 0.5 * (bbox[2] - bbox[0]) < cx < word.bbox[2] and word.bbox[1] <= cy <= word.bbox[3])


def _glyph_beside(word: OcrWord, bbox, ink: np.ndarray) -> bool:
    """A character whose ink lies after the square, not in it: the option's letter after its box (☒B级),
    whose box the engine drew as wide as an average character (its boxes come from the columns of its
    reading, not from the ink), so that it reaches back over the square. A Latin letter only: a Chinese
    character fills the box the engine gives it (牌 has a square in it, and ink beside it). Ink before
    the square is no sign either: a bold D whose outline passed for a square has the box before it there."""
    if not (len(word.text) == 1 and word.text.isascii() and word.text.isalnum()):
        return False
    width = bbox[2] - bbox[0]
    top, bottom = int(max(word.bbox[1], bbox[1])), int(min(word.bbox[3], bbox[3]))
    if bottom <= top:
        return False
    columns = ink[top:bottom, max(0, int(word.bbox[0])):max(0, int(word.bbox[2]))].any(axis=0)
    left = max(0, int(word.bbox[0]))
    beside = columns & (np.arange(left, left + len(columns)) > bbox[2] + 2)
    return int(beside.sum()) >= 0.25 * width


def _after_opening_bracket(bbox, words: list[OcrWord]) -> bool:
    width = bbox[2] - bbox[0]
    cy = (bbox[1] + bbox[3]) / 2
    return any(w.text in "（(" and w.bbox[1] <= cy <= w.bbox[3] and abs(w.bbox[2] - bbox[0]) <= 0.35 * width
               for w in words)


def _between_characters(bbox, words: list[OcrWord], latin: bool = False) -> bool:
    """Characters close on either side of the square, as no box is set: Chinese ones, or with `latin` letters
    and figures."""
    width = bbox[2] - bbox[0]
    cy = (bbox[1] + bbox[3]) / 2

    def kind(w: OcrWord, left: bool) -> bool:
        if latin:
            return w.text.isascii() and w.text.isalnum()
        # an opening bracket before it too (窑尾（回转窑）); a closing one after it is a bracketed box's (是（☑）)
        return "\u4e00" <= w.text <= "\u9fff" or left and w.text in "（("

    def near(edge: float, left: bool) -> bool:
        return any(w.bbox[1] <= cy <= w.bbox[3] and kind(w, left) and w.text not in _BOX_READINGS
                   and abs((w.bbox[2] if left else w.bbox[0]) - edge) <= 0.35 * width for w in words)

    return near(bbox[0], True) and near(bbox[2], False)


def _option_after(bbox, words: list[OcrWord]) -> bool:
    """A check box is followed by the option it ticks (☑是, □B级); a square at the end of a line is a
    character whose reading the engine was unsure of."""
    width = bbox[2] - bbox[0]
    cy = (bbox[1] + bbox[3]) / 2
    cx = (bbox[0] + bbox[2]) / 2
    return any(cx < (w.bbox[0] + w.bbox[2]) / 2 <= bbox[2] + 2 * width and w.bbox[1] <= cy <= w.bbox[3]
               and w.text not in _BOX_READINGS for w in words)


def _option_wrapped(bbox, words: list[OcrWord]) -> bool:
    """A box at the end of its line whose option a narrow cell wrapped onto the next (□重点管理 □⏎简化管理): nothing
    after it on its line, and the next line begins under it or to its left. (It still needs a box beside it
    to count: find_checkboxes groups them.)"""
    height = bbox[3] - bbox[1]
    cy = (bbox[1] + bbox[3]) / 2
    if any(w.bbox[0] >= bbox[2] - 2 and w.bbox[1] <= cy <= w.bbox[3] and w.bbox[0] - bbox[2] < 6 * height
           for w in words):
        return False
    return any(w.bbox[0] < bbox[0] and bbox[3] <= w.bbox[1] + 0.3 * height and w.bbox[1] < bbox[3] + height
               and w.text not in _BOX_READINGS for w in words)


def _reads_the_box(word: OcrWord, bbox) -> bool:
    """A box's reading by the engine (☑, □, X …) beside the box, not on it: the engine's boxes come from the
    columns of its reading, which may sit half a box off the ink. The found box stands for it."""
    width = bbox[2] - bbox[0]
    cy = (bbox[1] + bbox[3]) / 2
    return (len(word.text) == 1 and word.text in _BOX_READINGS and word.bbox[1] <= cy <= word.bbox[3]
            and word.bbox[2] >= bbox[0] - 0.5 * width and word.bbox[0] <= bbox[2] + 0.5 * width)


def with_checkboxes(lines: list[OcrLine], grey: np.ndarray) -> list[OcrLine]:
    """The OCR lines with each check box found in the pixels as a ☑ or □ word in its line, in place of
    whatever the engine read there."""
    heights = [w.bbox[3] - w.bbox[1] for line in lines for w in (line.words or [])]
    if not heights:
        return lines
    words = [w for line in lines for w in (line.words or [])]
    binary = local_ink(grey)
    ink = binary > 0
    boxes = find_checkboxes(grey, float(np.median(heights)), ink=binary,
                            keep=lambda b: not _read_as_text(b.bbox, words, ink) and (
                                _option_after(b.bbox, words) or _option_wrapped(b.bbox, words)))
    if not boxes:
        return lines
    out = [OcrLine(line.text, line.bbox, line.confidence,
                   [w for w in (line.words or []) if w.text in _NO_SQUARE or not any(
                       _inside(w, b.bbox) or _reads_the_box(w, b.bbox) for b in boxes)])
           for line in lines]
    for box in boxes:
        mark = OcrWord("☑" if box.ticked else "□", box.bbox, 0.95)
        cx, cy = (box.bbox[0] + box.bbox[2]) / 2, (box.bbox[1] + box.bbox[3]) / 2
        row = [line for line in out if line.bbox[1] - 4 <= cy <= line.bbox[3] + 4 and line.words]
        home = min(row, key=lambda line: _distance(line, cx, cy), default=None)  # noqa: B023 (used at once)
        if home is None or _distance(home, cx, cy) - abs((home.bbox[1] + home.bbox[3]) / 2 - cy) > 3 * (
                box.bbox[3] - box.bbox[1]):
            out.append(OcrLine(mark.text, box.bbox, mark.confidence, [mark]))  # no text near it on its row
        else:
            home.words.append(mark)
            home.words.sort(key=lambda w: w.bbox[0])
    return out


def reread_signature_zone(lines: list[OcrLine], page: np.ndarray, engine: OcrEngine) -> list[OcrLine]:
    """Read the strip of a page's signature lines (企业（盖章） 法定代表人（签字） 填报日期：…) again at full
    resolution when no date was read there. A signature over the date makes the page-wide detector (which
    works on a scaled-down page) see one box of scribble, or clip the date; on its own strip the detector
    runs at the page's own resolution and parts them."""
    signatures = [ln for ln in lines if SIGNATURE_LINE.search(ln.text)]
    if not signatures:
        return lines
    height = max(min(ln.bbox[3] - ln.bbox[1] for ln in signatures), 8.0)
    top = max(0, int(min(ln.bbox[1] for ln in signatures) - height))
    bottom = min(page.shape[0], int(max(ln.bbox[3] for ln in signatures) + 5 * height))

    def in_zone(line: OcrLine) -> bool:
        return top <= (line.bbox[1] + line.bbox[3]) / 2 <= bottom

    if any(in_zone(ln) and find_dates(ln.text) for ln in lines):
        return lines
    strip = [_shifted(ln, top) for ln in engine.recognise(Image.fromarray(page[top:bottom]))]
    if not any(find_dates(ln.text) for ln in strip):
        return lines
    log.debug("signature strip %d-%d read again: %s", top, bottom, [ln.text for ln in strip])
    kept = [ln for ln in lines if not in_zone(ln)]
    return sorted(kept + strip, key=lambda ln: (round(ln.bbox[1] / 10), ln.bbox[0]))


# a line ending in a credit code's first characters: 17 of its 18 (the detector's box ended before the last)
_CUT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{17}$")


def reread_cut_codes(lines: list[OcrLine], page: np.ndarray, engine: OcrEngine) -> list[OcrLine]:
    """Lines ending in a credit code one character short, read again from a strip reaching further right: the
    text detector may end a line's box before its last character (a photo's soft edge), and a code missing
    its check character reads as invalid. The character read there is taken only when it makes the code
    whole and valid."""
    out = []
    for line in lines:
        m = _CUT_CODE.search(line.text.rstrip())
        if m is None or check_credit_code(m.group()) is None:
            out.append(line)
            continue
        height = line.bbox[3] - line.bbox[1]
        top, bottom = max(0, int(line.bbox[1] - 0.2 * height)), min(page.shape[0], int(line.bbox[3] + 0.2 * height))
        left, right = max(0, int(line.bbox[0])), min(page.shape[1], int(line.bbox[2] + 2 * height))
        strip = [_shifted(ln, top, left) for ln in engine.recognise(Image.fromarray(page[top:bottom, left:right]))]
        codes = {code for ln in strip for code in re.findall(r"[0-9A-Z]{18}", ln.text.replace(" ", ""))
                 if code.startswith(m.group()) and check_credit_code(code) is None}
        if len(codes) != 1:
            out.append(line)
            continue
        code = codes.pop()
        log.debug("a line's code read again: %s → %s", m.group(), code)
        last = (line.bbox[2], line.bbox[1], line.bbox[2] + 0.6 * height, line.bbox[3])
        out.append(OcrLine(line.text.rstrip() + code[-1], (*line.bbox[:2], last[2], line.bbox[3]), line.confidence,
                           [*(line.words or []), OcrWord(code[-1], last, line.confidence)]))
    return out


def read_ink_only(page: np.ndarray, engine: OcrEngine) -> list[OcrLine]:
    """A page where the page-wide pass found no text at all, read again cropped to its ink: a form's last
    page holding only the date line (the detector, on the scaled-down near-blank page, finds nothing)."""
    ink = page < 128
    rows, cols = np.flatnonzero(ink.sum(axis=1) > 2), np.flatnonzero(ink.sum(axis=0) > 2)
    if len(rows) == 0 or len(cols) == 0:
        return []
    margin = 20
    top, bottom = max(0, rows[0] - margin), min(page.shape[0], rows[-1] + margin)
    left, right = max(0, cols[0] - margin), min(page.shape[1], cols[-1] + margin)
    if (bottom - top) * (right - left) > 0.6 * page.size:
        return []  # the ink fills the page: another pass would see what the first saw
    return [_shifted(ln, top, left) for ln in engine.recognise(Image.fromarray(page[top:bottom, left:right]))]


def _shifted(line: OcrLine, dy: float, dx: float = 0.0) -> OcrLine:
    def move(box):
        return (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)

    return OcrLine(line.text, move(line.bbox), line.confidence,
                   [OcrWord(w.text, move(w.bbox), w.confidence) for w in line.words])


class _PageReader:
    """One page: clean, find tables, OCR once, place each word in its cell or in a free segment."""

    def __init__(self, name: str, engine: OcrEngine, table_index: int):
        self.name = name
        self.engine = engine
        self.table_index = table_index

    def read(self, page: PageImage, layout: Layout) -> None:
        layout.page_sizes[page.number] = (page.image.width / page.scale, page.image.height / page.scale)
        scan = clean_page(page.image)
        if page.image.mode == "RGB":
            layout.seals.extend(Source(self.name, page.number, None, tuple(v / page.scale for v in box))
                                for box in seal_boxes(page.image))
        turned = False
        if looks_sideways(np.asarray(scan.image)):
            scan, turned = self._upright(scan, page, layout), True
        grey, tables, ocr_input, lines = self._recognise(scan)
        if not turned and read_poorly(lines):
            upright = self._upright(scan, page, layout)
            if upright is not scan:
                scan = upright
                grey, tables, ocr_input, lines = self._recognise(scan)
        lines = reread_signature_zone(lines, ocr_input, self.engine)
        lines = reread_cut_codes(lines, ocr_input, self.engine)
        lines = with_checkboxes(lines, grey)
        tables = [table for table in tables if not is_frame(table)]  # read for its lines, laid out as free text
        cell_words: dict[tuple[int, int], list[tuple[int, OcrWord]]] = {}
        for line_no, line in enumerate(lines):
            words = line.words or [OcrWord(line.text, line.bbox, line.confidence)]
            homes = [next(((t, i) for t, table in enumerate(tables) for i, cell in enumerate(table.cells)
                           if _inside(word, cell.bbox)), None) for word in words]
            if len(set(homes) - {None}) == 1 and None in homes and homes[0] is not None:
                # one line of text running past its cell's right rule (a value too long for its cell, or a
                # rule found where there is none) stays in that cell, not cut in two
                homes = [homes[0]] * len(homes)
            free: list[OcrWord] = []
            for word, home in zip(words, homes, strict=True):
                if home is None:
                    free.append(word)
                else:
                    cell_words.setdefault(home, []).append((line_no, word))
            for run in self._runs(free):
                bbox = scan_box(scan, _box(run), page.scale)
                layout.segments.append(Segment(
                    text=join_words(run), source=Source(self.name, page.number, None, bbox),
                    confidence=float(np.mean([w.confidence for w in run])), line=page.number * 10000 + line_no))
        for t, table in enumerate(tables):
            self.table_index += 1
            rows: list[list[Cell | None]] = [[None] * table.n_cols for _ in range(table.n_rows)]
            for i, cell in enumerate(table.cells):
                placed = cell_words.get((t, i), [])
                text = cell_text(placed)
                confidence = float(np.mean([w.confidence for _, w in placed])) if placed else 1.0
                rows[cell.row][cell.col] = Cell(text=text, confidence=confidence, source=Source(
                    self.name, page.number, f"table {self.table_index}, row {cell.row + 1}, column {cell.col + 1}",
                    scan_box(scan, cell.bbox, page.scale)))
            layout.grids.append(Grid(index=self.table_index, rows=rows))

    def _recognise(self, scan: ScanPage):
        """The page's grey pixels, its ruled tables, the pixels OCR'd (rules wiped) and the lines read."""
        grey = np.asarray(scan.image)
        tables = find_tables(grey)
        ocr_input = wipe_rules(grey, tables) if tables else grey
        cells = [cell.bbox for table in tables for cell in table.cells]
        lines = recognise_page(self.engine, Image.fromarray(ocr_input), cells) or read_ink_only(ocr_input,
                                                                                                self.engine)
        return grey, tables, ocr_input, lines

    def _upright(self, scan: ScanPage, page: PageImage, layout: Layout) -> ScanPage:
        """The page turned upright when orientation detection says it is not (the same page otherwise)."""
        turns = quarter_turns(scan.image)
        if not turns:
            return scan
        log.info("%s page %d: turned %d° to read it upright", self.name, page.number, turns * 90)
        layout.page_turns[page.number] = turns
        return quarter_turned(scan, turns)

    @staticmethod
    def _runs(words: list[OcrWord]) -> list[list[OcrWord]]:
        """Split a line's free words where a wide gap separates two label/value pairs."""
        runs: list[list[OcrWord]] = []
        for word in sorted(words, key=lambda w: w.bbox[0]):
            if runs:
                prev = runs[-1][-1]
                if word.bbox[0] - prev.bbox[2] <= 3 * max(prev.bbox[3] - prev.bbox[1], 1):
                    runs[-1].append(word)
                    continue
            runs.append([word])
        return runs


FRAME_SHARE = 0.8  # of a ruled shape's area, held by one cell: the shape is a border round free text


def is_frame(table: ScanTable) -> bool:
    """A ruled shape that is a border round free text, not a table: one cell holds nearly all of it, the rest
    slivers between double rules (a business licence's border, a pledge written in a box). Its text is laid
    out as free lines, each where it stands: as the one cell of a grid, a two-column licence's lines lost
    their places, and a value wrapped under itself could not be told from the other column's."""
    x0, top, x1, bottom = table.bbox
    area = max((x1 - x0) * (bottom - top), 1.0)
    return any((c[2] - c[0]) * (c[3] - c[1]) >= FRAME_SHARE * area for c in (cell.bbox for cell in table.cells))


def cell_text(placed: list[tuple[int, OcrWord]]) -> str:
    """A cell's words as lines: words of one visual row together, left to right, runs the engine read
    as separate lines kept apart by two spaces. When a scan loses the rule between a label and its
    value, both land in one cell; as `环保负责人  张敏` they still read as a label and its value."""
    if not placed:
        return ""
    heights = sorted(w.bbox[3] - w.bbox[1] for _, w in placed)
    tolerance = max(heights[len(heights) // 2], 1) * 0.5
    rows: list[list[tuple[int, OcrWord]]] = []
    for item in sorted(placed, key=lambda lw: (lw[1].bbox[1] + lw[1].bbox[3]) / 2):
        middle = (item[1].bbox[1] + item[1].bbox[3]) / 2
        if rows and abs(middle - np.mean([(w.bbox[1] + w.bbox[3]) / 2 for _, w in rows[-1]])) <= tolerance:
            rows[-1].append(item)
        else:
            rows.append([item])
    lines = []
    for row in rows:
        row.sort(key=lambda lw: lw[1].bbox[0])
        runs: list[list[OcrWord]] = []
        previous = None
        for line_no, word in row:
            if runs and line_no == previous:
                runs[-1].append(word)
            else:
                runs.append([word])
            previous = line_no
        lines.append("  ".join(join_words(run) for run in runs))
    return "\n".join(lines)


def scan_box(scan: ScanPage, bbox, scale: float) -> tuple[float, float, float, float]:
    return tuple(round(v, 1) for v in scan.to_original(bbox, scale))


def _read_one(name: str, page: PageImage, settings: Settings) -> Layout:
    """One page in a worker process (the engine is loaded once per process)."""
    layout = Layout(file=name, method="ocr")
    _PageReader(name, get_engine(settings), 0).read(page, layout)
    return layout


_pool: concurrent.futures.ProcessPoolExecutor | None = None


def _get_pool(settings: Settings) -> concurrent.futures.ProcessPoolExecutor:
    """A long-lived pool of OCR processes, `settings.ocr_process_count` of them (the first caller's);
    `spawn`, as onnxruntime's threads do not survive fork. What runs in the pool is given settings
    with one worker, so a process of the pool reads its pages itself (no pool of its own)."""
    global _pool
    if _pool is None:
        _pool = concurrent.futures.ProcessPoolExecutor(max_workers=settings.ocr_process_count,
                                                       mp_context=multiprocessing.get_context("spawn"))
    return _pool


def ocr_pool(settings: Settings) -> concurrent.futures.ProcessPoolExecutor | None:
    """The OCR processes, for whole image files; None when OCR runs in this process (Settings.ocr_pooled)."""
    return _get_pool(settings) if settings.ocr_pooled else None


def reset_pool() -> None:
    """Forget a pool that broke (a process of it was killed); the next use starts a new one."""
    global _pool
    _pool = None


def read_pages(name: str, pages: list[PageImage], layout: Layout, engine: OcrEngine | None = None,
               first_table: int = 0, settings: Settings | None = None) -> None:
    """OCR the pages into `layout` (grids and segments added); several pages run in parallel across cores."""
    settings = settings or Settings()
    if engine is None and len(pages) > 1 and settings.ocr_pooled:
        alone = settings.one_ocr_process()
        try:
            results = []
            for page_layout in _get_pool(settings).map(_read_one, [name] * len(pages), pages, [alone] * len(pages)):
                results.append(page_layout)
                _page_read(name)
        except concurrent.futures.process.BrokenProcessPool:
            log.exception("%s: the OCR process pool broke; reading the pages in this process", name)
            reset_pool()
            results = [_read_one(name, page, alone) for page in pages]
        index = first_table
        for page_layout in results:
            for grid in page_layout.grids:
                index += 1
                offset = index - grid.index
                grid.index = index
                for row in grid.rows:
                    for cell in row:
                        if cell is not None and cell.source.cell:
                            cell.source = Source(cell.source.file, cell.source.page,
                                                 _renumber(cell.source.cell, offset), cell.source.bbox)
                layout.grids.append(grid)
            layout.segments.extend(page_layout.segments)
            layout.seals.extend(page_layout.seals)
            layout.page_sizes.update(page_layout.page_sizes)
            layout.page_turns.update(page_layout.page_turns)
        return
    reader = _PageReader(name, engine or get_engine(settings), first_table)
    for page in pages:
        reader.read(page, layout)
        _page_read(name)


# Who hears of each page OCR'd in this thread (extractors.pipeline's `progress`): a callable taking the
# file's name. The OCR processes have none; a file read there is reported when it is done.
page_listener: ContextVar[Callable[[str], None] | None] = ContextVar("page_listener", default=None)


def _page_read(name: str) -> None:
    listener = page_listener.get()
    if listener is not None:
        try:
            listener(name)
        except Exception:  # progress is for people watching; the reading goes on
            log.warning("%s: page progress not reported", name, exc_info=True)


def _renumber(cell: str, offset: int) -> str:
    return re.sub(r"^table (\d+)", lambda m: f"table {int(m.group(1)) + offset}", cell)


class ImageBackend(Backend):
    formats = frozenset({"jpeg", "png", "tiff", "webp", "bmp", "heic"})
    method = "ocr"

    def __init__(self, name: str, data: bytes, settings: Settings | None = None, *, engine: OcrEngine | None = None):
        super().__init__(name, data, settings)
        self.engine = engine

    def layout(self) -> Layout:
        pages = open_images(self.name, self.data)
        layout = Layout(file=self.name, method=self.method, pages=len(pages))
        read_pages(self.name, pages, layout, self.engine, settings=self.settings)
        return layout
