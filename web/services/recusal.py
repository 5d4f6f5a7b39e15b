"""Who may review a case (docs/domain.md, "Integrity rules"): one function, one Chinese reason.

- recusal (回避): an expert who did deep treatment, consulting or any technical
  service for the enterprise must not review it;
- experts of third-party service firms that serve enterprises are not in the pool;
- every expert signs the integrity pledge (廉洁守纪承诺书) before reviewing.
"""

from __future__ import annotations

from datetime import date

from web.models import Case, User

# An employer that is a company doing one of these for enterprises is a third-party service firm.
# Public bodies (monitoring stations, universities, research institutes) are not companies.
THIRD_PARTY_WORDS = ("咨询", "技术服务", "环保科技", "环境科技", "环保技术", "环境技术", "环保工程",
                     "环境工程", "检测", "监测", "节能")
COMPANY_WORDS = ("公司", "事务所")


def is_third_party_firm(employer: str | None) -> bool:
    text = (employer or "").replace(" ", "")
    return any(w in text for w in COMPANY_WORDS) and any(w in text for w in THIRD_PARTY_WORDS)


def _code(text: str | None) -> str:
    return (text or "").strip().upper()


def refusal_reason(expert: User, case: Case, *, today: date | None = None) -> str | None:
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
    if _code(case.credit_code) in {_code(c) for c in expert.serves or ()}:
        return (f"专家“{expert.username}”曾为该企业（统一社会信用代码 {case.credit_code}）提供技术服务或咨询，"
                "应当回避。")
    if case.enterprise_name and expert.employer and expert.employer.strip() == case.enterprise_name.strip():
        return f"专家“{expert.username}”受雇于申报企业，应当回避。"
    return None


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
