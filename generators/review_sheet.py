"""The expert review sheet 企业绩效分级专家审核表 (冀气领办〔2020〕94号 附件5).

`review_sheet_data` turns an extraction and its findings into the sheet's data, a
JSON-serialisable dict (`gradedesk generate review-sheet --example` prints one);
`REVIEW_SHEET` checks that data and puts it into templates/review_sheet.docx.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from forms.catalogue import Catalogue, indicators
from forms.errors import DataDoesNotFit
from forms.facts import Extraction, Finding, Source
from forms.vocabulary import severity_label, severity_rank
from generators.document_kind import CaseKind
from generators.docx_render import key_problems, missing_keys_error
from generators.evidence import summarise
from generators.result_notice import grade_label
from generators.text import cn_date

KIND = "review-sheet"
TEMPLATE = "review_sheet.docx"
REVIEW_TYPES = ("材料审核", "现场审核")
NO_REQUIREMENT = ("注：指标目录暂无{n}项指标的{grade}要求条文（标“请专家填写”处），"
                  "请专家对照《重污染天气重点行业应急减排措施制定技术指南（2020年修订版）》填写。")
MIN_EXPERT_ROWS = 3  # blank signature rows when no experts are named

# The keys the template reads: top level, and in each item of the lists.
KEYS = ("enterprise_name", "credit_code", "county", "industry", "applied_grade", "review_type",
        "review_date", "indicators", "requirement_note", "notes", "findings", "opinion", "proposed_grade", "experts")
ITEM_KEYS = {
    "indicators": ("name", "requirement", "actual", "sources"),
    "findings": ("severity_label", "message", "evidence"),
    "experts": ("name", "employer", "specialty"),
}


def review_sheet_data(extraction: Extraction, findings: Iterable[Finding | Mapping[str, Any]] = (), *,
                      review_type: str = "材料审核", review_date: date | str | None = None,
                      experts: Sequence[Mapping[str, str] | str] | None = None,
                      proposed_grade: str | None = None, catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The sheet's data for one bundle: identity, one row per indicator group (its 申报等级要求 from `catalogue`,
    the packaged one unless given), findings, experts."""
    if review_type not in REVIEW_TYPES:
        raise DataDoesNotFit(f"审核类型应为{'或'.join(REVIEW_TYPES)}，不是“{review_type}”。")
    grade = extraction.value("applied_grade")
    rows = []
    notes: list[str] = []  # each place a fact was read, once, numbered in the order the cells cite them
    industry = extraction.value("industry")
    lacking = 0
    for indicator in indicators(industry if isinstance(industry, str) else None, catalogue):
        actual, sources = summarise(extraction, indicator.evidence)
        marks = []
        for source in sources:
            place = source.removeprefix("来源：")
            if place not in notes:
                notes.append(place)
            marks.append(f"注{notes.index(place) + 1}")
        requirement = indicator.requirement_for(grade) or ""
        lacking += not requirement
        rows.append({"key": indicator.key, "name": indicator.name, "requirement": requirement or "（请专家填写）",
                     "requirement_source": indicator.requirement_sources.get(grade or "", "") if requirement else "",
                     "actual": actual + (f"（{'、'.join(marks)}）" if marks else ""), "sources": []})
    found = [_finding(f) for f in findings]
    found.sort(key=lambda f: severity_rank(f["severity"]))  # blocking first, stable within a severity
    return {
        "enterprise_name": _text(extraction.value("enterprise_name")),
        "credit_code": _text(extraction.value("credit_code")),
        "county": _text(extraction.value("county")),
        "industry": _text(extraction.value("industry")),
        "applied_grade": _text(grade),
        "review_type": review_type,
        "review_date": cn_date(review_date),
        "indicators": rows,
        "requirement_note": (NO_REQUIREMENT.format(n=lacking, grade=grade_label(str(grade)) if grade else "申报等级")
                             if lacking else ""),
        "notes": notes,
        "findings": found,
        "opinion": "",
        "proposed_grade": proposed_grade or "",
        "experts": [_expert(e) for e in experts or ()],
        "catalogue_version": catalogue.version if catalogue else "",  # the grading catalogue the requirements are from
    }


class ReviewSheet(CaseKind):
    uses_catalogue = True

    def data_from_case(self, extraction: Extraction, findings: Iterable[Finding | Mapping[str, Any]] = (), *,
                       as_of: date | None = None, catalogue: Catalogue | None = None) -> dict[str, Any]:
        return review_sheet_data(extraction, findings, review_date=as_of, catalogue=catalogue)

    def context(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The data with blank signature rows when fewer than MIN_EXPERT_ROWS experts are named."""
        problems = data_problems(data)
        if problems:
            raise missing_keys_error(problems, "审核表数据")
        context = dict(data)
        experts = list(data["experts"])
        blank = {"name": "", "employer": "", "specialty": ""}
        context["experts"] = experts + [blank] * (MIN_EXPERT_ROWS - len(experts))
        return context


REVIEW_SHEET = ReviewSheet(KIND, "企业绩效分级专家审核表", TEMPLATE)


def data_problems(data: Mapping[str, Any]) -> list[str]:
    """The missing keys of `data`, as `indicators[2].actual`; a list that is not a list counts too."""
    problems = key_problems(data, KEYS, ITEM_KEYS)
    if isinstance(data, Mapping) and isinstance(data.get("indicators"), list):
        problems += [f"indicators[{i}].sources（应为列表）" for i, item in enumerate(data["indicators"])
                     if isinstance(item, Mapping) and not isinstance(item.get("sources", []), list)]
    return problems


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _finding(finding: Finding | Mapping[str, Any]) -> dict[str, str]:
    """One row of the findings table; a stored finding's `resolution` (who confirmed, dismissed or overrode it,
    when, why) follows its message."""
    resolution = str(finding.get("resolution") or "") if isinstance(finding, Mapping) else ""
    if isinstance(finding, Mapping):  # a stored `Finding.to_dict()`
        finding = Finding(finding["rule"], finding["severity"], finding["message"],
                          [Source.from_dict(e) for e in finding.get("evidence") or ()])
    return {"rule": finding.rule, "severity": finding.severity,
            "severity_label": severity_label(finding.severity),
            "message": finding.message + (f"（{resolution}）" if resolution else ""),
            "evidence": "；".join(dict.fromkeys(s.describe() for s in finding.evidence))}


def _expert(expert: Mapping[str, str] | str) -> dict[str, str]:
    if isinstance(expert, str):
        return {"name": expert, "employer": "", "specialty": ""}
    return {k: str(expert.get(k) or "") for k in ("name", "employer", "specialty")}
