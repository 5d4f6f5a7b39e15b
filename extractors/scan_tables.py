"""Ruled tables on a scan: find the rules, cut the table into cells, and wipe the rules for OCR."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from extractors.ink import across, down, local_ink
from extractors.scan_checkboxes import find_checkboxes


@dataclass
class ScanCell:
    row: int
    col: int
    bbox: tuple[float, float, float, float]


@dataclass
class ScanTable:
    bbox: tuple[float, float, float, float]
    n_rows: int
    n_cols: int
    cells: list[ScanCell]  # a merged cell once, at its top-left grid position


def _groups(values: list[float], gap: float) -> list[list[float]]:
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= gap:
            groups[-1].append(v)
        else:
            groups.append([v])
    return groups


def _cluster(values: list[float], gap: float) -> list[float]:
    return [float(np.mean(g)) for g in _groups(values, gap)]


def line_masks(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the horizontal and the vertical rules."""
    binary = local_ink(grey)
    h, w = binary.shape
    horizontal = across(binary, max(w // 25, 20))
    # a vertical rule is taller than the text in its row: size the kernel from the row height
    rule_rows = _cluster([float(y) for y in np.where(horizontal.sum(axis=1) > 0.15 * 255 * w)[0]], 6)
    gaps = [b - a for a, b in zip(rule_rows, rule_rows[1:], strict=False) if b - a > 12]
    band = float(np.median(gaps)) if gaps else h / 30
    vertical = down(binary, max(int(band * 0.5), 15))
    # close small breaks in scanned horizontal rules; vertical ones stay as found, so that a rule can be
    # told from a character's stroke by whether it meets the horizontal rules (see _table)
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    return horizontal, vertical


def wipe_rules(grey: np.ndarray, tables: list[ScanTable]) -> np.ndarray:
    """The page with its tables' rules painted white, so OCR reads no `|` or `一` from them."""
    out = grey.copy()
    horizontal, _ = line_masks(grey)
    out[horizontal > 0] = 255
    for table in tables:
        for cell in table.cells:
            x0, top, x1, bottom = (int(round(v)) for v in cell.bbox)
            cv2.rectangle(out, (x0, top), (x1, bottom), 255, thickness=7)
    return out


def _segments_on_line(mask_line: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    """Runs of set pixels along one line of a mask."""
    on = mask_line > 0
    runs, start = [], None
    for i, v in enumerate(on):
        if v and start is None:
            start = i
        elif not v and start is not None:
            if i - start >= min_len:
                runs.append((start, i))
            start = None
    if start is not None and len(on) - start >= min_len:
        runs.append((start, len(on)))
    return runs


def _covered(runs: list[tuple[int, int]], a: float, b: float) -> bool:
    """Whether the runs cover most of [a, b]."""
    need = (b - a) * 0.3  # a merged cell has no rule at all; a seal or a fold only breaks one
    got = sum(max(0, min(e, b) - max(s, a)) for s, e in runs)
    return got >= need


def find_tables(grey: np.ndarray) -> list[ScanTable]:
    horizontal, vertical = line_masks(grey)
    grid = cv2.bitwise_or(horizontal, vertical)
    contours, _ = cv2.findContours(grid, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    h, w = grey.shape
    tables = []
    for x, y, cw, ch in joined_boxes([cv2.boundingRect(contour) for contour in contours]):
        if cw < w * 0.3 or ch < 40:
            continue
        table = _table(horizontal[y:y + ch, x:x + cw], vertical[y:y + ch, x:x + cw], x, y, grey[y:y + ch, x:x + cw])
        if table is not None:
            tables.append(table)
    tables.sort(key=lambda t: t.bbox[1])
    return tables


MIN_PIECE = 40  # pixels: the height of a table's row at any usable resolution
PIECE_SHARE = 0.25  # a broken table's smaller piece holds a quarter of the larger's area at least


def joined_boxes(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) of the rules' outlines, those that overlap joined into one: a photographed table
    whose rules broke (a fold, a shadow, the perspective's bend) is two outlines lying over each other,
    plates in one and stages in the other (_pieces_of_one). Outlines of tables one under another do not
    overlap, a rule alone (a signature's line, a title's underline: less than MIN_PIECE high or wide) is no
    piece of a table, and a frame round a table (the sheet's edge on a photo) holds it and is no piece either."""
    out = list(boxes)
    joined = True
    while joined:
        joined = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                (ax, ay, aw, ah), (bx, by, bw, bh) = out[i], out[j]
                if min(aw, ah, bw, bh) >= MIN_PIECE and _pieces_of_one(out[i], out[j]):
                    x, y = min(ax, bx), min(ay, by)
                    out[i] = (x, y, max(ax + aw, bx + bw) - x, max(ay + ah, by + bh) - y)
                    del out[j]
                    joined = True
                    break
            if joined:
                break
    return out


def _pieces_of_one(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Two outlines' boxes that overlap as the pieces of one broken table do: each reaching past the other (a
    break down the table, or a fold across it: the pieces lie over each other, neither inside the other). A box
    holding the other is a frame round it (the sheet's edge on a photo, a licence's double border), and a small
    one reaching over a frame's corner is an ornament (a licence's), not a piece of it."""
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    width, height = min(ax + aw, bx + bw) - max(ax, bx), min(ay + ah, by + bh) - max(ay, by)
    if width <= 0 or height <= 0:
        return False
    small, large = sorted((aw * ah, bw * bh))
    # the smaller does not lie inside the larger, and is a piece's size (a quarter of the other at least, not a
    # corner ornament or a stamp overlapping the frame)
    return width * height < 0.9 * small and small >= PIECE_SHARE * large


def _rule_candidates(vertical: np.ndarray) -> list[float]:
    """Where vertical rules may stand: in each run of inked columns, the middle of the columns about its
    peak. Text set close against a rule (a value typed right after its cell's left edge) leaves strokes a
    few pixels beside it, and a mean over the whole run would stand between the two and match neither; a
    rule runs the height of its rows and outweighs any stroke, and a thick or slanted rule is several
    columns about as strong as its peak."""
    profile = vertical.sum(axis=0).astype(float)
    inked = np.where(profile > 0)[0]
    out = []
    for group in _groups([float(x) for x in inked], 6):
        lo, hi = int(group[0]), int(group[-1])
        peak = lo + int(np.argmax(profile[lo:hi + 1]))
        left, right = peak, peak
        while left > lo and profile[left - 1] >= 0.5 * profile[peak]:
            left -= 1
        while right < hi and profile[right + 1] >= 0.5 * profile[peak]:
            right += 1
        out.append((left + right) / 2)
    return out


def _short_rules(vertical: np.ndarray, bands: list[tuple[float, float]], known: list[float]) -> list[float]:
    """Rules _rule_candidates cannot see: a short rule (one parting a few rows) with rows of text set close on
    both sides of it inks every column from the table's border to it, so the run of inked columns is one,
    and its peak the border. A rule runs from one row's horizontal rule to the next, inked in nearly every
    pixel row between them, in a stretch of columns as narrow as a rule; a character's stroke does neither."""
    found: list[float] = []
    for top, bottom in bands:
        strip = vertical[int(top) + 2:max(int(bottom) - 2, int(top) + 3)]
        if not strip.size or bottom - top <= 12:
            continue
        full = strip.astype(bool).mean(axis=0) >= 0.9
        ends = vertical[max(0, int(top) - 2):int(top) + 3].any(axis=0) & vertical[max(0, int(bottom) - 2):int(bottom) + 3].any(axis=0)
        for stretch in _groups([float(x) for x in np.flatnonzero(full & ends)], 1):
            middle = (stretch[0] + stretch[-1]) / 2
            if stretch[-1] - stretch[0] <= 8 and all(abs(middle - x) > 6 for x in known + found):
                found.append(middle)
    return found


def _box_sides(grey: np.ndarray, bands: list[tuple[float, float]]) -> list[tuple[float, float, float]]:
    """The left and right sides of the check boxes in a table (its pixels, its rows' bands), as (x, top,
    bottom): a box as tall as its row touches both rules and would pass for a rule between two cells."""
    heights = sorted(b - t for t, b in bands if b - t > 12)
    if not heights:
        return []
    # outlined boxes only: a filled square is no rule's twin
    boxes = find_checkboxes(grey, 0.8 * heights[len(heights) // 2], solid=False)
    # a box is a character's size: a frame's inner rules (a licence's double border) are no box
    return [(side, b.bbox[1], b.bbox[3]) for b in boxes if b.bbox[2] - b.bbox[0] < 0.1 * grey.shape[1]
            for side in (b.bbox[0], b.bbox[2])]


def _closes_a_box(x: float, accepted: dict[float, list[tuple[float, float]]], width: float) -> bool:
    """Whether a candidate rule is the far side of a check box drawn against a cell's rule (⊠A级 in a legacy
    form field as tall as its row): found in a row or two only, and in each standing as far from another rule
    of that row as the row is high, the two closing a square of a character's size (a frame's square is
    none)."""
    bands = accepted[x]
    if len(bands) > 2:
        return False
    return all(any(other != x and (t, b) in others and 0.75 * (b - t) <= abs(other - x) <= 1.5 * (b - t)
                   and abs(other - x) < 0.1 * width for other, others in accepted.items()) for t, b in bands)


def _table(horizontal: np.ndarray, vertical: np.ndarray, ox: int, oy: int,
           grey: np.ndarray | None = None) -> ScanTable | None:
    """The table whose rule masks these are (`grey`: its pixels, where check boxes are looked for)."""
    ch, cw = horizontal.shape
    rows_y = _cluster([float(y) for y in np.where(horizontal.sum(axis=1) > 0.25 * 255 * cw)[0]], 6)
    if len(rows_y) < 2:
        return None
    candidates = _rule_candidates(vertical)

    def coverage(x: float, top: float, bottom: float) -> float:
        strip = vertical[int(top) + 2:max(int(bottom) - 2, int(top) + 3), max(0, int(x) - 4):int(x) + 5]
        return float(strip.any(axis=1).mean()) if strip.size else 0.0

    def meets(x: float, y: float) -> bool:
        return bool(vertical[max(0, int(y) - 2):int(y) + 3, max(0, int(x) - 4):int(x) + 5].any())

    def enters(x: float, y: float, step: int) -> bool:
        """Ink in every pixel row from the rule at y a few pixels into the row (step 1: down, -1: up)."""
        rows = vertical[int(y) + 2:int(y) + 8] if step > 0 else vertical[max(0, int(y) - 7):max(0, int(y) - 1)]
        strip = rows[:, max(0, int(x) - 4):int(x) + 5]
        return bool(strip.size) and bool(strip.any(axis=1).all())

    # a rule runs from one horizontal rule into the next and meets both; a character's stroke,
    # however tall, stops short of them
    bands = list(zip(rows_y, rows_y[1:], strict=False))
    box_sides = _box_sides(grey, bands) if grey is not None else []

    def box_side(x: float, top: float, bottom: float) -> bool:
        return any(abs(side - x) <= 6 and min(bottom, b) - max(top, t) > 0.8 * (b - t)  # the box in this row
                   for side, t, b in box_sides)

    candidates = sorted(candidates + _short_rules(vertical, bands, candidates))
    accepted = {x: [(t, b) for t, b in bands if coverage(x, t, b) >= 0.8 and meets(x, t) and meets(x, b)
                    and not box_side(x, t, b)] for x in candidates}
    cols_x = [x for x in candidates if accepted[x] and not _closes_a_box(x, accepted, cw)]
    if len(cols_x) < 2:
        return None
    # per-row-band vertical rules and per-column-span horizontal rules decide merges
    cells: list[ScanCell] = []
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for r in range(len(rows_y) - 1):
        top, bottom = rows_y[r], rows_y[r + 1]
        # a seal may break a real rule within a row (0.4, entering the row from both of its rules), a fold its
        # end (0.8, entering from one); a character's stroke where the rows above and below have a rule is
        # neither: it meets their rules' ends, but does not run into this row from them
        present = [c for c, x in enumerate(cols_x)
                   if (cover := coverage(x, top, bottom)) > 0.4 and enters(x, top, 1) and enters(x, bottom, -1)
                   or cover >= 0.8 and (enters(x, top, 1) or enters(x, bottom, -1))]
        if 0 not in present:
            present.insert(0, 0)
        if len(cols_x) - 1 not in present:
            present.append(len(cols_x) - 1)
        for a, b in zip(present, present[1:], strict=False):
            left, right = cols_x[a], cols_x[b]
            top_rule = horizontal[max(0, int(top) - 4):int(top) + 5, int(left):int(right)]
            runs = _segments_on_line(top_rule.max(axis=0), 3) if top_rule.size else []
            above = next((c for c in cells if (c.row, c.col) == owner[(r - 1, a)]), None) if (r - 1, a) in owner else None
            # merged with the cell above when no rule parts them and that cell is as wide (one spanning more
            # columns above is another cell: a frame's thin top band over its inner frame)
            if (r > 0 and not _covered(runs, 0, right - left) and above is not None
                    and abs(above.bbox[0] - (ox + left)) < 2 and abs(above.bbox[2] - (ox + right)) < 2):
                owner[(r, a)] = owner[(r - 1, a)]
                above.bbox = (above.bbox[0], above.bbox[1], above.bbox[2], oy + bottom)
                continue
            owner[(r, a)] = (r, a)
            cells.append(ScanCell(r, a, (ox + left, oy + top, ox + right, oy + bottom)))
    return ScanTable((ox, oy, ox + cw, oy + ch), len(rows_y) - 1, len(cols_x) - 1, cells)
