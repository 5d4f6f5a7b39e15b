"""What every rule gets: the extraction, the date it treats as today and the grading catalogue in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from forms.catalogue import Catalogue, packaged
from forms.facts import Extraction


@dataclass(frozen=True)
class CheckContext:
    extraction: Extraction
    as_of: date
    catalogue: Catalogue

    @classmethod
    def build(cls, extraction: Extraction, as_of: date | None, catalogue: Catalogue | None = None) -> CheckContext:
        """`as_of` defaults to the application date when known, else today (docs/cli.md)."""
        if as_of is None:
            applied = extraction.value("application_date")
            try:
                as_of = date.fromisoformat(applied) if applied else date.today()
            except ValueError:
                as_of = date.today()
        return cls(extraction, as_of, catalogue or packaged())
