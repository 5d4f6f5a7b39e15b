"""The industry and indicator catalogue, read from data files an office can edit."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from forms.normalize import clean_text, normalise_brackets, squeeze_cjk_spaces


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    evidence: tuple[str, ...]
    source: str
    requirement: dict[str, str] = field(default_factory=dict)
    requirement_source: str | None = None

    def requirement_for(self, grade: str | None) -> str | None:
        """The sourced requirement text for a grade, or None where the catalogue has none yet."""
        return self.requirement.get(grade or "") or None


@cache
def _data() -> dict:
    return tomllib.loads(resources.files("forms").joinpath("data/catalogue.toml").read_text("utf-8"))


@cache
def industry_names() -> tuple[str, ...]:
    return tuple(_data()["source"]["industries"])


def match_industry(text: str) -> str | None:
    """The catalogue name for how an application writes its industry, or None."""
    text = normalise_brackets(squeeze_cjk_spaces(clean_text(text))).replace(" ", "")
    if not text:
        return None
    names = industry_names()
    if text in names:
        return text
    aliases = _data().get("aliases", {})
    if text in aliases:
        return aliases[text]
    stripped = text.removesuffix("行业").removesuffix("业") if text.endswith("行业") else text
    if stripped in names:
        return stripped
    return None


@cache
def indicators() -> tuple[Indicator, ...]:
    out = []
    for row in _data()["indicator"]:
        req = dict(row.get("requirement", {}))
        req_source = req.pop("source", None)
        out.append(Indicator(row["key"], row["name"], tuple(row.get("evidence", ())), row["source"],
                             req, req_source))
    return tuple(out)
