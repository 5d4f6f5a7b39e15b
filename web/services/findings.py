"""Decisions on findings: a clerk or office confirms a finding or dismisses it, always with a reason.

A decision names the finding by its rule and message (a finding that changes after a correction
is a new finding). Every decision is kept; the latest on a finding counts. Dismissed findings
leave the rectification notice; confirmed ones go into it whatever their severity.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from forms.errors import BadInput
from web.errors import Conflict, Forbidden
from web.models import Case, FindingDecision, User, record

DECISIONS = {"confirmed": "确认", "dismissed": "排除"}


def decisions_of(case: Case, session: Session | None = None) -> dict[tuple[str, str], FindingDecision]:
    """The latest decision on each finding of the current version, by (rule, message)."""
    session = session or object_session(case)
    if session is None or case.id is None:
        return {}
    latest: dict[tuple[str, str], FindingDecision] = {}
    for d in session.scalars(select(FindingDecision).where(
            FindingDecision.case_id == case.id, FindingDecision.version == case.version).order_by(FindingDecision.id)):
        latest[(d.rule, d.message)] = d
    return latest


def with_decisions(case: Case) -> list[dict[str, Any]]:
    """The case's findings, each with `index` and its latest `decision` (or None)."""
    decided = decisions_of(case)
    out = []
    for i, f in enumerate(case.findings or []):
        d = decided.get((f.get("rule"), f.get("message")))
        out.append(dict(f, index=i, decision=None if d is None else {
            "decision": d.decision, "label": DECISIONS[d.decision], "reason": d.reason,
            "by": d.author.username if d.author else None, "at": d.at}))
    return out


def confirmed_and_kept(case: Case) -> tuple[list[dict], list[dict]]:
    """(findings not dismissed, findings confirmed) — what a rectification notice lists."""
    items = with_decisions(case)
    kept = [f for f in items if not f["decision"] or f["decision"]["decision"] != "dismissed"]
    confirmed = [f for f in items if f["decision"] and f["decision"]["decision"] == "confirmed"]
    return kept, confirmed


def decide_finding(session: Session, case: Case, index: int, rule: str, decision: str, reason: str,
                   actor: User) -> FindingDecision:
    if actor.role not in ("clerk", "office"):
        raise Forbidden("只有经办人和大气办可以确认或排除审核意见。")
    if decision not in DECISIONS:
        raise BadInput("请选择确认或排除。", f"bad decision {decision!r}")
    reason = (reason or "").strip()
    if not reason:
        raise BadInput(f"请填写{DECISIONS[decision]}该问题的理由。", "no reason")
    findings = case.findings or []
    if not 0 <= index < len(findings) or findings[index].get("rule") != rule:
        raise Conflict("审核意见已更新（可能因更正字段而重新审核），请刷新页面后再操作。", code="stale")
    finding = findings[index]
    row = FindingDecision(case_id=case.id, version=case.version, rule=rule, message=finding.get("message", ""),
                          decision=decision, reason=reason, author_id=actor.id)
    session.add(row)
    record(session, case, actor, f"finding_{decision}", f"{rule}：{finding.get('message', '')}", reason=reason,
           data={"rule": rule, "decision": decision})
    session.commit()
    return row
