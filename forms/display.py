"""How values are written in Chinese documents and messages: dates, numbers, yes/no.

The checks' messages and the generated documents write a value the same way, so the
way is declared here, beside the field types that use it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def cn_date(value: date | str | None) -> str:
    """`2020年9月15日` (full year, no leading zeros, GB/T 9704); "" for no date.

    Accepts a date or an ISO string; any other text is returned as it is.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.year}年{value.month}月{value.day}日"


def number(value: Any) -> str:
    """`10` rather than `10.0`, `6.3` as it is; other values as text."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return "" if value is None else str(value)


def yes_no(value: bool | None) -> str:
    return {True: "是", False: "否"}.get(value, "")
