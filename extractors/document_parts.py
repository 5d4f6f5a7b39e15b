"""Documents, not files: one PDF or multi-page TIFF often holds several documents (a 申报材料汇编 of
licence, permit, EIA approval and pledge scanned in one go; a form with its monitoring report appended).
Read as one, it gets one kind and the checks look for the licence's fields in a "form".

A page opens a new document when one of its first lines is a document's own title (kinds.title_kind):
centred over the page's text (a title wrapped over two centred lines read as one), not a numbered
section heading of the document running on (`五、运输车辆台账`), and naming another kind than the part
before it (a cover or contents page without a title goes with the document after it). Pages
without such a title continue the part before them; a page repeating its document's title (a report
headed on every page) stays in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors.kinds import classify, document_title, title_kind
from extractors.layout import Grid, Layout
from forms.vocabulary import APPLICATION_FORM

HEAD_LINES = 3  # a title is among the first lines of a page
CENTRE_TOLERANCE = 0.1  # of the page's width: how far off centre a title may sit


@dataclass
class _Line:
    text: str
    top: float
    x0: float
    x1: float
    order: tuple = ()  # where no box places it (a Word file's): its place in the file


def page_lines(layout: Layout) -> dict[int, list[_Line]]:
    """The text of every page as lines from top to bottom (segments and table cells alike); without boxes
    (a Word file), in the file's order: a table between the paragraphs it stands between; a Word file's
    page header is above every page, no line of its first."""
    pages: dict[int, list[_Line]] = {}
    items = [(s.text, s.source, (s.line, 0)) for s in layout.segments if s.source.cell != "page header"]
    items += [(c.text, c.source, (grid.after, 1, r, k)) for grid in layout.grids
              for r, row in enumerate(grid.rows) for k, c in enumerate(row) if c and c.text.strip()]
    for text, source, order in items:
        if source.page is None or not text.strip():
            continue
        box = source.bbox or (0.0, 0.0, 0.0, 0.0)
        turns = layout.page_turns.get(source.page, 0)
        if turns and source.page in layout.page_sizes:
            box = upright_box(box, turns, layout.page_sizes[source.page])
        pages.setdefault(source.page, []).append(_Line(text.strip(), box[1], box[0], box[2],
                                                       () if source.bbox else order))
    for lines in pages.values():
        lines.sort(key=lambda ln: (round(ln.top), ln.x0, ln.order))
    return pages


def upright_box(box: tuple[float, float, float, float], turns: int,
                size: tuple[float, float]) -> tuple[float, float, float, float]:
    """A box on a page as it lies in the file, on the page turned `turns` quarter turns counter-clockwise."""
    x0, top, x1, bottom = box
    width, height = size
    for _ in range(turns % 4):  # a counter-clockwise quarter turn takes (x, y) to (y, width - x)
        x0, top, x1, bottom = top, width - x1, bottom, width - x0
        width, height = height, width
    return x0, top, x1, bottom


def upright_width(layout: Layout, page: int) -> float | None:
    size = layout.page_sizes.get(page)
    if not size:
        return None
    return size[1] if layout.page_turns.get(page, 0) % 2 else size[0]


def _centring(lines: list[_Line], page_width: float | None):
    """Whether a line of the page sits centred over its text."""
    if page_width:
        left, right = 0.0, page_width
    else:  # no page size: the text's extent stands for the page
        left, right = min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)
    width = right - left

    def centred(line: _Line) -> bool:
        return width <= 0 or abs((line.x0 + line.x1) / 2 - (left + right) / 2) <= CENTRE_TOLERANCE * width

    return centred


def _opening_kind(lines: list[_Line], page_width: float | None) -> str | None:
    """The kind the page's title names, when the page opens with one."""
    if not lines:
        return None
    centred = _centring(lines, page_width)
    for i, line in enumerate(lines[:HEAD_LINES]):
        first = line.text.splitlines()[0] if line.text else ""
        kind = title_kind(first)
        if kind is None and i + 1 < len(lines) and centred(lines[i + 1]):
            # a title wrapped over two centred lines (关于…环境影响报告表⏎的批复), under an official document's
            # header and number
            kind = title_kind(first + lines[i + 1].text.splitlines()[0])
        if kind is not None and centred(line):
            return kind
    return None


def _titled_kind(lines: list[_Line], page_width: float | None) -> str | None:
    """A page opening with a title no kind's words name (准予行政许可决定书, 厂内运输车辆及非道路移动机械台账): a
    document's all the same, of the kind its page reads as. Not after a form's page, whose own section
    headings (运输车辆信息一览表) look the same."""
    if not lines:
        return None
    centred = _centring(lines, page_width)
    if not any(centred(line) and document_title(line.text.splitlines()[0]) for line in lines[:HEAD_LINES]):
        return None
    kind = classify("\n".join(line.text for line in lines))[0]
    return None if kind in ("unknown", APPLICATION_FORM) else kind


def opening_kind(layout: Layout, page: int = 1) -> str | None:
    """The kind a page's own title names, when it opens with one (a page of a form holding only its vehicle
    table opens with the table's header, no title)."""
    return _opening_kind(page_lines(layout).get(page, []), upright_width(layout, page))


def page_ranges(layout: Layout) -> list[tuple[int, int]]:
    """The page ranges (first, last; from 1) of the documents a file holds; one range for one document."""
    count = layout.pages or 0
    if count < 2:
        return [(1, max(count, 1))]
    lines = page_lines(layout)
    ranges: list[list[int]] = [[1, 1]]
    widths = {page: upright_width(layout, page) for page in layout.page_sizes}
    current = _opening_kind(lines.get(1, []), widths.get(1))
    for page in range(2, count + 1):
        kind = _opening_kind(lines.get(page, []), widths.get(page))
        if kind is None and current not in (None, APPLICATION_FORM):
            kind = _titled_kind(lines.get(page, []), widths.get(page))
        if kind is not None and current is not None and kind != current:
            ranges.append([page, page])
        else:
            ranges[-1][1] = page
        current = kind or current
    return [(a, b) for a, b in ranges]


def _grid_page(grid: Grid) -> int | None:
    return next((c.source.page for row in grid.rows for c in row if c is not None), None)


def part_layout(layout: Layout, first: int, last: int) -> Layout:
    """The pages first..last of a layout, as the layout of a document of their own."""
    def inside(page: int | None) -> bool:
        return page is not None and first <= page <= last

    return Layout(file=layout.file, method=layout.method, pages=last - first + 1,
                  grids=[g for g in layout.grids if inside(_grid_page(g))],
                  segments=[s for s in layout.segments if inside(s.source.page)],
                  seals=[s for s in layout.seals if inside(s.page)],
                  page_sizes={p: size for p, size in layout.page_sizes.items() if inside(p)},
                  page_turns={p: turns for p, turns in layout.page_turns.items() if inside(p)})
