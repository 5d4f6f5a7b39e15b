"""Spreadsheet cells hold text as text (OWASP, CSV injection): every .xlsx and .csv the product writes
goes through here, so an enterprise name typed as `=HYPERLINK(…)` or a reason typed as `=1+2` is shown,
never evaluated.

In .xlsx a string is stored as a string cell (openpyxl would otherwise store a value starting with `=` as
a formula); the text itself is kept exactly. A .csv has no types, so a field that a spreadsheet would read
as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading apostrophe, as defusedcsv does.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def as_text(cell):
    """An openpyxl cell whose string value stays a string (never a formula); the cell, for chaining."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def text_cells(sheet, values: Iterable[Any]) -> list:
    """Cells for `sheet.append` (normal or write-only workbooks): strings as string cells."""
    from openpyxl.cell import WriteOnlyCell

    return [as_text(WriteOnlyCell(sheet, value=value)) for value in values]


def csv_field(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if looks_like_formula(text) else text


class SafeCsvWriter:
    """csv.writer whose every field passes `csv_field`."""

    def __init__(self, out: IO[str], **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_field(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
