"""The result notice 绩效分级结果公示 (docs/guideline.md "Result notices seen"; 冀气领办〔2020〕94号 二).

`result_notice_data` builds it from the graded enterprises: the province level lists
A (and A+), B, B- and 引领性, the city level C and below; secret (涉密) enterprises are
never listed — they are dropped here, before anything is counted or written. The
wording (basis paragraph, procedure sentence, objection channel) is in the template.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from forms.calendar import load_calendar
from forms.errors import DataDoesNotFit
from forms.vocabulary import CITY_GRADES, PROVINCE_GRADES
from generators.document_kind import DocumentKind
from generators.docx_render import key_problems, missing_keys_error
from generators.official import COMMON_KEYS, attachment_names, official_context
from generators.text import cn_date

KIND = "result-notice"
TEMPLATE = "result_notice.docx"
GUIDELINE = "《重污染天气重点行业应急减排措施制定技术指南（2020年修订版）》（环办大气函〔2020〕340号）"

# Which grades each level publishes (冀气领办〔2020〕94号 二: the province publishes A, B and 引领性,
# cities C and below), in the order of the lists.
LEVEL_GRADES = {"province": PROVINCE_GRADES, "city": CITY_GRADES}
LEVEL_SCOPE = {
    "province": "B（含B-）级及以上和引领性企业",
    "city": "C级及以下企业",
}
SECRET_KEYS = ("secret", "涉密", "classified")

KEYS = (*COMMON_KEYS, "level", "year", "region", "scope", "guideline", "organiser", "total", "counts",
        "period_start", "period_end", "working_days", "contact", "lists", "attachments")
ITEM_KEYS = {"counts": ("label", "count"), "lists": ("label", "title", "rows")}
CONTACT_KEYS = ("unit", "name", "phone", "fax", "email")
ROW_KEYS = ("index", "county", "name", "industry", "grade")


def grade_label(grade: str) -> str:
    """`A级`, `B-级`, but `引领性企业`."""
    return f"{grade}企业" if "引领" in grade else f"{grade}级"


def is_secret(enterprise: Mapping[str, Any]) -> bool:
    return any(bool(enterprise.get(key)) for key in SECRET_KEYS)


def publishable(enterprises: Iterable[Mapping[str, Any]], level: str) -> list[Mapping[str, Any]]:
    """The enterprises a notice of `level` lists: its grades, never a secret one."""
    if level not in LEVEL_GRADES:
        raise DataDoesNotFit(f"公示层级应为 province（省级）或 city（市级），不是“{level}”。")
    grades = LEVEL_GRADES[level]
    return [e for e in enterprises if not is_secret(e) and _grade(e) in grades]


def add_working_days(start: date, days: int) -> date:
    """The last day of a period of `days` working days (Monday to Friday) starting on `start`.
    Public holidays are not known here: an office corrects the end date in `period_end`."""
    current, counted = start, 0
    while True:
        if current.weekday() < 5:
            counted += 1
            if counted == days:
                return current
        current += timedelta(days=1)


def result_notice_data(enterprises: Iterable[Mapping[str, Any]], *, level: str, region: str, year: int,
                       issuer: str, issuer_mark: str = "", doc_number: str = "", date_: date | str | None = None,
                       period_start: date | None = None, working_days: int | None = None,
                       contact: Mapping[str, str] | None = None, copy_to: str = "", printer: str = "",
                       print_date: date | str | None = None) -> dict[str, Any]:
    """The notice's data. `enterprises` are mappings with `name`, `county`, `industry`, `grade`
    and optionally `secret` (or `涉密`) — secret ones are left out here."""
    listed = publishable(enterprises, level)
    grades = LEVEL_GRADES[level]
    days = working_days or load_calendar(year=year).publicity_working_days
    start = period_start or (date.fromisoformat(date_) if isinstance(date_, str) else date_) or date.today()
    lists, counts = [], []
    for grade in grades:
        members = sorted((e for e in listed if _grade(e) == grade),
                         key=lambda e: (str(e.get("county") or ""), str(e.get("name") or "")))
        if not members:
            continue
        label = grade_label(grade)
        counts.append({"grade": grade, "label": label, "count": len(members)})
        lists.append({
            "grade": grade, "label": label, "title": f"{region}{year}年重点行业绩效分级{label}名单",
            "rows": [{"index": i, "county": str(e.get("county") or ""), "name": str(e.get("name") or ""),
                      "industry": str(e.get("industry") or ""), "grade": grade}
                     for i, e in enumerate(members, start=1)],
        })
    scope = LEVEL_SCOPE[level]
    return {
        "issuer_mark": issuer_mark,
        "doc_number": doc_number,
        "title": f"关于{region}{year}年重污染天气重点行业绩效评级{scope}名单的公示",
        "addressees": "",
        "level": level,
        "year": year,
        "region": region,
        "scope": scope,
        "guideline": GUIDELINE,
        "organiser": issuer,
        "total": sum(c["count"] for c in counts),
        "counts": counts,
        "period_start": cn_date(start),
        "period_end": cn_date(add_working_days(start, days)),
        "working_days": days,
        "contact": {k: str((contact or {}).get(k) or "") for k in CONTACT_KEYS},
        "lists": lists,
        "attachments": [f"{region}{year}年重点行业绩效分级{item['label']}名单" for item in lists],
        "signature": issuer,
        "date": cn_date(date_ or start),
        "note": "（此件公开发布）",
        "copy_to": copy_to,
        "printer": printer,
        "print_date": cn_date(print_date),
    }


class ResultNotice(DocumentKind):
    official = True

    def context(self, data: Mapping[str, Any]) -> dict[str, Any]:
        problems = key_problems(data, KEYS, ITEM_KEYS, {"contact": CONTACT_KEYS})
        lists = data.get("lists") if isinstance(data, Mapping) and isinstance(data.get("lists"), list) else []
        problems += [f"lists[{i}].rows[{j}].{k}" for i, item in enumerate(lists) if isinstance(item, Mapping)
                     for j, row in enumerate(item.get("rows") if isinstance(item.get("rows"), list) else [])
                     for k in ROW_KEYS if not isinstance(row, Mapping) or k not in row]
        if problems:
            raise missing_keys_error(problems, "公示数据")
        context = official_context(data)
        # a secret enterprise slipped into hand-written data is still never published
        context["lists"] = [dict(item, rows=[row for row in item["rows"] if not is_secret(row)])
                            for item in data["lists"]]
        context["attachments"] = attachment_names(data["attachments"])
        return context


RESULT_NOTICE = ResultNotice(KIND, "绩效分级结果公示", TEMPLATE)


def _grade(enterprise: Mapping[str, Any]) -> str:
    return str(enterprise.get("grade") or "").strip().removesuffix("级").replace("（", "(").replace("）", ")")


ANNEX_HEADER = ("序号", "县（市、区）", "企业名称", "核定等级", "系统建议等级", "越过阻断性问题所办事项", "未处理的阻断性问题",
                "理由", "办理人", "时间")


def internal_annex_xlsx(data: Mapping[str, Any]) -> bytes:
    """The notice's internal annex (内部附件): the listed cases decided, forwarded or published despite open
    blocking findings, each override a row. Kept with the issued notice for the office; never published."""
    import io

    from generators.sheets import write_sheets

    rows = [[i, r.get("county", ""), r.get("name", ""), r.get("grade", ""), r.get("proposed", ""), r.get("action", ""),
             r.get("findings", ""), r.get("reason", ""), r.get("by", ""), r.get("at", "")]
            for i, r in enumerate(data.get("internal_annex") or [], start=1)]
    title = f"{data.get('title', '')}内部附件：越过阻断性问题的记录（不公开）"
    out = io.BytesIO()
    write_sheets(out, [{"name": "内部附件", "title": title, "header": ANNEX_HEADER,
                        "widths": [6, 12, 24, 8, 10, 24, 40, 30, 12, 16],
                        "lead": [f"文号：{data.get('doc_number') or '（未编号）'}。本附件仅供内部留存，不随公示发布。"],
                        "rows": rows,
                        "notes": [] if rows else ["本次公示的企业均无未处理的阻断性问题，无越过记录。"]}], title=title)
    return out.getvalue()
