"""The weekly report 周报 (冀气领办〔2020〕94号 五 "实行周报制度"): the A, B and 引领性 cases a city
first-reviewed (初审) in the week, sent to the province. As .docx and .xlsx.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from forms.vocabulary import PROVINCE_GRADES
from generators.document_kind import DOCX, PDF, XLSX, DocumentKind, Output
from generators.docx_render import require_keys
from generators.result_notice import grade_label
from generators.text import cn_date

KIND = "weekly-report"
TEMPLATE = "weekly_report.docx"
REPORTED_GRADES = PROVINCE_GRADES  # the province decides them, so a city reports them
ROW_KEYS = ("index", "county", "enterprise_name", "industry", "applied_grade", "proposed_grade", "reviewed_on",
            "status", "note")
KEYS = ("city", "unit", "number", "period", "date", "total", "counts", "rows")
ITEM_KEYS = {"counts": ("label", "count"), "rows": ROW_KEYS}
HEADER = ("序号", "区县", "企业名称", "行业类别", "申报等级", "初审等级", "初审日期", "状态", "备注")


def weekly_report_data(cases: Iterable[Mapping[str, Any]], *, city: str, week_start: date, unit: str = "",
                       number: int | str = "", date_: date | None = None) -> dict[str, Any]:
    """The week from `week_start` (7 days). A case is reported when its first review
    (`reviewed_on`, a date or ISO text) falls in the week and it applied for, or was
    proposed, A, B (含B-) or 引领性. Other keys of a case: `enterprise_name`, `county`,
    `industry`, `applied_grade`, `proposed_grade`, `status`, `note`."""
    week_end = week_start + timedelta(days=6)
    chosen = []
    for case in cases:
        reviewed = _date(case.get("reviewed_on"))
        if reviewed is None or not week_start <= reviewed <= week_end:
            continue
        if _grade(case.get("applied_grade")) not in REPORTED_GRADES and \
                _grade(case.get("proposed_grade")) not in REPORTED_GRADES:
            continue
        chosen.append((reviewed, case))
    chosen.sort(key=lambda rc: (rc[0], str(rc[1].get("county") or ""), str(rc[1].get("enterprise_name") or "")))
    rows = [{"index": i, "county": str(c.get("county") or ""), "enterprise_name": str(c.get("enterprise_name") or ""),
             "industry": str(c.get("industry") or ""), "applied_grade": _grade(c.get("applied_grade")),
             "proposed_grade": _grade(c.get("proposed_grade")), "reviewed_on": cn_date(reviewed),
             "status": str(c.get("status") or ""), "note": str(c.get("note") or "")}
            for i, (reviewed, c) in enumerate(chosen, start=1)]
    counts = []
    for grade in REPORTED_GRADES:
        n = sum(1 for r in rows if r["applied_grade"] == grade)
        if n:
            counts.append({"grade": grade, "label": f"申报{grade_label(grade)}", "count": n})
    return {
        "city": city, "unit": unit or f"{city}大气污染防治工作领导小组办公室", "number": str(number),
        "period": f"{cn_date(week_start)}至{cn_date(week_end)}", "date": cn_date(date_ or week_end + timedelta(days=1)),
        "total": len(rows), "counts": counts, "rows": rows,
    }


class WeeklyReport(DocumentKind):
    formats = (DOCX, PDF, XLSX)

    def context(self, data: Mapping[str, Any]) -> dict[str, Any]:
        require_keys(data, KEYS, ITEM_KEYS, what="周报数据")
        return dict(data)

    def render_xlsx(self, data: Mapping[str, Any], out: Output) -> None:
        from generators.sheets import write_sheets

        context = self.context(data)
        number = f"（第{context['number']}期）" if context["number"] else ""
        write_sheets(out, [{
            "name": "周报", "title": f"{context['city']}A级、B级和引领性企业绩效分级初审情况周报{number}",
            "lead": [f"报送单位：{context['unit']}　　统计时段：{context['period']}　　报送日期：{context['date']}"],
            "header": HEADER, "widths": [6, 12, 30, 16, 10, 10, 16, 14, 24],
            "rows": [[r[k] for k in ROW_KEYS] for r in context["rows"]]}])


WEEKLY_REPORT = WeeklyReport(KIND, "周报", TEMPLATE)


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _grade(value: Any) -> str:
    return str(value or "").strip().removesuffix("级")
