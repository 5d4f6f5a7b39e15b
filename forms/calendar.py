"""The campaign calendar as configuration: deadlines of the year, publicity period."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Deadline:
    key: str
    day: date
    label: str
    source: str


@dataclass(frozen=True)
class Calendar:
    year: int
    deadlines: dict[str, Deadline]
    publicity_working_days: int

    def rectification_deadline(self, today: date) -> Deadline | None:
        """The rectification window still open on `today`: 9月15日, then 12月15日; None after both."""
        for key in ("rectification_first", "rectification_second"):
            deadline = self.deadlines[key]
            if today <= deadline.day:
                return deadline
        return None


def load_calendar(path: str | Path | None = None, year: int | None = None) -> Calendar:
    """The calendar file (default forms/data/calendar.toml), its dates moved to `year` when given."""
    text = Path(path).read_text("utf-8") if path else _default_text()
    data = tomllib.loads(text)
    year = year or data["year"]
    deadlines = {
        key: Deadline(key, date(year, d["month"], d["day"]), d["label"], d.get("source", ""))
        for key, d in data["deadlines"].items()
    }
    return Calendar(year, deadlines, data["publicity"]["working_days"])


@cache
def _default_text() -> str:
    return resources.files("forms").joinpath("data/calendar.toml").read_text("utf-8")
