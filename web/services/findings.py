"""Decisions on findings: a clerk or office confirms a finding or dismisses it, always with a reason.

A decision names the finding by its rule and message (a finding that changes after a correction
is a new finding). Every decision is kept; the latest on a finding counts. Dismissed findings
leave the rectification notice; confirmed ones go into it whatever their severity.

A blocking finding nobody has decided on is *open*: it stops forwarding, publishing and a grade
above the system's (`require_resolved`) until it is confirmed, dismissed, cleared by a correction
(the re-check no longer raises it) or the office overrides it with a reason — an `overridden`
decision on each open finding and an `override` event naming what was done despite them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from forms.errors import BadInput
from web.errors import Conflict, Forbidden
from web.models import Case, CaseEvent, FindingDecision, User, record
from web.services.clock import local_time

DECISIONS = {"confirmed": "确认", "dismissed": "排除", "overridden": "越过"}
PEOPLES_DECISIONS = ("confirmed", "dismissed")  # what a clerk or office takes on one finding; overrides come in bulk


class BlockingFindings(Conflict):
    """409 `blocking_findings`: the step waits for the open blocking findings (their ids in `open`)."""

    def __init__(self, user_message: str, open_ids: list[int]):
        super().__init__(user_message, code="blocking_findings")
        self.open = open_ids
        self.payload = {"open": open_ids}


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
    if decision not in PEOPLES_DECISIONS:
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


def open_blocking(case: Case, session: Session | None = None) -> list[dict[str, Any]]:
    """The blocking findings of the current version with no decision yet, each with its `index`."""
    decided = decisions_of(case, session)
    return [dict(f, index=i) for i, f in enumerate(case.findings or [])
            if f.get("severity") == "blocking" and (f.get("rule"), f.get("message")) not in decided]


def require_resolved(session: Session, case: Case, actor: User, action: str, *, override: bool = False,
                     reason: str = "") -> list[int]:
    """Let `action` (a sentence: “报省级复核”) go ahead when no blocking finding is open, or record the office's
    override of the open ones (returned: their ids); BlockingFindings otherwise. The caller commits."""
    still_open = open_blocking(case, session)
    if not still_open:
        return []
    ids = [f["index"] for f in still_open]
    if not override:
        listed = "；".join(f"{f['index'] + 1}. {f.get('message', '')}" for f in still_open[:5])
        more = f"等 {len(still_open)} 项" if len(still_open) > 5 else ""
        raise BlockingFindings(
            f"尚有 {len(still_open)} 项阻断性问题未处理（{listed}{more}），不能{action}。请逐项确认、排除或更正字段；"
            "确需办理的，由大气办填写理由后越过。", ids)
    if actor.role != "office":
        raise Forbidden("只有大气办可以越过未处理的阻断性问题。")
    reason = (reason or "").strip()
    if not reason:
        raise BadInput(f"越过未处理的阻断性问题{action}，须填写理由。", "override without a reason")
    for f in still_open:
        session.add(FindingDecision(case_id=case.id, version=case.version, rule=f.get("rule", ""),
                                    message=f.get("message", ""), decision="overridden", reason=reason,
                                    author_id=actor.id))
    record(session, case, actor, "override", f"越过 {len(ids)} 项未处理的阻断性问题：{action}", reason=reason,
           data={"action": action, "open": ids,
                 "findings": [{"rule": f.get("rule"), "message": f.get("message")} for f in still_open]})
    session.flush()
    return ids


def overrides_of(case: Case, session: Session | None = None) -> list[dict[str, Any]]:
    """The overrides recorded on the current version: {action, findings, reason, by, at}, oldest first."""
    session = session or object_session(case)
    if session is None or case.id is None:
        return []
    return [{"action": (e.data or {}).get("action", ""), "findings": (e.data or {}).get("findings") or [],
             "reason": e.reason or "", "by": e.actor.username if e.actor else "", "at": e.at}
            for e in session.scalars(select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.version == case.version, CaseEvent.action == "override")
                .order_by(CaseEvent.id))]


def resolution(finding: dict[str, Any]) -> str:
    """How a finding of `with_decisions` was resolved, for the documents: “大气办越过：理由（office，2020-08-20 09:30）”."""
    d = finding.get("decision")
    if not d:
        return ""
    who = "大气办越过" if d["decision"] == "overridden" else f"已{d['label']}"
    return f"{who}：{d['reason']}（{d['by'] or ''}，{local_time(d['at'])}）"
