"""Who may review a case (docs/domain.md, "Integrity rules"): one function, one Chinese reason.

- recusal (回避): an expert who did deep treatment, consulting or any technical
  service for the enterprise must not review it;
- experts of third-party service firms that serve enterprises are not in the pool;
- every expert signs the integrity pledge (廉洁守纪承诺书) before reviewing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from forms.fields import FIELDS
from web.models import Assignment, Case, CaseVersion, Correction, User, record

IDENTITY_FIELDS = ("credit_code", "enterprise_name")

# An employer that is a company doing one of these for enterprises is a third-party service firm.
# Public bodies (monitoring stations, universities, research institutes) are not companies.
THIRD_PARTY_WORDS = ("咨询", "技术服务", "环保科技", "环境科技", "环保技术", "环境技术", "环保工程",
                     "环境工程", "检测", "监测", "节能")
COMPANY_WORDS = ("公司", "事务所")


def is_third_party_firm(employer: str | None) -> bool:
    text = (employer or "").replace(" ", "")
    return any(w in text for w in COMPANY_WORDS) and any(w in text for w in THIRD_PARTY_WORDS)


_NOISE = re.compile(r"[\s\-_·.,，。:：]+")
_PARENS = str.maketrans({"（": "(", "）": ")"})


def identity_key(text: Any) -> str:
    """The form in which codes and names are compared: no spaces or dashes, upper case, half-width brackets."""
    return _NOISE.sub("", str(text or "").translate(_PARENS)).upper()


@dataclass
class Identities:
    """Every credit code and enterprise name that appears anywhere in a case (any document, version,
    correction), each as typed or read, keyed by `identity_key`."""

    values: dict[str, str] = field(default_factory=dict)

    def add(self, value: Any) -> None:
        if isinstance(value, str) and identity_key(value):
            self.values.setdefault(identity_key(value), value.strip())

    def add_extraction(self, extraction: dict[str, Any] | None) -> None:
        for key in IDENTITY_FIELDS:
            self.add(((extraction or {}).get("fields") or {}).get(key, {}).get("value"))
            for candidate in ((extraction or {}).get("candidates") or {}).get(key) or ():
                self.add(candidate.get("value"))

    def matching(self, entries: Iterable[str]) -> str | None:
        """The case's value that one of `entries` names, if any."""
        for entry in entries:
            if identity_key(entry) in self.values:
                return self.values[identity_key(entry)]
        return None


def case_identities(case: Case, session: Session | None = None) -> Identities:
    """The case's codes and names: its summary, the current extraction (every document's reading),
    every earlier version and every correction ever typed."""
    found = Identities()
    found.add(case.credit_code)
    found.add(case.enterprise_name)
    found.add_extraction(case.extraction)
    session = session or object_session(case)
    if session is not None and case.id is not None:
        for version in session.scalars(select(CaseVersion).where(CaseVersion.case_id == case.id)):
            found.add_extraction(version.extraction)
            for key in IDENTITY_FIELDS:
                found.add((version.summary or {}).get(key))
        for c in session.scalars(select(Correction).where(Correction.case_id == case.id,
                                                          Correction.field.in_(IDENTITY_FIELDS))):
            found.add(c.typed)
            found.add(c.value)
            found.add((c.original or {}).get("value"))
    return found


def conflict_reason(expert: User, case: Case, identities: Identities | None = None) -> str | None:
    """Why `expert` must recuse from `case` (a served or declared enterprise, or the expert's employer,
    appears anywhere in it); None when nothing conflicts. Evaluated on every access and every change."""
    identities = identities or case_identities(case)
    served = identities.matching(expert.serves or ())
    if served:
        return (f"专家“{expert.username}”曾为该企业（{served}）提供技术服务或咨询，应当回避。")
    if expert.employer and identities.matching([expert.employer]):
        return f"专家“{expert.username}”受雇于申报企业，应当回避。"
    return None


def refusal_reason(expert: User, case: Case, *, today: date | None = None,
                   identities: Identities | None = None) -> str | None:
    """None when `expert` may review `case`, else why not, as a sentence for the office."""
    today = today or date.today()
    if expert.role != "expert":
        return f"“{expert.username}”不是行业专家账号，不能分配审核。"
    if not expert.active:
        return f"专家“{expert.username}”的账号已停用。"
    if expert.pledge_date is None or expert.pledge_date > today:
        return f"专家“{expert.username}”尚未签署廉洁守纪承诺书，签署前不得参加审核。"
    if is_third_party_firm(expert.employer):
        return (f"专家“{expert.username}”所在单位“{expert.employer}”是为企业提供服务的第三方机构，"
                "其人员不得进入专家库。")
    if not case.credit_code:
        return "尚未识别出企业的统一社会信用代码，无法核对回避关系；请待材料解析完成或补正后再分配专家。"
    invalid = FIELDS["credit_code"].validate(case.credit_code)
    if invalid:
        return f"{invalid}无法据此核对回避关系；请按营业执照原件更正统一社会信用代码后再分配专家。"
    return conflict_reason(expert, case, identities)


def end_assignment(session: Session, assignment: Assignment, actor: User | None, reason: str) -> None:
    """End an assignment (the expert loses the case at once); the case's history says who and why."""
    case, expert = assignment.case, assignment.expert
    session.delete(assignment)
    record(session, case, actor, "assignment_ended", f"结束专家 {expert.username} 的审核分配", reason=reason,
           data={"expert": expert.username})
    session.flush()
    session.expire(case, ["assignments"])


def end_conflicted(session: Session, case: Case) -> list[str]:
    """End every assignment of `case` that has become conflicted (after an upload, a re-application,
    a correction or a declaration); the experts' names."""
    session.flush()
    identities = case_identities(case, session)
    ended = []
    for assignment in list(session.scalars(select(Assignment).where(Assignment.case_id == case.id))):
        reason = conflict_reason(assignment.expert, case, identities)
        if reason:
            end_assignment(session, assignment, None, "回避：" + reason)
            ended.append(assignment.expert.username)
    return ended


def end_conflicted_for(session: Session, expert: User) -> list[int]:
    """End every assignment of `expert` that conflicts (after the expert declares an enterprise); case ids."""
    ended = []
    for assignment in list(session.scalars(select(Assignment).where(Assignment.expert_id == expert.id))):
        reason = conflict_reason(expert, assignment.case, case_identities(assignment.case, session))
        if reason:
            end_assignment(session, assignment, None, "回避：" + reason)
            ended.append(assignment.case_id)
    return ended


def still_clear(session: Session, expert: User, case: Case) -> bool:
    """The check on every access of an assigned expert: False (and the assignment ended, committed)
    when the expert must recuse."""
    assignment = session.scalar(select(Assignment).where(Assignment.case_id == case.id,
                                                         Assignment.expert_id == expert.id))
    if assignment is None:
        return False
    reason = conflict_reason(expert, case, case_identities(case, session))
    if reason is None:
        return True
    end_assignment(session, assignment, None, "回避：" + reason)
    session.commit()
    return False


def industry_refusal(case: Case, assigned: list[User], expert: User) -> str | None:
    """Refuse an assignment after which the case's experts would still include no one of its industry:
    the first expert of a review must be of the enterprise's own industry (冀气领办〔2020〕94号 四)."""
    if not case.industry:
        return "尚未识别出企业所属行业，无法核对本行业专家；请待材料解析完成或更正行业后再分配专家。"
    if any(case.industry in (e.industries or ()) for e in [*assigned, expert]):
        return None
    return (f"每次审核至少应有一名本行业专家：专家“{expert.username}”不是“{case.industry}”行业专家，"
            f"且已分配的专家中也没有；请先分配“{case.industry}”行业专家。")


def industry_note(case: Case, experts: list[User]) -> str | None:
    """A reminder when no assigned expert is of the enterprise's own industry (not a refusal)."""
    if not case.industry or not experts:
        return None
    if any(case.industry in (e.industries or ()) for e in experts):
        return None
    return f"已分配的专家中尚无“{case.industry}”行业的专家；每次审核至少应有一名本行业专家。"
