"""The words of the domain, declared once: grades, emission stages, severities, check marks, document kinds.

Every layer that names a grade, a stage or a document kind imports it from here, so
adding one (a new result grade, a new kind of evidence) is one edit.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------- grades

LEADING = "引领性"  # stands beside A
NOT_LEADING = "非引领性"  # a result only: an enterprise that applied for 引领性 and was not granted it
A_PLUS = "A+"  # a result only (冀气领办〔2020〕94号 二)

GRADE_ORDER = ("A", "B", "B-", "C", "D")  # best first
APPLIED_GRADES = (*GRADE_ORDER, LEADING)  # what an application may ask for
GRADE_RANK = {g: i for i, g in enumerate(GRADE_ORDER)} | {LEADING: 0}  # 0 best

# Who decides a grade (冀气领办〔2020〕94号 二): the province A (and A+), B, B- and 引领性, a city C and below; the
# province's are also the ones a city reports weekly. In the order of the published lists.
PROVINCE_GRADES = (A_PLUS, "A", "B", "B-", LEADING)
CITY_GRADES = ("C", "D", NOT_LEADING)
RESULT_GRADES = (*PROVINCE_GRADES, *CITY_GRADES)  # every grade a decision or a review sheet may state

# ---------------------------------------------------------------- emission stages

EMISSION_STAGES = ("国三", "国四", "国五", "国六", "燃气", "新能源")
# the first character of a mainland number plate: a province's (冀A12345), or an embassy's and consulate's
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
CLEAN_STAGES = ("国五", "国六", "新能源", "燃气")  # 国五及以上（含燃气）和新能源: counts toward clean transport

# ---------------------------------------------------------------- severities


@dataclass(frozen=True)
class Severity:
    key: str  # as in a finding's JSON
    label: str  # in a document's list of findings
    heading: str  # over a group of findings on a page


SEVERITIES = (
    Severity("blocking", "阻断", "阻断性问题"),
    Severity("warning", "警告", "警告"),
    Severity("note", "提示", "提示"),
)  # the most serious first
_SEVERITY = {s.key: s for s in SEVERITIES}


def severity_rank(key: str) -> int:
    """0 for blocking, then warning, note; an unknown severity after all."""
    return next((i for i, s in enumerate(SEVERITIES) if s.key == key), len(SEVERITIES))


def severity_label(key: str) -> str:
    """`阻断`, `警告`, `提示`; an unknown severity as it is."""
    return _SEVERITY[key].label if key in _SEVERITY else key


# ---------------------------------------------------------------- check marks

# How a ticked or an empty box is typed or printed, and how OCR engines read one (図/团 a ticked box,
# 口 an empty one: only text read from a scan may mean a box by them)
TICKED_GLYPHS = "☑✔✓√■☒▣●█◉⊠✅"
UNTICKED_GLYPHS = "□☐○◻▢"
TICKED_MARKS = TICKED_GLYPHS + "図团"
UNTICKED_MARKS = UNTICKED_GLYPHS + "口"
ANSWER_WORDS = ("是", "否", "有", "无")  # the one-word answers a yes/no question offers, each after a box

# Symbol-font check boxes Word writes as w:sym: (font, character code) → the glyph shown (✗ is a cross, not a
# ticked box)
SYMBOL_GLYPHS = {
    ("wingdings", "F0FE"): "☑", ("wingdings", "F0FD"): "☒", ("wingdings", "F0A8"): "□",
    ("wingdings", "F06F"): "□", ("wingdings", "F0FC"): "√", ("wingdings", "F0FB"): "✗",
    ("wingdings", "F078"): "☒",
    ("wingdings 2", "F052"): "☑", ("wingdings 2", "F054"): "☒", ("wingdings 2", "F0A3"): "□",
    ("wingdings 2", "F050"): "√", ("wingdings 2", "F051"): "☒", ("wingdings 2", "F0A2"): "□",
}

# ---------------------------------------------------------------- catalogue rows

VERIFIED = "已核实"  # a catalogue row checked against its source: may give blocking findings
UNVERIFIED = "待核实"  # not (yet) checked: its findings are notes, never blocking
CATALOGUE_STATUSES = (VERIFIED, UNVERIFIED)

# ---------------------------------------------------------------- document kinds

DOCUMENT_KIND_LABELS = {
    "application_form": "绩效分级申报表", "business_license": "营业执照", "discharge_permit": "排污许可证",
    "eia_approval": "环评批复", "acceptance": "竣工环境保护验收", "monitoring_report": "监测报告",
    "cems_data": "在线监测数据", "transport_ledger": "运输车辆台账", "gate_records": "门禁系统记录",
    "pledge": "承诺书", "photo": "现场照片", "unknown": "未识别文件",
}  # the keys are docs/cli.md's document kinds
DOCUMENT_KINDS = tuple(DOCUMENT_KIND_LABELS)
APPLICATION_FORM = "application_form"  # the enterprise's own form: every label on it is the enterprise's
