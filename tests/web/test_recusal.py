"""The assignment rules of web/services/recusal.py (docs/domain.md, "Integrity rules")."""

from __future__ import annotations

from datetime import date

import pytest

from web.models import Case, User
from web.services.recusal import industry_note, is_third_party_firm, refusal_reason

CODE = "91130200699229617X"


def expert(**kw) -> User:
    attrs = dict(username="王专家", role="expert", active=True, pledge_date=date(2020, 7, 1), serves=[],
                 industries=["铸造"], employer="河北工业大学")
    attrs.update(kw)
    return User(**attrs)


def case(**kw) -> Case:
    attrs = dict(credit_code=CODE, enterprise_name="某某铸造有限公司", industry="铸造")
    attrs.update(kw)
    return Case(**attrs)


def test_a_clean_expert_may_review():
    assert refusal_reason(expert(), case(), today=date(2020, 9, 1)) is None


@pytest.mark.parametrize(("kw", "words"), [
    ({"serves": [CODE.lower()]}, "回避"),
    ({"pledge_date": None}, "承诺书"),
    ({"pledge_date": date(2020, 12, 1)}, "承诺书"),
    ({"employer": "沧州绿源环保科技有限公司"}, "第三方"),
    ({"employer": "某某环境检测技术有限公司"}, "第三方"),
    ({"employer": "某某铸造有限公司"}, "受雇于申报企业"),
    ({"role": "clerk"}, "不是行业专家"),
    ({"active": False}, "停用"),
])
def test_refusals(kw, words):
    reason = refusal_reason(expert(**kw), case(), today=date(2020, 9, 1))
    assert reason and words in reason


def test_no_credit_code_no_assignment():
    assert "统一社会信用代码" in refusal_reason(expert(), case(credit_code=None))


@pytest.mark.parametrize(("employer", "third_party"), [
    ("沧州市生态环境监测中心", False),
    ("中国环境科学研究院", False),
    ("河北工业大学", False),
    ("北京某某环保工程有限公司", True),
    ("某某咨询有限公司", True),
    (None, False),
])
def test_third_party_firms(employer, third_party):
    assert is_third_party_firm(employer) is third_party


def test_industry_note():
    assert industry_note(case(), [expert(industries=["水泥"])]) and "铸造" in industry_note(case(), [
        expert(industries=["水泥"])])
    assert industry_note(case(), [expert(industries=["水泥"]), expert()]) is None
    assert industry_note(case(), []) is None
