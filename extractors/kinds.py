"""Document classification from content: which kind of evidence a file is, with a confidence."""

from __future__ import annotations

import re

# kind → (title patterns, weight), (supporting patterns, weight)
_SIGNALS: dict[str, list[tuple[str, float]]] = {
    "application_form": [(r"绩效分级.{0,12}(申报|申请)", 4), (r"申报(表|材料)", 2), (r"申报等级|申请级别|申报级别", 2),
                         (r"差异化指标", 1)],
    "business_license": [(r"营\s*业\s*执\s*照", 5), (r"登记机关", 1.5), (r"成立日期", 1), (r"经营范围", 1),
                         (r"注册资本", 1)],
    "discharge_permit": [(r"排\s*污\s*许\s*可\s*证(?!编号|号)", 4), (r"许可证编号|证书编号", 1.5),
                         (r"发证机关", 1), (r"行业类别", 0.5)],
    "eia_approval": [(r"环境影响(报告|评价).{0,20}(批复|审批意见)", 5), (r"关于.{0,60}环境影响.{0,30}批复", 4)],
    "acceptance": [(r"竣工环境保护验收", 5), (r"验收(意见|监测报告|结论)", 2)],
    "monitoring_report": [(r"(监|检)测报告", 4), (r"采样日期|监测日期|检测日期", 1.5), (r"监测结果|检测结果", 1),
                          (r"报告编号", 1)],
    "cems_data": [(r"在线监测(数据|日报|月报)|自动监控数据", 5), (r"小时均值|日均值", 2)],
    "transport_ledger": [(r"运输车辆.{0,6}(台账|清单)|车辆台账|电子台账", 5), (r"车辆识别代号|车架号", 2),
                         (r"排放阶段", 1)],
    "gate_records": [(r"门禁(系统)?.{0,4}(记录|数据)", 5), (r"(进厂|入厂|出厂)时间", 2)],
    "pledge": [(r"承\s*诺\s*书", 5), (r"郑重承诺|本(单位|企业|公司)(郑重)?承诺", 2)],
}

_NAME_HINTS = {
    "application_form": r"申报|申请表", "business_license": r"营业执照", "discharge_permit": r"排污许可",
    "eia_approval": r"环评|批复", "acceptance": r"验收", "monitoring_report": r"监测|检测",
    "cems_data": r"在线|CEMS", "transport_ledger": r"台账|车辆", "gate_records": r"门禁",
    "pledge": r"承诺", "photo": r"照片|现场",
}


def classify(text: str, file_name: str = "", *, label_hits: int = 0, is_image: bool = False) -> tuple[str, float]:
    """The document kind and a confidence in 0..1; `label_hits` counts canonical labels found."""
    head = text[:6000]
    title = " ".join([line for line in text.splitlines() if line.strip()][:2])[:120]
    scores: dict[str, float] = {}
    for kind, signals in _SIGNALS.items():
        score = 0.0
        for pattern, weight in signals:
            if re.search(pattern, title):
                score += 2 * weight  # what a document calls itself counts most
            elif re.search(pattern, head):
                score += weight
        scores[kind] = score
    # an application form is recognisable by how many canonical labels it carries
    scores["application_form"] += min(label_hits, 12) * 0.6
    stem = file_name.rsplit("/", 1)[-1]
    for kind, pattern in _NAME_HINTS.items():
        if re.search(pattern, stem, re.I):
            scores[kind] = scores.get(kind, 0.0) + 1.0
    if is_image and len(re.sub(r"\s", "", head)) < 30:
        scores["photo"] = scores.get("photo", 0.0) + 3.0
    kind, best = max(scores.items(), key=lambda kv: kv[1])
    if best < 2.5:
        return "unknown", round(min(best / 5, 0.5), 3)
    runner_up = max((v for k, v in scores.items() if k != kind), default=0.0)
    confidence = min(0.99, 0.5 + 0.5 * (best - runner_up) / best + min(best, 10) / 40)
    return kind, round(confidence, 3)
