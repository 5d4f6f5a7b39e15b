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
from dataclasses import dataclass, replace

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
_QUALIFIER_WORDS = "主要|单位|企业|公司|市场主体|注册"
_SPACED = "|".join("[\\s\u3000.·]*".join(re.escape(c) for c in label)
                   for label in sorted(_LICENCE_LABELS, key=len, reverse=True))
# a label starts the line or follows white space; the long ones may also follow a value the OCR ran into them,
# and so may a two-character label letter-spaced (…依法须经住  所)
_LETTER_SPACED = "|".join(f"{re.escape(label[0])}[\\s\u3000]+{re.escape(label[1])}"
                          for label in _LICENCE_LABELS if len(label) == 2)
# a label ending a piece is one too: the engine ran the other column's value into it (…依法须经住所 | 河北省…)
# retyped by other hands, a label may carry a word before it (主要经营场所, 单位名称) and a note after it (法定代表人
# （负责人）, 成立日期（注册日期）): both are the label's, not a value's
_LICENCE_LABEL = re.compile(f"(?:(?<=^)|(?<=\\s))[.·]?(?:{_QUALIFIER_WORDS})?(?P<label>{_SPACED})"
                            f"(?:[（(][^（）()]{{1,8}}[)）])?(?=\\s|$|[:：]|[\u4e00-\u9fff0-9A-Z(（])"
                            f"|(?P<long>成立日期|注册资本|营业期限|经营范围|登记机关|法定代表人|{_LETTER_SPACED}"
                            f"|(?:{_SPACED})(?=\\s*$))(?:[（(][^（）()]{{1,8}}[)）])?")


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


def _x(seg: Segment) -> float:
    return seg.source.bbox[0] if seg.source.bbox else 0.0


def _canonical(label: str) -> str:
    return re.sub(r"[\s\u3000.·]", "", label)


@dataclass
class _Chunk:
    """Text on the page without a label of its own: a label's value beside it, or a value's next line."""

    text: str
    seg: Segment
    x0: float
    x1: float
    taken: bool = False

    @property
    def top(self) -> float:
        return self.seg.source.bbox[1]

    @property
    def bottom(self) -> float:
        return self.seg.source.bbox[3]


@dataclass
class _Value:
    label: str
    seg: Segment  # where the label stands: the fact's source
    x1: float  # where the label ends
    parts: list[str]
    x: float | None = None  # where the value's first line starts
    bottom: float = 0.0  # of the value's last line


def _at(seg: Segment, offset: int) -> float:
    """Where the character at `offset` of a piece stands, in proportion (a line of Chinese is nearly
    monospaced)."""
    x0, _, x1, _ = seg.source.bbox
    return x0 + (x1 - x0) * offset / max(len(seg.text), 1)


def _same_row(a: Segment, b: Segment, height: float) -> bool:
    return a.source.page == b.source.page and abs(
        (a.source.bbox[1] + a.source.bbox[3]) / 2 - (b.source.bbox[1] + b.source.bbox[3]) / 2) <= 0.6 * height


def _letter_spaced(pieces: list[Segment], height: float) -> list[Segment]:
    """A two-character label letter-spaced so widely that the engine read it as two pieces (名 | 称), or ran
    its first character into the piece before it (…依法须经住 | 所): the label made one piece again."""
    pieces = sorted(pieces, key=lambda s: (s.source.page or 0, s.source.bbox[1], _x(s)))
    out = list(pieces)
    for i, seg in enumerate(pieces):
        second = seg.text.strip()[:1]
        left = [(k, other) for k, other in enumerate(out) if other is not out[i] and other.text.strip()
                and _same_row(other, seg, height) and 0 <= seg.source.bbox[0] - other.source.bbox[2] <= 3 * height]
        if not second or not left:
            continue
        k, other = max(left, key=lambda ko: ko[1].source.bbox[2])
        first = other.text.rstrip()[-1:]
        alone = len(other.text.strip()) == 1 or len(seg.text.strip()) == 1 or seg.text.strip()[1:2].isspace()
        if len(first + second) != 2 or first + second not in _LICENCE_LABELS or not alone:
            continue  # one of the two characters stands alone: else two words that happen to meet
        x0, top, x1, bottom = other.source.bbox
        rest = other.text.rstrip()[:-1]
        split = x1 - (x1 - x0) / max(len(other.text.rstrip()), 1)
        out[k] = Segment(rest, Source(other.source.file, other.source.page, other.source.cell, (x0, top, split, bottom)),
                         other.confidence, other.line)
        sx0, stop, sx1, sbottom = seg.source.bbox
        out[i] = Segment(f"{first}  {seg.text.strip()}", Source(seg.source.file, seg.source.page, seg.source.cell,
                                                                (split, min(top, stop), sx1, max(bottom, sbottom))),
                         min(seg.confidence, other.confidence), seg.line)
    return [seg for seg in out if seg.text.strip()]


def licence_facts(layout: Layout, base: float) -> list[Fact]:
    """名称, 住所 … in two columns without colons, each value beside its label and a long one wrapped under
    itself: text without a label is the value of the label just left of it on its row, else the next line of
    the value whose first line starts where it starts, just above it; else nobody's (a seal's words)."""
    pieces = _pieces(layout)
    if not pieces:
        return []
    if sum(_sideways(seg) for seg in pieces) * 2 > len(pieces):
        # a licence on a page turned sideways in its PDF (its text's boxes tall, not wide): read it turned
        # back, whichever way round gives more
        return max(([_turned_back(fact, way) for fact in _licence_facts(_turned(pieces, way), base)] for way in (1, -1)),
                   key=len)
    return _licence_facts(pieces, base)


def _sideways(seg: Segment) -> bool:
    x0, top, x1, bottom = seg.source.bbox
    return len(seg.text.strip()) >= 3 and bottom - top > 2 * (x1 - x0)


def _turned(pieces: list[Segment], way: int) -> list[Segment]:
    """Pieces whose text runs down the page, with boxes as if the page were turned a quarter back: `way` 1, the
    text's lines follow each other leftwards (the page turned clockwise), -1 rightwards."""
    out = []
    for seg in pieces:
        x0, top, x1, bottom = seg.source.bbox
        box = (top, -x1, bottom, -x0) if way == 1 else (top, x0, bottom, x1)
        out.append(Segment(seg.text, Source(seg.source.file, seg.source.page, seg.source.cell, box), seg.confidence,
                           seg.line))
    return out


def _turned_back(fact: Fact, way: int) -> Fact:
    """A fact read off turned pieces, its box where it stands on the page as the file has it."""
    a, b, c, d = fact.source.bbox
    box = (-d, a, -b, c) if way == 1 else (b, a, d, c)
    return replace(fact, source=replace(fact.source, bbox=box))


def _licence_facts(pieces: list[Segment], base: float) -> list[Fact]:
    heights = sorted(s.source.bbox[3] - s.source.bbox[1] for s in pieces)
    height = heights[len(heights) // 2]
    values: dict[str, _Value] = {}
    chunks: list[_Chunk] = []
    for seg in _letter_spaced(pieces, height):
        found = list(_LICENCE_LABEL.finditer(seg.text))
        first = found[0].start() if found else len(seg.text)
        if seg.text[:first].strip():  # text before the piece's first label, or a piece without one
            lead = len(seg.text) - len(seg.text.lstrip())
            chunks.append(_Chunk(seg.text[:first].strip(), seg, _at(seg, lead), _at(seg, first)))
        for i, m in enumerate(found):
            label = _canonical(m.group("label") or m.group("long"))
            end = found[i + 1].start() if i + 1 < len(found) else len(seg.text)
            raw = seg.text[m.end():end]
            value = raw.strip(" \t:：")
            entry = _Value(label, seg, _at(seg, m.end()), [value] if value else [],
                           _at(seg, m.end() + len(raw) - len(raw.lstrip(" \t:："))) if value else None, seg.source.bbox[3])
            if label not in values or not values[label].parts and value:
                values[label] = entry
    for entry in values.values():  # a label alone: its value is the text just right of it on its row
        if entry.parts:
            continue
        beside = [c for c in chunks if not c.taken and _same_row(c.seg, entry.seg, height)
                  and -0.5 * height <= c.x0 - entry.x1 <= 6 * height]
        if beside:
            chunk = min(beside, key=lambda c: c.x0)
            chunk.taken = True
            entry.parts.append(chunk.text)
            entry.x, entry.bottom = chunk.x0, chunk.bottom
    for chunk in sorted(chunks, key=lambda c: (c.seg.source.page or 0, c.top)):
        if chunk.taken or any(_same_row(other.seg, chunk.seg, height) and 0 <= chunk.x0 - other.x1 <= 3 * height
                              for other in chunks if other is not chunk):
            continue  # the value of a label not read as one (类 without its 型), not a value's next line
        entry = _continued(values, chunk, height)
        address = values.get("住所")
        if entry is None and address is not None and _ADDRESS_TAIL.match(chunk.text) and not _ADDRESS_END.search(
                "".join(address.parts)) and -0.8 * height <= chunk.top - address.bottom <= 3 * height:
            entry = address  # columns lost (a licence read as one table cell): an address's tail, a line or two below
        if entry is not None and len(entry.parts) < 4:
            entry.parts.append(chunk.text)
            entry.bottom = chunk.bottom
    facts = []
    for label, entry in values.items():
        key = _LICENCE_LABELS.get(label)
        parts = [p for p in entry.parts if p]
        if not key or not parts:
            continue
        raw = "".join(parts) if key in ("address", "enterprise_name") else parts[0]
        if key == "enterprise_name":  # OCR ran the next label into the name: …有限公司类型其他有限责任公司
            raw = re.sub(r"(公司|厂|合作社|[)）])\s*(类\W?型?|注册资本|成立日期).*$", r"\1", raw)
        value = FIELDS[key].normalise(raw)
        if value is not None:
            seg = entry.seg
            facts.append(Fact(key, value, raw, round(base * seg.confidence * 0.95, 3), seg.source, "business_license"))
    return facts


def _continued(values: dict[str, _Value], chunk: _Chunk, height: float) -> _Value | None:
    """The value this text is the next line of: its first line starts where the text starts (within two text
    heights), and its last line is just above (the nearest above, of two that start there)."""
    near = [(abs(chunk.top - v.bottom), abs(chunk.x0 - v.x), v.label) for v in values.values()
            if v.x is not None and v.seg.source.page == chunk.seg.source.page and abs(chunk.x0 - v.x) <= 2 * height
            and -0.8 * height <= chunk.top - v.bottom <= 0.6 * height]
    return values[min(near)[2]] if near else None


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
    engine's (which takes the rest of a two-column line for a value), but for a value in a table's cell
    beside its label's (a licence retyped as a table: its cells' wrapped lines are the cell's, which the
    reader, reading lines, cannot tell from the next row's); elsewhere labelled values win."""
    reader = READERS.get(kind)
    if reader is None:
        return found
    extra = reader(layout, base)
    if kind == "business_license":
        in_cells = {f.key for f in found if f.label and f.source.cell and f.source.cell.startswith("table ")}
        replaced = {f.key for f in extra} - in_cells
        return [f for f in found if f.key not in replaced] + [f for f in extra if f.key not in in_cells]
    have = {f.key for f in found}
    return found + [f for f in extra if f.key not in have]
