"""Writing the table-shaped documents as .xlsx (openpyxl): a title row, a header, the rows.

Offices open these in Excel or WPS to sort, filter and paste into their own ledgers;
the .docx of the same kind is the one for printing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import IO, Any

from forms.cells import as_text

TITLE_FONT = ("黑体", 14)
HEADER_FONT = ("黑体", 11)
BODY_FONT = ("宋体", 11)


def write_sheets(out: str | os.PathLike | IO[bytes], sheets: Sequence[dict[str, Any]], *, title: str = "") -> None:
    """Each sheet: {"name", "title", "header": [...], "widths": [...], "rows": [[...], ...],
    "notes": [...]} — notes are lines under the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        ws = book.create_sheet(_sheet_name(spec["name"]))
        header = list(spec["header"])
        ncols = len(header)
        row = 1
        if spec.get("title"):
            as_text(ws.cell(row=1, column=1, value=spec["title"])).font = Font(name=TITLE_FONT[0], size=TITLE_FONT[1], bold=True)
            ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
            if ncols > 1:
                ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
            ws.row_dimensions[1].height = 28
            row = 2
        for line in spec.get("lead", ()):
            as_text(ws.cell(row=row, column=1, value=line)).font = Font(name=BODY_FONT[0], size=BODY_FONT[1])
            if ncols > 1:
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
            row += 1
        for col, text in enumerate(header, start=1):
            cell = as_text(ws.cell(row=row, column=col, value=text))
            cell.font = Font(name=HEADER_FONT[0], size=HEADER_FONT[1], bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = box
        header_row = row
        for values in spec["rows"]:
            row += 1
            for col, value in enumerate(values, start=1):
                cell = as_text(ws.cell(row=row, column=col, value=value))
                cell.font = Font(name=BODY_FONT[0], size=BODY_FONT[1])
                cell.alignment = Alignment(vertical="center", wrap_text=True)
                cell.border = box
        for line in spec.get("notes", ()):
            row += 1
            as_text(ws.cell(row=row, column=1, value=line)).font = Font(name=BODY_FONT[0], size=10)
            if ncols > 1:
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        for col, width in enumerate(spec.get("widths") or [14] * ncols, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = spec.get("orientation", "landscape")
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    book.properties.title = title or (sheets[0].get("title") if sheets else "")
    book.properties.creator = "gradedesk"
    book.save(out)


def _sheet_name(name: str) -> str:
    for bad in "[]:*?/\\":
        name = name.replace(bad, "")
    return name[:31] or "Sheet"
