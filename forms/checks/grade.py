"""Against the applied grade: emission limits, clean transport, duplicate vehicles, gate system."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from forms import rules
from forms.catalogue import industry, needs_gate_system
from forms.checks.base import CheckContext
from forms.facts import Finding, Source
from forms.vocabulary import CLEAN_STAGES


def _num(value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _fmt(value: float) -> str:
    return f"{value:g}"


def over_limits(ctx: CheckContext) -> Iterator[Finding]:
    """A measured concentration above the catalogue's limit for the grade, else above the printed one."""
    extraction = ctx.extraction
    grade = extraction.value("applied_grade")
    ind = industry(extraction.value("industry"))
    for row in extraction.table("emissions"):
        concentration = _num(row.get("concentration_mg_m3"))
        pollutant = row.get("pollutant")
        if concentration is None or not pollutant:
            continue
        where = " ".join(x for x in (row.get("outlet_id"), row.get("source")) if x)
        limit = ind.limit_for(grade, pollutant, row.get("source")) if ind and grade else None
        if limit is not None:
            value, basis = limit.mg_m3, f"行业目录{grade}级限值（{limit.source}）"
            label = f"{ind.name}{grade}级限值"
        elif _num(row.get("limit_mg_m3")) is not None:
            value, basis = _num(row["limit_mg_m3"]), "监测报告所列执行标准限值（行业目录暂无该等级限值）"
            label = "报告所列标准限值"
        else:
            continue
        if concentration > value:
            yield rules.OVER_LIMIT.finding(
                f"{where}{pollutant}实测浓度{_fmt(concentration)} mg/m³，超过{label}{_fmt(value)} mg/m³。",
                [Source.from_dict(row["source_ref"])], param=pollutant, basis=basis)


def clean_share(ctx: CheckContext) -> Iterator[Finding]:
    extraction = ctx.extraction
    grade = extraction.value("applied_grade")
    vehicles = [v for v in extraction.table("vehicles") if v.get("emission_stage")]
    if not vehicles or not grade:
        return
    clean = sum(1 for v in vehicles if v["emission_stage"] in CLEAN_STAGES)
    share = clean / len(vehicles)
    ind = industry(extraction.value("industry"))
    needed = ind.clean_transport_share.get(grade) if ind else None
    evidence = list({v["source_ref"]["file"]: Source(v["source_ref"]["file"], v["source_ref"].get("page"))
                     for v in vehicles}.values())
    if needed is None:
        # not a shortfall (none is stated): information under its own id, whatever the share
        yield rules.CLEAN_SHARE_INFO.finding(
            (f"运输车辆中国五及以上（含燃气）和新能源车辆占{share:.0%}（{clean}/{len(vehicles)}）；"
             f"行业目录暂无{grade}级的清洁运输比例要求，请对照《技术指南》核实。"), evidence)
        return
    if share + 1e-9 < needed:
        yield rules.CLEAN_SHARE.finding(
            (f"运输车辆中国五及以上（含燃气）和新能源车辆占{share:.0%}（{clean}/{len(vehicles)}），"
             f"低于{ind.name}{grade}级要求的{needed:.0%}。"),
            evidence, basis=ind.clean_transport_source)


def duplicate_vins(ctx: CheckContext) -> Iterator[Finding]:
    rows_by_vin: dict[str, list[dict]] = defaultdict(list)
    for row in ctx.extraction.table("vehicles"):
        if row.get("vin"):
            rows_by_vin[row["vin"]].append(row)
    for vin, rows in rows_by_vin.items():
        plates = {r.get("plate") for r in rows if r.get("plate")}  # a plate not read is no second vehicle
        files = {r["source_ref"]["file"] for r in rows}
        if len(rows) > 1 and (len(plates) > 1 or len(files) == 1):
            yield rules.DUPLICATE_VIN.finding(
                (f"车辆识别代号 {vin} 出现在 {len(rows)} 辆车上（车牌 "
                 f"{'、'.join(sorted(p for p in plates if p))}），请核实台账真实性。"),
                [Source.from_dict(r["source_ref"]) for r in rows])


def gate_system(ctx: CheckContext) -> Iterator[Finding]:
    extraction = ctx.extraction
    grade = extraction.value("applied_grade")
    fact = extraction.field("gate_system")
    if needs_gate_system(grade) and fact is not None and fact.value is False:
        yield rules.GATE_SYSTEM.finding(f"申报{grade}级须安装门禁系统并建立电子台账，申报表填报未安装门禁系统。",
                                        [fact.source])
