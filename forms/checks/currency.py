"""Currency: the permit is valid, the monitoring report is recent and not from the future."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from forms import rules
from forms.checks.base import CheckContext
from forms.display import cn_date
from forms.facts import Fact, Finding, Source

REPORT_MAX_AGE_MONTHS = 12


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 29th of February becomes the 28th."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def _prefer(facts: list[Fact], kind: str) -> Fact | None:
    own = [f for f in facts if f.kind == kind]
    return (own or facts or [None])[0]


def expired_permit(ctx: CheckContext) -> Iterator[Finding]:
    fact = _prefer(ctx.extraction.facts("permit_valid_until"), "discharge_permit")
    if fact is None:
        return
    try:
        valid_until = date.fromisoformat(fact.value)
    except (TypeError, ValueError):
        return  # invalid:permit_valid_until says it
    if valid_until < ctx.as_of:  # valid through its last day
        yield rules.EXPIRED_PERMIT.finding(
            f"排污许可证已于{cn_date(valid_until)}到期，早于{_as_of_label(ctx)}{cn_date(ctx.as_of)}。", [fact.source])


def _as_of_label(ctx: CheckContext) -> str:
    return "申报日期" if ctx.extraction.value("application_date") == ctx.as_of.isoformat() else "审核日期"


def _report_dates(ctx: CheckContext) -> list[tuple[date, Fact]]:
    """The date of each monitoring report: its sampling date, else its report date."""
    out = []
    reports = [d for d in ctx.extraction.documents if d.kind == "monitoring_report" and not d.error]
    for doc in reports:
        for key in ("sampling_date", "report_date"):
            fact = next((f for f in doc.facts if f.key == key), None)
            if fact:
                try:
                    out.append((date.fromisoformat(fact.value), fact))
                except (TypeError, ValueError):
                    continue
                break
    return out


def stale_report(ctx: CheckContext) -> Iterator[Finding]:
    dated = _report_dates(ctx)
    reports = [d for d in ctx.extraction.documents if d.kind == "monitoring_report" and not d.error]
    if not dated:
        for doc in reports:
            yield rules.UNDATED_REPORT.finding(
                f"监测报告“{doc.file}”中未识别出采样日期或报告日期，请人工核对是否在一年内。", [Source(doc.file)])
        return
    newest, fact = max(dated, key=lambda item: item[0])
    if add_months(newest, REPORT_MAX_AGE_MONTHS) < ctx.as_of:
        yield rules.STALE_REPORT.finding(
            (f"最新的监测报告日期为{cn_date(newest)}，距{_as_of_label(ctx)}{cn_date(ctx.as_of)}"
             f"已超过{REPORT_MAX_AGE_MONTHS}个月，须提供一年内的第三方监测报告。"), [fact.source])


def report_after_application(ctx: CheckContext) -> Iterator[Finding]:
    applied = ctx.extraction.value("application_date")
    if not applied:
        return
    try:
        application = date.fromisoformat(applied)
    except ValueError:
        return
    for day, fact in _report_dates(ctx):
        if day > application:
            yield rules.REPORT_AFTER_APPLICATION.finding(
                f"监测报告日期{cn_date(day)}晚于申报日期{cn_date(application)}，请核实报告的真实性。", [fact.source])
