"""The proposed grade (短板原则): the lowest grade that every evaluated indicator supports.

The service proposes, people decide: the proposal lists the indicators that hold
it down and those it could not evaluate, so an office sees why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from forms import rules
from forms.catalogue import Catalogue, packaged
from forms.checks.grade import PRINTED_LIMIT_BASIS
from forms.facts import Extraction, Finding
from forms.vocabulary import CLEAN_STAGES, GRADE_ORDER, GRADE_RANK


@dataclass
class Constraint:
    indicator: str
    grade: str  # the best grade this indicator supports
    reason: str


@dataclass
class Proposal:
    applied: str | None
    grade: str | None
    held_down_by: list[Constraint] = field(default_factory=list)
    not_evaluated: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"applied": self.applied, "grade": self.grade,
                "held_down_by": [c.__dict__ for c in self.held_down_by], "not_evaluated": self.not_evaluated}


def _below(grade: str) -> str:
    rank = GRADE_RANK.get(grade, len(GRADE_ORDER) - 1)
    return GRADE_ORDER[min(rank + 1, len(GRADE_ORDER) - 1)] if grade != "B" else "C"


def propose_grade(extraction: Extraction, findings: list[Finding], catalogue: Catalogue | None = None) -> Proposal:
    """The proposal from the findings; only 已核实 catalogue rows (blocking findings, verified shares) hold it down."""
    catalogue = catalogue or packaged()
    applied = extraction.value("applied_grade")
    if applied not in GRADE_RANK:
        return Proposal(applied, None, not_evaluated=["申报等级未知，无法建议等级"])
    holding = defaultdict(list)  # grade effect (rules.HOLDS_*) → the findings that have it
    for finding in findings:
        if finding.severity == "note":
            continue  # a 待核实 catalogue row's note: for people to look at, not a shortfall
        holding[rules.grade_effect(finding.rule)].append(finding)
    constraints: list[Constraint] = []
    not_evaluated: list[str] = []

    over = holding[rules.HOLDS_EMISSION_LIMITS]
    if any(f.basis == PRINTED_LIMIT_BASIS for f in over):
        constraints.append(Constraint("排放限值", "D", "实测浓度超过执行标准限值"))
    elif over:
        constraints.append(Constraint("排放限值", _below(applied), f"实测浓度超过{applied}级限值"))
    elif not extraction.table("emissions"):
        not_evaluated.append("排放限值（未找到监测数据）")

    shares = {grade: row.clean_share_percent for grade, row in
              catalogue.clean_share_rows(extraction.value("industry")).items() if row.verified}
    vehicles = [v for v in extraction.table("vehicles") if v.get("emission_stage")]
    if shares and vehicles:
        clean = sum(1 for v in vehicles if v["emission_stage"] in CLEAN_STAGES)
        share = clean / len(vehicles)
        met = [g for g in GRADE_ORDER if g in shares and share * 100 + 1e-7 >= shares[g]]
        supported = met[0] if met else "D"
        if GRADE_RANK[supported] > GRADE_RANK[applied]:
            constraints.append(Constraint("运输方式", supported, f"清洁运输比例{share:.0%}"))
    else:
        not_evaluated.append("运输方式（行业目录暂无清洁运输比例或无车辆台账）")

    if GRADE_RANK[applied] <= GRADE_RANK["B-"]:
        if holding[rules.HOLDS_TRANSPORT_SUPERVISION]:
            constraints.append(Constraint("运输监管", "C", "未安装门禁系统或缺少门禁记录"))
        if holding[rules.HOLDS_MANAGEMENT]:
            constraints.append(Constraint("环境管理水平", "C", "环保档案不全、许可证过期或监测报告超过一年"))
    for name in ("装备水平（生产工艺）", "污染治理技术", "无组织排放"):
        not_evaluated.append(f"{name}（需专家审核）")

    worst = max(constraints, key=lambda c: GRADE_RANK[c.grade], default=None)
    grade = applied if worst is None or GRADE_RANK[worst.grade] <= GRADE_RANK[applied] else worst.grade
    held = [c for c in constraints if GRADE_RANK[c.grade] > GRADE_RANK[applied]]
    return Proposal(applied, grade, held, not_evaluated)
