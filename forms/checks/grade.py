"""Against the applied grade: emission limits, clean transport, duplicate vehicles, gate system."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from forms import rules
from forms.checks.base import CheckContext
from forms.facts import Finding, Source
from forms.field_types import FIELD_TYPES
from forms.vocabulary import CLEAN_STAGES

PRINTED_LIMIT_BASIS = "监测报告所列执行标准限值"


def _num(value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _fmt(value: float) -> str:
    return f"{value:g}"


def over_limits(ctx: CheckContext) -> Iterator[Finding]:
    """A measured concentration above the catalogue's limit for the grade (blocking when its row is 已核实, a note
    when 待核实), else above the limit the report prints."""
    extraction = ctx.extraction
    grade = extraction.value("applied_grade")
    industry = extraction.value("industry")
    for row in extraction.table("emissions"):
        concentration = _num(row.get("concentration_mg_m3"))
        pollutant = row.get("pollutant")
        if concentration is None or not pollutant:
            continue
        where = " ".join(x for x in (row.get("outlet_id"), row.get("source")) if x)
        evidence = [Source.from_dict(row["source_ref"])]
        limit = ctx.catalogue.limit_for(industry, grade, pollutant, row.get("source")) if grade else None
        printed = _num(row.get("limit_mg_m3"))
        if limit is not None and concentration > limit.mg_m3:
            basis = f"{industry}{grade}级限值：{ctx.catalogue.cite(limit, '排放限值')}"
            o2 = f"（基准氧含量{_fmt(limit.o2_percent)}%）" if limit.o2_percent is not None else ""
            message = (f"{where}{pollutant}实测浓度{_fmt(concentration)} mg/m³，超过{industry}{grade}级限值"
                       f"{_fmt(limit.mg_m3)} mg/m³{o2}（行业目录{limit.id}）。")
            if limit.verified:
                yield rules.OVER_LIMIT.finding(message, evidence, param=pollutant, basis=basis)
                continue
            yield rules.OVER_LIMIT.finding(message + "该限值在行业目录中待核实，仅供参考。", evidence, param=pollutant,
                                           severity="note", basis=basis)
        if printed is not None and concentration > printed:
            yield rules.OVER_LIMIT.finding(
                f"{where}{pollutant}实测浓度{_fmt(concentration)} mg/m³，超过报告所列标准限值{_fmt(printed)} mg/m³。",
                evidence, param=pollutant, basis=PRINTED_LIMIT_BASIS)


def clean_share(ctx: CheckContext) -> Iterator[Finding]:
    extraction = ctx.extraction
    grade = extraction.value("applied_grade")
    vehicles = [v for v in extraction.table("vehicles") if v.get("emission_stage")]
    if not vehicles or not grade:
        return
    clean = sum(1 for v in vehicles if v["emission_stage"] in CLEAN_STAGES)
    share = clean / len(vehicles)
    industry = extraction.value("industry")
    needed = ctx.catalogue.clean_share_rows(industry).get(grade)
    evidence = list({v["source_ref"]["file"]: Source(v["source_ref"]["file"], v["source_ref"].get("page"))
                     for v in vehicles}.values())
    stated = f"运输车辆中国五及以上（含燃气）和新能源车辆占{share:.0%}（{clean}/{len(vehicles)}）"
    if needed is None:
        # not a shortfall (none is stated): information under its own id, whatever the share
        yield rules.CLEAN_SHARE_INFO.finding(f"{stated}；行业目录暂无{grade}级的清洁运输比例要求，请对照《技术指南》核实。",
                                             evidence)
        return
    if share * 100 + 1e-7 < needed.clean_share_percent:
        message = f"{stated}，低于{industry}{grade}级要求的{needed.clean_share_percent:g}%（行业目录{needed.id}）。"
        if not needed.verified:
            message += "该要求在行业目录中待核实，仅供参考。"
        yield rules.CLEAN_SHARE.finding(message, evidence, severity="blocking" if needed.verified else "note",
                                        basis=ctx.catalogue.cite(needed, "运输要求"))


def duplicate_vins(ctx: CheckContext) -> Iterator[Finding]:
    """A VIN on two vehicles: under two plates, or twice in one document. The same truck in the form and in
    the ledger is one truck, whether they are two files or two parts of one (a 申报材料汇编)."""
    rows_by_vin: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for n, doc in enumerate(ctx.extraction.documents):
        for row in doc.tables.get("vehicles", []):
            if row.get("vin"):
                rows_by_vin[row["vin"]].append((n, row))
    for vin, found in rows_by_vin.items():
        rows = [row for _, row in found]
        # a plate not read, or read as no plate can be (普AZ8267: its province misread), is no second vehicle
        plates = {r.get("plate") for r in rows if r.get("plate") and FIELD_TYPES["plate"].plausible(r["plate"])}
        # a plate OCR read one character off (冀EB4419 for the ledger's 冀FB4419) is the same truck's
        read = {r.get("plate") for n, r in found if ctx.extraction.documents[n].method == "ocr"}
        plates = {p for p in plates if not (p in read and any(_one_off(p, q) for q in plates - {p}))}
        per_document = Counter(n for n, _ in found)
        if len(rows) > 1 and (len(plates) > 1 or max(per_document.values()) > 1):
            yield rules.DUPLICATE_VIN.finding(
                (f"车辆识别代号 {vin} 出现在 {len(rows)} 辆车上（车牌 "
                 f"{'、'.join(sorted(p for p in plates if p))}），请核实台账真实性。"),
                [Source.from_dict(r["source_ref"]) for r in rows])


def _one_off(a: str, b: str) -> bool:
    """Two texts of one length differing in one character."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def gate_system(ctx: CheckContext) -> Iterator[Finding]:
    extraction = ctx.extraction
    grade = extraction.value("applied_grade")
    fact = extraction.field("gate_system")
    row = ctx.catalogue.needs_gate_system(grade)
    if row is not None and fact is not None and fact.value is False:
        message = f"申报{grade}级须安装门禁系统并建立电子台账，申报表填报未安装门禁系统。"
        yield rules.GATE_SYSTEM.finding(message if row.verified else message + "（该要求在行业目录中待核实，仅供参考）",
                                        [fact.source], severity=None if row.verified else "note",
                                        basis=ctx.catalogue.cite(row, "申报材料"))
