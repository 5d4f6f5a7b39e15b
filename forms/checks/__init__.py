"""The checks a bundle goes through; each rule is a small function yielding findings.

Rule identifiers are the stable strings of docs/cli.md (`missing_field:<key>`,
`invalid:<key>`, …). A rule reads only the Extraction, so it works the same on a
fresh extraction and on one rebuilt from the database.
"""

from __future__ import annotations

from datetime import date

from forms.catalogue import Catalogue
from forms.checks import completeness, consistency, currency, documents, grade, validity
from forms.checks.base import CheckContext
from forms.facts import Extraction, Finding
from forms.vocabulary import severity_rank

RULES = (
    documents.missing_documents,
    completeness.missing_fields,
    validity.invalid_values,
    validity.invalid_table_values,
    validity.unreadable_documents,
    consistency.mismatches,
    consistency.outlet_mismatches,
    currency.expired_permit,
    currency.stale_report,
    currency.report_after_application,
    grade.over_limits,
    grade.clean_share,
    grade.duplicate_vins,
    grade.gate_system,
)

def run_checks(extraction: Extraction, as_of: date | None = None, catalogue: Catalogue | None = None) -> list[Finding]:
    """Every finding of every rule, blocking first, against `catalogue` (the packaged one unless given)."""
    ctx = CheckContext.build(extraction, as_of, catalogue)
    findings = [finding for rule in RULES for finding in rule(ctx)]
    return sorted(findings, key=lambda f: severity_rank(f.severity))


__all__ = ["run_checks", "RULES", "CheckContext"]
