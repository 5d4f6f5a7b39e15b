"""Validation of normalised values; each returns None when valid, else a Chinese reason."""

from __future__ import annotations

import re
from datetime import date

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015)."""
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    value = 31 - total % 31
    return CREDIT_CHARS[0 if value == 31 else value]


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def org_code_check_char(first8: str) -> str:
    """The 9th character of a GB 11714 organisation code (positions 9–17 of a credit code)."""
    total = sum(_org_value(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def check_credit_code(code: str) -> str | None:
    if len(code) != 18:
        return f"统一社会信用代码应为18位，实为{len(code)}位。"
    bad = [c for c in code[:17] if c not in CREDIT_CHARS]
    if bad:
        return f"统一社会信用代码含有不允许的字符“{''.join(dict.fromkeys(bad))}”（不使用I、O、S、V、Z）。"
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误：末位应为“{expected}”，实为“{code[17]}”。"
    org = code[8:17]
    if all(c.isdigit() or "A" <= c <= "Z" for c in org):
        expected_org = org_code_check_char(org[:8])
        if org[8] != expected_org:
            return f"统一社会信用代码中的组织机构代码校验位错误：第17位应为“{expected_org}”，实为“{org[8]}”。"
    return None


PERMIT_RE = re.compile(r"^(?P<code>[0-9A-Z]{18})(?P<seq>\d{3})(?P<letter>[A-Z])$")


def check_permit_number(number: str, credit_code: str | None = None) -> str | None:
    m = PERMIT_RE.match(number)
    if not m:
        return "排污许可证编号应为统一社会信用代码加3位顺序码和1位字母，共22位。"
    if credit_code and m.group("code") != credit_code:
        return f"排污许可证编号中的信用代码（{m.group('code')}）与企业的统一社会信用代码（{credit_code}）不一致。"
    return None


MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def check_phone(phone: str) -> str | None:
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone):
        return None
    return "联系电话应为11位手机号码或带区号的固定电话。"


def check_date(iso: str, *, not_after: date | None = None) -> str | None:
    try:
        value = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return "日期无法识别。"
    if not_after and value > not_after:
        return f"日期{value.year}年{value.month}月{value.day}日晚于今天。"
    return None


VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def check_vin(vin: str) -> str | None:
    return None if VIN_RE.match(vin) else "车辆识别代号应为17位字母和数字（不含I、O、Q）。"
