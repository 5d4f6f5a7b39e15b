"""Validity: each value passes the validation of its field (docs/fields.md)."""

from __future__ import annotations

from collections.abc import Iterator

from forms import rules
from forms.checks.base import CheckContext
from forms.display import cn_date
from forms.facts import Finding
from forms.fields import FIELDS


def invalid_values(ctx: CheckContext) -> Iterator[Finding]:
    extraction = ctx.extraction
    credit_code = extraction.value("credit_code")
    for key, fact in extraction.fields.items():
        spec = FIELDS.get(key)
        if spec is None:
            continue
        reason = spec.validate(fact.value, credit_code=credit_code)
        if reason is None and key == "application_date" and fact.value > ctx.as_of.isoformat():
            reason = f"申报日期{cn_date(fact.value)}晚于审核日期{cn_date(ctx.as_of)}。"
        if reason:
            yield rules.INVALID.finding(f"“{spec.label}”填写有误（{fact.value}）：{reason}", [fact.source],
                                        param=key, severity="blocking" if spec.required else "warning")


def unreadable_documents(ctx: CheckContext) -> Iterator[Finding]:
    from forms.facts import Source

    for doc in ctx.extraction.documents:
        if doc.error:
            yield rules.UNREADABLE_DOCUMENT.finding(f"文件“{doc.file}”无法读取：{doc.error}", [Source(doc.file)])


def invalid_table_values(ctx: CheckContext) -> Iterator[Finding]:
    """Vehicle identification numbers that cannot be real. One read off a scan is more likely misread (a Z
    taken for a 2, a B for an 8) than wrong on the paper: the clerk is asked to compare it with the original,
    and no defect is named."""
    from forms.facts import Source
    from forms.validators import check_vin

    for row in ctx.extraction.table("vehicles"):
        vin = row.get("vin")
        if vin and (reason := check_vin(vin)):
            source = Source.from_dict(row["source_ref"])
            plate = row.get("plate") or ""
            if any(doc.method == "ocr" and doc.holds(source) for doc in ctx.extraction.documents):
                yield rules.UNSURE_VIN.finding(
                    f"车辆{plate}的车辆识别代号识别为“{vin}”，{reason.rstrip('。')}；该行取自扫描件，可能是识别误差，"
                    "请对照原件核对。", [source])
            else:
                yield rules.INVALID_VIN.finding(f"车辆{plate}的车辆识别代号“{vin}”有误：{reason}", [source])
