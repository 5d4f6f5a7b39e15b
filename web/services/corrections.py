"""The facts of a case as people use them: the extraction with the clerks' corrections applied.

A correction never touches the stored extraction: it is a row of its own (the original fact,
what was typed, its normal form, author, time, reason), and `effective_extraction()` lays the
latest correction of each field over the extraction. The checks and the proposed grade are
then run again on the corrected extraction (`recheck`), and documents are generated from it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from forms.checks import run_checks
from forms.errors import BadInput
from forms.facts import Extraction
from forms.fields import FIELDS
from forms.grading import propose_grade
from web.errors import Conflict, Forbidden
from web.models import Case, Correction, User, record
from web.services.catalogue import in_force
from web.services.recusal import end_conflicted
from web.services.synonyms import Proposed, misread_matching, propose, unassigned_matching

EDITABLE_STAGES = ("submitted", "collected", "city_review", "province_review", "returned")

_CITY = re.compile(r"^(?:[^省市]{2,8}(?:省|自治区))?([^省市区县]{2,7}市)")


def city_from_address(address: str | None, county: str | None = None) -> str | None:
    """`河北省沧州市泊头市…` → 沧州市 (the first 市 after the province); None when it is the county itself."""
    m = _CITY.match((address or "").strip())
    return m.group(1) if m and m.group(1) != county else None


def _value(extraction: dict[str, Any], key: str, length: int) -> str | None:
    field = (extraction.get("fields") or {}).get(key) or {}
    value = field.get("value")
    return str(value)[:length] if value not in (None, "") else None


def apply_summary(case: Case, extraction: dict[str, Any]) -> None:
    """The case's list columns from its (corrected) extraction."""
    case.enterprise_name = _value(extraction, "enterprise_name", 200)
    case.credit_code = _value(extraction, "credit_code", 32)
    case.industry = _value(extraction, "industry", 80)
    case.applied_grade = _value(extraction, "applied_grade", 16)
    # the uploader's region stays; what it leaves open comes from the bundle
    if not case.county:
        case.county = _value(extraction, "county", 80)
    if not case.city:
        case.city = city_from_address(_value(extraction, "address", 200), case.county)


def corrections_of(case: Case, session: Session | None = None) -> list[Correction]:
    """Every correction of the case's current version, oldest first."""
    session = session or object_session(case)
    if session is None or case.id is None:
        return []
    return list(session.scalars(select(Correction).where(
        Correction.case_id == case.id, Correction.version == case.version).order_by(Correction.id)))


def _iso(at) -> str:
    return at.isoformat(timespec="seconds") + "Z"


def _home_source(extraction: dict[str, Any]) -> dict[str, Any]:
    """Where a value the clerk adds is said to come from: the application form, else the first document."""
    docs = extraction.get("documents") or []
    doc = next((d for d in docs if d.get("kind") == "application_form"), docs[0] if docs else {"file": ""})
    return {"file": doc.get("file", ""), "page": None, "cell": None, "bbox": None}


def effective_extraction(case: Case, corrections: list[Correction] | None = None) -> dict[str, Any] | None:
    """The stored extraction with the latest correction of each field laid over it.

    A corrected field keeps its original source (the evidence viewer still shows where it was read),
    gets confidence 1.0 and a `corrected` note {by, at, original, reason}; in `candidates` it takes
    the place of the value it corrects, so the consistency checks compare the corrected value."""
    if case.extraction is None:
        return None
    corrections = corrections_of(case) if corrections is None else corrections
    if not corrections:
        return case.extraction
    latest: dict[str, Correction] = {}
    for c in corrections:
        latest[c.field] = c
    out = copy.deepcopy(case.extraction)
    fields = out.setdefault("fields", {})
    candidates = out.setdefault("candidates", {})
    for key, c in latest.items():
        original = (c.original or {})
        note = {"by": c.author.username if c.author else None, "at": _iso(c.at), "original": original.get("value"),
                "typed": c.typed, "reason": c.reason}
        old = candidates.get(key) or []
        primary = next((i for i, cand in enumerate(old) if cand.get("source") == original.get("source")
                        and cand.get("value") == original.get("value")), None)
        rest = [cand for i, cand in enumerate(old) if i != primary]
        if c.value is None:  # the clerk says the bundle has no such value: no document's reading counts
            fields.pop(key, None)
            candidates.pop(key, None)
            continue
        source = c.source or original.get("source") or _home_source(out)
        kind = old[primary].get("kind") if primary is not None else "application_form"
        fields[key] = {"value": c.value, "confidence": 1.0, "source": source, "corrected": note}
        candidates[key] = [{"value": c.value, "confidence": 1.0, "source": source, "kind": kind}] + rest
    return out


def normalise_input(key: str, typed: str) -> tuple[Any, str | None]:
    """(normal form, warning) of what a clerk typed for field `key`; BadInput when it holds no value."""
    spec = FIELDS.get(key)
    if spec is None:
        raise BadInput(f"没有名为“{key}”的字段。", f"unknown field {key!r}")
    typed = (typed or "").strip()
    if not typed:
        return None, None
    value = spec.normalise(typed)
    if value is None:
        raise BadInput(f"“{typed}”不是有效的{spec.label}，请按原件填写。", f"{key}: {typed!r} does not normalise")
    return value, spec.validate(value)


def correct_field(session: Session, case: Case, key: str, typed: str, actor: User, reason: str) -> Correction:
    """Record a correction of one field (empty text removes the value) and run the checks again. A value
    that is what the bundle states beside a label matching no field (an unassigned fact) proposes that
    label as a synonym of the field (web/services/synonyms.py)."""
    return _correct(session, case, key, typed, actor, reason)[0]


def assign_unassigned(session: Session, case: Case, index: int, key: str, actor: User,
                      reason: str = "") -> tuple[Correction, Proposed]:
    """归入字段: file the case's unassigned fact `index` under field `key` — a correction whose value and source
    are the fact's — and propose the fact's label as a synonym of the field."""
    items = (case.extraction or {}).get("unassigned") or []
    if not 0 <= index < len(items) or not isinstance(items[index], dict):
        raise BadInput("没有这一项未归类的填报内容。", f"unassigned {index} of case {case.id}")
    if key not in FIELDS:
        raise BadInput("请选择要归入的字段。", f"unknown field {key!r}")
    item = items[index]
    label = str(item.get("label") or "").strip()
    reason = (reason or "").strip() or f"原件“{label}”一项归入“{FIELDS[key].label}”"
    return _correct(session, case, key, str(item.get("value") or ""), actor, reason, unassigned=index)


def _correct(session: Session, case: Case, key: str, typed: str, actor: User, reason: str,
             unassigned: int | None = None) -> tuple[Correction, Proposed]:
    if actor.role not in ("clerk", "office"):
        raise Forbidden("只有经办人和大气办可以更正字段。")
    if case.status != "done" or case.extraction is None:
        raise Conflict("申报材料尚未解析完成，暂不能更正。", code="not_ready")
    if case.stage not in EDITABLE_STAGES:
        raise Conflict(f"案件已{case.stage_label}，不能再更正。", code="wrong_stage")
    reason = (reason or "").strip()
    value, _warning = normalise_input(key, typed)
    current = (effective_extraction(case).get("fields") or {}).get(key)
    if current is not None and current.get("value") == value:
        raise BadInput("更正后的值与当前值相同。", "same value")
    if current is None and value is None:
        raise BadInput("该字段原本就没有值。", "nothing to remove")
    original = (case.extraction.get("fields") or {}).get(key)
    # the label the value stands beside in the bundle: the fact filed (归入字段), else the one unassigned fact
    # whose value this is
    items = case.extraction.get("unassigned") or []
    matching = [(unassigned, items[unassigned])] if unassigned is not None else unassigned_matching(
        case.extraction, key, value)
    ref = f"unassigned:{matching[0][0]}" if len(matching) == 1 else None
    if not matching:  # else the one label read for another field whose value this is (a label taken wrongly)
        misread = {fact["label"]: (r, fact) for r, fact in misread_matching(case.extraction, key, value)}
        matching = list(misread.values())
        ref = f"misread:{matching[0][0]}" if len(matching) == 1 else None
    read = matching[0][1] if len(matching) == 1 else None
    correction = Correction(case_id=case.id, version=case.version, field=key, original=original, typed=typed.strip(),
                            value=value, reason=reason or None, author_id=actor.id,
                            source=read.get("source") if read and (unassigned is not None or not original) else None)
    session.add(correction)
    session.flush()
    label = FIELDS[key].label
    before = current.get("value") if current else None
    record(session, case, actor, "corrected", f"{label}：{_show(before)} → {_show(value)}", reason=reason or None,
           data={"field": key, "from": before, "to": value, "original": original.get("value") if original else None})
    proposed = Proposed(None)
    if read is not None:
        proposed = propose(session, case, key, str(read.get("label") or ""), str(read.get("value") or ""),
                           read.get("source"), actor, via="assign" if unassigned is not None else "correction",
                           ref=ref)
    recheck(session, case, actor)
    session.commit()
    return correction, proposed


def _show(value: Any) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def recheck_now(session: Session, case: Case, actor: User) -> None:
    """Check a case again on request (after the office changed the grading catalogue, …)."""
    if case.status != "done" or case.extraction is None:
        raise Conflict("申报材料尚未解析完成，暂不能重新审核。", code="not_ready")
    if case.stage not in EDITABLE_STAGES:
        raise Conflict(f"案件已{case.stage_label}，不能再重新审核。", code="wrong_stage")
    recheck(session, case, actor)
    session.commit()


def recheck(session: Session, case: Case, actor: User | None) -> None:
    """Run the checks and the proposed grade again on the corrected extraction."""
    session.flush()
    data = effective_extraction(case, corrections_of(case, session))
    extraction = Extraction.from_dict(data)
    catalogue, number = in_force(session)
    findings = run_checks(extraction, catalogue=catalogue)
    proposal = propose_grade(extraction, findings, catalogue)
    before = len(case.findings or [])
    case.findings = [f.to_dict() for f in findings]
    case.proposal = proposal.to_dict()
    case.catalogue_version = number
    apply_summary(case, data)
    end_conflicted(session, case)  # a corrected code or name may be one an assigned expert serves
    blocking = sum(1 for f in findings if f.severity == "blocking")
    record(session, case, actor, "rechecked",
           f"按更正后的材料和行业目录（{catalogue.version}）重新审核：审核意见 {before} → {len(findings)} 条"
           f"（阻断性 {blocking} 条），系统建议等级 {proposal.grade or '无法建议'}",
           data={"catalogue_version": number})
