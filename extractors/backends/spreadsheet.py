"""Spreadsheets (.xlsx, .csv): transport ledgers and gate records are kept in Excel, not Word, and some
offices hand out the application form itself as a workbook.

Each sheet becomes one grid, read for tables (the label engine finds the header row among the first rows,
under title rows and merged group headings) and for fields (a form's label | value cells); rows with one
or two filled cells above or beside the table (a title, `单位名称：…`, `填报日期：…`) also become text
segments, so the sheet is classified by its text as a document is. Sources name the sheet, row and column as the clerk sees them in
Excel. A CSV is UTF-8 (with or without BOM) or GBK/GB18030, as Excel on Chinese Windows saves it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import zipfile

from extractors.backends.base import Backend
from extractors.layout import Cell, Grid, Layout, Segment
from forms.errors import UnreadableFile
from forms.facts import Source

log = logging.getLogger(__name__)

MAX_CELLS = 2_000_000  # all sheets together; a ledger of 10 000 trucks has 100 000
MAX_ROWS = 20_000  # rows read a sheet
MAX_COLUMNS = 200
MAX_SHEET_XML_BYTES = 20 * 2**20  # the workbook's XML inflated (openpyxl holds it whole, ~30× in memory);
# a ledger of 10 000 trucks is about 6 MB
MAX_CSV_BYTES = 20 * 2**20  # a CSV's bytes decoded; the rest is not read


def value_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def sheet_grid(file: str, ref: str, index: int, values: list[list[str]],
          merged: dict[tuple[int, int], tuple[int, int]] | None = None) -> tuple[Grid, list[Segment]]:
    """A sheet's values as a grid (merged ranges: the value at the first position, None elsewhere) and
    its sparse rows as segments."""
    merged = merged or {}
    prefix = f"{ref}, " if ref else ""
    covered = {(r, c) for (r0, c0), (r1, c1) in merged.items()
               for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0)}
    rows: list[list[Cell | None]] = []
    segments: list[Segment] = []
    for r, row in enumerate(values):
        out: list[Cell | None] = []
        for c, text in enumerate(row):
            if (r, c) in covered:
                out.append(None)
                continue
            out.append(Cell(text=text, source=Source(file, None, f"{prefix}row {r + 1}, column {c + 1}")))
        rows.append(out)
        filled = [(c, t) for c, t in enumerate(row) if t]
        if 0 < len(filled) <= 2:
            segments.append(Segment(text="  ".join(t for _, t in filled), line=index * 100000 + r,
                                    source=Source(file, None, f"{prefix}row {r + 1}, column {filled[0][0] + 1}")))
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    return Grid(index=index, rows=rows, caption=ref, for_fields=True, ref=ref), segments


def _check_zip(name: str, data: bytes) -> None:
    """openpyxl inflates a sheet whole: refuse one whose XML would inflate past the limit first."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("Excel 文件已损坏，无法打开，请重新保存后上传。", f"[xlsx_broken] {name}: {exc}") from exc
    if total > MAX_SHEET_XML_BYTES:
        raise UnreadableFile("Excel 文件解压后过大，无法读取，请删去无关工作表后重新上传。",
                             f"[xlsx_too_large] {name}: {total} bytes unpacked")


class SpreadsheetBackend(Backend):
    formats = frozenset({"xlsx"})
    method = "spreadsheet"

    def layout(self) -> Layout:
        import openpyxl

        _check_zip(self.name, self.data)
        try:
            book = openpyxl.load_workbook(io.BytesIO(self.data), read_only=False, data_only=True)
        except Exception as exc:  # openpyxl raises KeyError, ValueError, InvalidFileException … on damage
            raise UnreadableFile("Excel 文件已损坏或加密，无法读取，请重新保存为 .xlsx 后上传。",
                                 f"[xlsx_broken] {self.name}: {type(exc).__name__}: {exc}") from exc
        layout = Layout(file=self.name, method=self.method, pages=None)
        cells = 0
        for index, sheet in enumerate(book.worksheets, start=1):
            if sheet.sheet_state != "visible":
                continue
            rows = min(sheet.max_row or 0, MAX_ROWS)
            cols = min(sheet.max_column or 0, MAX_COLUMNS)
            cells += rows * cols
            if cells > MAX_CELLS:
                raise UnreadableFile("Excel 文件单元格过多，无法读取，请删去无关内容后重新上传。",
                                     f"[xlsx_too_large] {self.name}: more than {MAX_CELLS} cells")
            values = [[value_text(v) for v in row] for row in
                      sheet.iter_rows(min_row=1, max_row=rows, max_col=cols, values_only=True)]
            merged = {(m.min_row - 1, m.min_col - 1): (m.max_row - 1, m.max_col - 1) for m in sheet.merged_cells.ranges}
            grid, segments = sheet_grid(self.name, f"sheet {sheet.title}", index, values, merged)
            layout.grids.append(grid)
            layout.segments.extend(segments)
        return layout


def decode_text(data: bytes) -> str | None:
    """The text of a CSV as Excel saves it on Chinese Windows (GBK) or elsewhere (UTF-8); None if neither."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def looks_like_csv(data: bytes) -> bool:
    """Text in rows of the same number (≥ 2) of comma, tab or semicolon separated fields."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    text = decode_text(data[:65536])
    if text is None:
        text = decode_text(data[:65530])  # the sample may end inside a character
    if not text:
        return False
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if len(lines) < 2:
        return False
    for sep in (",", "\t", ";"):
        counts = [ln.count(sep) for ln in lines]
        common = max(set(counts), key=counts.count)
        if common >= 1 and counts.count(common) >= max(2, len(lines) // 2):
            return True
    return False


class CsvBackend(Backend):
    formats = frozenset({"csv"})
    method = "spreadsheet"

    def layout(self) -> Layout:
        data = self.data[:MAX_CSV_BYTES]
        text = decode_text(data) if len(data) == len(self.data) else decode_text(data[:data.rfind(b"\n") + 1])
        if text is None:
            raise UnreadableFile("CSV 文件编码无法识别，请另存为 UTF-8 或 GBK 编码后上传。",
                                 f"[csv_encoding] {self.name}: neither UTF-8 nor GB18030")
        try:
            dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        values = []
        try:
            for row in csv.reader(io.StringIO(text), dialect):
                if len(values) >= MAX_ROWS:
                    log.warning("%s: only the first %d rows read", self.name, MAX_ROWS)
                    break
                values.append([v.strip() for v in row[:MAX_COLUMNS]])
        except csv.Error as exc:  # a field past the module's limit (128 KB), a NUL …
            raise UnreadableFile("CSV 文件格式有误（某个单元格过长或含有非法字符），无法读取，请在 Excel 中另存为 .xlsx 后上传。",
                                 f"[csv_malformed] {self.name} row {len(values) + 1}: {exc}") from exc
        layout = Layout(file=self.name, method=self.method, pages=None)
        grid, segments = sheet_grid(self.name, "", 1, values)
        layout.grids.append(grid)
        layout.segments.extend(segments)
        return layout
