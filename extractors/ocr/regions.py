"""Where the text of a ruled page is, from its ink: the lines of each cell, and what lies outside the cells.

A form's cells hold one line of text each, mostly: its rows of ink are one run, and the run's box is the
line, so recognition can read it without detection (detection of a whole page costs as much as
recognising forty lines). A cell whose runs of ink are taller than a line (lines touching, a signature)
is left to detection, and so is the page outside the cells (titles, notes, signature lines), cut into
bands that hold ink. Works on the cleaned grey page with its rules wiped (extractors/scan_tables.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from extractors.ink import down, local_ink

IntBox = tuple[int, int, int, int]  # x0, top, x1, bottom

INK = 160  # grey below which a pixel is ink (cleaned pages have a white background)
INSET = 4  # px inside a cell's rules: what is left of a rule after wiping is not text
MIN_INK = 12  # ink pixels below which a run is a speck of noise
TALL = 1.7  # a run taller than this many line heights holds more than one line: detection reads it
GAP = 2.0  # line heights of blank between two pieces of one run that make them two texts
MARGIN = 0.25  # line heights of white added above and below a line, as detection's boxes have it
SIDE = 0.5  # and left and right of it (a full-width ）or 。 is ink at one side of its square)
BAND_GAP = 1.5  # line heights of blank that separate two bands read by detection outside the cells
SMALL = 0.35  # line heights: a piece of a line narrower and lower than this is a dot of dirt
SPECK = 0.05  # a blob of less than this share of a line height squared, and small every way, is noise
CHAR_GAP = 0.6  # line heights: the widest gap between two characters of one line (across a wiped rule); a
# line ending nearer its cell's rule is followed past the rule (into the next cell, the two lines join: the
# page reader still places each character in its own cell)
DEFAULT_LINE = 40  # px: a line's height at 300 dpi, when a page gives none to measure
RULE_LENGTH = 3 * DEFAULT_LINE  # px: a straight stroke down this long is a rule, not a character's
RULE_SLIVER = 0.3  # line heights: ink this narrow this near a cell's side is a wiped rule's remnant


@dataclass
class RegionPlan:
    lines: list[IntBox] = field(default_factory=list)  # one text line each: recognition alone
    detect: list[IntBox] = field(default_factory=list)  # cells read by detection, then recognition
    bands: list[IntBox] = field(default_factory=list)  # outside the cells: detection with `blank` whitened
    blank: list[IntBox] = field(default_factory=list)  # the cells and lines, whitened for the bands' detection


def _runs(on: np.ndarray, max_gap: int = 0) -> list[tuple[int, int]]:
    """[start, end) of the runs of True in `on`, runs closer than `max_gap` joined."""
    idx = np.flatnonzero(on)
    if not len(idx):
        return []
    breaks = np.flatnonzero(np.diff(idx) > max_gap + 1)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks] + 1, [idx[-1] + 1]))
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _cell_runs(ink: np.ndarray, box: IntBox) -> list[tuple[int, int]]:
    """Rows of ink in a cell's interior (page rows), specks left out."""
    x0, top, x1, bottom = box
    rows = ink[top:bottom, x0:x1].sum(axis=1)
    return [(top + a, top + b) for a, b in _runs(rows > 0, 1) if rows[a:b].sum() >= MIN_INK]


def line_height(ink: np.ndarray, interiors: list[IntBox]) -> float:
    """The page's text height: the median height of the cells' runs of ink."""
    heights = [b - a for box in interiors for a, b in _cell_runs(ink, box) if b - a >= 6]
    return float(np.median(heights)) if heights else float(DEFAULT_LINE)


def ink_of(grey: np.ndarray) -> np.ndarray:
    """Dark pixels, and pixels clearly darker than their surroundings: the faint grey print of a phone
    photo (its characters' first strokes lighter than INK) is text too."""
    return (grey < INK) | (local_ink(grey) > 0)


def plan_regions(grey: np.ndarray, cells: list[tuple[float, float, float, float]]) -> RegionPlan:
    ink = ink_of(grey)
    h, w = grey.shape
    interiors = []
    for x0, top, x1, bottom in cells:
        box = (int(x0) + INSET, int(top) + INSET, int(x1) - INSET, int(bottom) - INSET)
        if box[2] - box[0] > 2 and box[3] - box[1] > 2:
            interiors.append(box)
    interiors = _distinct(interiors)
    # the text height, measured again without the specks found by the first measure: a grainy scan's specks
    # make short runs of their own, or join the text's, in every cell (a first measure a third of the
    # text's height or twice it); blobs far smaller than either are specks all the same
    # (and without straight strokes taller than a few lines: a rule left inside a cell, as a double border's
    # inner rule is, joins every row of the cell into one run, and a measure of it made every character a
    # speck)
    measured = ink & ~down(ink.view(np.uint8) * np.uint8(255), RULE_LENGTH).astype(bool)
    first = line_height(measured, interiors)
    height = line_height(_without_specks(measured, first), interiors)
    ink = _without_specks(ink, height)
    margin = max(2, round(MARGIN * height))  # above and below a line
    side = max(3, round(SIDE * height))  # left and right
    plan = RegionPlan()
    for box in interiors:
        runs = _cell_runs(ink, box)
        runs = _joined(runs, height)
        if any(b - a > TALL * height for a, b in runs):
            plan.detect.append(_grown(box, margin, w, h))
            continue
        for a, b in runs:
            cols = ink[a:b, box[0]:box[2]].sum(axis=0)
            for c0, c1 in _runs(cols > 0, round(GAP * height)):
                if cols[c0:c1].sum() < MIN_INK or _speck(ink[a:b, box[0] + c0:box[0] + c1], height):
                    continue
                if c1 - c0 < RULE_SLIVER * height and (c0 < RULE_SLIVER * height
                                                        or c1 > box[2] - box[0] - RULE_SLIVER * height):
                    continue  # what wiping left of a skewed rule, against the cell's side: read, it was a 1

                top, bottom = a, b
                if bottom - top < 0.6 * height:  # a dash or 一: as tall as a line round its middle
                    middle = (top + bottom) / 2
                    top, bottom = round(middle - height / 2), round(middle + height / 2)
                left, right = box[0] + c0, box[0] + c1
                reach = round(CHAR_GAP * height)
                if c0 <= reach or c1 >= box[2] - box[0] - reach:  # near the cell's rule: it may run on past it
                    left, right = _reach(ink[a:b], left, right, reach)
                _add(plan.lines, (max(0, left - side), max(0, top - margin), min(w, right + side), min(h, bottom + margin)))
    plan.lines = [line for line in (_outside(line, plan.detect) for line in plan.lines) if line is not None]
    plan.blank = [(max(0, x0 - INSET - 3), max(0, top - INSET - 3), x1 + INSET + 3, bottom + INSET + 3)
                  for x0, top, x1, bottom in interiors] + plan.lines  # a line running out of its table too
    plan.bands = _bands(ink, plan.blank, height, w, h)
    return plan


def _without_specks(ink: np.ndarray, height: float) -> np.ndarray:
    """The ink less the scan's specks: blobs much smaller than a stroke (they would widen a line's box, or
    make a band of an empty margin). Only where text is looked for: recognition still sees them."""
    try:  # 16-bit labels take half the time of 32-bit ones; a page of more than 65,535 blobs overflows them
        count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.view(np.uint8), connectivity=8,
                                                                   ltype=cv2.CV_16U)
    except cv2.error:
        count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.view(np.uint8), connectivity=8)
    small = (stats[:, cv2.CC_STAT_AREA] < max(12.0, SPECK * height * height)) & (
        np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) < 0.3 * height)
    small[0] = True  # the background
    return ~small[labels]


def _speck(piece: np.ndarray, height: float) -> bool:
    """A piece of ink small every way (under a third of a line): a dot of dirt, which recognition alone
    would read as "." (detection passes it over)."""
    rows = np.flatnonzero(piece.any(axis=1))
    return piece.shape[1] < SMALL * height and (not len(rows) or rows[-1] - rows[0] + 1 < SMALL * height)


def _overlap(a: IntBox, b: IntBox) -> int:
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def _area(box: IntBox) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


def _distinct(boxes: list[IntBox]) -> list[IntBox]:
    """Cells that do not hold another cell (a frame round a page, found as a table of its own, holds the
    cells inside it), nor mostly lie on one kept before: each pixel of text is read once."""
    inner = [box for box in boxes
             if not any(other is not box and _overlap(box, other) >= 0.9 * _area(other) for other in boxes)]
    kept: list[IntBox] = []
    for box in inner:
        if not any(_overlap(box, other) > 0.5 * min(_area(box), _area(other)) for other in kept):
            kept.append(box)
    return kept


def _outside(line: IntBox, detected: list[IntBox]) -> IntBox | None:
    """A line cut back to the side of its start where it ran on into a region detection reads whole (a cell
    whose lines touch: its tick boxes against the rule and the next cell's label right after it made one
    line of ink, and the boxes' options were read twice, ☒A A 级 级)."""
    x0, top, x1, bottom = line
    for d0, dtop, d1, dbottom in detected:
        if min(bottom, dbottom) - max(top, dtop) < (bottom - top) / 2 or d1 <= x0 or d0 >= x1:
            continue  # a line of the row above or below, in the region's margin
        if x0 < d0:  # it begins left of the region: it ends where the region begins
            x1 = min(x1, d0)
        elif x1 > d1:
            x0 = max(x0, d1)
        else:
            return None  # inside the region: detection reads it
    return (x0, top, x1, bottom) if x1 - x0 > 2 else None


def _reach(rows: np.ndarray, left: int, right: int, gap: int) -> tuple[int, int]:
    """A line's ends moved out over ink that runs on past its cell (a value too long for its cell, a tick
    box against the rule): across gaps of at most `gap` px, as the characters of one line are spaced."""
    cols = rows.any(axis=0)
    while left > 0:
        before = np.flatnonzero(cols[max(0, left - gap):left])
        if not len(before):
            break
        left = max(0, left - gap) + int(before[0])
    while right < len(cols):
        after = np.flatnonzero(cols[right:right + gap])
        if not len(after):
            break
        right += int(after[-1]) + 1
    return left, right


def _add(lines: list[IntBox], box: IntBox) -> None:
    """A line's box added, or joined to one it mostly overlaps (cells found overlapping hold the same text)."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    for i, other in enumerate(lines):
        ix = min(box[2], other[2]) - max(box[0], other[0])
        iy = min(box[3], other[3]) - max(box[1], other[1])
        if ix > 0 and iy > 0 and ix * iy > 0.5 * min(area, (other[2] - other[0]) * (other[3] - other[1])):
            lines[i] = (min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]), max(box[3], other[3]))
            return
    lines.append(box)


def _joined(runs: list[tuple[int, int]], height: float) -> list[tuple[int, int]]:
    """Runs of one line's parts joined (二, 三, a 〃 above its line): a gap under a quarter line apart, and
    together no taller than a line."""
    out: list[tuple[int, int]] = []
    for a, b in runs:
        if out and a - out[-1][1] < 0.25 * height and b - out[-1][0] <= 1.2 * height:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _grown(box: IntBox, margin: int, w: int, h: int) -> IntBox:
    x0, top, x1, bottom = box
    return max(0, x0 - margin), max(0, top - margin), min(w, x1 + margin), min(h, bottom + margin)


def _bands(ink: np.ndarray, blank: list[IntBox], height: float, w: int, h: int) -> list[IntBox]:
    """Boxes round the ink outside the cells, one per band of rows, for detection."""
    outside = ink.copy()
    for x0, top, x1, bottom in blank:
        outside[top:bottom, x0:x1] = False
    rows = outside.sum(axis=1)
    bands = []
    for a, b in _runs(rows > 1, round(BAND_GAP * height)):
        if rows[a:b].sum() < 4 * MIN_INK:
            continue
        cols = np.flatnonzero(outside[a:b].sum(axis=0))
        pad = round(height)
        bands.append((max(0, int(cols[0]) - pad), max(0, a - pad), min(w, int(cols[-1]) + 1 + pad), min(h, b + pad)))
    return bands
