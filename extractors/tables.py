"""Tables read from any layout by their column headings: emissions, vehicles, treatment facilities.

A table's header may sit at any row, span two rows, run its headings together or
break over a page; its columns are named by heading (a synonym, or by meaning),
by the values under them, or by the columns of the part before the break.
"""

from __future__ import annotations

import re
from functools import cache

from extractors.labels import SPECK_MARK, head_column, match_column
from extractors.layout import Cell, Grid, Layout
from forms.facts import Source
from forms.fields import TABLES, TableSpec, label_key, match_label
from forms.label_meaning import label_terms
from forms.normalize import (
    STANDARD_POLLUTANTS,
    normalise_pollutant,
    outlet_code,
    parse_number,
    vin_as_scanned,
)

# ---------------------------------------------------------------- label: value in running text

_KEY_COLUMNS = {"emissions": {"pollutant", "concentration_mg_m3"}, "vehicles": {"plate", "vin"},
                "treatment_facilities": {"facility", "technology"}}
_CARRY_DOWN = {"outlet_id", "source", "process"}


def _header(grid: Grid, spec: TableSpec) -> tuple[int, dict[int, str]] | None:
    """The header row of `spec` within the first rows of a grid, and column index → key."""
    best = None
    headings = _heading_rows(grid)
    for r, header_rows, subs, joined in _header_candidates(grid):
        mapping: dict[int, str | tuple[str, ...]] = {}
        for c, cell in enumerate(header_rows):
            if cell is None:
                continue
            col = match_column(spec, cell.text)
            if c in subs and (col is None or col.key in _keys(mapping)):
                col = match_column(spec, subs[c]) or col  # 标准限值 under 排放浓度（mg/m³）: the sub-heading
            if col and _not_its_values(grid, r, c, cell.text, col, spec, headings):
                col = None
            if col and col.key not in _keys(mapping):
                mapping[c] = col.key
            elif col and (rival := next((k for k, v in mapping.items() if v == col.key), None)) is not None:
                if _claim(grid, r, c, cell.text, col, spec, headings) > _claim(
                        grid, r, rival, getattr(header_rows[rival], "text", ""), col, spec, headings):
                    del mapping[rival]
                    mapping[c] = col.key
            elif not col and (keys := _merged_headings(cell.text, spec)) and not set(keys) & _keys(mapping):
                row = grid.rows[r]
                span = 1 + next((k for k, x in enumerate(row[c + 1:]) if x is not None), len(row) - c - 1)
                if span == len(keys):  # a header cell merged over as many columns as it names: one each
                    mapping.update({c + k: key for k, key in enumerate(keys)})
                else:
                    mapping[c] = keys
        if not mapping:
            mapping = _run_together_header(grid.rows[r], spec)
        _over_their_values(grid, r, spec, mapping, headings)
        if mapping or (r < TOP_ROWS and not joined):  # a header names a column by a heading, or heads the grid
            # (two rows read as one name one by a heading: else two rows of values at the top of a page)
            _columns_by_values(grid, r, header_rows, spec, mapping, headings)
        if spec.key == "emissions":
            _limit_s_figure(spec, header_rows, mapping)
        need = _KEY_COLUMNS.get(spec.key, set())
        if len(_keys(mapping)) >= 3 and (not need or need & _keys(mapping)) and (
                best is None or len(_keys(mapping)) > len(_keys(best[1]))):
            best = (r, mapping)
    return best


def _not_its_values(grid: Grid, r: int, c: int, heading: str, col, spec: TableSpec, headings: list[bool]) -> bool:
    """A heading read by meaning (no synonym) as a column whose values are told by their reading, over values
    none of which can be of its type: it names something of that column's thing (号牌颜色 over 黄色, 车辆品牌 over
    解放: a plate's colour, a vehicle's make), not the column."""
    if not col.field_type.distinctive or spec.match_column(heading) is not None:
        return False
    # a value in a cell merged over the next column is several columns' (their rules lost): no evidence
    values = [value for k, value in _values_under(grid, r, c, headings, with_rows=True)
              if c + 1 >= len(grid.rows[k]) or grid.rows[k][c + 1] is not None]
    return len(values) >= 2 and not any(col.field_type.plausible(col.normalise(value)) for value in values)


def _claim(grid: Grid, r: int, c: int, heading: str, col, spec: TableSpec, headings: list[bool]) -> tuple:
    """How surely a heading names a column another heading of the row names too: its values of the column's
    type, then a synonym rather than a reading by meaning (号牌号码 over 冀D12345 beside 号牌种类 over 01);
    the first heading keeps a column when they tie."""
    return _values_fit(grid, r, c, col, headings), spec.match_column(heading) is not None


def _over_their_values(grid: Grid, r: int, spec: TableSpec, mapping: dict, headings: list[bool]) -> None:
    """A heading over a column without values whose values stand in the column before it, which no heading
    names, is that column's: a rule the header draws that the rows do not (排放 | 标准值 under 排放浓度, the
    limits under 排放: a photograph's phantom rule, or a cell split to fit the heading)."""
    columns = {col.key: col for col in spec.columns}
    for c in sorted(mapping):
        key = mapping[c]
        if isinstance(key, str) and c > 0 and c - 1 not in mapping and not _values_under(grid, r, c, headings) \
                and _values_fit(grid, r, c - 1, columns[key], headings):
            mapping[c - 1] = mapping.pop(c)


# a measurement's repeats (第一次 … 第三次, 1#样) and their mean; a concentration at the reference oxygen
_ROUND = re.compile(r"第?[一二三四五六1-6]次|[1-6]#?样|样品?[1-6]")
_MEAN = re.compile(r"均值|平均")
_CONVERTED = re.compile(r"折算|基准")


def _limit_s_figure(spec: TableSpec, header_rows: list[Cell | None], mapping: dict) -> None:
    """Of several columns of concentrations, the one the guideline's limits are stated in: an hour's mean of
    the repeated samplings (小时均值: 均值 beside 第一次 … 第三次) at the reference oxygen (折算浓度 beside
    实测浓度); not the first column that names a concentration."""
    key = "concentration_mg_m3"
    texts = {c: label_terms(cell.text) for c, cell in enumerate(header_rows) if cell is not None and cell.text.strip()}
    repeated = any(_ROUND.search(t) for t in texts.values())
    named = [c for c, t in texts.items() if mapping.get(c) == key or c not in mapping and (
        key in {col.key for col in (match_column(spec, t), *_weak_columns(spec, t)) if col is not None}
        or repeated and _MEAN.search(t))]
    if not named:
        return
    best = max(named, key=lambda c: (repeated and bool(_MEAN.search(texts[c])), bool(_CONVERTED.search(texts[c])),
                                     not _ROUND.search(texts[c]), -c))
    for c in [c for c, k in mapping.items() if k == key]:
        del mapping[c]
    mapping[best] = key


VALUE_ROWS = 8  # rows under a heading whose values are looked at
TOP_ROWS = 3  # rows at the top of a grid that may be a header naming no column by a known heading
VALUE_FIT = 0.8  # share of them that must be of the column's type


def _spans_row(row: list[Cell | None]) -> bool:
    """One cell merged across the whole row: a section or sub-section heading, no row of values."""
    return len(row) > 1 and row[0] is not None and all(cell is None for cell in row[1:])


_FIGURE_ALONE = re.compile(r"[<>≤≥＜＞]?\s*\d+(?:\.\d+)?")


def _heading_rows(grid: Grid) -> list[bool]:
    """For each row of a grid, whether a cell of it names a column of any table (a header's row: the vehicle
    table's header ends the emission table above it in one form's grid, whose stages are no pollutants); a row
    holding a figure alone in a cell is a row of values, whatever else it says (焦炉烟囱 | 颗粒物 | 5.6: a stack's
    name near enough to 排放口 to be read as a heading). The same for every table read from the grid."""
    return [any(cell is not None and cell.text.strip() and _names_a_column(cell.text) for cell in row)
            and not any(cell is not None and _FIGURE_ALONE.fullmatch(cell.text.strip()) for cell in row)
            for row in grid.rows]


@cache
def _names_a_column(text: str) -> bool:
    return any(match_column(table, text) for table in TABLES.values())


def _values_under(grid: Grid, r: int, c: int, headings: list[bool], with_rows: bool = False) -> list:
    """The values of up to VALUE_ROWS rows under row r in column c, up to a row naming a column (`headings`:
    another table's header, and the rows of a long table below it none of this one's); rows spanning the
    table, its sub-section headings, are no values. With `with_rows`, (row index, value) each."""
    values = []
    for k in range(r + 1, min(len(grid.rows), r + 1 + VALUE_ROWS)):
        row = grid.rows[k]
        if headings[k]:
            break
        if not _spans_row(row) and c < len(row) and row[c] is not None and row[c].text.strip():
            values.append((k, row[c].text.strip()) if with_rows else row[c].text.strip())
    return values


def _values_fit(grid: Grid, r: int, c: int, col, headings: list[bool]) -> bool:
    """Whether most values under row r in column c are of column `col`'s type."""
    values = _values_under(grid, r, c, headings)
    if not values:
        return False
    fit = sum(1 for value in values if (col.field_type.tells if col.field_type.distinctive
                                        else col.field_type.plausible)(col.normalise(value)))
    return fit >= VALUE_FIT * len(values)


@cache
def _weak_columns(spec: TableSpec, header: str) -> tuple:
    """Columns a heading may name though no synonym is near it: one of the alternatives it names
    (生产工序/设施), or its last word (head_column)."""
    text = label_terms(header)
    found = {col.key: col for part in re.split(r"[/／、]|或", text) if part != text and len(part) >= 2
             if (col := match_column(spec, part)) is not None}
    if (head := head_column(spec, text)) is not None:
        found.setdefault(head.key, head)
    return tuple(found.values())


def _columns_by_values(grid: Grid, r: int, header_row: list[Cell | None], spec: TableSpec, mapping: dict,
                       headings: list[bool]) -> None:
    """Columns no synonym names, named by what they hold (headings no list foresaw: VIN码, 污染因子, 上牌日期):
    a heading's weak reading (_weak_columns) when the values under it are of that column's type; else a
    column whose values only one column's type takes (plates, VINs, dates, stages, pollutants). A heading
    that is itself such a value is a row of values, not a header."""
    for c, cell in enumerate(header_row):
        if c in mapping or cell is None or not cell.text.strip():
            continue
        taken = _keys(mapping)
        weak = [col for col in _weak_columns(spec, cell.text) if col.key not in taken and _values_fit(grid, r, c, col, headings)]
        if len(weak) == 1:
            mapping[c] = weak[0].key
            continue
        fitting = [col for col in spec.columns if col.key not in taken and col.field_type.distinctive
                   and not col.field_type.tells(col.normalise(cell.text)) and _values_fit(grid, r, c, col, headings)]
        if len(fitting) == 1:
            mapping[c] = fitting[0].key


def _header_candidates(grid: Grid):
    """(row index, cells, sub-headings, joined) of every row that may be a table's header — anywhere in the grid, as
    a table put inside one big form table has it — and of every two rows read as one header (a heading split
    over two rows: 排放浓度 over mg/m³, or a group heading over its columns), at the second row's index.
    Under a group heading merged over several columns, each column's sub-heading alone is kept too (column
    → text): 排放浓度（mg/m³） over 实测值 | 标准限值 names the first by both, the second by its own."""
    rows = grid.rows
    for r, row in enumerate(rows):
        yield r, row, {}, False
        if r + 1 < len(rows) and len(rows[r + 1]) == len(row):
            below = rows[r + 1]
            joined: list[Cell | None] = []
            subs: dict[int, str] = {}
            for c in range(len(row)):
                top = row[c]
                if top is None:  # merged over this column from the left
                    top = next((row[k] for k in range(c - 1, -1, -1) if row[k] is not None), None)
                bottom = below[c]
                if bottom is None or not bottom.text.strip():
                    joined.append(row[c])
                    continue
                if row[c] is None or (c + 1 < len(row) and row[c + 1] is None):
                    subs[c] = bottom.text
                text = (top.text if top is not None and len(top.text) <= 20 else "") + bottom.text
                joined.append(Cell(text, bottom.source, bottom.confidence))
            yield r + 1, joined, subs, True


def _keys(mapping: dict) -> set[str]:
    return {k for v in mapping.values() for k in ((v,) if isinstance(v, str) else v)}


_RUNS = re.compile(r"\n|\s{2,}|\s*[|｜丨]\s*")  # a rule the scan lost may be read as | between the two


def _merged_headings(text: str, spec: TableSpec) -> tuple[str, ...] | None:
    """Two headings in one cell of a scan whose column rule between them was lost (车牌号  VIN): each a
    column of its own, in order."""
    # a stray figure or mark (the 1 of a row number run into the header) is not a heading
    runs = [run for run in _RUNS.split(text) if run.strip() and not re.fullmatch(r"[\d\W_]+", run.strip())]
    if len(runs) < 2:
        return None
    keys = [col.key if (col := match_column(spec, run) or _one_weak_column(spec, run)) else None for run in runs]
    return tuple(keys) if None not in keys and len(set(keys)) == len(keys) else None


def _one_weak_column(spec: TableSpec, heading: str):
    """The one column a heading's weak reading names (上牌日期: a date, and only one column holds dates)."""
    weak = _weak_columns(spec, heading)
    return weak[0] if len(weak) == 1 else None


def _split_merged(text: str, count: int) -> list[str] | None:
    """A merged cell's value for each of its `count` columns: apart by a line break or two spaces, or
    failing that by single spaces when that gives exactly `count` parts."""
    # two spaces or a lost rule's | first: a value of its own may wrap onto a second line (a VIN in a narrow cell)
    for pattern in (re.compile(r"\s{2,}|\s*[|｜丨]\s*"), _RUNS, re.compile(r"\s+")):
        parts = [part for part in pattern.split(text.strip()) if part.strip()]
        if len(parts) == count:
            return parts
    return None


def _run_together_header(row: list[Cell | None], spec: TableSpec) -> dict[int, str]:
    """A scanned header row that lost its column rules: one cell holding every heading, one a line (or
    apart by spaces), as many as the columns below; heading i names column i."""
    cells = [c for c in row if c is not None and c.text.strip()]
    if len(cells) != 1:
        return {}
    runs = [run for run in re.split(r"\n|\s{2,}", cells[0].text) if run.strip()]
    if len(runs) != len(row):
        return {}
    mapping: dict[int, str] = {}
    for i, run in enumerate(runs):
        col = match_column(spec, run)
        if col and col.key not in mapping.values():
            mapping[i] = col.key
    return mapping if len(mapping) >= 3 else {}


_STRAY_MARKS = "☑□√✓·.,，。、:：;；'\"`"


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float] | None:
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _goes_on(grid: Grid, r: int, spec: TableSpec, mapping: dict, columns: dict) -> bool:
    """Whether the table goes on below a row spanning it (r): the next row of several cells holds values of
    the table's key columns (a sub-section row: 自有车辆 … 外协车辆), not another table's header."""
    keys = {c: k for c, k in mapping.items() if isinstance(k, str) and k in _KEY_COLUMNS.get(spec.key, ())}
    for cells in grid.rows[r + 1:]:
        present = [c for c in cells if c is not None and c.text.strip()]
        if len(present) < 2:
            continue
        if any(match_column(spec, c.text) for c in present):
            return False
        return bool(keys) and all((cell := cells[c] if c < len(cells) else None) is not None
                                  and columns[k].normalise(cell.text.strip()) is not None for c, k in keys.items())
    return False


def rows_from_grid(grid: Grid, spec: TableSpec, header_row: int, mapping: dict[int, str],
                   end: int | None = None, fuzzy: bool = False) -> list[dict]:
    """The rows under a table's header, up to row `end` (another table's header in the same grid) or the
    first row spanning the grid that the table does not go on after. `fuzzy`: read by OCR (specks read as full
    stops inside a value are white, SPECK_MARK)."""
    columns = {c.key: c for c in spec.columns}
    rows: list[dict] = []
    previous: dict = {}
    rounds = _rounds_column(grid, header_row, mapping, end) if spec.key == "emissions" else None
    for r in range(header_row + 1, len(grid.rows) if end is None else end):
        cells = grid.rows[r]
        present = [c for c in cells if c is not None and c.text.strip()]
        if not present:
            continue
        if len(present) == 1 and len(mapping) > 2 and _spans_row(cells):
            if _goes_on(grid, r, spec, mapping, columns):
                continue  # a sub-section row: 自有车辆 over some rows, 外协车辆 over the rest
            break  # a section heading spanning the row ends the table
        if any(match_label(x.text) is not None for x in present) and not any(match_column(spec, x.text)
                                                                             for x in present):
            break  # the form's label/value rows again: the table inside one big form table has ended
        record: dict = {}
        boxes, confidences, first = [], [], None
        for key, text, cell in _column_values(cells, mapping, columns):
            if fuzzy:
                text = SPECK_MARK.sub(" ", text)
            if cell is not None and text.strip(_STRAY_MARKS + " "):
                # a scan's check-box detector or speck may leave a mark at the edge of a code or number
                record[key] = columns[key].normalise(text.strip(_STRAY_MARKS + " "))
                if fuzzy and key == "vin":
                    record[key] = vin_as_scanned(record[key])
                confidences.append(cell.confidence)
                first = first or cell
                if cell.source.bbox:
                    boxes.append(cell.source.bbox)
            elif (key in _CARRY_DOWN or rounds is not None and key != "concentration_mg_m3") \
                    and previous.get(key) is not None:
                record[key] = previous[key]  # merged down the rows of an outlet (or of a pollutant's rounds)
            else:
                record[key] = None
        if rounds is not None:
            record[_ROUND_KEY] = cells[rounds].text.strip() if rounds < len(cells) and cells[rounds] is not None else ""
        keys = _KEY_COLUMNS.get(spec.key, mapping.values())
        if all(record.get(k) is None for k in keys):
            continue
        if not any(value is not None and k in columns and columns[k].field_type.plausible(value)
                   for k, value in record.items()):
            continue  # (一)自 | 车辆: a section row a stray rule cut in two, nothing in it of its column's type
        if any(match_column(spec, c.text) for c in present) and len(present) >= 2 and all(
                match_column(spec, c.text) or not c.text.strip() for c in present):
            continue  # a repeated header on a new page
        src = first.source
        own = re.match(r"table \d+, row \d+", src.cell or "")  # a row of a part joined from the next page
        record["source_ref"] = Source(src.file, src.page, own.group() if own and grid.ref is None else _row_ref(grid, r),
                                      _union(boxes)).to_dict()
        record["confidence"] = round(min(confidences), 3) if confidences else 0.0
        rows.append(record)
        previous = record
    return _one_row_per_pollutant(rows) if rounds is not None else rows


# a monitoring report's rows of one pollutant's samplings (第一次 … 第三次) and their mean (均值): the column
# saying which (检测频次), found by its values
_ROUND_KEY = "_round"


def _rounds_column(grid: Grid, header_row: int, mapping: dict, end: int | None) -> int | None:
    """The column no heading maps whose values name sampling rounds (two at least) and, maybe, their mean."""
    last = len(grid.rows) if end is None else end
    for c in range(max((len(row) for row in grid.rows), default=0)):
        if c in mapping:
            continue
        texts = [label_key(row[c].text) for row in grid.rows[header_row + 1:last]
                 if c < len(row) and row[c] is not None and row[c].text.strip()]
        named = [t for t in texts if _ROUND.fullmatch(t) or _MEAN.search(t) and len(t) <= 5]
        if sum(1 for t in named if _ROUND.fullmatch(t)) >= 2 and len(named) >= 0.8 * len(texts):
            return c
    return None


def _one_row_per_pollutant(rows: list[dict]) -> list[dict]:
    """One row per outlet and pollutant, as the table is kept: its mean row where the report gives one, else
    its rounds' mean (the guideline's limits hold for an hour's mean of the samplings)."""
    out: list[dict] = []
    group: list[dict] = []

    def close() -> None:
        if not group:
            return
        mean = next((row for row in group if _MEAN.search(row[_ROUND_KEY])), None)
        if mean is None:
            row = dict(group[0])
            values = [r["concentration_mg_m3"] for r in group if isinstance(r.get("concentration_mg_m3"), int | float)]
            row["concentration_mg_m3"] = round(sum(values) / len(values), 3) if values else None
            mean = row
        out.append({k: v for k, v in mean.items() if k != _ROUND_KEY})
        group.clear()

    for row in rows:
        if group and (row.get("outlet_id"), row.get("pollutant")) != (group[0].get("outlet_id"), group[0].get("pollutant")):
            close()
        group.append(row)
    close()
    return out


def _column_values(cells: list[Cell | None], mapping: dict[int, str | tuple[str, ...]], columns: dict):
    """(key, text, cell) of a row for each mapped key; a merged column's cell split in its parts."""
    for c, keys in mapping.items():
        cell = cells[c] if c < len(cells) else None
        if isinstance(keys, str):
            spread = _spread(cells, c, mapping, columns)
            if spread is not None:
                yield keys, spread[0], spread[1]
            elif (cell is None or not cell.text.strip()) and (moved := _drifted(cells, c, keys, mapping, columns)):
                yield keys, moved.text, moved
            else:
                yield keys, cell.text if cell is not None else "", cell
            continue
        parts = _split_merged(cell.text, len(keys)) if cell is not None else None
        if parts is None and cell is not None and cell.text.strip():
            # one value where two were expected (the other not read): it goes to the column it is valid for
            fits = [key for key in keys if columns[key].normalise(cell.text.strip()) is not None]
            parts = [cell.text if fits[:1] == [key] else "" for key in keys] if fits else None
        for i, key in enumerate(keys):
            yield key, parts[i] if parts else "", cell if parts else None


def _drifted(cells: list[Cell | None], c: int, key: str, mapping: dict, columns: dict) -> Cell | None:
    """Column c's value a slot or two beside it, in a slot no heading names, when column c's own is empty and
    the value is one only its type has (a stage, a date): a photographed table's rules lean, and the grid the
    rules above made puts the cells of the rows below in the next slot (seed 59's c01 photo)."""
    col = columns[key]
    for k in (c + 1, c - 1, c + 2, c - 2):
        cell = cells[k] if 0 <= k < len(cells) and k not in mapping else None
        if cell is not None and cell.text.strip() and col.field_type.tells(col.normalise(cell.text.strip())):
            return cell
    return None


def _spread(cells: list[Cell | None], c: int, mapping: dict, columns: dict) -> tuple[str, Cell] | None:
    """Column c's part of a cell that lost its column rule and so spans c and its neighbours (冀FE7900
    LRDGXF3W9KG052109 under 号牌号码 | VIN): split in as many parts as it spans, each valid for its column."""
    start = c
    while start > 0 and start < len(cells) and cells[start] is None:
        start -= 1
    cell = cells[start] if start < len(cells) else None
    if cell is None:
        return None
    span = 1 + next((k for k, x in enumerate(cells[start + 1:]) if x is not None), len(cells) - start - 1)
    if span < 2 or start + span <= c:
        return None
    # the columns it spans that a heading names (a leaning photograph's grid has slots no heading names)
    slots = [start + k for k in range(span) if start + k in mapping]
    keys = [mapping[k] for k in slots]
    if len(slots) < 2 or c not in slots or not all(isinstance(key, str) for key in keys):
        return None
    parts = _split_merged(cell.text, len(keys))
    if parts is None or not _fit(parts, keys, columns):
        parts = _wrapped_parts(cell.text, keys, columns)
    if parts is None:
        return None
    return parts[slots.index(c)], cell


def _fit(parts: list[str], keys: list[str], columns: dict) -> bool:
    return all(columns[key].field_type.plausible(columns[key].normalise(part)) for key, part in zip(keys, parts, strict=True))


def _wrapped_parts(text: str, keys: list[str], columns: dict) -> list[str] | None:
    """The parts of such a cell whose values wrapped in their own narrow cells: its first line split in as many
    parts as columns, each later line's words joined to the part they complete (晋D76216  LFWSP71Z6KD  国VI over
    963351: the VIN's last six characters under it)."""
    first, *rest = text.strip().split("\n")
    parts = _split_merged(first, len(keys))
    if parts is None or not rest:
        return None
    for word in (word for line in rest for word in line.split()):
        i = next((i for i, (key, part) in enumerate(zip(keys, parts, strict=True))
                  if not _fit([part], [key], columns) and _fit([part + word], [key], columns)), None)
        if i is None:
            return None
        parts[i] += word
    return parts if _fit(parts, keys, columns) else None


def _row_ref(grid: Grid, r: int) -> str:
    if grid.ref is not None:  # a spreadsheet's sheet (or a CSV: rows only)
        return f"{grid.ref}, row {r + 1}" if grid.ref else f"row {r + 1}"
    return f"table {grid.index}, row {r + 1}"


def tables_from_layout(layout: Layout) -> dict[str, list[dict]]:
    """Each grid's tables. A grid may hold several one below another, each under a header row of its own
    (a form that is one long table: 有组织排放 then 运输车辆); a table's rows end at the next one's header.
    Headers of two tables in the same rows are one header read two ways: the one naming more columns wins."""
    out: dict[str, list[dict]] = {}
    fuzzy = layout.method == "ocr"
    for grid, headers in _joined_across_pages(layout.grids):
        candidates = sorted(((len(_keys(header[1])), spec, header) for spec, header in headers if header),
                            key=lambda c: -c[0])
        chosen: list[tuple[TableSpec, int, dict]] = []
        for _, spec, (header_row, mapping) in candidates:
            if all(abs(header_row - row) > 1 for _, row, _ in chosen):
                chosen.append((spec, header_row, mapping))
        starts = sorted(row for _, row, _ in chosen)
        for spec, header_row, mapping in chosen:
            end = next((row for row in starts if row > header_row), None)
            bands = [rows_from_grid(grid, spec, header_row, band, end, fuzzy)
                     for band in [mapping, *_repeated_bands(grid.rows[header_row], spec, mapping)]]
            out.setdefault(spec.key, []).extend(_row_by_row(bands))
        if not any(spec.key == "emissions" for spec, _, _ in chosen) and (rows := _emissions_under_pollutants(grid)):
            out.setdefault("emissions", []).extend(rows)
    return out


def _repeated_bands(header: list[Cell | None], spec: TableSpec, mapping: dict) -> list[dict]:
    """A table set two (or more) records to a row to save paper (序号 | 车牌号码 | VIN | 排放阶段 | 序号 | 车牌号码
    | …): the headings after the mapped ones that name its columns again, each run a mapping of its own."""
    keys = {k for k in mapping.values() if isinstance(k, str)}
    need = _KEY_COLUMNS.get(spec.key, set())
    bands: list[dict] = []
    band: dict[int, str] = {}
    for c in range(max(mapping, default=-1) + 1, len(header)):
        cell = header[c]
        col = match_column(spec, cell.text) if cell is not None and cell.text.strip() else None
        if col is None or col.key not in keys:
            continue
        if col.key in band.values():  # the next repeat begins
            bands.append(band)
            band = {}
        band[c] = col.key
    bands.append(band)
    return [b for b in bands if len(b) >= 2 and (not need or need & set(b.values()))]


def _row_by_row(bands: list[list[dict]]) -> list[dict]:
    """The records of repeated column bands in reading order: a row's records left to right, then the next row's."""
    if len(bands) == 1:
        return bands[0]
    def row_number(record: dict) -> int:
        found = re.search(r"row (\d+)", (record.get("source_ref") or {}).get("cell") or "")
        return int(found.group(1)) if found else 0
    return sorted((r for band in bands for r in band), key=row_number)


@cache
def _pollutant_heading(text: str) -> str | None:
    """The standard pollutant a heading names (颗粒物, SO₂, 氮氧化物（mg/m³）), or None."""
    name = normalise_pollutant(re.sub(r"[（(][^（）()]*[)）]", "", text or "").strip())
    return name if name in STANDARD_POLLUTANTS else None


def _emissions_under_pollutants(grid: Grid) -> list[dict]:
    """A table turned round: the pollutants head the columns (检测点位 | 检测内容 | 颗粒物 | 二氧化硫 | 氮氧化物) and
    each row says what its figures are (排放浓度, 标准限值) for an outlet named in the row or merged down. One
    row per outlet and pollutant, as the table is kept."""
    spec = TABLES["emissions"]
    columns = {c.key: c for c in spec.columns}
    for r, row in enumerate(grid.rows):
        polluted = {c: name for c, cell in enumerate(row) if cell is not None and (name := _pollutant_heading(cell.text))}
        if len(polluted) < 2:
            continue
        first = min(polluted)
        found: dict[tuple, dict] = {}
        outlet = None
        for k in range(r + 1, len(grid.rows)):
            cells = grid.rows[k]
            figures = {c: parse_number(cells[c].text) for c in polluted if c < len(cells) and cells[c] is not None}
            if not any(isinstance(v, int | float) for v in figures.values()):
                break
            said = [cell for cell in cells[:first] if cell is not None and cell.text.strip()]
            outlet = next((code for cell in said if (code := outlet_code(cell.text))), None) or outlet
            what = {col.key for cell in said for col in [match_column(spec, cell.text), *_weak_columns(spec, cell.text)]
                    if col is not None} & {"concentration_mg_m3", "limit_mg_m3"}
            if len(what) != 1:
                continue  # a rate (kg/h), a flow, or a row saying nothing of what its figures are
            key = what.pop()
            for c, value in figures.items():
                if not isinstance(value, int | float):
                    continue
                record = found.setdefault((outlet, polluted[c]), {
                    "outlet_id": outlet, "source": None, "pollutant": polluted[c], "concentration_mg_m3": None,
                    "limit_mg_m3": None, "source_ref": Source(cells[c].source.file, cells[c].source.page,
                                                              _row_ref(grid, k), cells[c].source.bbox).to_dict(),
                    "confidence": round(cells[c].confidence, 3)})
                if record[key] is None:
                    record[key] = columns[key].normalise(cells[c].text)
        rows = [row for row in found.values() if row["concentration_mg_m3"] is not None]
        if rows:
            return rows
    return []


def _width(grid: Grid) -> int:
    return max((len(row) for row in grid.rows), default=0)


def _page(grid: Grid, last: bool = False) -> int | None:
    if grid.position is not None:
        return grid.position
    rows = reversed(grid.rows) if last else grid.rows
    return next((cell.source.page for row in rows for cell in row if cell is not None), None)


def _joined_across_pages(grids: list[Grid]) -> list[tuple[Grid, list]]:
    """Each grid with (spec, header or None) of every table, found once (a ledger may have thousands of
    rows); tables carried over to the next page without their header row repeated joined to the part
    before it, whose header they share: a grid without a header, or the rows above its first header, as
    many columns wide, on a later page than a table with one. A row the page break cut in two (a VIN's last characters at the top of the
    next page, the rest of the row empty) is made one again. Each cell keeps its own source."""
    out: list[tuple[Grid, list]] = []
    for grid in grids:
        if not any(cell is not None and cell.text.strip() for row in grid.rows for cell in row):
            continue  # rules with nothing in them (a photo's second reading of a table's rules): no part of anything
        headers = [(spec, _header(grid, spec)) for spec in TABLES.values()]
        previous, known = out[-1] if out else (None, [])
        placement = None
        # a header alone at the foot of the page before, its values here; not when this page opens with headings
        # of its own (its sub-headings: _header_over_break joins those)
        alone = None if previous is None or any(header for _, header in known) or any(
            header and _headed_by_words(grid, spec, header) for spec, header in headers) else _header_alone(previous)
        if alone is not None and _header_over_break(previous, known, grid) is not None:
            alone = None  # the header goes on here (车辆信息 above, 车号 | 车辆识别号 under it): joined as such below
        if (previous is not None and (any(header for _, header in known) or alone is not None)
                and previous.ref is None and grid.ref is None and grid.rows and previous.rows
                and (_page(grid) or 0) > (_page(previous, last=True) or 0)):
            header_row = max(h[0] for _, h in known if h) if alone is None else alone
            placement = _placement(grid, headers, previous, header_row)
            if placement is None and (bare := _without_blank_columns(grid)) is not grid:
                # a band of the photograph ruled off beside the table, empty in every row, is no column of it
                bare_headers = [(spec, _header(bare, spec)) for spec in TABLES.values()]
                if (placement := _placement(bare, bare_headers, previous, header_row)) is not None:
                    grid, headers = bare, bare_headers
        if placement is not None:
            placed, finer = placement
            # a "header" none of whose cells is a heading (only its values under it named columns) is a row of
            # values: the rest of a row the page break cut (| JK1637 | BH9LG2 79321 | | 13 |) is no header
            first = min((header[0] for spec, header in headers if header and _headed_by_words(grid, spec, header)),
                        default=None)
            carried = len(grid.rows) if first is None else _carried_rows(grid, first)
            if carried:
                if placed is not None:
                    rows, rest = [list(row) for row in previous.rows], placed[:carried]
                else:
                    # this page draws finer columns (a wider table under the rows carried over): the part before
                    # in them, its header judged again there
                    rows, rest = finer, [list(row) for row in grid.rows[:carried]]
                    known = [(spec, _header(Grid(index=previous.index, rows=finer), spec)) for spec in TABLES.values()]
                while len(rest) > 1 and not _filled(rest[0]):
                    rest = rest[1:]  # a band over the table's top the photograph ruled off, empty
                if _cut_row(rest[0]) or _completes(rows[-1], rest[0], known, len(rows) - 1):
                    rows[-1] = [_glued(a, b) for a, b in zip(rows[-1], rest[0], strict=False)]
                    rest = rest[1:]
                joined = Grid(index=previous.index, rows=rows + rest, caption=previous.caption,
                              for_fields=previous.for_fields and grid.for_fields, position=grid.position)
                if placed is None or alone is not None or any(header and header[0] >= len(previous.rows) - VALUE_ROWS
                                                              for _, header in known) or _names_columns(previous.rows[-1]):
                    # a header near the foot of the page named columns by the few values under it, or a page
                    # break fell inside a header: judged again with the rows the page break carried over
                    known = [(spec, _header(joined, spec)) for spec in TABLES.values()]
                out[-1] = (joined, known)
                if carried == len(grid.rows):
                    continue
                # the rest of the page: a table of its own under its header (one long table's next part)
                grid = Grid(index=grid.index, rows=grid.rows[carried:], caption=grid.caption,
                            for_fields=grid.for_fields, position=grid.position)
                headers = [(spec, _header(grid, spec)) for spec in TABLES.values()]
        elif previous is not None and (joined := _header_over_break(previous, known, grid)) is not None:
            out[-1] = joined
            continue
        out.append((grid, headers))
    return out


def _headed_by_words(grid: Grid, spec: TableSpec, header: tuple[int, dict]) -> bool:
    """Whether some cell of a header row names a column of `spec` by its words."""
    return any(cell is not None and match_column(spec, cell.text) is not None for cell in grid.rows[header[0]])


def _header_alone(grid: Grid) -> int | None:
    """A table's header at the foot of a page with none of its values under it, all on the next page (车号 and
    上牌日期 named by their values alone, under a group heading): the last row naming a column, when the grid
    holds headings and section rows only and names two columns of one table at least."""
    filled = [(r, cell.text) for r, row in enumerate(grid.rows) for cell in row if cell is not None and cell.text.strip()]
    if not filled or any(not _heading_like(text) for _, text in filled):
        return None
    for spec in TABLES.values():
        named = {(r, col.key) for r, text in filled if (col := match_column(spec, text)) is not None}
        if len({key for _, key in named}) >= 2:
            return max(r for r, _ in named)
    return None


def _heading_like(text: str) -> bool:
    """Words, not a value: a heading, a group heading or a section row's words (（一）自有车辆)."""
    return not re.search(r"\d{3,}|[A-Z]{2,}\d", text) and len(label_key(text)) <= 24


def _placement(grid: Grid, headers: list, previous: Grid, header_row: int):
    """(rows placed in the previous part's columns, None) or (None, the previous part's rows in this grid's finer
    columns) when the grid may carry that part on; None when it may not."""
    if (placed := _in_columns_of(grid, previous, header_row)) is not None:
        return placed, None
    if (placed := _top_in_columns_of(grid, headers, previous, header_row)) is not None:
        return placed, None
    if (finer := _in_finer_columns(previous, grid)) is not None:
        return None, finer
    return None


def _without_blank_columns(grid: Grid) -> Grid:
    """A grid without its columns that hold nothing in any row: a band a photograph's page edge or shadow rules
    off beside the table (one empty cell down its side) is no column, and would keep the part of a table on the
    next page from lining up with the part before it."""
    width = _width(grid)
    blank = [c for c in range(width) if not any(c < len(row) and row[c] is not None and row[c].text.strip()
                                                for row in grid.rows)]
    if not blank or len(blank) == width:
        return grid
    # a blank column's cell merged over the next one hands the merge on: the next column's cell is its own
    rows = []
    for row in grid.rows:
        kept = []
        for c, cell in enumerate(row):
            if c in blank:
                continue
            if cell is None and c - 1 in blank and c - 1 < len(row) and row[c - 1] is not None:
                cell = Cell("", row[c - 1].source, row[c - 1].confidence)
            kept.append(cell)
        rows.append(kept)
    return Grid(index=grid.index, rows=rows, caption=grid.caption, for_fields=grid.for_fields, ref=grid.ref,
                position=grid.position)


def _header_over_break(previous: Grid, known: list, grid: Grid) -> tuple[Grid, list] | None:
    """The grid before and this one as one, when a page break fell inside a table's header: the upper
    heading row (序号 | 车辆信息 | 排放标准) at the foot of one page, the lower one (号牌号码 | 识别代号)
    and the rows at the top of the next, so that neither part alone names enough columns."""
    if (previous.ref is not None or grid.ref is not None or not previous.rows or not grid.rows
            or (_page(grid) or 0) != (_page(previous, last=True) or 0) + 1):
        return None
    if not _names_columns(previous.rows[-1]):
        return None
    had = {spec.key for spec, header in known if header}
    # this page's rows in the columns of the part before; or that part's rows in this page's columns, when
    # this page draws rules the part before has not (车辆信息 merged over what 车号 | 车辆识别号 part below it)
    placed = _in_columns_of(grid, previous, len(previous.rows) - 1)
    above = _in_finer_columns(previous, grid)
    found = []
    for rows in ([list(row) for row in previous.rows] + placed if placed is not None else None,
                 above + [list(row) for row in grid.rows] if above is not None else None):
        if rows is None:
            continue
        joined = Grid(index=previous.index, rows=rows, caption=previous.caption,
                      for_fields=previous.for_fields and grid.for_fields, position=grid.position)
        headers = [(spec, _header(joined, spec)) for spec in TABLES.values()]
        new = [header for spec, header in headers
               if header and spec.key not in had and header[0] >= len(previous.rows) - 2]
        if new:
            found.append((max(len(mapping) for _, mapping in new), joined, headers))
    # both ways name the table: the one giving its headings a column each (车辆号牌 | 车辆识别码 under 车辆信息
    # are two columns, not one)
    return max(found, key=lambda x: x[0])[1:] if found else None


def _column_edges(rows: list[list[Cell | None]]) -> tuple[dict[int, float], dict[int, float]]:
    """Where each column begins and ends on the page: the median of its cells' edges (a cell merged over the
    next ends no column)."""
    lefts: dict[int, list[float]] = {}
    rights: dict[int, list[float]] = {}
    for row in rows:
        for c, cell in enumerate(row):
            if cell is not None and cell.source.bbox:
                lefts.setdefault(c, []).append(cell.source.bbox[0])
                if c + 1 >= len(row) or row[c + 1] is not None:
                    rights.setdefault(c, []).append(cell.source.bbox[2])
    return ({c: float(sorted(xs)[len(xs) // 2]) for c, xs in lefts.items()},
            {c: float(sorted(xs)[len(xs) // 2]) for c, xs in rights.items()})


def _in_finer_columns(previous: Grid, grid: Grid) -> list[list[Cell | None]] | None:
    """The rows of the part before a page break in the columns of the part after it, which has more: each cell
    where its column begins, the columns it spans left empty (merged over), when every cell begins and ends
    where columns of the part after do."""
    if _width(grid) <= _width(previous):
        return None
    starts, ends = _column_edges(grid.rows[:VALUE_ROWS])
    if len(starts) != _width(grid) or len(ends) != _width(grid):
        return None
    tolerance = 0.03 * (max(ends.values()) - min(starts.values()))
    # the two parts may lie at other places and scales (two photographs, a page a file): the table's width on
    # each says how one's x is the other's
    there = _extent(previous)
    if there is None:
        return None
    p0, p1 = there
    g0, g1 = min(starts.values()), max(ends.values())
    scale = (g1 - g0) / (p1 - p0) if p1 > p0 else 1.0
    out = []
    for row in previous.rows:
        placed: list[Cell | None] = [None] * _width(grid)
        for cell in row:
            if cell is None:
                continue
            if not cell.source.bbox:
                return None
            x0, x1 = (g0 + (x - p0) * scale for x in (cell.source.bbox[0], cell.source.bbox[2]))
            first = next((c for c, x in starts.items() if abs(x - x0) <= tolerance), None)
            last = next((c for c, x in ends.items() if abs(x - x1) <= tolerance), None)
            if first is None or last is None or last < first:
                return None
            placed[first] = cell
        out.append(placed)
    return out


def _names_columns(row: list[Cell | None]) -> bool:
    return any(cell is not None and cell.text.strip() and match_column(spec, cell.text)
               for spec in TABLES.values() for cell in row)


def _in_columns_of(grid: Grid, previous: Grid, header_row: int) -> list[list[Cell | None]] | None:
    """A grid's rows in the columns of the table before it (its header at `header_row`), if it may be its
    rest: as many columns wide, or as many as the columns that table's own rows have cells in (a part of
    one long table whose other parts had more columns: the next page draws only this part's), each cell
    put in its column."""
    if _width(grid) == _width(previous):
        # as wide, and where each cell stands says the same column, unless the table before lost a rule this
        # page draws and has a column of its own to make up the width (车辆号牌  VIN码 in one cell, an empty one)
        return _by_position(grid, previous) or [list(row) for row in grid.rows]
    # from the row above the header: a heading over two rows has cells in the columns the lower one spans
    slots = sorted({c for row in previous.rows[max(0, header_row - 1):] for c, cell in enumerate(row)
                    if cell is not None})
    # or the columns its rows of values fill (a section row a stray rule cut in two, (一)自 | 车辆, says nothing
    # of the columns)
    filled = sorted({c for row in previous.rows[header_row + 1:] if _filled(row) >= 3
                     for c, cell in enumerate(row) if cell is not None and cell.text.strip()})
    if len(slots) != _width(grid) and len(filled) == _width(grid):
        slots = filled
    if _width(grid) != len(slots) or len(slots) < 2:
        return _by_position(grid, previous) if _width(grid) > _width(previous) else _in_coarser_columns(grid, previous)
    out = []
    for row in grid.rows:
        placed: list[Cell | None] = [None] * _width(previous)
        for c, cell in zip(slots, row, strict=False):
            placed[c] = cell
        out.append(placed)
    return out


def _top_in_columns_of(grid: Grid, headers: list, previous: Grid, header_row: int) -> list[list[Cell | None]] | None:
    """The rows a grid carries over above its first header in the columns of the table before it, read in
    their own columns:
    a column none of them has a cell of is the table below's (its rules cut the grid finer: the vehicles'
    排放标准 under the emissions' 污染因子, merged over it in every emission row)."""
    first = min((header[0] for _, header in headers if header), default=0)
    top = grid.rows[:_carried_rows(grid, first)]
    unused = {c for c in range(_width(grid)) if all(c >= len(row) or row[c] is None for row in top)}
    if not top or not unused:
        return None
    own = Grid(index=grid.index, rows=[[cell for c, cell in enumerate(row) if c not in unused] for row in top],
               caption=grid.caption, for_fields=grid.for_fields, position=grid.position)
    return _in_columns_of(own, previous, header_row)


def _extent(grid: Grid) -> tuple[float, float] | None:
    """Where a grid's table begins and ends across the page."""
    boxes = [cell.source.bbox for row in grid.rows for cell in row if cell is not None and cell.source.bbox]
    return (min(b[0] for b in boxes), max(b[2] for b in boxes)) if boxes else None


def _in_coarser_columns(grid: Grid, previous: Grid) -> list[list[Cell | None]] | None:
    """A grid's rows in the columns of the part before it, which has more (a rule its header draws that the
    rest does not: two empty cells under 车辆注册登记日), each cell where it begins at the part before's scale
    (two photographs: each page at its own distance and place)."""
    starts, _ = _column_edges(previous.rows)
    here, there = _extent(grid), _extent(previous)
    if not starts or here is None or there is None or here[1] <= here[0]:
        return None
    scale = (there[1] - there[0]) / (here[1] - here[0])
    tolerance = 0.03 * (there[1] - there[0])
    out = []
    for row in grid.rows:
        placed: list[Cell | None] = [None] * _width(previous)
        for cell in row:
            if cell is None:
                continue
            if not cell.source.bbox:
                return None
            x = there[0] + (cell.source.bbox[0] - here[0]) * scale
            c = min(starts, key=lambda c: abs(starts[c] - x))
            if abs(starts[c] - x) > tolerance or placed[c] is not None:
                return None
            placed[c] = cell
        out.append(placed)
    return out


def _filled(row: list[Cell | None]) -> int:
    return sum(1 for cell in row if cell is not None and cell.text.strip())


def _by_position(grid: Grid, previous: Grid) -> list[list[Cell | None]] | None:
    """A wider grid's rows in the columns of the table before it by where each cell begins and ends on the
    page (a table whose next page draws a rule the part carried over does not use: DA004's rows under five
    columns on a page of six), when its first row's cells each begin where one of that table's columns
    begins and end where one ends. Rows that do not fit stay as they are (the rest of the page, another
    table)."""
    edges, column_ends = _column_edges(previous.rows)
    if len(edges) < 2:
        return None
    rights = sorted(cell.source.bbox[2] for row in previous.rows for cell in row if cell is not None and cell.source.bbox)
    tolerance = 0.02 * (max(edges.values()) - min(edges.values()))
    first = [cell.source.bbox[0] for cell in grid.rows[0] if cell is not None and cell.source.bbox] if grid.rows else []
    if len(first) < 2:
        return None

    def placed(row: list[Cell | None], shift: float) -> list[Cell | None] | None:
        out: list[Cell | None] = [None] * _width(previous)
        for cell in row:
            if cell is None:
                continue
            if not cell.source.bbox:
                return None
            x, end = cell.source.bbox[0] + shift, cell.source.bbox[2] + shift
            c = min(edges, key=lambda c: abs(edges[c] - x))
            # it begins where a column begins and ends where one ends (a cell may span two)
            if abs(edges[c] - x) <= tolerance and out[c] is None and min(abs(r - end) for r in rights) <= tolerance:
                out[c] = cell
                continue
            # or it lies inside one column: the table before lost the rule this page draws (its cell holds
            # two values run together, 国IV  2016/1/13), so this page's two cells are run together as well
            inside = [c for c in edges if edges[c] - tolerance <= x and end <= column_ends.get(c, -1.0) + tolerance]
            if not inside:
                return None
            c = inside[0]
            out[c] = cell if out[c] is None else Cell(f"{out[c].text}  {cell.text}", out[c].source,
                                                      min(out[c].confidence, cell.confidence))
        return out

    # the two pages lay differently on the scanner: the shift that puts every cell of the first row where a
    # column of the table before begins
    shift = next((d for d in sorted({edge - x for edge in edges.values() for x in first}, key=abs)
                  if placed(grid.rows[0], d) is not None), None)
    if shift is None:
        return None
    return [row if (row := placed(original, shift)) is not None else list(original) for original in grid.rows]


def _carried_rows(grid: Grid, first_header: int) -> int:
    """How many rows at the top of a grid, above its first table's header, are the rest of the table before
    it (a form that is one long table, broken across pages: the emissions' last rows, then 运输车辆 under
    its heading): those up to a row spanning the grid or naming a column."""
    k = 0
    while k < first_header and not _spans_row(grid.rows[k]) and not _names_columns(grid.rows[k]):
        k += 1
    return k


def _cut_row(row: list[Cell | None]) -> bool:
    """The rest of a row a page break cut: fewer than half its cells filled, its first one empty."""
    filled = [cell for cell in row if cell is not None and cell.text.strip()]
    return bool(filled) and len(filled) * 2 < len(row) and (row[0] is None or not row[0].text.strip())


def _completes(above: list[Cell | None], row: list[Cell | None], known: list, at: int) -> bool:
    """Whether a row at the top of a page is the rest of the row above it, cut by the page break though most
    of its cells hold something (LGAM81F12 | 2019年01月 above, K9898094 | 05日 below): a value above of a kind
    that tells itself (a VIN, a plate) is one only with the piece below it, which is none alone; in a column of
    two run together (车辆号牌|VIN码, a rule the scan lost), the second of them. `at`: the row above's index."""
    for spec, header in known:
        if not header or header[0] >= at:
            continue  # the row above is the header (its headings and the values under them are no one value)
        for c, keys in header[1].items():
            if c >= min(len(above), len(row)) or above[c] is None or row[c] is None:
                continue
            a, b = above[c].text.strip(), row[c].text.strip()
            if not a or not b:
                continue
            keys = (keys,) if isinstance(keys, str) else keys
            before, after = _split_merged(a, len(keys)) or [], _split_merged(a + b, len(keys)) or []
            for key, was, now in zip(keys, before, after, strict=False):
                col = next((col for col in spec.columns if col.key == key), None)
                if col is not None and col.field_type.distinctive and not col.field_type.tells(
                        col.normalise(was)) and col.field_type.tells(col.normalise(now)) and not \
                        col.field_type.tells(col.normalise(b)):  # a whole value below starts a row of its own
                    return True
    return False


def _glued(above: Cell | None, below: Cell | None) -> Cell | None:
    if below is None or not below.text.strip():
        return above
    if above is None:
        return below
    return Cell(above.text.rstrip() + below.text.strip(), above.source, min(above.confidence, below.confidence))
