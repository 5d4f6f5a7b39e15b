"""Check boxes on a scan, read from the page's pixels: OCR engines drop or misread ☑ and □.

A box is a small square of about the text's height; filled or holding a tick it is
ticked, hollow it is not. Boxes come in groups (□是 □否, □A级 ☑B级 …), so a lone
square — the character 口 — is not taken for one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from extractors.ink import across, down, local_ink


@dataclass
class CheckBox:
    bbox: tuple[float, float, float, float]
    ticked: bool


def find_checkboxes(grey: np.ndarray, text_height: float, *, solid: bool = True,
                    keep: Callable[[CheckBox], bool] | None = None, ink: np.ndarray | None = None) -> list[CheckBox]:
    """`solid`: look for filled squares too (■C级: an erosion over the whole image, the costly part).
    `keep`: which squares may be boxes at all (not a character the OCR read there), decided before the
    squares are grouped, so that characters with square holes do not make groups of their own. `ink`: the
    page's extractors.ink.local_ink, when the caller has it."""
    binary = local_ink(grey) if ink is None else ink
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    lo, hi = 0.4 * text_height, 1.45 * text_height  # a Word legacy form field's box stands taller than its text
    candidates = _squares(contours, binary, binary, lo, hi) + _drawn_squares(binary, lo, hi)
    boxes = [box for box in _dedupe(candidates + (_solid_squares(grey, lo, hi) if solid else []))
             if keep is None or keep(box)]
    return [b for b in boxes if _in_a_group(b, boxes, text_height) and not _smaller_than_its_row(b, boxes, text_height)]


def _squares(contours, outline: np.ndarray, binary: np.ndarray, lo: float, hi: float) -> list[CheckBox]:
    """The contours that bound a closed square of a box's size in `outline`, ticked by the ink inside them
    in `binary`."""
    found = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if not (lo <= w <= hi and lo <= h <= hi and 0.75 <= w / h <= 1.33):
            continue
        if not _closed_square(outline[y:y + h, x:x + w]):
            continue
        border = max(2, int(round(min(w, h) * 0.25)))
        inner = binary[y + border:y + h - border, x + border:x + w - border]
        ink = float(inner.mean() / 255) if inner.size else 0.0
        found.append(CheckBox((float(x), float(y), float(x + w), float(y + h)), ink > 0.12))
    return found


def _drawn_squares(binary: np.ndarray, lo: float, hi: float) -> list[CheckBox]:
    """Boxes whose outline runs into something else: the option's letter (☒B级 photographed, the box and the
    B one blob) or the cell's rule (a box set flush against it). A box's sides are straight strokes as long
    as the box, a letter's or a character's mostly shorter: the strokes at least 0.8 of the least box side
    long, across and down, hold every box's sides, and a box's inside is a hole among them (a tick or a
    cross, being neither, is gone from them)."""
    length = max(5, int(0.8 * lo))
    sides = cv2.bitwise_or(across(binary, length), down(binary, length))
    contours, _ = cv2.findContours(sides, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    return _squares(contours, sides, binary, lo, hi)


def _solid_squares(grey: np.ndarray, lo: float, hi: float) -> list[CheckBox]:
    """Filled boxes (■C级) that touch the option's first letter, which merges their contours (and the
    adaptive threshold hollows them out): eroding the dark pixels by more than a stroke's width leaves only
    solid areas, each grown back by what the erosion took."""
    side = max(3, int(lo * 0.6))
    core = cv2.erode((grey < 128).astype(np.uint8), np.ones((side, side), np.uint8))
    found = []
    for x, y, w, h in _pieces(core):
        x0, y0, x1, y1 = x - side // 2, y - side // 2, x + w + side // 2, y + h + side // 2
        bw, bh = x1 - x0, y1 - y0
        if lo <= bw <= hi and lo <= bh <= hi and 0.75 <= bw / bh <= 1.33:
            found.append(CheckBox((float(x0), float(y0), float(x1), float(y1)), True))
    return found


def _pieces(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The box (x, y, width, height) of each 8-connected piece of `mask`, from the top down, as
    connectedComponentsWithStats gives them at a tenth of its cost on a full page: the outer outline of a
    piece bounds it, and RETR_CCOMP puts every outer outline at its top level (a piece in a hole too)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    return sorted((cv2.boundingRect(contours[i]) for i in np.flatnonzero(hierarchy[0][:, 3] < 0)),
                  key=lambda box: (box[1], box[0]))


def _closed_square(patch: np.ndarray) -> bool:
    """Ink along all four sides of the bounding square: a drawn box, even where a tick crosses its
    outline (which bends the contour inwards, so contour shape tests miss ticked boxes)."""
    h, w = patch.shape
    band = max(2, int(round(min(w, h) * 0.15)))
    ink = patch > 0
    sides = (ink[:band].any(axis=0), ink[-band:].any(axis=0), ink[:, :band].any(axis=1), ink[:, -band:].any(axis=1))
    return all(float(side.mean()) >= 0.7 for side in sides)


def _dedupe(boxes: list[CheckBox]) -> list[CheckBox]:
    """A hollow square has an outer and an inner contour: keep the outer one."""
    boxes = sorted(boxes, key=lambda b: -(b.bbox[2] - b.bbox[0]))
    kept: list[CheckBox] = []
    for box in boxes:
        cx, cy = (box.bbox[0] + box.bbox[2]) / 2, (box.bbox[1] + box.bbox[3]) / 2
        if not any(k.bbox[0] <= cx <= k.bbox[2] and k.bbox[1] <= cy <= k.bbox[3] for k in kept):
            kept.append(box)
    return kept


def _smaller_than_its_row(box: CheckBox, boxes: list[CheckBox], text_height: float) -> bool:
    """A square much smaller than the boxes beside it is a letter's bowl (a bold B or D looks boxed), not a
    box: the boxes of one row of options are drawn alike. Only among three or more."""
    cy = (box.bbox[1] + box.bbox[3]) / 2
    row = [min(b.bbox[2] - b.bbox[0], b.bbox[3] - b.bbox[1]) for b in boxes
           if abs((b.bbox[1] + b.bbox[3]) / 2 - cy) < 0.5 * text_height]
    side = min(box.bbox[2] - box.bbox[0], box.bbox[3] - box.bbox[1])
    return len(row) >= 3 and side < 0.7 * float(np.median(row))


def _in_a_group(box: CheckBox, boxes: list[CheckBox], text_height: float) -> bool:
    """Boxes come in groups (a lone square is a character: 口): another box on its line, or two of its size on
    the line above or below (the last option of a list wrapped in a narrow cell: □A级 □B级 □C级 / ☒D级; one
    square a line down a table's column is a letter's hole: DA001, DA002 …)."""
    cy, side = (box.bbox[1] + box.bbox[3]) / 2, box.bbox[3] - box.bbox[1]

    def beside(other: CheckBox) -> bool:
        return other is not box and abs(other.bbox[0] - box.bbox[0]) < 25 * text_height

    def across(other: CheckBox) -> float:
        return abs((other.bbox[1] + other.bbox[3]) / 2 - cy)

    if any(beside(other) and across(other) < 0.5 * text_height for other in boxes):
        return True
    near = [(other.bbox[1] + other.bbox[3]) / 2 for other in boxes if beside(other) and across(other) < 2 * text_height
            and 0.75 <= (other.bbox[3] - other.bbox[1]) / max(side, 1) <= 1.33]
    return any(abs(a - b) < 0.5 * text_height for i, a in enumerate(near) for b in near[i + 1:])  # two on one line
