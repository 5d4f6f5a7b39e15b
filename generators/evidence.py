"""What a bundle shows for one indicator: a short Chinese summary and where it came from.

An indicator's `evidence` (forms/data/catalogue.toml) names canonical fields and
`table:<key>` tables; each is summarised here from the extraction, with the
places it was read from, so an expert can check the prefilled text against the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from forms.facts import Extraction, Source
from forms.fields import FIELDS, TABLES
from forms.vocabulary import CLEAN_STAGES
from generators.text import number, percent

NOT_FOUND = "申报材料中未找到，请现场核实"
MAX_ROWS = 10  # rows of a table written out before "等共N项"
MAX_SOURCES = 6
MAX_TABLE_PLACES = 3  # above this a table's sources are given by file and page


def summarise(extraction: Extraction, evidence: Sequence[str]) -> tuple[str, list[str]]:
    """(summary, sources) for an indicator's evidence; sources read `来源：<place>`."""
    parts: list[str] = []
    sources: list[str] = []
    missing: list[str] = []
    for item in evidence:
        if item.startswith("table:"):
            key = item.removeprefix("table:")
            rows = extraction.table(key)
            if not rows:
                missing.append(TABLES[key].label if key in TABLES else key)
                continue
            parts.append(_TABLE_SUMMARIES.get(key, _summarise_rows)(rows))
            sources.extend(_row_sources(rows))
        else:
            fact = extraction.field(item)
            label = FIELDS[item].label if item in FIELDS else item
            if fact is None or fact.value in (None, ""):
                missing.append(label)
                continue
            parts.append(f"{label}：{field_text(item, fact.value)}")
            sources.append(f"{fact.source.describe()}（{label}）")
    if not parts:
        return NOT_FOUND, []
    if missing:
        parts.append(f"申报材料中未找到{'、'.join(missing)}，请核实")
    return "\n".join(parts), _cap([f"来源：{s}" for s in dict.fromkeys(sources)])


def field_text(key: str, value: Any) -> str:
    """A field's value as a clerk writes it: dates in Chinese, booleans as 是/否."""
    return FIELDS[key].display(value) if key in FIELDS else number(value)


def _summarise_emissions(rows: list[dict[str, Any]]) -> str:
    """One item per outlet and pollutant: the application form's and the monitoring report's readings of the
    same measurement side by side (`申报表 6.1、监测报告 6.3 mg/m³`), a difference flagged."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for i, row in enumerate(rows):
        outlet, pollutant = row.get("outlet_id"), row.get("pollutant")
        groups.setdefault((outlet, pollutant) if outlet and pollutant else (i,), []).append(row)
    items = []
    for group in groups.values():
        first = group[0]
        text = " ".join(str(v) for v in (first.get("outlet_id"), first.get("pollutant")) if v)
        readings = [(_document(row), row.get("concentration_mg_m3")) for row in group]
        if len(group) == 1:
            conc = readings[0][1]
            text += f" {number(conc)} mg/m³" if conc is not None else " 浓度未填"
        else:
            text += " " + "、".join(f"{doc}{number(conc) if conc is not None else '未填'}" for doc, conc in readings)
            text += " mg/m³"
            if len({conc for _, conc in readings}) > 1:
                text += "，两者不一致，请核实"
        limit = next((row.get("limit_mg_m3") for row in group if row.get("limit_mg_m3") is not None), None)
        if limit is not None:
            over = any(isinstance(conc, int | float) and isinstance(limit, int | float) and conc > limit
                       for _, conc in readings)
            text += f"（限值{number(limit)}{'，超限' if over else ''}）"
        items.append(text.strip())
    return _join_rows(items)


def _document(row: dict[str, Any]) -> str:
    """The document a table row was read from, by its file's name without the extension (申报表, 监测报告)."""
    name = str((row.get("source_ref") or {}).get("file") or "").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


def summarise_vehicles(rows: list[dict[str, Any]]) -> str:
    """`运输车辆共N辆：国五及以上…，合计…，占…%；其余…` for the vehicles table."""
    return _summarise_vehicles(rows)


def _summarise_vehicles(rows: list[dict[str, Any]]) -> str:
    stages = Counter(row.get("emission_stage") or "排放阶段不明" for row in rows)
    total = len(rows)
    clean = sum(stages[s] for s in CLEAN_STAGES)
    text = (f"运输车辆共{total}辆：国五及以上{stages['国五'] + stages['国六']}辆、新能源{stages['新能源']}辆、"
            f"燃气{stages['燃气']}辆，合计{clean}辆，占{percent(clean, total)}")
    others = [f"{stage}{count}辆" for stage, count in sorted(stages.items()) if stage not in CLEAN_STAGES]
    return text + (f"；其余{'、'.join(others)}" if others else "")


def _summarise_facilities(rows: list[dict[str, Any]]) -> str:
    items = []
    for row in rows:
        name = row.get("facility") or ""
        if row.get("technology") and row.get("technology") != name:
            name = f"{name}（{row['technology']}）" if name else row["technology"]
        items.append(f"{row['process']}：{name}" if row.get("process") else name)
    return _join_rows([i for i in items if i])


def _summarise_rows(rows: list[dict[str, Any]]) -> str:
    return f"共{len(rows)}项"


_TABLE_SUMMARIES: dict[str, Callable[[list[dict[str, Any]]], str]] = {
    "emissions": _summarise_emissions,
    "vehicles": _summarise_vehicles,
    "treatment_facilities": _summarise_facilities,
}


def _join_rows(items: list[str]) -> str:
    text = "；".join(items[:MAX_ROWS])
    return text + (f"等，共{len(items)}项" if len(items) > MAX_ROWS else "")


def _row_sources(rows: list[dict[str, Any]]) -> list[str]:
    """Where the rows were read from: cell by cell when that is short, else file and page."""
    refs = [Source.from_dict(row["source_ref"]) for row in rows if (row.get("source_ref") or {}).get("file")]
    places = list(dict.fromkeys(ref.describe() for ref in refs))
    if len(places) > MAX_TABLE_PLACES:
        places = list(dict.fromkeys(Source(ref.file, ref.page).describe() for ref in refs))
    return places


def _cap(sources: list[str]) -> list[str]:
    if len(sources) <= MAX_SOURCES:
        return sources
    return sources[:MAX_SOURCES] + [f"等{len(sources)}处"]
