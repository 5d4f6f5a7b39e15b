"""The industry and indicator catalogue, read from data files an office can edit.

`data/catalogue.toml` holds what every industry shares (indicator groups, the
documents each grade needs); `data/industries/<name>.toml` one industry each,
with only the requirements, limits and shares whose source is known. An office
adds an industry by adding a file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path

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


@dataclass(frozen=True)
class Limit:
    grade: str
    process: str  # a regular expression over the emission source, `*` for any
    pollutant: str
    mg_m3: float
    source: str

    def applies_to(self, process: str | None) -> bool:
        return self.process == "*" or bool(process and re.search(self.process, process))


@dataclass(frozen=True)
class Industry:
    name: str
    source: str
    grades: tuple[str, ...] | None  # None: the scale is not confirmed, every grade is accepted
    requirements: dict[str, dict[str, str]]
    requirement_sources: dict[str, str]
    limits: tuple[Limit, ...]
    clean_transport_share: dict[str, float]
    clean_transport_source: str | None

    def limit_for(self, grade: str, pollutant: str, process: str | None) -> Limit | None:
        """The applied grade's limit for a pollutant: a process-specific one before a general one."""
        candidates = [lim for lim in self.limits if lim.grade == grade and lim.pollutant == pollutant
                      and lim.applies_to(process)]
        candidates.sort(key=lambda lim: lim.process == "*")
        return candidates[0] if candidates else None


@cache
def _data() -> dict:
    return tomllib.loads(resources.files("forms").joinpath("data/catalogue.toml").read_text("utf-8"))


def _industry_dir() -> Path:
    return Path(str(resources.files("forms").joinpath("data/industries")))


@cache
def industries() -> dict[str, Industry]:
    out: dict[str, Industry] = {}
    for path in sorted(_industry_dir().glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        requirements, req_sources = {}, {}
        for key, row in data.get("requirement", {}).items():
            row = dict(row)
            req_sources[key] = row.pop("source", "")
            requirements[key] = row
        share = dict(data.get("clean_transport_share", {}))
        share_source = share.pop("source", None)
        out[data["name"]] = Industry(
            name=data["name"], source=data.get("source", ""),
            grades=tuple(data["grades"]) if data.get("grades") else None,
            requirements=requirements, requirement_sources=req_sources,
            limits=tuple(Limit(lim["grade"], lim.get("process", "*"), lim["pollutant"], float(lim["mg_m3"]),
                               lim["source"]) for lim in data.get("limit", ())),
            clean_transport_share={k: float(v) for k, v in share.items()},
            clean_transport_source=share_source,
        )
    return dict(sorted(out.items(), key=lambda kv: _order(kv[0])))


def _order(name: str) -> int:
    national = _data()["source"]["industries"]
    return national.index(name) if name in national else len(national)


def industry_names() -> tuple[str, ...]:
    return tuple(industries())


def industry(name: str | None) -> Industry | None:
    return industries().get(name or "")


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
    stripped = text.removesuffix("行业")
    if stripped in names:
        return stripped
    # 砖瓦窑制造, 铸造件: one catalogue name inside the text, or the text inside one name only
    holders = [name for name in names if name in stripped] or [
        name for name in names if stripped in name and len(stripped) >= 0.4 * len(name)]
    return holders[0] if len(holders) == 1 and len(stripped) >= 2 else None


@cache
def _indicators() -> tuple[Indicator, ...]:
    out = []
    for row in _data()["indicator"]:
        req = dict(row.get("requirement", {}))
        req_source = req.pop("source", None)
        out.append(Indicator(row["key"], row["name"], tuple(row.get("evidence", ())), row["source"],
                             req, req_source))
    return tuple(out)


def indicators(industry_name: str | None = None) -> tuple[Indicator, ...]:
    """The indicator groups, with the industry's own sourced requirements over the common ones."""
    ind = industry(industry_name)
    if ind is None:
        return _indicators()
    out = []
    for indicator in _indicators():
        own = ind.requirements.get(indicator.key)
        if own:
            indicator = replace(indicator, requirement={**indicator.requirement, **own},
                                requirement_source=ind.requirement_sources.get(indicator.key))
        out.append(indicator)
    return tuple(out)


def required_documents(grade: str | None, permit_class: str | None = None) -> tuple[str, ...]:
    """The document kinds a bundle of this applied grade needs."""
    spec = _data()["required_documents"]
    kinds = list(spec.get(grade or "", spec["D"]))
    if permit_class == "重点管理" and grade in spec["cems_for_key_management"]:
        kinds.append("cems_data")
    if permit_class == "登记管理" and "discharge_permit" in kinds:
        kinds.remove("discharge_permit")  # 登记管理 has a registration receipt, not a permit
    return tuple(kinds)


def required_documents_source() -> str:
    return _data()["required_documents"]["source"]


def needs_gate_system(grade: str | None) -> bool:
    return grade in _data()["required_documents"]["gate_system_grades"]
