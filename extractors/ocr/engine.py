"""The OCR engine protocol: an image in, text lines with boxes and confidences out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in image pixels


@dataclass
class OcrWord:
    """A word, or for Chinese a character: the unit a line can be split at a table's rule."""

    text: str
    bbox: Box
    confidence: float


@dataclass
class OcrLine:
    text: str
    bbox: Box
    confidence: float  # 0..1
    words: list[OcrWord] = field(default_factory=list)


class OcrEngine(Protocol):
    name: str

    def recognise(self, image: Image.Image) -> list[OcrLine]: ...


def recognise_page(engine: OcrEngine, image: Image.Image, cells: list[Box]) -> list[OcrLine]:
    """The lines of a page whose ruled tables' cells are known: read cell by cell by an engine that can
    (`recognise_grid`, cheaper than detection over the page), else as a whole page."""
    grid = getattr(engine, "recognise_grid", None)
    if cells and grid is not None:
        return grid(image, cells)
    return engine.recognise(image)
