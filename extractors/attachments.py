"""Fields that attachments state without `标签：值`: read by where they stand on the page.

- A business licence prints 名称, 类型, 住所 … in two columns without colons, and a long
  value wraps onto the next line under itself, interleaved with the other column's lines.
- An EIA approval's number is the unlabelled line under the issuer's red header
  (衡环评〔2010〕79号) and its date the line under the issuer's name at the end.
- An acceptance opinion is dated at its end.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from extractors.layout import Layout, Segment
from forms.facts import Fact, Source
from forms.fields import FIELDS
from forms.normalize import find_dates, normalise_doc_number

# the licence's labels, in the order of precedence when one contains another
_LICENCE_LABELS = {
    "统一社会信用代码": "credit_code", "法定代表人": "legal_representative", "成立日期": "established_date",
    "名称": "enterprise_name", "住所": "address", "营业场所": "address", "经营场所": "address",
    "类型": None, "注册资本": None, "营业期限": None, "经营范围": None, "登记机关": None, "证照编号": None,
    "经营者": "legal_representative", "负责人": "legal_representative", "注册日期": "established_date",
}
_SPACED = "|".join("[\\s\u3000.·]*".join(re.escape(c) for c in label)
                   for label in sorted(_LICENCE_LABELS, key=len, reverse=True))
# a label starts the line or follows white space; the long ones may also follow a value the OCR ran into them
_LICENCE_LABEL = re.compile(f"(?:(?<=^)|(?<=\\s))[.·]?(?P<label>{_SPACED})(?=\\s|$|[:：]|[\u4e00-\u9fff0-9A-Z(（])"
                            f"|(?P<long>成立日期|注册资本|营业期限|经营范围|登记机关|法定代表人)")


_ADDRESS_END = re.compile(r"[号路街村室楼院段组巷道]$")
_ADDRESS_TAIL = re.compile(r"^[\u4e00-\u9fff0-9A-Za-z\-－#]{1,24}[号路街村室楼院段组巷道]$")


def _pieces(layout: Layout) -> list[Segment]:
    """Every run of text with its box: segments, and each line of each table cell (a framed licence
    scan comes out as a grid)."""
    pieces = [seg for seg in layout.segments if seg.source.bbox]
    for grid in layout.grids:
        for row in grid.rows:
            for cell in row:
                if cell is None or not cell.text.strip() or not cell.source.bbox:
                    continue
                x0, top, x1, bottom = cell.source.bbox
                parts = cell.text.split("\n")
                step = (bottom - top) / len(parts)
                for i, part in enumerate(parts):
                    if part.strip():
                        box = (x0, top + i * step, x1, top + (i + 1) * step)
                        pieces.append(Segment(part, Source(cell.source.file, cell.source.page, cell.source.cell, box),
                                              cell.confidence))
    return pieces


def _lines(layout: Layout) -> list[list[Segment]]:
    """Pieces grouped into visual lines (by the middle of their boxes), top to bottom, left to right."""
    pieces = sorted(_pieces(layout), key=lambda s: (s.source.page or 0, (s.source.bbox[1] + s.source.bbox[3]) / 2))
    heights = sorted(s.source.bbox[3] - s.source.bbox[1] for s in pieces) or [1.0]
    tolerance = heights[len(heights) // 2] / 2
    lines: list[list[Segment]] = []
    for seg in pieces:
        middle = (seg.source.bbox[1] + seg.source.bbox[3]) / 2
        if lines and lines[-1][0].source.page == seg.source.page and abs(
                middle - (lines[-1][0].source.bbox[1] + lines[-1][0].source.bbox[3]) / 2) <= tolerance:
            lines[-1].append(seg)
        else:
            lines.append([seg])
    return [sorted(line, key=_x) for line in lines]


def _x(seg: Segment) -> float:
    return seg.source.bbox[0] if seg.source.bbox else 0.0


def _canonical(label: str) -> str:
    return re.sub(r"[\s\u3000.·]", "", label)


def licence_facts(layout: Layout, base: float) -> list[Fact]:
    lines = _lines(layout)
    boxes = [seg.source.bbox for line in lines for seg in line]
    if not boxes:
        return []
    middle = (min(b[0] for b in boxes) + max(b[2] for b in boxes)) / 2
    values: dict[str, tuple[list[str], Segment]] = {}
    last: dict[str, str | None] = {"left": None, "right": None}
    for line in lines:
        for seg in line:
            side = "right" if _x(seg) >= middle else "left"
            found = list(_LICENCE_LABEL.finditer(seg.text))
            if not found:
                label = last[side] or last["left"]  # a value beside its label, or one wrapped under itself
                if _ADDRESS_TAIL.match(seg.text.strip()) and label != "住所" and "住所" in values and not \
                        _ADDRESS_END.search("".join(values["住所"][0])):
                    label = "住所"  # columns lost (a framed scan read as one cell): an address's tail is known
                if label in values and len(values[label][0]) < 4:
                    values[label][0].append(seg.text.strip())
                continue
            for i, m in enumerate(found):
                label = _canonical(m.group("label") or m.group("long"))
                end = found[i + 1].start() if i + 1 < len(found) else len(seg.text)
                value = seg.text[m.end():end].strip(" \t:：")
                last["right" if i > 0 else side] = label
                if i == 0 and m.start() > 0 and last.get("prev") in values:
                    values[last["prev"]][0].append(seg.text[:m.start()].strip())  # OCR ran a value into a label
                if label not in values:
                    values[label] = ([value] if value else [], seg)
                elif value and not values[label][0]:
                    values[label][0].append(value)
                last["prev"] = label
    facts = []
    for label, (parts, seg) in values.items():
        key = _LICENCE_LABELS.get(label)
        parts = [p for p in parts if p]
        if not key or not parts:
            continue
        raw = "".join(parts) if key in ("address", "enterprise_name") else parts[0]
        if key == "enterprise_name":  # OCR ran the next label into the name: …有限公司类型其他有限责任公司
            raw = re.sub(r"(公司|厂|合作社|[)）])\s*(类\W?型?|注册资本|成立日期).*$", r"\1", raw)
        value = FIELDS[key].normalise(raw)
        if value is not None:
            facts.append(Fact(key, value, raw, round(base * seg.confidence * 0.95, 3), seg.source, "business_license"))
    return facts


_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}\s*[〔\[［【(（]\s*(19|20)\d{2}\s*[〕\]］】)）]\s*(第\s*)?\d{1,5}\s*号")


def _numbered_line(layout: Layout, first: int = 8) -> tuple[str, Segment] | None:
    for seg in layout.segments[:first]:
        m = _DOC_NUMBER.search(seg.text)
        if m and not re.search(r"《|》|关于", seg.text[:m.start()]):
            return m.group(0), seg
    return None


def _closing_date(layout: Layout, last: int = 6) -> tuple[str, Segment] | None:
    """The date a document is signed with: a line that is a date and nothing else, near its end."""
    for seg in reversed(layout.segments[-last:]):
        text = re.sub(r"[\s\u3000]", "", seg.text)
        dates = find_dates(text)
        if len(dates) == 1 and dates[0][2] - dates[0][1] >= len(text) - 1:
            return dates[0][0].isoformat(), seg
    return None


def eia_approval_facts(layout: Layout, base: float) -> list[Fact]:
    facts = []
    if hit := _numbered_line(layout):
        raw, seg = hit
        facts.append(Fact("eia_approval_number", normalise_doc_number(raw), raw, round(base * seg.confidence * 0.95, 3),
                          seg.source, "eia_approval"))
    if hit := _closing_date(layout):
        value, seg = hit
        facts.append(Fact("eia_approval_date", value, seg.text, round(base * seg.confidence * 0.9, 3), seg.source,
                          "eia_approval"))
    return facts


def acceptance_facts(layout: Layout, base: float) -> list[Fact]:
    if hit := _closing_date(layout):
        value, seg = hit
        return [Fact("acceptance_date", value, seg.text, round(base * seg.confidence * 0.9, 3), seg.source,
                     "acceptance")]
    return []


READERS: dict[str, Callable[[Layout, float], list[Fact]]] = {
    "business_license": licence_facts, "eia_approval": eia_approval_facts, "acceptance": acceptance_facts,
}


def with_attachment_facts(kind: str, layout: Layout, base: float, found: list[Fact]) -> list[Fact]:
    """The label engine's facts and the kind's reader's: on a licence the reader's replace the label
    engine's (which takes the rest of a two-column line for a value); elsewhere labelled values win."""
    reader = READERS.get(kind)
    if reader is None:
        return found
    extra = reader(layout, base)
    if kind == "business_license":
        replaced = {f.key for f in extra}
        return [f for f in found if f.key not in replaced] + extra
    have = {f.key for f in found}
    return found + [f for f in extra if f.key not in have]
