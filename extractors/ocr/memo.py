"""OCR results kept by the exact pixels recognised, so the same page is never recognised twice.

OCR is nearly all of a scan's cost (seconds a page); everything after it (labels, tables,
classification) is cheap and changes more often. Keying by the pixels handed to the
engine, not by the file, keeps the memo right when the page cleaning changes: a changed
image is a new key. A shared directory (Settings.ocr_cache) lets several worker
processes or machines fill it for one another, e.g. one task per page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from PIL import Image

from extractors.ocr.engine import Box, OcrEngine, OcrLine, OcrWord, recognise_page

log = logging.getLogger(__name__)

MEMO_VERSION = "3"  # bump when an engine's settings change what it reads from the same pixels


def image_key(image: Image.Image, engine: str, cells: list[Box] | None = None) -> str:
    digest = hashlib.sha256()
    digest.update(f"{image.mode}:{image.size[0]}x{image.size[1]}:".encode())
    digest.update(image.tobytes())
    if cells:  # a page read cell by cell: the same pixels cut otherwise read otherwise
        digest.update(json.dumps([[round(v, 1) for v in cell] for cell in cells]).encode())
    return f"{digest.hexdigest()}-{engine}-m{MEMO_VERSION}"


def _line_from(data: dict) -> OcrLine:
    return OcrLine(text=data["text"], bbox=tuple(data["bbox"]), confidence=data["confidence"],
                   words=[OcrWord(w["text"], tuple(w["bbox"]), w["confidence"]) for w in data["words"]])


class MemoEngine:
    """An engine that remembers what the engine it wraps read, in one JSON file per image."""

    def __init__(self, engine: OcrEngine, root: str | Path):
        self.engine = engine
        self.name = engine.name
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def recognise(self, image: Image.Image) -> list[OcrLine]:
        return self._remembered(image_key(image, self.engine.name), lambda: self.engine.recognise(image))

    def recognise_grid(self, image: Image.Image, cells: list[Box]) -> list[OcrLine]:
        if getattr(self.engine, "recognise_grid", None) is None:
            return self.recognise(image)
        return self._remembered(image_key(image, self.engine.name, cells),
                                lambda: recognise_page(self.engine, image, cells))

    def _remembered(self, key: str, read) -> list[OcrLine]:
        path = self._path(key)
        try:
            return [_line_from(line) for line in json.loads(path.read_text("utf-8"))]
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("OCR memo %s unreadable, recognising again: %s", path, exc)
        lines = read()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump([asdict(line) for line in lines], out, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("OCR memo %s not written: %s", path, exc)
        return lines
