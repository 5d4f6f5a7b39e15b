"""The expert review sheet 企业绩效分级专家审核表 (seed 004 附件5).

`review_sheet_data` turns an extraction and its findings into the sheet's data, a
JSON-serialisable dict (`gradedesk generate review-sheet --example` prints one);
`render_review_sheet` puts that data into templates/review_sheet.docx.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import IO, Any

from forms.catalogue import indicators
from forms.errors import DataDoesNotFit
from forms.facts import DocumentResult, Extraction, Fact, Finding, Source
from forms.vocabulary import severity_label, severity_rank
from generators.docx_render import find_template, key_problems, missing_keys_error, render_docx
from generators.evidence import summarise
from generators.text import cn_date

KIND = "review-sheet"
TEMPLATE = "review_sheet.docx"
REVIEW_TYPES = ("材料审核", "现场审核")
NO_REQUIREMENT = "目录暂无该等级的要求条文，请对照《技术指南》填写"
MIN_EXPERT_ROWS = 3  # blank signature rows when no experts are named

# The keys the template reads: top level, and in each item of the lists.
KEYS = ("enterprise_name", "credit_code", "county", "industry", "applied_grade", "review_type",
        "review_date", "indicators", "findings", "opinion", "proposed_grade", "experts")
ITEM_KEYS = {
    "indicators": ("name", "requirement", "actual", "sources"),
    "findings": ("severity_label", "message", "evidence"),
    "experts": ("name", "employer", "specialty"),
}


def review_sheet_data(extraction: Extraction, findings: Iterable[Finding | Mapping[str, Any]] = (), *,
                      review_type: str = "材料审核", review_date: date | str | None = None,
                      experts: Sequence[Mapping[str, str] | str] | None = None,
                      proposed_grade: str | None = None) -> dict[str, Any]:
    """The sheet's data for one bundle: identity, one row per indicator group, findings, experts."""
    if review_type not in REVIEW_TYPES:
        raise DataDoesNotFit(f"审核类型应为{'或'.join(REVIEW_TYPES)}，不是“{review_type}”。")
    grade = extraction.value("applied_grade")
    rows = []
    industry = extraction.value("industry")
    for indicator in indicators(industry if isinstance(industry, str) else None):
        actual, sources = summarise(extraction, indicator.evidence)
        rows.append({"key": indicator.key, "name": indicator.name,
                     "requirement": indicator.requirement_for(grade) or NO_REQUIREMENT,
                     "actual": actual, "sources": sources})
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
        "findings": found,
        "opinion": "",
        "proposed_grade": proposed_grade or "",
        "experts": [_expert(e) for e in experts or ()],
    }


def render_review_sheet(data: Mapping[str, Any], out: str | os.PathLike | IO[bytes],
                        template: str | os.PathLike | None = None) -> None:
    """Render the sheet into `out` (a path or a binary file object).

    `template` is a .docx file or a directory holding review_sheet.docx; default the
    template directory of generators.docx_render.
    """
    problems = data_problems(data)
    if problems:
        raise missing_keys_error(problems, "审核表数据")
    context = dict(data)
    experts = list(data["experts"])
    blank = {"name": "", "employer": "", "specialty": ""}
    context["experts"] = experts + [blank] * (MIN_EXPERT_ROWS - len(experts))
    render_docx(find_template(TEMPLATE, template), context, out)


def data_problems(data: Mapping[str, Any]) -> list[str]:
    """The missing keys of `data`, as `indicators[2].actual`; a list that is not a list counts too."""
    problems = key_problems(data, KEYS, ITEM_KEYS)
    if isinstance(data, Mapping) and isinstance(data.get("indicators"), list):
        problems += [f"indicators[{i}].sources（应为列表）" for i, item in enumerate(data["indicators"])
                     if isinstance(item, Mapping) and not isinstance(item.get("sources", []), list)]
    return problems


def example_data() -> dict[str, Any]:
    """A complete sample that renders as is: a fictitious foundry's bundle."""
    return review_sheet_data(
        _example_extraction(), _example_findings(), review_type="材料审核", review_date=date(2020, 9, 10),
        experts=[{"name": "王某某", "employer": "某市环境科学研究院", "specialty": "铸造"}])


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _finding(finding: Finding | Mapping[str, Any]) -> dict[str, str]:
    if isinstance(finding, Mapping):  # a stored `Finding.to_dict()`
        finding = Finding(finding["rule"], finding["severity"], finding["message"],
                          [Source.from_dict(e) for e in finding.get("evidence") or ()])
    return {"rule": finding.rule, "severity": finding.severity,
            "severity_label": severity_label(finding.severity),
            "message": finding.message,
            "evidence": "；".join(dict.fromkeys(s.describe() for s in finding.evidence))}


def _expert(expert: Mapping[str, str] | str) -> dict[str, str]:
    if isinstance(expert, str):
        return {"name": expert, "employer": "", "specialty": ""}
    return {k: str(expert.get(k) or "") for k in ("name", "employer", "specialty")}


def _example_extraction() -> Extraction:
    def fact(key: str, value: Any, cell: str) -> Fact:
        return Fact(key, value, str(value), 0.98, Source("申报表.docx", cell=cell), "application_form")

    facts = [
        fact("enterprise_name", "示例铸造有限公司", "表1第1行第2列"),
        fact("credit_code", "91130200699229617X", "表1第2行第2列"),
        fact("county", "示例县", "表1第3行第2列"),
        fact("industry", "铸造", "表1第4行第2列"),
        fact("applied_grade", "B", "表1第5行第2列"),
        fact("main_products", "灰铸铁件", "表2第1行第2列"),
        fact("design_capacity", "3万吨/年", "表2第2行第2列"),
        fact("cems_installed", True, "表4第1行第2列"),
        fact("cems_networked", True, "表4第2行第2列"),
        fact("eia_approval_number", "冀环评〔2018〕123号", "表5第1行第2列"),
        fact("permit_number", "91130200699229617X001P", "表5第2行第2列"),
        fact("permit_valid_until", "2023-12-31", "表5第3行第2列"),
        fact("dedicated_env_staff", True, "表5第4行第2列"),
        fact("gate_system", True, "表6第1行第2列"),
    ]
    report = {"file": "监测报告.pdf", "page": 3, "cell": None, "bbox": None}
    ledger = {"file": "运输车辆台账.pdf", "page": 1, "cell": None, "bbox": None}
    tables = {
        "treatment_facilities": [
            {"process": "熔化", "facility": "袋式除尘器", "technology": "袋式除尘",
             "source_ref": {"file": "申报表.docx", "page": None, "cell": "表3", "bbox": None}}],
        "emissions": [
            {"outlet_id": "DA001", "source": "熔化工序", "pollutant": "颗粒物", "concentration_mg_m3": 6.3,
             "limit_mg_m3": 10, "source_ref": report},
            {"outlet_id": "DA001", "source": "熔化工序", "pollutant": "二氧化硫", "concentration_mg_m3": 12,
             "limit_mg_m3": 50, "source_ref": report}],
        "vehicles": [
            {"plate": plate, "vin": None, "emission_stage": stage, "registration_date": None, "source_ref": ledger}
            for plate, stage in (("冀B12345", "国六"), ("冀B23456", "国五"), ("冀B34567", "新能源"),
                                 ("冀B45678", "国四"))],
    }
    return Extraction([DocumentResult("申报表.docx", "", "application_form", "docx", facts=facts, tables=tables)])


def _example_findings() -> list[Finding]:
    return [
        Finding("transport:clean_share", "warning", "国五及以上（含燃气）和新能源运输车辆占75%，请对照B级运输方式要求核实。",
                [Source("运输车辆台账.pdf", page=1)]),
        Finding("missing_field:video_monitoring", "note", "申报表未填写是否安装视频监控。",
                [Source("申报表.docx", cell="表6")]),
    ]
