"""Ink on a cleaned scan or photo, and the straight strokes in it: the one binarisation the passes over a page
share (its tables' rules, its check boxes, its text lines, the table a photo is flattened by), so that
they agree on what is ink.
"""

from __future__ import annotations

import cv2
import numpy as np

BLOCK, DARKER = 25, 15  # ink: this much darker than the mean of the square of this side round it


def local_ink(grey: np.ndarray) -> np.ndarray:
    """The pixels darker than their surroundings (255), so faint print under uneven light is ink too."""
    return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, BLOCK, DARKER)


def across(binary: np.ndarray, length: int) -> np.ndarray:
    """The horizontal strokes of `binary` at least `length` px long."""
    return cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))


def down(binary: np.ndarray, length: int) -> np.ndarray:
    """The vertical strokes of `binary` at least `length` px long."""
    return cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
