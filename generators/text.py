"""How values are written in generated documents: dates, numbers, yes/no (forms.display), percentages."""

from __future__ import annotations

from forms.display import cn_date, number, yes_no

__all__ = ["cn_date", "number", "percent", "yes_no"]


def percent(part: int, whole: int) -> str:
    """`91.7%`; `0%` of nothing."""
    if not whole:
        return "0%"
    return f"{number(round(100 * part / whole, 1))}%"
