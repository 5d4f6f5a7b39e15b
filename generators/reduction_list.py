"""The reduction-list extract 应急减排清单 / 一厂一策 for one enterprise: its grade and the
measures it takes at each warning level (红色, 橙色, 黄色预警). As .docx and .xlsx.

The measures of a grade come from the technical guideline's industry tables, which are
not in the catalogue yet (docs/guideline.md: "Not known here"); `reduction_list_data` fills
what the bundle shows (identity, processes and treatment facilities, transport) and
leaves the measures to the office unless they are given, saying so in the cell rather
than guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from forms.facts import Extraction, Finding
from generators.document_kind import DOCX, PDF, XLSX, CaseKind, Output
from generators.docx_render import require_keys
from generators.evidence import summarise_vehicles
from generators.text import cn_date

KIND = "reduction-list"
TEMPLATE = "reduction_list.docx"
LEVELS = ("红色预警", "橙色预警", "黄色预警")
KEYS = ("enterprise_name", "credit_code", "county", "industry", "grade", "address", "processes", "transport",
        "measures", "contact", "date")
ITEM_KEYS = {"processes": ("process", "facility"), "measures": ("level", "production", "transport")}
CONTACT_KEYS = ("name", "phone")
TO_FILL = "（待属地按《技术指南》{industry}行业{grade}减排措施填写）"


def reduction_list_data(extraction: Extraction, *, grade: str | None = None,
                        measures: Sequence[Mapping[str, str]] | None = None,
                        contact: Mapping[str, str] | None = None, date_: date | str | None = None) -> dict[str, Any]:
    """One enterprise's extract. `grade` defaults to the applied grade; `measures` are
    {"level", "production", "transport"} per warning level."""
    industry = str(extraction.value("industry") or "")
    grade = str(grade or extraction.value("applied_grade") or "").removesuffix("级")
    given = {m.get("level"): m for m in measures or ()}
    placeholder = TO_FILL.format(industry=industry, grade=f"{grade}级" if grade and "引领" not in grade else grade)
    processes = []
    for row in extraction.table("treatment_facilities"):
        facility = row.get("facility") or row.get("technology") or ""
        processes.append({"process": str(row.get("process") or ""), "facility": str(facility)})
    vehicles = extraction.table("vehicles")
    return {
        "enterprise_name": str(extraction.value("enterprise_name") or ""),
        "credit_code": str(extraction.value("credit_code") or ""),
        "county": str(extraction.value("county") or ""),
        "industry": industry,
        "grade": grade,
        "address": str(extraction.value("address") or ""),
        "processes": processes,
        "transport": summarise_vehicles(vehicles) if vehicles else "",
        "measures": [{"level": level,
                      "production": str(given.get(level, {}).get("production") or placeholder),
                      "transport": str(given.get(level, {}).get("transport") or placeholder)}
                     for level in LEVELS],
        "contact": {k: str((contact or {}).get(k) or "") for k in CONTACT_KEYS},
        "date": cn_date(date_),
    }


class ReductionList(CaseKind):
    formats = (DOCX, PDF, XLSX)

    def data_from_case(self, extraction: Extraction, findings: Iterable[Finding | Mapping[str, Any]] = (), *,
                       as_of: date | None = None) -> dict[str, Any]:
        return reduction_list_data(extraction, date_=as_of or date.today())

    def context(self, data: Mapping[str, Any]) -> dict[str, Any]:
        require_keys(data, KEYS, ITEM_KEYS, {"contact": CONTACT_KEYS}, what="一厂一策数据")
        context = dict(data)
        context["date"] = cn_date(data["date"])
        grade = str(data["grade"])
        context["grade_label"] = grade if not grade or "引领" in grade else f"{grade}级"
        return context

    def render_xlsx(self, data: Mapping[str, Any], out: Output) -> None:
        """Sheet 1: one row per warning level, the columns of a reduction list (so offices can
        stack enterprises); sheet 2: processes and treatment facilities."""
        _write_xlsx(self.context(data), out)


REDUCTION_LIST = ReductionList(KIND, "应急减排清单（一厂一策）", TEMPLATE)


def _write_xlsx(c: Mapping[str, Any], out: Output) -> None:
    from generators.sheets import write_sheets

    identity = [c["enterprise_name"], c["credit_code"], c["county"], c["industry"], c["grade_label"]]
    write_sheets(out, [
        {"name": "减排措施", "title": f"{c['enterprise_name']}重污染天气应急减排措施（一厂一策）",
         "header": ("企业名称", "统一社会信用代码", "区县", "行业类别", "绩效等级", "预警级别", "生产减排措施",
                    "运输管控措施"),
         "widths": [28, 22, 12, 14, 10, 12, 48, 40],
         "rows": [[*identity, m["level"], m["production"], m["transport"]] for m in c["measures"]],
         "notes": [f"运输情况：{c['transport']}" if c["transport"] else "",
                   f"联系人：{c['contact']['name']}　电话：{c['contact']['phone']}　日期：{c['date']}"]},
        {"name": "生产工艺", "title": "主要生产工序及污染治理设施", "header": ("序号", "生产工序", "治理设施"),
         "widths": [8, 30, 40], "orientation": "portrait",
         "rows": [[i, p["process"], p["facility"]] for i, p in enumerate(c["processes"], start=1)]},
    ], title=f"{c['enterprise_name']}一厂一策")
