"""Every rule the checks raise, declared once with what the rest of the service does with it.

A rule id (`over_limit:颗粒物`, `expired:discharge_permit`) is a public contract
(docs/cli.md): a family and a parameter. Checks raise a finding through its entry here
(`rules.EXPIRED_PERMIT.finding(...)`), the proposed grade reads its grade effect, the
rectification notice its indicator group (whose requirement is the remedy); code that
receives findings as JSON resolves an id with `lookup`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from forms.facts import Finding, Source

# What a rule's finding does to the proposed grade (forms/grading.py): the indicator group it holds down.
HOLDS_EMISSION_LIMITS = "emission_limits"  # 排放限值: below the applied grade, D when over a printed limit
HOLDS_TRANSPORT_SUPERVISION = "transport_supervision"  # 运输监管: at most C for A, B, B- and 引领性
HOLDS_MANAGEMENT = "management"  # 环境管理水平: at most C for A, B, B- and 引领性

# What a rectification notice asks for to remedy a finding: the applied grade's requirement of the finding's
# indicator group (forms/data/catalogue.toml), this when it belongs to no group
MATERIALS_REMEDY = "按要求提交真实、完整、规范的申报材料（冀气领办〔2020〕94号 五）"


@dataclass(frozen=True)
class Rule:
    family: str
    subject: str | None  # the parameter when the rule has one fixed; None: each finding names it (a field, …)
    title: str
    severity: str | None  # None: the check decides per finding (a required field's error blocks, …)
    indicator: str | None = None  # the catalogue indicator group of its shortfall; None: the group whose
    #                               evidence names the parameter (a field or table key), if any
    grade_effect: str | None = None  # HOLDS_*: which indicator it holds down in the proposed grade
    remedy: str = MATERIALS_REMEDY  # what a rectification notice asks for when no indicator group's
    #                                 requirement applies (the group's requirement comes first)

    def id(self, param: str | None = None) -> str:
        if self.subject is not None:
            if param not in (None, self.subject):
                raise ValueError(f"{self.family}:{self.subject} takes no parameter ({param})")
            param = self.subject
        if not param:
            raise ValueError(f"the rule family {self.family} needs a parameter")
        return f"{self.family}:{param}"

    def finding(self, message: str, evidence: Iterable[Source] = (), *, param: str | None = None,
                severity: str | None = None, basis: str | None = None) -> Finding:
        """A finding of this rule; `severity` where the rule's depends on the case."""
        severity = severity or self.severity
        if severity is None:
            raise ValueError(f"{self.family} findings need a severity")
        return Finding(rule=self.id(param), severity=severity, message=message, evidence=list(evidence),
                       basis=basis)


# ---------------------------------------------------------------- the bundle
MISSING_DOCUMENT = Rule("missing_document", None, "缺少申报材料", "blocking", indicator="management")
MISSING_GATE_RECORDS = Rule("missing_document", "gate_records", "缺少门禁系统记录", "blocking",
                            indicator="management", grade_effect=HOLDS_TRANSPORT_SUPERVISION)
# the environmental archive (环保档案) 环境管理水平 asks for
MISSING_ARCHIVE = tuple(
    Rule("missing_document", kind, f"缺少{title}", "blocking", indicator="management",
         grade_effect=HOLDS_MANAGEMENT)
    for kind, title in (("discharge_permit", "排污许可证"), ("eia_approval", "环评批复"),
                        ("acceptance", "竣工环境保护验收"), ("monitoring_report", "监测报告")))
UNREADABLE_DOCUMENT = Rule("unreadable", "document", "文件无法读取", "warning")

# ---------------------------------------------------------------- fields
MISSING_FIELD = Rule("missing_field", None, "必填项未填写", "blocking")
INVALID = Rule("invalid", None, "填写内容有误", None)
INVALID_VIN = Rule("invalid", "vin", "车辆识别代号有误", "warning")
MISMATCH = Rule("mismatch", None, "材料之间信息不一致", None)
OUTLET_MISMATCH = Rule("mismatch", "outlets", "排放口与监测报告不一致", "warning")

# ---------------------------------------------------------------- currency
EXPIRED_PERMIT = Rule("expired", "discharge_permit", "排污许可证已过期", "blocking", indicator="management",
                      grade_effect=HOLDS_MANAGEMENT)
STALE_REPORT = Rule("stale", "monitoring_report", "监测报告超过一年", "blocking", indicator="management",
                    grade_effect=HOLDS_MANAGEMENT)
UNDATED_REPORT = Rule("undated", "monitoring_report", "监测报告未识别出日期", "note")
REPORT_AFTER_APPLICATION = Rule("after_application", "monitoring_report", "监测报告日期晚于申报日期", "warning")

# ---------------------------------------------------------------- against the applied grade
OVER_LIMIT = Rule("over_limit", None, "实测浓度超过限值", "blocking", indicator="emission_limits",
                  grade_effect=HOLDS_EMISSION_LIMITS)
CLEAN_SHARE = Rule("transport", "clean_share", "清洁运输比例低于等级要求", "blocking", indicator="transport")
# information, never a defect (docs/cli.md `info:<topic>`): the share of clean trucks where the catalogue states no
# requirement for the grade, for the expert to weigh against the guideline
CLEAN_SHARE_INFO = Rule("info", "clean_share", "清洁运输比例（行业目录无该等级要求）", "note", indicator="transport")
DUPLICATE_VIN = Rule("duplicate", "vin", "车辆识别代号重复", "warning", indicator="transport")
# a VIN read off a scan whose check character fails: more likely a misread than an invalid VIN, so no defect's id
UNSURE_VIN = Rule("info", "vin_reading", "车辆识别代号识别存疑（扫描件）", "note", indicator="transport")
GATE_SYSTEM = Rule("requirement", "gate_system", "未安装门禁系统", "blocking",
                   grade_effect=HOLDS_TRANSPORT_SUPERVISION)

RULES: tuple[Rule, ...] = (
    MISSING_DOCUMENT, MISSING_GATE_RECORDS, *MISSING_ARCHIVE, UNREADABLE_DOCUMENT,
    MISSING_FIELD, INVALID, INVALID_VIN, MISMATCH, OUTLET_MISMATCH,
    EXPIRED_PERMIT, STALE_REPORT, UNDATED_REPORT, REPORT_AFTER_APPLICATION,
    OVER_LIMIT, CLEAN_SHARE, CLEAN_SHARE_INFO, DUPLICATE_VIN, UNSURE_VIN, GATE_SYSTEM,
)
_BY_ID = {f"{r.family}:{r.subject}": r for r in RULES if r.subject is not None}
_BY_FAMILY = {r.family: r for r in RULES if r.subject is None}


def lookup(rule_id: str) -> tuple[Rule | None, str]:
    """The entry of a rule id and its parameter: `over_limit:颗粒物` → (OVER_LIMIT, "颗粒物");
    (None, parameter) for an id no check raises."""
    family, _, param = rule_id.partition(":")
    return _BY_ID.get(rule_id) or _BY_FAMILY.get(family), param


def grade_effect(rule_id: str) -> str | None:
    """Which indicator group a finding of this id holds down in the proposed grade (HOLDS_*), if any."""
    rule, _ = lookup(rule_id)
    return rule.grade_effect if rule else None
