"""The OCR engine protocol: an image in, text lines with boxes and confidences out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PIL import Image


@dataclass
class OcrLine:
    text: str
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom in image pixels
    confidence: float  # 0..1


class OcrEngine(Protocol):
    name: str

    def recognise(self, image: Image.Image) -> list[OcrLine]: ...
