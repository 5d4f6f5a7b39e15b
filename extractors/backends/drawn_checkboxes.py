"""Check boxes a PDF draws instead of printing a glyph, given back to the text as ☑ or □.

Word's legacy form fields (FORMCHECKBOX), LibreOffice's and WPS's printing of them, and forms
built with drawn squares put no character where the box is: the page holds a small square
path, and for a ticked box a cross or tick drawn inside it (or the square filled). The text layer
then reads `是否安装在线监测设施： 是 否` — both options, no answer. Each such square is added to
the page's characters as the glyph a typed form would carry, on the text line beside it, so the
words, the tables' cells and the yes/no reading see the answer as they do in a typed ☑是 □否.
"""

from __future__ import annotations

from forms.vocabulary import TICKED_GLYPHS, UNTICKED_GLYPHS

RINGS = "○◯〇"  # glyphs an enclosed character (Word's 带圈字符, an EQ field) draws over the character it rings
RING_REACH = (1.0, 2.6)  # a ring drawn round a word is this many times its characters' height, top to bottom
RING_WORD = 4  # characters at most in a word a ring is drawn round (是, 重点管理)

TICKED = TICKED_GLYPHS[0]
UNTICKED = UNTICKED_GLYPHS[0]
MIN_SIDE, MAX_SIDE = 4.0, 20.0  # points: a box the size of a character, 4–20 pt
SQUARENESS = 0.25  # sides differ by at most this share of the longer one
MARK_SHARE = 0.3  # a drawing inside the box at least this share of its side marks it


def _square(obj: dict) -> bool:
    w, h = obj["x1"] - obj["x0"], obj["bottom"] - obj["top"]
    return MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE and abs(w - h) <= SQUARENESS * max(w, h)


def _inside(obj: dict, box: dict, slack: float = 1.0) -> bool:
    return (obj["x0"] >= box["x0"] - slack and obj["x1"] <= box["x1"] + slack
            and obj["top"] >= box["top"] - slack and obj["bottom"] <= box["bottom"] + slack)


def _dark(colour) -> bool:
    """Whether a fill colour is ink, not paper (grey, RGB or CMYK as pdfminer gives it)."""
    if colour is None:
        return True  # no colour set: PDF's default fill is black
    values = colour if isinstance(colour, (tuple, list)) else (colour,)
    values = [float(v) for v in values if isinstance(v, (int, float))]
    if not values:
        return False
    if len(values) == 4:  # CMYK: ink where K or all of C, M, Y are high
        return values[3] > 0.5 or min(values[:3]) > 0.5
    return sum(values) / len(values) < 0.5


def _ticked(box: dict, drawings: list[dict]) -> bool:
    side = min(box["x1"] - box["x0"], box["bottom"] - box["top"])
    if box.get("fill") and _dark(box.get("non_stroking_color")):
        return True
    for other in drawings:
        if other is box or not _inside(other, box):
            continue
        extent = max(other["x1"] - other["x0"], other["bottom"] - other["top"])
        if extent >= MARK_SHARE * side and (other["object_type"] != "rect" or
                                            (other.get("fill") and _dark(other.get("non_stroking_color")))):
            return True
    return False


def _same_line(chars: list[dict], box: dict) -> dict | None:
    """The character nearest the box on its text line (the box is about as tall as the line)."""
    middle = (box["top"] + box["bottom"]) / 2
    on_line = [c for c in chars if c["top"] - 2 <= middle <= c["bottom"] + 2]
    if not on_line:
        return None
    centre = (box["x0"] + box["x1"]) / 2
    return min(on_line, key=lambda c: abs((c["x0"] + c["x1"]) / 2 - centre))


def drawn_boxes(page) -> list[tuple[dict, bool]]:
    """The page's drawn check boxes beside text, each with whether it is ticked; boxes that already
    hold a character (a √ typed into a drawn square) are the text's own."""
    chars = page.chars
    drawings = list(page.rects) + list(page.lines) + list(page.curves)
    boxes = [obj for obj in drawings if obj["object_type"] in ("rect", "curve") and _square(obj)]
    # a box inside a bigger box is the tick's frame or the fill of the one around it, not a box of its own
    boxes = [b for b in boxes if not any(o is not b and _square(o) and _inside(b, o, slack=0.0) and
                                         (o["x1"] - o["x0"]) > (b["x1"] - b["x0"]) for o in boxes)]
    out = []
    for box in boxes:
        if any(_inside(c, box, slack=0.5) for c in chars) or _same_line(chars, box) is None:
            continue
        out.append((box, _ticked(box, drawings)))
    return out


def not_a_box(obj: dict) -> bool:
    """For pdfplumber's `page.filter`: keeps everything but box-sized squares and the slanted strokes of ticks,
    which are no table rules (a form's drawn check boxes would otherwise cut its answer cell into a cell per
    box and option)."""
    kind = obj.get("object_type")
    if kind in ("rect", "curve") and _square(obj):
        return False
    w, h = obj["x1"] - obj["x0"], obj["bottom"] - obj["top"]
    return not (kind in ("line", "curve") and 1 < w <= MAX_SIDE and 1 < h <= MAX_SIDE)  # a tick or cross, slanted


def add_drawn_checkboxes(page) -> int:
    """Put a ☑ or □ character where the page draws a check box; how many were added."""
    found = drawn_boxes(page)
    if not found:
        return 0
    chars = page.objects.setdefault("char", [])
    for box, ticked in found:
        like = _same_line(chars, box)
        glyph = dict(like)
        glyph.update(text=TICKED if ticked else UNTICKED, x0=box["x0"], x1=box["x1"],
                     width=box["x1"] - box["x0"], adv=box["x1"] - box["x0"])
        chars.append(glyph)  # words and cells order their characters by position, not by this list
    return len(found)


def _centre_in(char: dict, box: dict, margin: float = 0.0) -> bool:
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    dx, dy = margin * (box["x1"] - box["x0"]), margin * (box["bottom"] - box["top"])
    return box["x0"] + dx <= x <= box["x1"] - dx and box["top"] + dy <= y <= box["bottom"] - dy


def _ticked_before(char: dict) -> dict:
    """A ☑ character just before `char`, on its line: words and cells order characters by position."""
    glyph = dict(char)
    glyph.update(text=TICKED, x0=char["x0"] - 0.02, x1=char["x0"] - 0.01, width=0.01, adv=0.01)
    return glyph


def add_circled_options(page) -> int:
    """Mark an option ringed on the page as the one chosen, as a ☑ before it; how many were marked. The ring is
    a glyph drawn over the option (Word's 带圈字符 printed: ○ and 是 at one place, which the text layer gives as
    ○是, an unticked box) or a closed drawing round a short word (a circle drawn round 是 or 重点管理 in an
    editor). The ring glyph itself is dropped."""
    chars = page.objects.get("char", [])
    if not chars:
        return 0
    rings = [c for c in chars if c.get("text") in RINGS]
    words = [c for c in chars if c.get("text", "").strip() and c.get("text") not in RINGS]
    marks: list[dict] = []
    drop: set[int] = set()
    for ring in rings:
        inside = [c for c in words if _centre_in(c, ring, 0.15)]
        if len(inside) == 1:  # one character rung: an enclosed character, not a radio button beside its option
            marks.append(_ticked_before(inside[0]))
            drop.add(id(ring))
    for curve in page.curves:
        ringed = sorted((c for c in words if _centre_in(c, curve)), key=lambda c: c["x0"])
        if not 1 <= len(ringed) <= RING_WORD:
            continue
        height = max(c["bottom"] - c["top"] for c in ringed)
        tall = (curve["bottom"] - curve["top"]) / height if height else 0
        if not RING_REACH[0] <= tall <= RING_REACH[1] or len({round(c["top"]) for c in ringed}) > 1:
            continue
        # the ring holds the word whole: no character of its line cut by it
        line = [c for c in words if abs(c["top"] - ringed[0]["top"]) < height / 2 and c not in ringed]
        if any(min(c["x1"], curve["x1"]) - max(c["x0"], curve["x0"]) > 0.5 * (c["x1"] - c["x0"]) for c in line):
            continue
        marks.append(_ticked_before(ringed[0]))
    if not marks:
        return 0
    page.objects["char"] = [c for c in chars if id(c) not in drop] + marks
    return len(marks)
