"""The procedure of a case (冀气领办〔2020〕94号 四): 企业申报 → 县级汇总 → 市级审核（初审）→ 省级复核 → 公示.

- A clerk uploads the bundle (`submitted`) and collects it for the county (`collected`).
- The city office reviews it (`city_review`): material review and site review, with at least
  one expert of the enterprise's industry; it decides C and below itself (published by the
  city's result notice) and sends first-reviewed A, B and 引领性 cases up (`province_review`).
- The province office re-reviews them and publishes its result notice (`published`); a 涉密
  case is decided but never listed (`decided`).
- A clerk may withdraw a case before it is collected (`withdrawn`): a wrong upload is kept, marked
  and listed in the history, never deleted.
- An office may return a case for rectification (`returned`) with the calendar's deadline
  (9月15日, then 12月15日); the clerk re-applies it as a new version (web/services/cases.reapply).

Every step is a `stage` event with its author, time and reason; nothing is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from forms.calendar import load_calendar
from forms.errors import BadInput
from forms.vocabulary import A_PLUS, GRADE_ORDER, GRADE_RANK, PROVINCE_GRADES
from web.errors import Conflict, Forbidden
from web.models import STAGE_LABELS, Case, ReviewUpload, User, record, utcnow
from web.services.cases import CLOSED_STAGES, GRADE_CHOICES
from web.services.clock import today
from web.services.findings import require_resolved
from web.services.offices import is_province
from web.services.progress import is_unreadable

# Which level decides which grades (冀气领办〔2020〕94号 四/五): the province re-reviews A, B and 引领性.
REVIEW_TYPES = ("材料审核", "现场审核")


@dataclass(frozen=True)
class Step:
    key: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    label: str
    default_reason: str
    forwards: bool = False  # sends the case up a level: waits for the open blocking findings


STEPS = {s.key: s for s in (
    Step("collect", ("submitted",), "collected", ("clerk", "office"), "县级汇总上报", "申报材料已收齐，县级汇总上报。",
         forwards=True),
    Step("start_city_review", ("collected",), "city_review", ("office",), "开始市级初审", "开始材料审核和现场审核。"),
    Step("send_to_province", ("city_review",), "province_review", ("office",), "初审通过，报省级复核",
         "市级初审通过，报省大气办复核。", forwards=True),
    Step("return", ("collected", "city_review", "province_review"), "returned", ("office",), "退回整改", ""),
    # a wrong upload, before the county forwards it: the case and its files are kept, marked, in the history
    Step("withdraw", ("submitted",), "withdrawn", ("clerk",), "撤回申报", ""),
)}

STEP_BY_TARGET = {s.target: s for s in STEPS.values()}


def stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage)


def rectification_deadline(on: date | None = None) -> date:
    """The window still open on `on` (9月15日, then 12月15日); after both, next year's first."""
    on = on or today()
    deadline = load_calendar(year=on.year).rectification_deadline(on)
    if deadline is None:
        deadline = load_calendar(year=on.year + 1).deadlines["rectification_first"]
    return deadline.day


def confirmed_reviews(case: Case) -> dict[str, list[ReviewUpload]]:
    """The expert review sheets of the current version that count, by review type."""
    session = object_session(case)
    rows = session.scalars(select(ReviewUpload).where(
        ReviewUpload.case_id == case.id, ReviewUpload.version == case.version,
        ReviewUpload.status == "confirmed").order_by(ReviewUpload.id)).all() if session else []
    out: dict[str, list[ReviewUpload]] = {t: [] for t in REVIEW_TYPES}
    for row in rows:
        out.setdefault(row.review_type or "", []).append(row)
    return out


def why_not(step: Step, case: Case, actor: User) -> str | None:
    """None when `actor` may take `step` on `case` now, else why not (a sentence)."""
    if actor.role not in step.roles:
        return f"{actor.role_label}不能执行“{step.label}”。"
    if case.stage not in step.sources:
        return f"案件当前为“{case.stage_label}”，不能执行“{step.label}”。"
    if actor.role == "office" and case.stage == "province_review" and not is_province(actor):
        return "案件已报省级复核，由省大气办办理。"
    if step.key == "collect" and case.status != "done":
        return "申报材料尚未解析完成，暂不能汇总上报。"
    if step.key == "collect" and is_unreadable(case):
        return "上传的文件都无法读取（无法识别），不能汇总上报；请撤回本案件后重新上传。"
    if step.key == "send_to_province":
        grade = case.decided_grade
        if not grade:
            return "请先确定初审等级，再报省级复核。"
        if grade not in PROVINCE_GRADES:
            return f"初审等级为 {grade}：C级及以下由市级自行确定，不报省级复核，请发布市级公示。"
        reviews = confirmed_reviews(case)
        missing = [t for t in REVIEW_TYPES if not reviews.get(t)]
        if missing:
            return f"尚缺专家确认的{'和'.join(missing)}审核表；A、B级和引领性企业须经材料审核和现场审核。"
        if case.industry and not any(case.industry in (a.expert.industries or ()) for a in case.assignments):
            return f"审核专家中没有“{case.industry}”行业的专家，每次审核至少应有一名本行业专家。"
    return None


def available_steps(case: Case, actor: User) -> list[tuple[Step, str | None]]:
    """The steps of the actor's role from the case's stage, each with why it is blocked (or None)."""
    return [(s, why_not(s, case, actor)) for s in STEPS.values()
            if actor.role in s.roles and case.stage in s.sources]


def move(session: Session, case: Case, step_key: str, actor: User, reason: str, *, commit: bool = True,
         override: bool = False) -> Case:
    """Take one step of the procedure; Forbidden for a role that may not, Conflict when the case is not ready,
    BlockingFindings when it forwards the case past open blocking findings without the office's `override`."""
    step = STEPS.get(step_key)
    if step is None:
        raise BadInput(f"没有名为“{step_key}”的办理步骤。", f"unknown step {step_key!r}")
    if actor.role not in step.roles:
        raise Forbidden(f"{actor.role_label}不能执行“{step.label}”。")
    given = (reason or "").strip()
    reason = given or step.default_reason
    if not reason:
        raise BadInput(f"请填写“{step.label}”的理由。", "no reason")
    why = why_not(step, case, actor)
    if why:
        raise Conflict(why, code="wrong_stage")
    if step.forwards:
        require_resolved(session, case, actor, step.label, override=override, reason=given)
    data = {"from": case.stage, "to": step.target}
    detail = f"{stage_label(case.stage)} → {stage_label(step.target)}"
    if step.target == "returned":
        case.rectify_by = rectification_deadline()
        data["deadline"] = case.rectify_by.isoformat()
        detail += f"，整改期限 {case.rectify_by.year}年{case.rectify_by.month}月{case.rectify_by.day}日"
    set_stage(session, case, step.target, actor, reason, detail, data)
    if commit:
        session.commit()
    return case


def set_stage(session: Session, case: Case, stage: str, actor: User | None, reason: str, detail: str,
              data: dict) -> None:
    case.stage, case.stage_at = stage, utcnow()
    record(session, case, actor, "stage", detail, reason=reason, data=data)


def above(grade: str, proposed: str | None) -> bool:
    """Is `grade` better than the system's proposal? Anything is, when the system could propose none."""
    if not proposed:
        return True
    rank = {A_PLUS: -1} | GRADE_RANK
    return rank.get(grade, len(GRADE_ORDER)) < rank.get(proposed, len(GRADE_ORDER))


def decide_grade(session: Session, case: Case, grade: str, actor: User, reason: str, *,
                 override: bool = False) -> None:
    """The office's grade (核定等级) for the case; earlier decisions stay in the history. A grade above the
    system's proposal waits for the open blocking findings, unless the office overrides them (`override`)."""
    if actor.role != "office":
        raise Forbidden("只有大气办可以确定等级。")
    if grade not in GRADE_CHOICES:
        raise BadInput("等级应为 A、B、B-、C、D 或 引领性。", f"bad grade {grade!r}")
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("请填写确定等级的理由（如专家审核意见、整改情况）。", "no reason")
    if case.stage not in ("city_review", "province_review"):
        raise Conflict(f"案件当前为“{case.stage_label}”：等级在市级初审或省级复核中确定。", code="wrong_stage")
    if case.stage == "province_review" and not is_province(actor):
        raise Conflict("案件已报省级复核，等级由省大气办确定。", code="wrong_stage")
    proposed = (case.proposal or {}).get("grade")
    if above(grade, proposed):
        require_resolved(session, case, actor, f"核定高于系统建议等级（{proposed or '无法建议'}）的 {grade}",
                         override=override, reason=reason)
    before = case.decided_grade
    case.decided_grade = grade
    record(session, case, actor, "grade_decided", f"核定等级 {before} → {grade}" if before else f"核定等级 {grade}",
           reason=reason, data={"from": before, "to": grade, "proposed": (case.proposal or {}).get("grade")})
    session.commit()


def set_secret(session: Session, case: Case, secret: bool, actor: User, reason: str) -> None:
    """Mark the case 涉密 (never published) or not, with the reason."""
    if actor.role not in ("clerk", "office"):
        raise Forbidden("只有经办人和大气办可以标记涉密。")
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("请填写标记或取消涉密的依据。", "no reason")
    if case.stage in CLOSED_STAGES:
        raise Conflict(f"案件已{case.stage_label}，不能再更改涉密标记。", code="wrong_stage")
    if bool(case.secret) == bool(secret):
        return
    case.secret = bool(secret)
    record(session, case, actor, "secret", "标记为涉密，不予公示" if secret else "取消涉密标记", reason=reason,
           data={"secret": bool(secret)})
    session.commit()
