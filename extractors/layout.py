"""The layout every backend produces: table grids and text segments, each with its source.

Word, text PDF and OCR backends differ in how they find cells and lines; once
they have, one label engine (extractors/labels.py, extractors/tables.py) reads fields and tables from
this common shape, so a label synonym added to forms works for every format.
A cell's or a segment's text is taken as the characters it shows: a radical a
font drew a common character with is that character (forms.normalize.unify_radicals).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from forms.facts import Source
from forms.normalize import unify_radicals


@dataclass
class Cell:
    text: str
    source: Source
    confidence: float = 1.0

    def __post_init__(self) -> None:
        self.text = unify_radicals(self.text)


@dataclass
class Grid:
    """One table: rows of cells; a merged cell appears once, at its first position."""

    index: int
    rows: list[list[Cell | None]]
    caption: str = ""
    for_fields: bool = True  # False for a borderless table guessed from text alignment: tables only
    ref: str | None = None  # how a row's source names the table: None `table N`, `sheet 台账` a workbook's sheet, "" a CSV
    position: int | None = None  # its page among a document's pages that came as files of their own (else its cells')
    after: int = 0  # in a file without boxes (Word): the segment line it follows, for reading order

    def cell(self, row: int, col: int) -> Cell | None:
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            return self.rows[row][col]
        return None


@dataclass
class Segment:
    """A run of text on one line (a paragraph in Word, a gap-separated run in a PDF or scan)."""

    text: str
    source: Source
    confidence: float = 1.0
    line: int = 0  # segments of the same visual line share this number

    def __post_init__(self) -> None:
        self.text = unify_radicals(self.text)


@dataclass
class Layout:
    file: str
    method: str
    pages: int | None = None
    grids: list[Grid] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    seals: list[Source] = field(default_factory=list)  # where a scan has seal ink (page, bbox)
    page_sizes: dict[int, tuple[float, float]] = field(default_factory=dict)  # page → (width, height) in box units
    page_turns: dict[int, int] = field(default_factory=dict)  # page → counter-clockwise quarter turns to read it upright

    def text(self) -> str:
        """All text, for classification."""
        parts = [s.text for s in self.segments]
        for grid in self.grids:
            parts.extend(c.text for row in grid.rows for c in row if c)
        return "\n".join(parts)
