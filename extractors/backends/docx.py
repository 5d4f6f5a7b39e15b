"""Word (.docx) backend: tables and paragraphs in document order, merged cells once.

Its way of reading a paragraph, a cell and a check box (`paragraph_text`, `cell_text`,
`row_cells`, `has_picture`) is also how the review-sheet reader reads a filled sheet.

A Word file holding several documents (申报附件.docx: a permit, an approval and a lab report retyped, a page
each) puts each on pages of its own with page breaks, so a file with page breaks has pages, counted from
them: where the file says a page starts — a hard page break, a paragraph kept on a new page, a
section starting on one — not where text overflows, which only Word's layout knows. A file without page
breaks has none, as before: its sources name paragraphs and cells.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import replace

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table

from extractors.backends.base import Backend
from extractors.layout import Cell, Grid, Layout, Segment
from forms.errors import UnreadableFile
from forms.facts import Source
from forms.settings import Settings
from forms.vocabulary import SYMBOL_GLYPHS

log = logging.getLogger(__name__)

_W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
_CONTROL = re.compile("\x00([☑□])[☒☐☑□]?")  # a check-box control's state, then the glyph it shows
_PICTURES = {"drawing", "pict", "object", "contentPart", "inkAnnotation"}
_MAX_XML_BYTES = 50 * 1024 * 1024  # word/document.xml
_MAX_PACKAGE_BYTES = 300 * 1024 * 1024  # every part together, as python-docx reads each related part whole
_MAX_PARTS = 2000
_MAX_RATIO = 100  # for parts over 1 MB; Word's XML compresses 5–20 times, media not at all
_DTD_MARKS = tuple(mark.encode(codec) for mark in ("<!DOCTYPE", "<!ENTITY") for codec in ("ascii", "utf-16-le",
                                                                                          "utf-16-be"))


def _symbol(el) -> str:
    font = (el.get(qn("w:font")) or "").lower()
    char = (el.get(qn("w:char")) or "").upper()
    char = f"F0{char[-2:]}" if len(char) >= 2 else char  # Word writes F052 or 0052 alike
    return SYMBOL_GLYPHS.get((font, char), "□" if "wingdings" in font else "")


def _symbol_font(t_element) -> str:
    """The symbol font (Wingdings …) a text's run is set in, or ""."""
    fonts = t_element.getparent().find(f"{qn('w:rPr')}/{qn('w:rFonts')}") if t_element.getparent() is not None else None
    if fonts is None:
        return ""
    names = [(fonts.get(qn(f"w:{a}")) or "").lower() for a in ("ascii", "hAnsi", "eastAsia", "cs")]
    return next((name for name in names if "wingdings" in name), "")


def _left_out(t_element) -> bool:
    """A text formatted hidden (w:vanish: a template's notes to whoever fills it in), which Word neither
    shows nor prints; or struck through (w:strike, w:dstrike), which whoever typed it crossed out: the option
    not chosen (是 ~~否~~), a value replaced by the one typed after it."""
    run = t_element.getparent()
    return run is not None and any(_on(run.find(f"{qn('w:rPr')}/{qn(tag)}"))
                                   for tag in ("w:vanish", "w:strike", "w:dstrike"))


def _in_symbol_font(text: str, font: str) -> str:
    """Characters typed in a symbol font (R and £ in Wingdings 2, þ and ¨ in Wingdings, or their private-use
    codes U+F0xx) as the boxes they show; a symbol that is no box or tick is dropped."""
    return "".join(SYMBOL_GLYPHS.get((font, f"F0{ord(ch) & 0xFF:02X}"), "") if ord(ch) < 0x100 or 0xF000 <= ord(ch) <= 0xF0FF
                   else ch for ch in text)


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _walk(el):
    """An element's descendants in document order, without text boxes (read as paragraphs of their own),
    without the VML copy Word keeps of a drawing beside its DrawingML (mc:Fallback), without the placeholder
    an empty content control shows and without text a tracked change moved away (w:moveFrom: it stands
    again where it was moved to)."""
    for child in el:
        if child.tag in (qn("w:txbxContent"), _MC_FALLBACK, qn("w:moveFrom")) or _placeholder(child):
            continue
        yield child
        yield from _walk(child)


def _placeholder(el) -> bool:
    """A content control left empty, showing Word's placeholder (单击或点击此处输入文字。): no value."""
    return el.tag == qn("w:sdt") and _on(el.find(f"{qn('w:sdtPr')}/{qn('w:showingPlcHdr')}"))


def _on(flag) -> bool:
    """An on/off property of Word's XML: there, and not switched off (w:val="0", "false", "off")."""
    return flag is not None and flag.get(qn("w:val"), "true") not in ("0", "false", "off")


def _legacy_checkbox(check_box) -> str:
    """A legacy FORMCHECKBOX field's state: w:checked when set, else its w:default."""
    for tag in ("w:checked", "w:default"):
        el = check_box.find(qn(tag))
        if el is not None:
            return "☑" if el.get(qn("w:val"), "1") in ("1", "true", "on") else "□"
    return "□"


# Word's enclosed characters (带圈字符) are an EQ field, \o\ac(○,是), its characters only in the field's code:
# an option circled (the one chosen), or a tick typed inside a box (☑ made by hand)
_ENCLOSED = re.compile(r"\\o\s*(?:\\a[clr]\s*)?\(\s*(?P<a>[^,()]+?)\s*,\s*(?P<b>(?:[^()]|\([^()]*\))+?)\s*\)")
_RAISED = re.compile(r"\\s\s*\\(?:up|do)\s*-?\d*\s*\(([^()]*)\)")  # \s\up1(是): a character raised in it
_ENCLOSURES = "○◯〇□☐△◇"
_TICKS = "√✓✔"
_CROSSES = "×✗✘Xx"


def _enclosed(instr: str) -> str:
    """What an EQ field's enclosed character shows as a mark: ☑ for a tick in a box, ☒ for a cross, ☑ and
    the option for an option circled; "" for any other field."""
    m = _ENCLOSED.search(instr)
    if not m:
        return ""
    a, b = (_RAISED.sub(r"\1", part).strip() for part in m.group("a", "b"))
    inner = b if a and a[0] in _ENCLOSURES else a if b and b[0] in _ENCLOSURES else ""
    if not inner:
        return ""
    if inner in _TICKS:
        return "☑"
    if inner in _CROSSES:
        return "☒"
    return "☑" + inner


def paragraph_text(p_element) -> str:
    """A paragraph's text with tabs, breaks and check boxes kept: symbol-font boxes as ☑/☒/□, a
    check-box content control as its state (☑ or □), whatever glyph it shows, a legacy FORMCHECKBOX
    field as its state (a FORMTEXT field's result is its runs' text), and an enclosed character (an EQ
    field's 带圈字符) as the mark it makes."""
    parts: list[str] = []
    codes: list[list[str]] = []  # the codes of the fields open here, innermost last
    for el in _walk(p_element):
        tag = el.tag
        if tag == qn("w:fldChar"):
            state = el.get(qn("w:fldCharType"))
            if state == "begin":
                codes.append([])
            elif state in ("separate", "end") and codes:
                parts.append(_enclosed("".join(codes[-1])))
                codes[-1] = []  # said once: at the separator, or at the end of a field with no result
                if state == "end":
                    codes.pop()
        elif tag == qn("w:instrText"):
            if codes:
                codes[-1].append(el.text or "")
        elif tag == qn("w:fldSimple"):
            parts.append(_enclosed(el.get(qn("w:instr"), "")))
        elif tag == qn("w:t"):
            if _left_out(el):
                continue
            font = _symbol_font(el)
            parts.append(_in_symbol_font(el.text or "", font) if font else el.text or "")
        elif tag == qn("w:tab"):
            parts.append("\t")
        elif tag in (qn("w:br"), qn("w:cr")):
            parts.append("\n")
        elif tag == qn("w:sym"):
            parts.append(_symbol(el))
        elif tag == f"{_W14}checked":
            parts.append("\x00☑" if el.get(f"{_W14}val") in ("1", "true") else "\x00□")
        elif tag == qn("w:checkBox"):
            parts.append(_legacy_checkbox(el))
    return _CONTROL.sub(r"\1", "".join(parts))


def text_boxes(p_element) -> list:
    """The paragraphs of the text boxes anchored in a paragraph (w:txbxContent), once each."""
    return [p for box in p_element.iter(qn("w:txbxContent")) if not any(
        a.tag == _MC_FALLBACK for a in box.iterancestors()) for p in box.iterchildren(qn("w:p"))]


def _page_breaks(p_element) -> tuple[bool, int]:
    """Whether a body paragraph starts a page (kept on a new one, or its text comes after a hard break),
    and how many pages it opens after itself."""
    p_pr = p_element.find(qn("w:pPr"))
    before = p_pr is not None and _on(p_pr.find(qn("w:pageBreakBefore")))
    breaks, text_before = 0, False
    for el in p_element.iter(qn("w:br"), qn("w:t")):
        if any(a.tag == qn("w:txbxContent") for a in el.iterancestors()):
            continue
        if el.tag == qn("w:t"):
            if (el.text or "").strip() and not breaks:
                text_before = True
        elif el.get(qn("w:type")) == "page":
            breaks += 1
    if breaks and not text_before:  # the break opens the paragraph: it stands on the new page
        return True, breaks - 1
    return before, breaks


def _section_starts(body) -> dict:
    """The paragraphs that end a section followed by one starting on a new page (w:type, default nextPage)."""
    ends = [p for p in body.iter(qn("w:p")) if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None]
    kinds = [p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") for p in ends] + [body.find(qn("w:sectPr"))]
    out = {}
    for p, following in zip(ends, kinds[1:], strict=False):
        kind = following.find(qn("w:type")) if following is not None else None
        out[p] = kind is None or kind.get(qn("w:val")) in (None, "nextPage", "oddPage", "evenPage")
    return {p for p, new_page in out.items() if new_page}


def block_children(el):
    """Paragraphs and tables of a body or cell in order, through content controls (w:sdt) and custom XML
    that wrap them."""
    for child in el.iterchildren():
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag == qn("w:sdt") and not _placeholder(child):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from block_children(content)
        elif child.tag == qn("w:customXml"):
            yield from block_children(child)


def cell_text(cell) -> str:
    """A table cell's paragraphs as lines (a table nested in it is a grid of its own), content controls'
    paragraphs included."""
    return "\n".join(paragraph_text(p) for p in block_children(cell._tc) if p.tag == qn("w:p")).strip()


def row_cells(row) -> list:
    """A row's cells once each (python-docx repeats a cell merged across columns)."""
    cells: list = []
    for cell in row.cells:
        if not any(cell._tc is seen._tc for seen in cells):
            cells.append(cell)
    return cells


def has_picture(cell) -> bool:
    """An inserted image, drawing or ink in a cell (a signature)."""
    return any(el.tag.rsplit("}", 1)[-1] in _PICTURES for el in cell._tc.iter())


class DocxBackend(Backend):
    formats = frozenset({"docx"})
    method = "docx"

    def __init__(self, name: str, data: bytes, settings: Settings | None = None):
        super().__init__(name, data, settings)
        self._table_count = 0

    def _refuse(self, code: str, user_message: str, detail: str) -> UnreadableFile:
        return UnreadableFile(user_message, f"[{code}] {self.name}: {detail}")

    def _check_package(self, zf: zipfile.ZipFile) -> None:
        """Refuse what python-docx must not be given: bombs (it reads every related part whole) and
        XML with a DTD. python-docx parses with `resolve_entities=False` and lxml's default limits, so
        entities would not be expanded anyway; Word never writes a DTD, so one means a crafted file."""
        infos = zf.infolist()
        if len(infos) > _MAX_PARTS:
            raise self._refuse("docx_too_many_parts", "Word 文档的内部文件过多，无法读取。", f"{len(infos)} parts")
        info = zf.getinfo("word/document.xml")
        if info.file_size > _MAX_XML_BYTES:
            raise self._refuse("docx_too_large", f"Word 文档正文过大（超过 {_MAX_XML_BYTES // 2**20} MB），无法读取。",
                               f"document.xml is {info.file_size} bytes")
        total = sum(i.file_size for i in infos)
        if total > _MAX_PACKAGE_BYTES:
            raise self._refuse("docx_bomb", f"Word 文档解压后超过 {_MAX_PACKAGE_BYTES // 2**20} MB，无法读取。",
                               f"parts declare {total} bytes")
        for i in infos:
            if i.file_size > 2**20 and i.file_size / max(i.compress_size, 1) > _MAX_RATIO:
                raise self._refuse("docx_bomb", f"Word 文档中的“{i.filename}”解压后异常巨大（压缩比超过 {_MAX_RATIO}:1），"
                                                "疑似“压缩炸弹”，已拒绝读取。",
                                   f"{i.filename}: {i.file_size} bytes from {i.compress_size}")
        for i in infos:
            if i.filename.endswith((".xml", ".rels")):
                with zf.open(i) as fh:
                    head = fh.read(min(i.file_size, _MAX_XML_BYTES) + 1)
                if any(mark in head for mark in _DTD_MARKS):
                    raise self._refuse("docx_dtd", "Word 文档含有 Word 不会写入的 DTD/实体声明，可能是恶意构造的文件，"
                                                   "已拒绝读取。请在 Word 中另存为 .docx 后重新上传。",
                                       f"{i.filename} declares a DTD or entities")

    def document(self):
        """The python-docx Document, once the package passed the checks above."""
        try:
            with zipfile.ZipFile(io.BytesIO(self.data)) as zf:
                self._check_package(zf)
            return Document(io.BytesIO(self.data))
        except UnreadableFile:
            raise
        except Exception as exc:  # python-docx, lxml and zipfile raise many kinds for broken packages
            raise self._refuse("docx_broken", "Word 文档已损坏，无法打开，请在 Word 中另存为 .docx 后重新上传。",
                               f"python-docx failed: {type(exc).__name__}: {exc}") from exc

    def layout(self) -> Layout:
        document = self.document()
        layout = Layout(file=self.name, method=self.method)
        body = document.element.body
        section_ends = _section_starts(body)
        paragraph_no, page, used = 0, 1, False  # used: the page holds text already
        for text in self._header_lines(document):
            layout.segments.append(Segment(text=text, source=Source(self.name, page, "page header"), line=0))
        for child in block_children(body):
            if child.tag == qn("w:tbl"):
                self._add_table(Table(child, document), layout, page, paragraph_no)
                used = True
                continue
            paragraph_no += 1
            starts, after = _page_breaks(child)
            if starts and used:
                page, used = page + 1, False
            texts = [(paragraph_text(child), f"paragraph {paragraph_no}")]
            texts += [(paragraph_text(p), f"paragraph {paragraph_no}, text box") for p in text_boxes(child)]
            for text, where in texts:
                for line in text.strip().split("\n"):
                    if line.strip():
                        layout.segments.append(Segment(text=line, source=Source(self.name, page, where),
                                                       line=paragraph_no))
                        used = True
            if used and (after or child in section_ends):
                page, used = page + after + (child in section_ends and not after), False
        pages = max([s.source.page for s in layout.segments] + [c.source.page for g in layout.grids
                                                                  for row in g.rows for c in row if c], default=1)
        if pages > 1:
            layout.pages = pages
        else:  # no page breaks: no pages (a page number would claim what only Word's layout knows)
            layout.segments = [replace(s, source=replace(s.source, page=None)) for s in layout.segments]
            for grid in layout.grids:
                grid.rows = [[replace(c, source=replace(c.source, page=None)) if c else None for c in row]
                             for row in grid.rows]
        return layout

    @staticmethod
    def _header_lines(document) -> list[str]:
        """The lines of the page headers, once each: a lab report retyped in Word keeps its number there
        (报告编号：…), on every page."""
        lines: list[str] = []
        for section in document.sections:
            header = section.header
            if header.is_linked_to_previous and lines:
                continue
            for p in block_children(header._element):
                if p.tag == qn("w:p"):
                    lines += [line.strip() for line in paragraph_text(p).split("\n")
                              if line.strip() and line.strip() not in lines]
        return lines

    def _add_table(self, table: Table, layout: Layout, page: int, after: int) -> None:
        self._table_count += 1
        index = self._table_count
        seen: set = set()  # the lxml elements themselves, so their proxies stay alive and comparable
        rows: list[list[Cell | None]] = []
        nested: list[Table] = []
        for r, row in enumerate(table.rows):
            out_row: list[Cell | None] = []
            for c, cell in enumerate(row.cells):
                if cell._tc in seen:
                    out_row.append(None)
                    continue
                seen.add(cell._tc)
                text = cell_text(cell)
                out_row.append(Cell(text=text, source=Source(
                    self.name, page, f"table {index}, row {r + 1}, column {c + 1}")))
                nested.extend(Table(t, cell) for t in block_children(cell._tc) if t.tag == qn("w:tbl"))
            rows.append(out_row)
        layout.grids.append(Grid(index=index, rows=rows, after=after))
        for inner in nested:
            self._add_table(inner, layout, page, after)
