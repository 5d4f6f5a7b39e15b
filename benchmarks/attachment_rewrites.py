"""Evidence documents as other hands retype them, for benchmarks/robustness.py.

fixtures/ writes a bundle's permit, licence, approval, lab report, register and pledge, and the classifier
and label lists were written beside it, so the corpus cannot show what happens to a registration receipt
headed 排污登记回执, a lab report whose client is the 受检单位, or a register whose stage column says 国Ⅵ.
This writes each chosen attachment anew in Word from what the original states (the bundle's truth, so
planted defects stay planted), in the wording of benchmarks/attachment_wording.toml (a list written blind,
see its header) and in one of the ways people lay such a document out: label：value lines, a two- or
four-column table, labels and values apart by spaces, labels spread a character at a time, values on
underlined blanks, an approval as the bureau's letter (its number alone under the letterhead, the date at
the end), a lab report with its number in the page header. Several retyped documents may come as one Word
file, a page each (申报附件.docx), as enterprises put them together.
"""

from __future__ import annotations

import io
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fixtures.wording import cn_numeral_date

WORDING = Path(__file__).with_name("attachment_wording.toml")
RETYPED_KINDS = ("business_license", "discharge_permit", "eia_approval", "acceptance", "monitoring_report",
                 "transport_ledger", "pledge")
PAIR_STYLES = ("colon", "half_colon", "table2", "table4", "spaces", "spread", "underline")
_COMPANY = re.compile(r"[\u4e00-\u9fff]{2,24}?(?:有限责任公司|股份有限公司|有限公司)")


def wording() -> dict[str, Any]:
    return tomllib.loads(WORDING.read_text("utf-8"))


@dataclass
class Retyped:
    """One retyped document: its kind and what it states (the truth's fields and tables, as written)."""

    kind: str
    fields: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    style: str = ""


def _date(value: str, rng, words: dict[str, Any]) -> str:
    d = date.fromisoformat(value)
    pattern = rng.choice(words["values"]["date_formats"])
    if pattern == "cn":
        return cn_numeral_date(d)
    return pattern.format(y=d.year, m=f"{d.month:02d}", d=f"{d.day:02d}", M=d.month, D=d.day)


def _title(title: str, enterprise: str) -> str:
    """A title from the list with the bundle's enterprise in place of the example one (after 关于 where the
    issuer comes first) and of XX."""
    title = title.replace("XX", f"{enterprise}技术改造")
    issuer, about, rest = title.rpartition("关于")
    if about:
        return issuer + about + _COMPANY.sub(enterprise, rest, count=1)
    return _COMPANY.sub(enterprise, title, count=1)


def _spread(label: str) -> str:
    return "  ".join(label) if len(label) <= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", label) else label


def _table(doc, rows: list[list[str]]):
    table = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    return table


def _pairs(doc, pairs: list[tuple[str, str]], style: str, rng) -> None:
    """Label–value pairs laid out in `style`."""
    if style == "table2":
        _table(doc, [[label, value] for label, value in pairs])
    elif style == "table4":
        rows = [[*pairs[i], *(pairs[i + 1] if i + 1 < len(pairs) else ("", ""))] for i in range(0, len(pairs), 2)]
        _table(doc, [list(r) for r in rows])
    else:
        for label, value in pairs:
            if style == "colon":
                doc.add_paragraph(f"{label}：{value}")
            elif style == "half_colon":
                doc.add_paragraph(f"{label}: {value}")
            elif style == "spaces":
                doc.add_paragraph(f"{label}{' ' * rng.randint(3, 6)}{value}")
            elif style == "spread":
                doc.add_paragraph(f"{_spread(label)}：{value}")
            else:  # underline: the value typed on the blank after the label
                p = doc.add_paragraph(f"{label}：")
                p.add_run(f"  {value}  ").underline = True


def _centred(doc, text: str, size: int = 18, bold: bool = True) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold, run.font.size = bold, Pt(size)


def _right(doc, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _label(kind: str, key: str, rng, words: dict[str, Any], registration: bool = False) -> str:
    entry = words["kind"][kind]
    if registration and key in entry.get("registration_labels", {}):
        return rng.choice(entry["registration_labels"][key])
    return rng.choice(entry["labels"][key])


def _write_fields(doc, kind: str, facts: dict[str, Any], order: list[str], rng, words: dict[str, Any],
                  registration: bool = False, filler: list[tuple[str, str]] = ()) -> str:
    """The document's facts as pairs (dates written as other hands write them), filler pairs among them;
    the style used."""
    values = words["values"]
    pairs: list[tuple[str, str]] = []
    for key in order:
        if key not in facts or facts[key] in (None, ""):
            continue
        value = facts[key]
        if key == "permit_valid_until":
            end = _date(value, rng, words)
            if facts.get("permit_issue_date") and rng.random() < 0.6:
                start = _date(facts["permit_issue_date"], rng, words)
                end = rng.choice(values["validity_phrases"]).format(start=start, end=end)
            value = end
        elif key.endswith("_date"):
            value = _date(value, rng, words)
        elif key == "permit_class":
            value = rng.choice([value, *values["permit_class"].get(value, [])])
        pairs.append((_label(kind, key, rng, words, registration), str(value)))
    for label, value in filler:
        pairs.insert(rng.randint(1, len(pairs)), (label, value))
    style = rng.choice(PAIR_STYLES)
    _pairs(doc, pairs, style, rng)
    return style


def _business_license(doc, r: Retyped, enterprise: str, rng, words) -> str:
    est = r.fields.get("established_date")
    filler = [("类型", "有限责任公司（自然人投资或控股）"), ("注册资本", f"{rng.randint(5, 80) * 100}万元整")]
    if est:
        filler.append(("营业期限", f"{_date(est, rng, words)}至长期"))
    style = _write_fields(doc, r.kind, r.fields, ["credit_code", "enterprise_name", "legal_representative",
                                                  "established_date", "address"], rng, words, filler=filler)
    doc.add_paragraph("经营范围：铸件、机械配件制造、销售。（依法须经批准的项目，经相关部门批准后方可开展经营活动）")
    return style


def _discharge_permit(doc, r: Retyped, enterprise: str, rng, words, registration: bool) -> str:
    return _write_fields(doc, r.kind, r.fields, ["enterprise_name", "address", "legal_representative", "credit_code",
                                                 "permit_class", "permit_number", "permit_valid_until",
                                                 "permit_issue_date"], rng, words, registration,
                         filler=[("行业类别", "黑色金属铸造")])


def _eia_approval(doc, r: Retyped, enterprise: str, rng, words) -> str:
    number, day = r.fields.get("eia_approval_number"), r.fields.get("eia_approval_date")
    if rng.random() < 0.5:  # the bureau's letter: its number alone under the letterhead, the date at the end
        if number:
            _centred(doc, number, 12, False)
        doc.add_paragraph(f"{r.fields.get('enterprise_name', enterprise)}：")
        doc.add_paragraph("你单位报送的《建设项目环境影响报告表》（以下简称《报告表》）收悉。经研究，批复如下：")
        doc.add_paragraph("一、该项目在落实《报告表》提出的各项污染防治措施后，从环境保护角度分析，项目建设可行。")
        doc.add_paragraph("二、项目竣工后，须按规定程序开展竣工环境保护验收，验收合格后方可正式投入生产。")
        if day:
            _right(doc, _date(day, rng, words))
        return "letter"
    return _write_fields(doc, r.kind, r.fields, ["enterprise_name", "eia_approval_number", "eia_approval_date"],
                         rng, words)


def _acceptance(doc, r: Retyped, enterprise: str, rng, words) -> str:
    conclusion = rng.choice(words["values"]["conclusion"])
    style = _write_fields(doc, r.kind, r.fields, ["enterprise_name", "acceptance_date"], rng, words,
                          filler=[(rng.choice(words["kind"]["acceptance"]["labels"]["acceptance_conclusion"]),
                                   conclusion)])
    doc.add_paragraph("验收组认为，该项目环保手续齐全，落实了环评及批复提出的各项环境保护措施，"
                      "污染物排放满足相关标准要求。")
    return style


def _emission_rows(r: Retyped, rng, words) -> list[list[str]]:
    table = words["table"]["emissions"]
    names = words["values"]["pollutant"]
    keys = ["outlet_id", "source", "pollutant", "concentration_mg_m3", "limit_mg_m3"]
    rows = [[rng.choice(table[k]) for k in keys]]
    for row in r.tables.get("emissions", []):
        pollutant = row.get("pollutant") or ""
        out = []
        for k in keys:
            value = row.get(k)
            if k == "pollutant" and pollutant in names:
                value = rng.choice(names[pollutant])
            out.append("/" if value in (None, "") else (f"{value:g}" if isinstance(value, float) else str(value)))
        rows.append(out)
    return rows


def _monitoring_report(doc, r: Retyped, enterprise: str, rng, words) -> str:
    fields = dict(r.fields)
    if rng.random() < 0.3 and fields.get("report_number"):  # the number in the page header, on every page
        label = rng.choice(words["kind"]["monitoring_report"]["labels"]["report_number"])
        doc.sections[0].header.paragraphs[0].text = f"{label}：{fields['report_number']}"
        style = "header+"
        fields.pop("report_number")
    else:
        style = ""
    facts = {**fields, "enterprise_name": fields.get("enterprise_name", enterprise)}
    style += _write_fields(doc, r.kind, facts, ["report_number", "enterprise_name", "testing_lab", "sampling_date",
                                                "report_date"], rng, words)
    doc.add_paragraph("检测结果")
    _table(doc, _emission_rows(r, rng, words))
    doc.add_paragraph("（以下空白）")
    return style


def _vehicle_rows(r: Retyped, enterprise: str, rng, words) -> list[list[str]]:
    table = words["table"]["vehicles"]
    stages = words["values"]["stage"]
    keys = ["plate", "vin", "emission_stage", "registration_date"]
    extra = rng.choice([[], ["车辆类型"], ["燃料种类"], ["车辆类型", "所有人"]])
    rows = [["序号", *(rng.choice(table[k]) for k in keys), *extra]]
    date_format = rng.choice(words["values"]["date_formats"])
    one_date = {**words, "values": {**words["values"], "date_formats": [date_format]}}
    for i, row in enumerate(r.tables.get("vehicles", []), 1):
        stage = row.get("emission_stage") or ""
        out = [str(i)]
        for k in keys:
            value = row.get(k)
            if k == "emission_stage" and stage in stages and rng.random() < 0.5:
                value = rng.choice(stages[stage])
            elif k == "registration_date" and value:
                value = _date(value, rng, one_date)
            out.append("" if value is None else str(value))
        fuel = "电" if stage == "新能源" else "天然气" if stage == "燃气" else "柴油"
        out += [{"车辆类型": "重型半挂牵引车", "燃料种类": fuel, "所有人": enterprise}[e] for e in extra]
        rows.append(out)
    return rows


def _transport_ledger(doc, r: Retyped, enterprise: str, rng, words) -> str:
    label = rng.choice(words["kind"]["transport_ledger"]["labels"]["enterprise_name"])
    doc.add_paragraph(f"{label}：{r.fields.get('enterprise_name', enterprise)}")
    _table(doc, _vehicle_rows(r, enterprise, rng, words))
    return "ledger"


def _pledge(doc, r: Retyped, enterprise: str, rng, words) -> str:
    doc.add_paragraph("本单位郑重承诺：本次申报重污染天气重点行业绩效分级所提交的全部材料真实、准确、完整，"
                      "如有虚假，愿承担由此产生的一切法律责任。")
    return _write_fields(doc, r.kind, r.fields, ["enterprise_name", "legal_representative"], rng, words)


def write(doc, r: Retyped, enterprise: str, rng, words: dict[str, Any], registration: bool = False) -> None:
    """Append the document `r` to the python-docx Document `doc`: its title, then its body."""
    entry = words["kind"][r.kind]
    titles = entry["registration_titles"] if registration and r.kind == "discharge_permit" else entry["titles"]
    _centred(doc, _title(rng.choice(titles), r.fields.get("enterprise_name", enterprise)))
    if r.kind == "discharge_permit":
        r.style = _discharge_permit(doc, r, enterprise, rng, words, registration)
    else:
        r.style = globals()[f"_{r.kind}"](doc, r, enterprise, rng, words)


def to_docx(documents: list[tuple[Retyped, bool]], enterprise: str, rng, words: dict[str, Any]) -> bytes:
    """One Word file holding `documents` (each with whether it is a registration receipt), a page each."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    doc = Document()
    for i, (r, registration) in enumerate(documents):
        if i:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        write(doc, r, enterprise, rng, words, registration)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


MERGED = "申报附件"


@dataclass
class Plan:
    """Which attachments of a bundle are retyped, under which names, and whether they come as one file."""

    retyped: dict[str, Retyped]  # original file name → the document written in its place
    names: dict[str, str]  # original file name → the retyped file's stem
    merged: bool
    files: dict[str, bytes] = field(default_factory=dict)  # original name → its retyped Word file
    data: bytes = b""  # when merged: all of them in one Word file, a page each


def plan(truth: dict[str, Any], rng, words: dict[str, Any], share: float = 0.5) -> Plan:
    """About `share` of the bundle's retypable attachments (those whose truth states facts or tables), each
    under its own name or a neutral one; when two or more, a third of the time in one Word file."""
    enterprise = truth["fields"].get("enterprise_name", "")
    registration = truth["fields"].get("permit_class") == "登记管理"
    retyped: dict[str, Retyped] = {}
    names: dict[str, str] = {}
    for n, (name, kind) in enumerate(sorted(truth["documents"].items()), 1):
        facts = truth.get("document_facts", {}).get(name)
        if kind not in RETYPED_KINDS or not facts or not (facts["fields"] or facts["tables"]):
            continue
        if rng.random() >= share:
            continue
        retyped[name] = Retyped(kind, dict(facts["fields"]), dict(facts["tables"]))
        names[name] = Path(name).stem if rng.random() < 0.5 else rng.choice(
            [f"附件{n}", f"新建 DOCX 文档 ({n})", f"材料{n}"])
    merged = len(retyped) >= 2 and rng.random() < 1 / 3
    out = Plan(retyped, names, merged)
    out.files = {name: to_docx([(r, registration)], enterprise, rng, words) for name, r in retyped.items()}
    if merged:  # the PDF deliveries merge the files' PDFs (each document's pages known); Word gets one file
        out.data = to_docx([(r, registration) for r in retyped.values()], enterprise, rng, words)
    return out
