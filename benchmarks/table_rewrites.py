"""How other hands lay out the application form's tables, for benchmarks/robustness.py.

The corpus generator draws a handful of table layouts; provinces' forms also come as one long
table with merged section rows, with two-row headings (a group heading over its columns'
sub-headings), with label–value pairs two to a row, and with section rows in the middle of a
table (自有车辆 / 外协车辆). Each rewrite works on a python-docx Document's XML and returns how
many times it changed something; the wording it writes comes from benchmarks/paraphrases.toml.
"""

from __future__ import annotations

import copy
import random
import re
from typing import Any
from xml.sax.saxutils import escape

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[)）])\s*\S")
_PAIR = re.compile(r"^\s*(?P<label>[^：:]{2,24}?)\s*[:：]\s*(?P<value>.*)$")


def _element(tag: str, inner: str = "", attrs: str = ""):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    return parse_xml(f'<w:{tag} {nsdecls("w")} {attrs}>{inner}</w:{tag}>')


def _text_tc(text: str, span: int, bold: bool = False):
    run_pr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    tc = _element("tc", f'<w:tcPr/><w:p><w:r>{run_pr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>')
    tc.grid_span = span
    return tc


def _text(el) -> str:
    return "".join(t.text or "" for t in el.iter(f"{W}t")).strip()


def grid_width(tbl) -> int:
    grid = tbl.find(f"{W}tblGrid")
    columns = len(grid.findall(f"{W}gridCol")) if grid is not None else 0
    return max([columns] + [sum(tc.grid_span for tc in tr.findall(f"{W}tc")) for tr in tbl.findall(f"{W}tr")])


def _set_grid(tbl, width: int) -> None:
    """A table grid of `width` equal columns over the table's former total width."""
    grid = tbl.find(f"{W}tblGrid")
    total = sum(int(c.get(f"{W}w", "0")) for c in grid.findall(f"{W}gridCol")) if grid is not None else 0
    total = total or 8800
    new = _element("tblGrid", "".join(f'<w:gridCol w:w="{total // width}"/>' for _ in range(width)))
    if grid is not None:
        grid.addprevious(new)
        grid.getparent().remove(grid)
    else:
        tbl.find(f"{W}tblPr").addnext(new)


def _drop_widths(tc) -> None:
    tc_pr = tc.find(f"{W}tcPr")
    if tc_pr is not None:
        for w in tc_pr.findall(f"{W}tcW"):
            tc_pr.remove(w)


def _section_row(text: str, width: int):
    tr = _element("tr")
    tr.append(_text_tc(text, width, bold=True))
    return tr


def _respread(tr, old: int, new: int):
    """A row of an `old`-column table as a row of a `new`-column one: each cell keeps its place, its
    column boundaries moved in proportion (so cells merged down a column stay one above the other)."""
    out = copy.deepcopy(tr)
    for tc in out.findall(f"{W}tc"):
        out.remove(tc)
    start = 0
    for tc in tr.findall(f"{W}tc"):
        span = tc.grid_span
        a, b = round(start * new / old), round((start + span) * new / old)
        cell = copy.deepcopy(tc)
        _drop_widths(cell)
        cell.grid_span = max(1, b - a)
        out.append(cell)
        start += span
    return out


def _is_full_width(tr, width: int) -> bool:
    cells = tr.findall(f"{W}tc")
    return len(cells) == 1 and cells[0].grid_span >= width


def _table_name(tbl, rng: random.Random, lists: dict[str, Any]) -> str:
    from forms.fields import TABLES

    names = lists["sections"]
    kind = next((key for tr in tbl.findall(f"{W}tr")[:3] for key in ("emissions", "vehicles")
                 if len(_header_cells(tr, TABLES[key])) >= 2), "fields")
    return rng.choice(names["numbered"]).format(rng.choice(names[kind]))


def one_table(doc, rng: random.Random, lists: dict[str, Any]) -> int:
    """All the form's top-level tables and the paragraphs between them as one long table: each
    former table under a full-width section row naming it (the heading above it, else a name of
    its kind), a paragraph between them as a row of its own (label | value when it is one pair)."""
    body = doc.element.body
    tables = list(body.iterchildren(f"{W}tbl"))
    if len(tables) < 2:
        return 0
    width = max(grid_width(t) for t in tables)
    big = copy.deepcopy(tables[0])
    for tr in big.findall(f"{W}tr"):
        big.remove(tr)
    _set_grid(big, width)
    between = []
    el = tables[0].getnext()
    while el is not None and el is not tables[-1]:
        between.append(el)
        el = el.getnext()
    named = set()
    for el in [tables[0], *between, tables[-1]]:
        if el.tag == f"{W}p":
            text = _text(el)
            body.remove(el)
            if not text:
                continue
            if _HEADING.match(text):
                big.append(_section_row(text, width))
                named.add(len(big.findall(f"{W}tr")))
                continue
            pair = _PAIR.match(text)
            tr = _element("tr")
            if pair and not re.search(r"\s{2,}\S+\s*[:：]", pair["value"]) and width >= 2:
                tr.append(_text_tc(pair["label"], 1))
                tr.append(_text_tc(pair["value"], width - 1))
            else:
                tr.append(_text_tc(text, width))
            big.append(tr)
        elif el.tag == f"{W}tbl":
            rows = el.findall(f"{W}tr")
            if len(big.findall(f"{W}tr")) not in named and not (rows and _is_full_width(rows[0], grid_width(el))):
                big.append(_section_row(_table_name(el, rng, lists), width))
            for tr in rows:
                big.append(_respread(tr, grid_width(el), width))
            if el is not tables[0]:
                body.remove(el)
    tables[0].addprevious(big)
    body.remove(tables[0])
    return 1


def _header_cells(tr, spec) -> dict[str, Any]:
    """The cells of a heading row that name a column of the table `spec`, by column key."""
    out = {}
    for tc in tr.findall(f"{W}tc"):
        col = spec.match_column(_text(tc))
        if col is not None and col.key not in out:
            out[col.key] = tc
    return out


def _set_text(tc, text: str) -> None:
    """A cell's text replaced, the first run's formatting kept."""
    paragraphs = tc.findall(f"{W}p")
    for p in paragraphs[1:]:
        tc.remove(p)
    runs = paragraphs[0].findall(f"{W}r")
    for r in runs[1:]:
        paragraphs[0].remove(r)
    if runs:
        ts = runs[0].findall(f"{W}t")
        for t in ts[1:]:
            runs[0].remove(t)
        if ts:
            ts[0].text = text
            return
    paragraphs[0].append(_element("r", f'<w:t xml:space="preserve">{escape(text)}</w:t>'))


def two_row_headers(doc, rng: random.Random, lists: dict[str, Any], keep: set) -> int:
    """An emissions or vehicles table's heading row as two: a group heading merged over two adjacent
    columns (排放浓度（mg/m³） over 实测值 | 标准限值), every other heading merged down both rows.
    The group headings' cells are added to `keep` (no rewording of them: they name no one column)."""
    from forms.fields import TABLES

    done = 0
    for tbl in list(doc.element.body.iter(f"{W}tbl")):
        tables_done: set[str] = set()  # one heading row per table kind (a long table holds both)
        for tr in tbl.findall(f"{W}tr"):
            for group in lists["header_groups"]:
                if group["table"] in tables_done:
                    continue
                cells = _header_cells(tr, TABLES[group["table"]])
                if len(cells) < 2:
                    continue
                tables_done.add(group["table"])
                if not all(k in cells for k in group["columns"]) or rng.random() >= 0.7:
                    continue
                first, second = (cells[k] for k in group["columns"])
                row = tr.findall(f"{W}tc")
                if row.index(second) != row.index(first) + 1:
                    continue
                below = copy.deepcopy(tr)
                for top, low in zip(row, below.findall(f"{W}tc"), strict=True):
                    if top is first or top is second:
                        if group["subs"]:
                            _set_text(low, group["subs"][top is second])
                    else:
                        top.vMerge = "restart"
                        low.vMerge = "continue"
                        for p in low.findall(f"{W}p")[1:]:
                            low.remove(p)
                        for t in low.iter(f"{W}t"):
                            t.text = ""
                _set_text(first, group["group"])
                first.grid_span = first.grid_span + second.grid_span
                _drop_widths(first)
                tr.remove(second)
                tr.addnext(below)
                keep.add(first)
                done += 1
                break
    return done


def four_columns(doc, rng: random.Random) -> int:
    """A two-column label | value table as four columns, two pairs to a row (full-width rows stay so)."""
    done = 0
    for tbl in list(doc.element.body.iterchildren(f"{W}tbl")):
        if grid_width(tbl) != 2 or rng.random() >= 0.6:
            continue
        rows = tbl.findall(f"{W}tr")
        pairs = [tr for tr in rows if len(tr.findall(f"{W}tc")) == 2]
        if len(pairs) < 4:
            continue
        _set_grid(tbl, 4)
        waiting = None
        for tr in rows:
            cells = tr.findall(f"{W}tc")
            if len(cells) != 2:
                for tc in cells:
                    _drop_widths(tc)
                    tc.grid_span = 4 if len(cells) == 1 else tc.grid_span * 2
                waiting = None
                continue
            for tc in cells:
                _drop_widths(tc)
            if waiting is None:
                waiting = tr
                continue
            for tc in cells:
                waiting.append(tc)
            tbl.remove(tr)
            waiting = None
        if waiting is not None:
            waiting.findall(f"{W}tc")[-1].grid_span = 3
        done += 1
    return done


def section_rows(doc, rng: random.Random, lists: dict[str, Any]) -> int:
    """Full-width section rows put in the middle of a table: vehicles under 自有车辆 / 外协车辆, a
    label–value table cut by a heading of its second part."""
    from forms.fields import TABLES

    done = 0
    for tbl in list(doc.element.body.iter(f"{W}tbl")):
        rows = tbl.findall(f"{W}tr")
        width = grid_width(tbl)
        if len(rows) < 5 or width < 2 or rng.random() >= 0.5:
            continue
        header = next((r for r, tr in enumerate(rows[:4])
                       if len(_header_cells(tr, TABLES["vehicles"])) >= 2), None)
        if header is not None:
            data = rows[header + 1:]
            vmerged = header + 1 < len(rows) and any(
                tc.vMerge == "continue" for tc in rows[header + 1].findall(f"{W}tc"))
            if vmerged:  # a two-row heading: the data start a row lower
                data = data[1:]
            if len(data) < 3:
                continue
            own, hired = lists["sections"]["vehicle_groups"]
            data[0].addprevious(_section_row(own, width))
            data[len(data) // 2].addprevious(_section_row(hired, width))
            done += 1
        elif all(1 <= len(tr.findall(f"{W}tc")) <= 4 for tr in rows):
            middle = rows[rng.randrange(2, len(rows) - 1)]
            if any(tc.vMerge for tc in middle.findall(f"{W}tc")):
                continue
            middle.addprevious(_section_row(rng.choice(lists["sections"]["middle"]), width))
            done += 1
    return done
