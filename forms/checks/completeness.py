"""Completeness: every required field is filled."""

from __future__ import annotations

from collections.abc import Iterator

from forms import rules
from forms.checks.base import CheckContext
from forms.facts import Finding, Source
from forms.fields import FIELDS, REQUIRED_FIELDS


def missing_fields(ctx: CheckContext) -> Iterator[Finding]:
    forms = [d for d in ctx.extraction.documents if d.kind == "application_form" and not d.error]
    evidence = [Source(d.file) for d in forms]
    for key in REQUIRED_FIELDS:
        if ctx.extraction.field(key) is None:
            label = FIELDS[key].label
            where = "申报表" if forms else "申报材料"
            yield rules.MISSING_FIELD.finding(f"{where}中未填写“{label}”。", evidence, param=key)
