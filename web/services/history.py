"""A case's history as a table people can keep: every step and decision with author, time, reason."""

from __future__ import annotations

import io

from forms.cells import SafeCsvWriter, text_cells
from web.models import Case
from web.services.cases import ACTION_LABELS
from web.services.clock import local_time

HEADER = ("时间（北京时间）", "人员", "角色", "事项", "说明", "理由", "版本")


def rows(case: Case) -> list[list[str]]:
    return [[local_time(e.at), e.actor.username if e.actor else "系统", e.actor.role_label if e.actor else "",
             ACTION_LABELS.get(e.action, e.action), e.detail or "", e.reason or "", str(e.version or "")]
            for e in case.events]


def as_csv(case: Case) -> bytes:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(HEADER)
    writer.writerows(rows(case))
    return out.getvalue().encode("utf-8-sig")  # the BOM tells Excel it is UTF-8


def as_xlsx(case: Case) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "办理记录"
    sheet.append(text_cells(sheet, [f"案件 {case.id}：{case.enterprise_name or ''} 办理记录"]))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(HEADER))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows(case):
        sheet.append(text_cells(sheet, row))
    for column, width in zip("ABCDEFG", (18, 14, 10, 14, 60, 40, 6), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
