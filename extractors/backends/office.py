"""Legacy Office and WPS files (.doc, .wps; .xls, .et): many enterprises still save in the old formats.

Text documents are converted to .docx by LibreOffice Writer (`soffice --convert-to docx`, a fresh
profile per conversion, in a child process with a time limit) and read by the Word backend;
workbooks are read by xlrd (BIFF, which WPS 表格 writes too) into the spreadsheet backend's grids,
so no LibreOffice Calc is needed. Sources name the original file.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from extractors.backends.base import Backend
from extractors.backends.docx import DocxBackend
from extractors.backends.spreadsheet import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, sheet_grid, value_text
from extractors.layout import Layout
from forms.errors import UnreadableFile

log = logging.getLogger(__name__)

CONVERT_TIMEOUT = 60.0  # seconds for one document (a cold LibreOffice start is 2-5 s)


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise UnreadableFile("服务器未安装 LibreOffice，无法读取旧版 Word/WPS 文档，请另存为 .docx 后上传。",
                             "[office_no_converter] soffice not found on PATH")
    return found


def convert_to_docx(name: str, data: bytes, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """The .docx LibreOffice makes of a .doc or .wps file."""
    soffice = _soffice()
    with tempfile.TemporaryDirectory(prefix="gradedesk-doc-") as tmp:
        source = Path(tmp) / "in.doc"
        source.write_bytes(data)
        outdir = Path(tmp) / "out"
        env = dict(os.environ)
        env.pop("DISPLAY", None)
        env.setdefault("SAL_USE_VCLPLUGIN", "svp")
        try:
            result = subprocess.run(
                [soffice, "--headless", "--norestore", "--nolockcheck", "--nologo",
                 f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}",
                 "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(outdir), str(source)],
                env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise UnreadableFile("旧版 Word/WPS 文档转换超时，请在 Word 或 WPS 中另存为 .docx 后上传。",
                                 f"[office_timeout] {name}: not converted within {timeout:.0f} s") from exc
        produced = outdir / "in.docx"
        if not produced.is_file() or produced.stat().st_size == 0:
            raise UnreadableFile("旧版 Word/WPS 文档无法转换（文件可能已损坏或加密），请另存为 .docx 后上传。",
                                 f"[office_convert_failed] {name}: soffice exit {result.returncode}: "
                                 f"{result.stderr.decode(errors='replace')[-300:]}")
        return produced.read_bytes()


class LegacyWordBackend(Backend):
    formats = frozenset({"doc"})
    method = "docx"

    def layout(self) -> Layout:
        converted = convert_to_docx(self.name, self.data, min(CONVERT_TIMEOUT, self.settings.pdf_timeout))
        log.info("%s: converted to .docx by LibreOffice (%d bytes)", self.name, len(converted))
        return DocxBackend(self.name, converted, self.settings).layout()


class LegacyWorkbookBackend(Backend):
    formats = frozenset({"xls"})
    method = "spreadsheet"

    def layout(self) -> Layout:
        import xlrd

        try:
            book = xlrd.open_workbook(file_contents=self.data, on_demand=True, formatting_info=True)
        except Exception as exc:  # xlrd.XLRDError, CompDocError, struct.error … on damage or encryption
            raise UnreadableFile("旧版 Excel/WPS 表格已损坏或加密，无法读取，请另存为 .xlsx 后上传。",
                                 f"[xls_broken] {self.name}: {type(exc).__name__}: {exc}") from exc
        layout = Layout(file=self.name, method=self.method)
        cells = 0
        try:
            for index in range(book.nsheets):
                sheet = book.sheet_by_index(index)
                if getattr(sheet, "visibility", 0):
                    continue
                rows, cols = min(sheet.nrows, MAX_ROWS), min(sheet.ncols, MAX_COLUMNS)
                cells += rows * cols
                if cells > MAX_CELLS:
                    raise UnreadableFile("Excel 文件单元格过多，无法读取，请删去无关内容后重新上传。",
                                         f"[xlsx_too_large] {self.name}: more than {MAX_CELLS} cells")
                values = [[_cell(sheet.cell(r, c), book.datemode) for c in range(cols)] for r in range(rows)]
                merged = {(r0, c0): (r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells}
                grid, segments = sheet_grid(self.name, f"sheet {sheet.name}", index + 1, values, merged)
                layout.grids.append(grid)
                layout.segments.extend(segments)
        finally:
            book.release_resources()
        return layout


def _cell(cell, datemode: int) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return value_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError):
            return str(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return value_text(cell.value)
