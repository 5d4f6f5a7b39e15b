"""The rule registry: every rule a check raises is declared there, by reference, with a title."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import forms.checks
from forms import rules
from forms.facts import Source

CHECKS = Path(forms.checks.__file__).parent

# docs/cli.md's rule ids, one of each kind a check raises
RAISED = ("missing_document:cems_data", "missing_document:gate_records", "missing_document:eia_approval",
          "unreadable:document", "missing_field:enterprise_name", "invalid:credit_code", "invalid:vin",
          "mismatch:enterprise_name", "mismatch:outlets", "expired:discharge_permit", "stale:monitoring_report",
          "undated:monitoring_report", "after_application:monitoring_report", "over_limit:颗粒物",
          "transport:clean_share", "duplicate:vin", "requirement:gate_system")


def _used_rules() -> set[str]:
    """The names of forms.rules that forms/checks/*.py use."""
    used = set()
    for path in CHECKS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "rules":
                used.add(node.attr)
    return used


def test_checks_raise_by_reference_only():
    for path in CHECKS.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "Finding"]
        assert not calls, f"{path.name} builds a Finding itself instead of through forms.rules"
    used = _used_rules()
    assert used, "forms/checks no longer uses forms.rules"
    for name in used:
        assert isinstance(getattr(rules, name), rules.Rule), name


@pytest.mark.parametrize("rule_id", RAISED)
def test_every_raised_id_resolves_with_a_title(rule_id):
    rule, param = rules.lookup(rule_id)
    assert rule is not None and rule.title
    assert rule.id(None if rule.subject else param) == rule_id


def test_every_entry_has_a_title_and_a_known_severity():
    assert len({(r.family, r.subject) for r in rules.RULES}) == len(rules.RULES)
    for rule in rules.RULES:
        assert rule.title
        assert rule.severity in (None, "blocking", "warning", "note")
        assert rule.grade_effect in (None, rules.HOLDS_EMISSION_LIMITS, rules.HOLDS_TRANSPORT_SUPERVISION,
                                     rules.HOLDS_MANAGEMENT)


def test_a_finding_keeps_the_contract_id():
    finding = rules.OVER_LIMIT.finding("超标", [Source("监测报告.pdf", page=3)], param="二氧化硫", basis="限值")
    assert (finding.rule, finding.severity, finding.basis) == ("over_limit:二氧化硫", "blocking", "限值")
    assert rules.EXPIRED_PERMIT.finding("过期").rule == "expired:discharge_permit"
    with pytest.raises(ValueError):
        rules.INVALID.finding("有误", param="credit_code")  # its severity depends on the field
    with pytest.raises(ValueError):
        rules.MISSING_FIELD.finding("未填写")  # names a field


def test_specific_entries_before_their_family():
    assert rules.lookup("missing_document:gate_records")[0] is rules.MISSING_GATE_RECORDS
    assert rules.lookup("missing_document:cems_data") == (rules.MISSING_DOCUMENT, "cems_data")
    assert rules.grade_effect("missing_document:acceptance") == rules.HOLDS_MANAGEMENT
    assert rules.grade_effect("missing_document:cems_data") is None
    assert rules.lookup("unknown:thing") == (None, "thing")
