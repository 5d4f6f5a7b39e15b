"""The rectification notice 整改通知书, issued by an office to an enterprise (冀气领办〔2020〕94号 六;
docs/guideline.md "Rectification notices seen").

`rectification_notice_data` lists the shortfalls: the bundle's blocking findings, the
findings an office confirmed, and the indicators the experts marked 不符合 (as read back
from their review sheets by extractors.review_sheet_reader), each with the requirement
of the applied grade. The deadline is the campaign calendar's window still open on the
as-of date (9月15日, then 12月15日; after both, next year's first). The wording — what
happens when the deadline is missed (returned, the old grade stays) and how to re-apply —
is in the template. Each distinct finding is one item, grouped by indicator, citing the document
and page it was read on (or saying the document was not submitted); each requirement is printed
once (`requirements` in the template's context).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from forms import rules
from forms.calendar import load_calendar
from forms.catalogue import indicators
from forms.errors import DataDoesNotFit
from forms.facts import Extraction, Finding, Source
from generators.document_kind import CaseKind
from generators.docx_render import require_keys
from generators.official import COMMON_KEYS, official_context
from generators.result_notice import grade_label
from generators.text import cn_date

KIND = "rectification-notice"
TEMPLATE = "rectification_notice.docx"
REVIEW_TYPES = ("材料审核", "现场审核", "材料审核和现场审核")

KEYS = (*COMMON_KEYS, "enterprise_name", "industry", "applied_grade", "grade_label", "reviewer", "review_type",
        "shortfalls", "basis", "deadline", "window", "second_deadline", "old_grade", "reapply_to", "contact")
ITEM_KEYS = {"shortfalls": ("problem", "requirement")}
CONTACT_KEYS = ("name", "phone")


def deadline_for(as_of: date) -> tuple[date, str, date]:
    """(deadline, window, second deadline) on `as_of`: window `first` until 9月15日, `second`
    until 12月15日, then next year's `first`."""
    calendar = load_calendar(year=as_of.year)
    deadline = calendar.rectification_deadline(as_of)
    if deadline is None:
        calendar = load_calendar(year=as_of.year + 1)
        deadline = calendar.deadlines["rectification_first"]
    window = "first" if deadline.key == "rectification_first" else "second"
    return deadline.day, window, calendar.deadlines["rectification_second"].day


def rectification_notice_data(
        extraction: Extraction, findings: Iterable[Finding | Mapping[str, Any]] = (), *,
        as_of: date | None = None, confirmed: Iterable[Finding | Mapping[str, Any]] = (),
        verdicts: Iterable[Mapping[str, Any]] = (), issuer: str = "", issuer_mark: str = "",
        doc_number: str = "", date_: date | str | None = None, reviewer: str = "",
        review_type: str = "材料审核", old_grade: str = "", reapply_to: str = "",
        contact: Mapping[str, str] | None = None, copy_to: str = "", printer: str = "",
        print_date: date | str | None = None) -> dict[str, Any]:
    """The notice for one bundle. `findings` are the checks' findings (only blocking ones are
    listed), `confirmed` the findings an office confirmed whatever their severity, `verdicts`
    the experts' rows ({"key" or "name", "verdict", "remark"}); only 不符合 ones are listed."""
    as_of = as_of or date.today()
    if review_type not in REVIEW_TYPES:
        raise DataDoesNotFit(f"审核方式应为{'、'.join(REVIEW_TYPES)}之一，不是“{review_type}”。")
    grade = str(extraction.value("applied_grade") or "")
    industry = str(extraction.value("industry") or "")
    groups = {i.key: i for i in indicators(industry or None)}
    by_name = {i.name: i for i in groups.values()}

    def requirement(key: str | None, remedy: str = rules.MATERIALS_REMEDY) -> str:
        indicator = groups.get(key or "")
        if indicator is None:
            return remedy
        text = indicator.requirement_for(grade)
        if text:
            return f"{indicator.name}达到{grade_label(grade)}要求：{text}"
        target = f"{industry}行业" if industry else ""
        return f"{indicator.name}达到《技术指南》{target}{grade_label(grade) if grade else '申报等级'}要求"

    shortfalls: list[dict[str, str]] = []
    seen: set[str] = set()
    chosen = [f for f in (_finding(x) for x in findings) if f.severity == "blocking"]
    chosen += [_finding(x) for x in confirmed]
    order = {key: i for i, key in enumerate(groups)}
    by_indicator: list[tuple[int, int, dict[str, str]]] = []
    for n, finding in enumerate(chosen):
        if f"{finding.rule}|{finding.message}" in seen:  # one item per distinct finding
            continue
        seen.add(f"{finding.rule}|{finding.message}")
        key = _indicator_for(finding.rule, groups)
        rule, _ = rules.lookup(finding.rule)
        by_indicator.append((order.get(key or "", len(order)), n, {
            "problem": finding.message.rstrip("。") + _where(finding) + "。",
            "requirement": requirement(key, rule.remedy if rule else rules.MATERIALS_REMEDY),
            "indicator": groups[key].name if key in groups else "",
            "source": finding.rule}))
    shortfalls += [item for _, _, item in sorted(by_indicator, key=lambda t: t[:2])]  # grouped by indicator
    for verdict in verdicts:
        if str(verdict.get("verdict") or "") != "不符合":
            continue
        indicator = groups.get(str(verdict.get("key") or "")) or by_name.get(str(verdict.get("name") or ""))
        name = indicator.name if indicator else str(verdict.get("name") or "")
        if f"verdict:{name}" in seen:
            continue
        seen.add(f"verdict:{name}")
        remark = str(verdict.get("remark") or "").strip().rstrip("。")
        problem = f"{name}：{remark}。" if remark else f"{name}经专家审核不符合{grade_label(grade) if grade else '申报等级'}要求。"
        shortfalls.append({"problem": problem, "requirement": requirement(indicator.key if indicator else None),
                           "indicator": name, "source": "expert"})

    deadline, window, second = deadline_for(as_of)
    enterprise = str(extraction.value("enterprise_name") or "")
    county = str(extraction.value("county") or "")
    return {
        "issuer_mark": issuer_mark,
        "doc_number": doc_number,
        "title": f"关于{enterprise}绩效分级限期整改的通知" if enterprise else "绩效分级限期整改通知书",
        "addressees": enterprise,
        "enterprise_name": enterprise,
        "industry": industry,
        "applied_grade": grade,
        "grade_label": grade_label(grade) if grade else "申报等级",
        "reviewer": reviewer,
        "review_type": review_type,
        "shortfalls": shortfalls,
        "basis": ("《重污染天气重点行业应急减排措施制定技术指南（2020年修订版）》（环办大气函〔2020〕340号）"
                  "和《关于做好2020年绩效分级和应急减排清单修订工作的通知》（冀气领办〔2020〕94号）"),
        "deadline": cn_date(deadline),
        "window": window,
        "second_deadline": cn_date(second),
        "old_grade": old_grade,
        "reapply_to": reapply_to or (f"{county}生态环境主管部门" if county else "属地生态环境主管部门"),
        "contact": {k: str((contact or {}).get(k) or "") for k in CONTACT_KEYS},
        "signature": issuer,
        "date": cn_date(date_ or as_of),
        "note": "",
        "copy_to": copy_to,
        "printer": printer,
        "print_date": cn_date(print_date),
    }


class RectificationNotice(CaseKind):
    official = True

    def data_from_case(self, extraction: Extraction, findings: Iterable[Finding | Mapping[str, Any]] = (), *,
                       as_of: date | None = None) -> dict[str, Any]:
        """The notice listing the bundle's blocking findings; DataDoesNotFit when it has none."""
        findings = list(findings)
        if not any(_finding(f).severity == "blocking" for f in findings):
            raise DataDoesNotFit("这份申报材料没有阻断性问题，无需整改通知书。")
        return rectification_notice_data(extraction, findings, as_of=as_of or date.today())

    def context(self, data: Mapping[str, Any]) -> dict[str, Any]:
        require_keys(data, KEYS, ITEM_KEYS, {"contact": CONTACT_KEYS}, what="整改通知书数据")
        if data["window"] not in ("first", "second"):
            raise DataDoesNotFit(f"window 应为 first（9月15日前）或 second（12月15日前），不是“{data['window']}”。")
        if not data["shortfalls"]:
            raise DataDoesNotFit("shortfalls 为空：没有需要整改的问题，不应出具整改通知书。")
        context = official_context(data)
        context["shortfalls"] = [{"problem": str(s["problem"]).strip(), "requirement": str(s["requirement"]).strip()}
                                 for s in data["shortfalls"]]
        # each requirement once, in the order of the problems it answers (six missing documents: one paragraph)
        context["requirements"] = list(dict.fromkeys(s["requirement"] for s in context["shortfalls"]
                                                     if s["requirement"]))
        return context


RECTIFICATION_NOTICE = RectificationNotice(KIND, "整改通知书", TEMPLATE)


def _finding(finding: Finding | Mapping[str, Any]) -> Finding:
    if isinstance(finding, Finding):
        return finding
    return Finding(finding["rule"], finding.get("severity", "blocking"), finding["message"],
                   [Source.from_dict(e) for e in finding.get("evidence") or ()])


def _where(finding: Finding) -> str:
    """Where the problem is: the documents and pages it was read on, or that the document was not submitted
    (a missing document's evidence is the form that should have listed it, never the document itself)."""
    rule, _ = rules.lookup(finding.rule)
    if rule is not None and rule.family == "missing_document":
        return "（未提交）" if "未" not in finding.message else ""
    evidence = "；".join(dict.fromkeys(s.describe() for s in finding.evidence))
    return f"（见{evidence}）" if evidence else ""


def _indicator_for(rule_id: str, groups: Mapping[str, Any]) -> str | None:
    rule, key = rules.lookup(rule_id)
    if rule is not None and rule.indicator:
        return rule.indicator
    for indicator in groups.values():  # missing_field:/invalid:/mismatch: on an indicator's evidence
        if key in indicator.evidence or f"table:{key}" in indicator.evidence:
            return indicator.key
    return None
