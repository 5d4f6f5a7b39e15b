"""Which way up a page is: scans fed in sideways and phone photos taken upside down.

Deciding costs: Tesseract's orientation and script detection (OSD, `tesseract-ocr-osd`) takes about 3 s
a page, more than the OCR of many pages. So it is asked only about a page that looks wrong: one whose
ink runs in columns rather than rows (turned 90°, `looks_sideways`), or one the recogniser read poorly
(turned 180°: PP-OCR reads upside-down Chinese at a mean confidence near 0.7 instead of 0.99,
`read_poorly`). Upright pages pay for one profile of their ink.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import tempfile

import numpy as np
from PIL import Image

from extractors.ocr.engine import OcrLine

log = logging.getLogger(__name__)

OSD_WIDTH = 1600  # px of the longer side given to OSD (its confidence was higher at 1600 than at 1000)
OSD_MIN_CONFIDENCE = 1.0  # Tesseract's orientation confidence below which the page is left as it is
SIDEWAYS_RATIO = 1.8  # column profile this much sharper than the row profile: text lines run up the page
POOR_CONFIDENCE = 0.85  # mean line confidence below which a page may be upside down
MIN_LINES = 2  # lines read (above RapidOCR's 0.5 score) for that to say anything: upside down, a page gives few
TIMEOUT = 30


def looks_sideways(grey: np.ndarray) -> bool:
    """Whether the page's text lines run vertically (ink profile sharper across columns than rows)."""
    ink = (grey < 160).astype(np.float32)
    if ink.sum() < 500:
        return False
    rows = float(np.var(np.diff(ink.sum(axis=1)))) / max(ink.shape[1], 1) ** 2
    cols = float(np.var(np.diff(ink.sum(axis=0)))) / max(ink.shape[0], 1) ** 2
    return cols > SIDEWAYS_RATIO * rows


def read_poorly(lines: list[OcrLine]) -> bool:
    """Whether a page's OCR looks like upside-down text: several lines, read with low confidence."""
    text_lines = [ln for ln in lines if ln.text.strip()]
    return len(text_lines) >= MIN_LINES and float(np.mean([ln.confidence for ln in text_lines])) < POOR_CONFIDENCE


def quarter_turns(image: Image.Image) -> int | None:
    """Counter-clockwise quarter turns that set the page upright (0-3), by Tesseract OSD; None when OSD
    is not installed, fails or is unsure."""
    factor = OSD_WIDTH / max(image.size)
    small = image.convert("L")
    if factor < 1:
        small = small.resize((round(image.width * factor), round(image.height * factor)))
    with tempfile.TemporaryDirectory(prefix="gradedesk-osd-") as tmp:
        path = os.path.join(tmp, "page.png")
        small.save(path)
        try:
            result = subprocess.run(["tesseract", path, "stdout", "--psm", "0", "-c", "min_characters_to_try=10"],
                                    capture_output=True, timeout=TIMEOUT, check=False,
                                    env=dict(os.environ, OMP_THREAD_LIMIT="1"))
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("orientation detection unavailable: %s", exc)
            return None
    out = result.stdout.decode(errors="replace")
    rotate = re.search(r"Rotate:\s*(\d+)", out)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if not rotate or not confidence:
        log.info("orientation not detected (exit %s): %s", result.returncode,
                 result.stderr.decode(errors="replace")[-200:].strip())
        return None
    if float(confidence.group(1)) < OSD_MIN_CONFIDENCE:
        return None
    return (4 - int(rotate.group(1)) // 90) % 4
