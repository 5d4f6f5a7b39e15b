"""Completeness of the bundle: every document the applied grade and industry need is there."""

from __future__ import annotations

from collections.abc import Iterator

from forms import rules
from forms.checks.base import CheckContext
from forms.facts import Finding, Source
from forms.vocabulary import DOCUMENT_KIND_LABELS


def missing_documents(ctx: CheckContext) -> Iterator[Finding]:
    extraction = ctx.extraction
    grade = extraction.value("applied_grade")
    if grade is None:
        return  # missing_field:applied_grade says it; the list depends on the grade
    present = {d.kind for d in extraction.documents if not d.error}
    permit_class = extraction.value("permit_class")
    for row in ctx.catalogue.document_rows(grade, permit_class):
        if row.kind in present:
            continue
        label = DOCUMENT_KIND_LABELS.get(row.kind, row.kind)
        why = "（排污许可重点管理企业）" if row.condition == "重点管理" else ""
        message = f"申报{grade}级{why}须提供{label}，申报材料中未找到。"
        if not row.verified:
            message += "（该项要求在行业目录中待核实，仅供参考）"
        yield rules.MISSING_DOCUMENT.finding(
            message, [Source(d.file) for d in extraction.documents if d.kind == "application_form"],
            param=row.kind, severity=None if row.verified else "note", basis=ctx.catalogue.cite(row, "申报材料"))
