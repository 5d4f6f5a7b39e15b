"""The grading catalogue: industries, documents per grade, emission limits, transport and monitoring
requirements, indicator requirements and remedy wording, every row with its source and a status.

The guideline's tables change (supplements, per-industry guides), so an office owns them: it edits the
catalogue as a workbook (forms/catalogue_workbook.py) and every import is a version the web app keeps.
The checks take the `Catalogue` in force as an argument; `packaged()` is the one shipped in `data/`
(catalogue.toml, industries/*.toml, and the rows of guideline-limits.toml quoted from the guideline:
`grading_link = "direct"`). Only a row marked 已核实 may give a blocking finding (docs/catalogue.md).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cache
from importlib import resources

from forms.industries import catalogue_data, industry_files, industry_names, match_industry, match_name
from forms.rules import RULES
from forms.vocabulary import UNVERIFIED, VERIFIED

ALL = "全部"  # an industry, grade or process column that applies to every one
# documents' conditions on the discharge-permit class
CONDITIONS = (ALL, "重点管理", "非登记管理")
PACKAGED_VERSION = "内置目录"


# ---------------------------------------------------------------- rows


@dataclass(frozen=True)
class Sourced:
    """What every row carries: where it comes from and whether someone checked it there."""

    source: str
    status: str

    @property
    def verified(self) -> bool:
        return self.status == VERIFIED


@dataclass(frozen=True)
class IndustryRow(Sourced):
    name: str = ""
    grades: tuple[str, ...] = ()  # empty: the scale is not confirmed, every grade is accepted


@dataclass(frozen=True)
class AliasRow(Sourced):
    alias: str = ""
    industry: str = ""


@dataclass(frozen=True)
class DocumentRow(Sourced):
    id: str = ""
    grade: str = ""
    kind: str = ""
    condition: str = ALL
    quote: str = ""


@dataclass(frozen=True)
class LimitRow(Sourced):
    id: str = ""
    industry: str = ""
    grade: str = ""
    process: str = ALL  # keywords separated by 、, `*` for a few characters; 全部 for any emission source
    pollutant: str = ""
    mg_m3: float = 0.0
    o2_percent: float | None = None  # reference oxygen content, % (None: not stated)
    quote: str = ""
    note: str = ""

    def applies_to(self, process: str | None) -> bool:
        if self.process == ALL:
            return True
        return bool(process) and any(re.search(pattern, process) for pattern in process_patterns(self.process))


@dataclass(frozen=True)
class TransportRow(Sourced):
    id: str = ""
    industry: str = ""
    grade: str = ""
    category: str = ""  # 大宗物料公路运输, 厂内运输车辆, 厂内非道路移动机械, …
    requirement: str = ""
    clean_share_percent: float | None = None  # the share of 国五及以上（含燃气）和新能源 vehicles, %
    min_stage: str = ""  # the lowest emission stage allowed (国三 for machinery …)
    quote: str = ""


@dataclass(frozen=True)
class MonitoringRow(Sourced):
    id: str = ""
    industry: str = ALL
    grade: str = ALL
    topic: str = ""
    requirement: str = ""
    quote: str = ""


@dataclass(frozen=True)
class RequirementRow(Sourced):
    """The applied grade's requirement of an indicator group: the review sheet's 申报等级要求 cell."""

    id: str = ""
    industry: str = ALL
    indicator: str = ""  # an indicator group's key (装备水平 … 运输监管)
    grade: str = ""
    text: str = ""
    quote: str = ""


@dataclass(frozen=True)
class RemedyRow(Sourced):
    rule: str = ""  # a rule id (`missing_document:eia_approval`) or family (`over_limit`)
    wording: str = ""


TRANSPORT_SHARE_CATEGORY = "大宗物料公路运输"  # the category whose clean share the transport check compares


def process_patterns(process: str) -> list[str]:
    """`烧结机*头、球团` → regular expressions of each keyword (`*` stands for up to four characters)."""
    return [re.escape(word).replace(r"\*", r"\S{0,4}") for word in re.split(r"[、，,;；]", process) if word.strip()]


# ---------------------------------------------------------------- indicator groups (fixed by the guideline)


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    evidence: tuple[str, ...]
    source: str
    requirement: dict[str, str] = field(default_factory=dict)
    requirement_source: str | None = None
    requirement_sources: dict[str, str] = field(default_factory=dict)  # grade → the citation of its row

    def requirement_for(self, grade: str | None) -> str | None:
        """The sourced requirement text for a grade, or None where the catalogue has none yet."""
        return self.requirement.get(grade or "") or None


@cache
def indicator_groups() -> tuple[Indicator, ...]:
    return tuple(Indicator(row["key"], row["name"], tuple(row.get("evidence", ())), row["source"])
                 for row in catalogue_data()["indicator"])


def indicator_key(text: str) -> str | None:
    """An indicator group's key from its key or its name (as a workbook writes it)."""
    for indicator in indicator_groups():
        if text in (indicator.key, indicator.name) or text == indicator.name.split("（")[0]:
            return indicator.key
    return None


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Catalogue:
    industries: tuple[IndustryRow, ...]
    aliases: tuple[AliasRow, ...]
    documents: tuple[DocumentRow, ...]
    limits: tuple[LimitRow, ...]
    transport: tuple[TransportRow, ...]
    monitoring: tuple[MonitoringRow, ...]
    requirements: tuple[RequirementRow, ...]
    remedies: tuple[RemedyRow, ...]
    version: str = field(default=PACKAGED_VERSION, compare=False)  # how findings and documents name it

    # -- content as plain data (the database keeps a version so)
    def to_dict(self) -> dict:
        return {f.name: [asdict(row) for row in getattr(self, f.name)] for f in fields(self) if f.name != "version"}

    @classmethod
    def from_dict(cls, data: dict, version: str = PACKAGED_VERSION) -> Catalogue:
        kinds = {"industries": IndustryRow, "aliases": AliasRow, "documents": DocumentRow, "limits": LimitRow,
                 "transport": TransportRow, "monitoring": MonitoringRow, "requirements": RequirementRow,
                 "remedies": RemedyRow}
        rows = {}
        for name, kind in kinds.items():
            rows[name] = tuple(kind(**{k: tuple(v) if k == "grades" else v for k, v in row.items()})
                               for row in data.get(name, ()))
        return cls(**rows, version=version)

    def named(self, version: str) -> Catalogue:
        return replace(self, version=version)

    # -- industries
    def industry_names(self) -> tuple[str, ...]:
        return tuple(row.name for row in self.industries)

    def industry(self, name: str | None) -> IndustryRow | None:
        return next((row for row in self.industries if row.name == (name or "")), None)

    def match_industry(self, text: str) -> str | None:
        """The catalogue name for how an application writes its industry, or None."""
        return match_name(text, self.industry_names(), {row.alias: row.industry for row in self.aliases})

    # -- documents
    def document_rows(self, grade: str | None, permit_class: str | None = None) -> tuple[DocumentRow, ...]:
        """The documents a bundle of this applied grade needs (an unknown grade: D's)."""
        grades = {row.grade for row in self.documents}
        grade = grade if grade in grades else "D"
        out = []
        for row in self.documents:
            if row.grade != grade:
                continue
            if row.condition == "重点管理" and permit_class != "重点管理":
                continue
            if row.condition == "非登记管理" and permit_class == "登记管理":
                continue  # 登记管理 has a registration receipt, not a permit
            out.append(row)
        return tuple(out)

    def required_documents(self, grade: str | None, permit_class: str | None = None) -> tuple[str, ...]:
        return tuple(row.kind for row in self.document_rows(grade, permit_class))

    def needs_gate_system(self, grade: str | None) -> DocumentRow | None:
        """The row that asks this grade for gate records (a gate system and its electronic ledger), if any."""
        return next((row for row in self.documents if row.grade == grade and row.kind == "gate_records"), None)

    # -- limits and transport
    def limit_for(self, industry: str | None, grade: str | None, pollutant: str,
                  process: str | None) -> LimitRow | None:
        """The applied grade's limit for a pollutant: a process-specific one before a general one."""
        candidates = [row for row in self.limits if row.industry == industry and row.grade == grade
                      and row.pollutant == pollutant and row.applies_to(process)]
        candidates.sort(key=lambda row: row.process == ALL)
        return candidates[0] if candidates else None

    def clean_share_rows(self, industry: str | None) -> dict[str, TransportRow]:
        """Each grade's clean-transport share row of an industry (大宗物料公路运输 with a share)."""
        return {row.grade: row for row in self.transport
                if row.industry == industry and row.category == TRANSPORT_SHARE_CATEGORY
                and row.clean_share_percent is not None}

    # -- indicator requirements, remedies
    def indicators(self, industry_name: str | None = None) -> tuple[Indicator, ...]:
        """The indicator groups with their requirement per grade: the industry's own over the common ones."""
        out = []
        for indicator in indicator_groups():
            texts, sources = {}, {}
            for scope in (ALL, industry_name):
                for row in self.requirements:
                    if row.indicator == indicator.key and row.industry == scope and row.text:
                        texts[row.grade] = row.text
                        sources[row.grade] = self.cite(row, "申报等级要求")
            source = next(iter(sources.values()), None)
            out.append(replace(indicator, requirement=texts, requirement_source=source, requirement_sources=sources))
        return tuple(out)

    def remedy(self, rule_id: str) -> RemedyRow | None:
        family = rule_id.partition(":")[0]
        return next((row for row in self.remedies if row.rule == rule_id), None) or next(
            (row for row in self.remedies if row.rule == family), None)

    # -- citations
    def cite(self, row: Sourced, sheet: str) -> str:
        """How a finding names its row: `行业目录（第3版）“排放限值”表 L-004：来源 …`."""
        ident = getattr(row, "id", "") or getattr(row, "rule", "")
        status = "" if row.verified else "，待核实"
        return f"行业目录（{self.version}）“{sheet}”表 {ident}（来源：{row.source}{status}）"


# ---------------------------------------------------------------- the packaged catalogue


@cache
def _guideline_rows() -> dict:
    """The rows sourced from public copies of the guideline (guideline-limits.toml)."""
    return tomllib.loads(resources.files("forms").joinpath("data/guideline-limits.toml").read_text("utf-8"))


def _direct_source(row: dict) -> str:
    return f"{row['document']}；{row['source']}" if row.get("document") else row["source"]


def _numbered(prefix: str, rows: list) -> tuple:
    return tuple(replace(row, id=f"{prefix}-{i:03d}") for i, row in enumerate(rows, 1))


@cache
def packaged() -> Catalogue:
    """The catalogue shipped with the code: today's sourced rows and the guideline's quoted ones."""
    data = catalogue_data()
    files = industry_files()
    industries = tuple(IndustryRow(d.get("source", ""), d.get("status", VERIFIED), d["name"],
                                   tuple(d.get("grades", ()))) for d in files)
    aliases = tuple(AliasRow(data["source"]["aliases_source"], VERIFIED, alias, name) for alias, name in data["aliases"].items())

    spec = data["required_documents"]
    documents = []
    for grade in ("A", "B", "B-", "引领性", "C", "D"):
        for kind in spec[grade]:
            documents.append(DocumentRow(spec["source"], spec.get("status", VERIFIED), grade=grade, kind=kind,
                                         condition="非登记管理" if kind == "discharge_permit" else ALL,
                                         quote=spec.get("quote", "")))
        if grade in spec["cems_for_key_management"]:
            documents.append(DocumentRow(spec["source"], spec.get("status", VERIFIED), grade=grade, kind="cems_data",
                                         condition="重点管理", quote=spec.get("quote", "")))

    limits, transport, requirements = [], [], []
    for d in files:
        for lim in d.get("limit", ()):
            limits.append(LimitRow(lim["source"], lim.get("status", UNVERIFIED), industry=d["name"], grade=lim["grade"],
                                   process=lim.get("process", ALL), pollutant=lim["pollutant"],
                                   mg_m3=float(lim["mg_m3"]), o2_percent=lim.get("o2_percent"),
                                   quote=lim.get("quote", ""), note=lim.get("note", "")))
        share = dict(d.get("clean_transport_share", {}))
        for grade, value in share.pop("grades", {}).items():
            transport.append(TransportRow(share["source"], share.get("status", UNVERIFIED), industry=d["name"],
                                          grade=grade, category=TRANSPORT_SHARE_CATEGORY,
                                          requirement=f"清洁运输比例不低于{value:g}%", clean_share_percent=float(value),
                                          quote=share.get("quote", "")))
        for key, row in d.get("requirement", {}).items():
            row = dict(row)
            source, status, quote = row.pop("source"), row.pop("status", UNVERIFIED), row.pop("quote", "")
            for grade, text in row.items():
                requirements.append(RequirementRow(source, status, industry=d["name"], indicator=key, grade=grade,
                                                   text=text, quote=quote))
    for row in data["indicator"]:
        req = dict(row.get("requirement", {}))
        if req:
            source, status, quote = req.pop("source"), req.pop("status", UNVERIFIED), req.pop("quote", "")
            for grade, text in req.items():
                requirements.append(RequirementRow(source, status, industry=ALL, indicator=row["key"], grade=grade,
                                                   text=text, quote=quote))

    guideline = _guideline_rows()
    probe = Catalogue(industries, aliases, (), (), (), (), (), ())
    monitoring = []
    for row in guideline.get("transport", ()):
        if row.get("grading_link") != "direct":
            continue
        name = probe.match_industry(row["industry"]) or ALL
        for grade in re.findall(r"A|B-|B|C|D|引领性", row["grade"]) if name == ALL else [row["grade"]]:
            share = row.get("clean_share")
            transport.append(TransportRow(_direct_source(row), VERIFIED, industry=name, grade=grade,
                                          category=row["category"].split("(")[0], requirement=row["requirement"],
                                          clean_share_percent=float(share) if share is not None else None,
                                          min_stage=row.get("min_standard", ""), quote=row.get("quote", "")))
    for row in guideline.get("monitoring", ()):
        if row.get("grading_link") == "direct":
            monitoring.append(MonitoringRow(_direct_source(row), VERIFIED, topic=row["topic"],
                                            requirement=row["requirement"], quote=row.get("quote", "")))

    remedies = tuple(RemedyRow("冀气领办〔2020〕94号 五（提交真实、完整、规范的申报材料）", VERIFIED,
                               rule=f"{rule.family}:{rule.subject}" if rule.subject else rule.family,
                               wording=rule.remedy) for rule in RULES)
    return Catalogue(industries, aliases, _numbered("M", documents), _numbered("L", limits),
                     _numbered("T", transport), _numbered("J", monitoring), _numbered("R", requirements), remedies)


# ---------------------------------------------------------------- the packaged catalogue's shortcuts
# (for code that has no case: the extractors' label engine, the fixtures)

__all__ = ["Catalogue", "packaged", "indicators", "required_documents", "industry_names", "match_industry"]


def indicators(industry_name: str | None = None, catalogue: Catalogue | None = None) -> tuple[Indicator, ...]:
    return (catalogue or packaged()).indicators(industry_name)


def required_documents(grade: str | None, permit_class: str | None = None) -> tuple[str, ...]:
    return packaged().required_documents(grade, permit_class)
