"""Cleaning a scan or phone photo before OCR: red seals out, page flattened, straightened.

Every step records its geometric transform, so boxes found on the cleaned page
can be mapped back to pixels of the original image (`ScanPage.to_original`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from extractors.ink import across, down, local_ink

WORK_WIDTH = 1000  # deskew angle search runs on a copy this wide
BACKGROUND_SCALE = 4  # the page's background (flatten_light) is found on a copy this many times smaller
# a red pixel darker in red than the seal by more than SEAL_NOISE times the seal's own spread (median absolute
# deviation of its red) is a stroke under it. Each level darker is SEAL_CONTRAST / spread levels of grey, within
# SEAL_GAIN: under an even seal of 92% opacity a black stroke is only ~20 levels darker in red than the seal;
# on a phone photo the seal itself varies by ten levels and a stroke under it by fifty
SEAL_NOISE, SEAL_CONTRAST, SEAL_GAIN = 1.5, 25.0, (3.0, 10.0)
FRINGE = 12  # red this much above green and blue, next to seal ink: the seal's fringe


@dataclass
class ScanPage:
    image: Image.Image  # the cleaned page, grey
    matrix: np.ndarray  # 3×3, original pixels → cleaned pixels
    angle: float
    warped: bool

    def to_original(self, bbox: tuple[float, float, float, float], scale: float = 1.0):
        """A box on the cleaned page as a box on the original, divided by `scale` (pixels → points)."""
        x0, top, x1, bottom = bbox
        corners = np.array([[x0, top, 1], [x1, top, 1], [x1, bottom, 1], [x0, bottom, 1]], dtype=float).T
        back = np.linalg.inv(self.matrix) @ corners
        back = back[:2] / back[2]
        return (float(back[0].min() / scale), float(back[1].min() / scale),
                float(back[0].max() / scale), float(back[1].max() / scale))


def without_seals(rgb: np.ndarray) -> np.ndarray:
    """The page in grey with the seals' red ink taken out pixel by pixel, the strokes under it kept.

    Red ink passes red light: in the red channel a seal is nearly paper, and a black stroke under it
    stays darker than the seal around it. So a red pixel's grey comes from its red channel: as dark as
    it falls below the seal's own red (the median over the page's red pixels), white at or above it.
    Painting seal pixels white, as before, took the strokes under the seal with it (the first
    characters of a VIN, a date under the company's seal)."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    r, excess = _redness(rgb)
    mask = (r > 100) & (excess > 35)
    if not mask.any():
        return grey
    # the seal's fringe: pinkish pixels next to its ink (anti-aliasing, JPEG's coarser colour) that would
    # otherwise stay as a grey ghost of the seal's characters
    near = cv2.dilate(mask.view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)
    mask |= near & (r > 100) & (excess > FRINGE)
    red = r[mask].astype(np.float32)
    seal = float(np.median(red))
    spread = max(float(np.median(np.abs(red - seal))), 1.5)
    gain = min(max(SEAL_CONTRAST / spread, SEAL_GAIN[0]), SEAL_GAIN[1])
    grey[mask] = np.clip(255.0 - np.maximum(seal - SEAL_NOISE * spread - red, 0.0) * gain, 0, 255).astype(np.uint8)
    return grey


def _redness(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The red channel and how far red exceeds green and blue (0 where it does not), in bytes: the int16
    channels and their differences took 120 MB at once for an A4 page at 300 dpi, an OCR process's peak."""
    r, g, b = cv2.split(rgb)
    return r, cv2.subtract(r, cv2.max(g, b))


def _red_mask(rgb: np.ndarray) -> np.ndarray:
    r, excess = _redness(rgb)
    return (r > 100) & (excess > 35)


def seal_boxes(image: Image.Image, work_width: int = 600) -> list[tuple[float, float, float, float]]:
    """Boxes (image pixels) of the seals stamped on a page: red ink in round, seal-sized blobs. OCR of the
    text under them loses characters, so a value read there is marked (Fact.sealed)."""
    rgb = np.asarray(image.convert("RGB"))
    factor = min(1.0, work_width / rgb.shape[1])
    small = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else rgb
    mask = _red_mask(small).astype(np.uint8)
    if mask.sum() == 0:
        return []
    side = max(3, int(small.shape[1] / 60))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    boxes = []
    for x, y, w, h, _area in stats[1:count]:
        # a seal is 3–6 cm across on an A4 page 21 cm wide: at least a tenth of the page's width
        if w >= small.shape[1] * 0.1 and 0.5 <= w / max(h, 1) <= 2.0:
            boxes.append((x / factor, y / factor, (x + w) / factor, (y + h) / factor))
    return boxes


def flatten_light(grey: np.ndarray) -> np.ndarray:
    """Divide by the page's own background so shadows and uneven light fall away. The background (a
    closing wider than any stroke, then a wide blur) is smooth, so it is found on a copy a quarter the
    size and scaled back: the same page in a fifth of the time (the full-size blur alone took 0.27 s)."""
    size = max(31, (min(grey.shape) // 20) | 1)
    factor = BACKGROUND_SCALE if min(grey.shape) >= 4 * size else 1
    small = grey if factor == 1 else cv2.resize(grey, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
    side = max(3, (size // factor) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side)))
    background = cv2.GaussianBlur(background, (0, 0), side / 4)
    if factor != 1:
        background = cv2.resize(background, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(grey, np.maximum(background, 1), scale=255)


def _order_corners(pts: np.ndarray) -> np.ndarray:
    """Four corners as top-left, top-right, bottom-right, bottom-left: clockwise round their centre (on the
    image, y down), from the one nearest the top-left. Each corner once, however skewed the quadrilateral
    (taking the least and greatest x + y and x − y took one corner twice for a steep one)."""
    centre = pts.mean(axis=0)
    clockwise = pts[np.argsort(np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0]))]
    first = int(np.argmin(clockwise.sum(axis=1)))
    return np.roll(clockwise, -first, axis=0).astype(np.float32)


BITTEN_CORNER = 0.03  # of the photo's diagonal: an outline's corner this far from where its sides meet was cut


def find_page_quad(grey: np.ndarray) -> np.ndarray | None:
    """The four corners of a sheet of paper photographed on a darker background, if there is one."""
    h, w = grey.shape
    small_scale = 800 / max(h, w)
    small = cv2.resize(grey, (int(w * small_scale), int(h * small_scale)))
    blur = cv2.GaussianBlur(small, (5, 5), 0)
    _, mask = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(contour)
    small_area = small.shape[0] * small.shape[1]
    if area < 0.3 * small_area or area > 0.97 * small_area:
        return None  # no distinct sheet, or the sheet fills the frame (a flatbed scan)
    quad = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
    dense, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)  # every outline pixel
    fitted = _quad_by_sides(max(dense, key=cv2.contourArea), small.shape)
    if len(quad) == 4:
        # four points may still cut a corner a shadow bit off (the corner lies on the bite's edge, and the
        # sides meeting there lean): the sides' lines meet where the sheet's corner is, outside that one
        corners = _order_corners(quad.reshape(4, 2).astype(np.float32))
        if fitted is None or float(np.max(np.linalg.norm(corners - fitted, axis=1))) <= BITTEN_CORNER * float(
                np.linalg.norm(np.array(small.shape[:2], dtype=np.float32))):
            return corners / small_scale
    return None if fitted is None else fitted / small_scale


def _quad_by_sides(contour: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """The sheet's corners where a shadow or a curled corner bites into its outline (five or more
    points): a straight line fitted to the middle of each side, and the corners where they meet."""
    points = contour.reshape(-1, 2).astype(np.float64)
    # the sides of the smallest rectangle around the outline pick each side's points; a bitten corner
    # lies away from them and is left out
    rough = _order_corners(cv2.boxPoints(cv2.minAreaRect(contour)).astype(np.float32)).astype(np.float64)
    lines = []
    for i in range(4):
        a, b = rough[i], rough[(i + 1) % 4]
        length = float(np.linalg.norm(b - a))
        if length < 10:
            return None
        along = (b - a) / length
        normal = np.array([-along[1], along[0]])
        rel = points - a
        t, dist = rel @ along / length, np.abs(rel @ normal)
        side = points[(t > 0.15) & (t < 0.85) & (dist < 0.04 * length)]
        if len(side) < 10:
            return None
        vx, vy, x0, y0 = cv2.fitLine(side.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        near = side[np.abs((side - [x0, y0]) @ np.array([-vy, vx])) < 2.0]  # again, without a shadow's bulge
        if len(near) >= 10:
            vx, vy, x0, y0 = cv2.fitLine(near.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    corners = []
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        det = d1[0] * -d2[1] - d1[1] * -d2[0]
        if abs(det) < 1e-6:
            return None
        s = ((p2 - p1)[0] * -d2[1] - (p2 - p1)[1] * -d2[0]) / det
        corners.append(p1 + s * d1)
    quad = np.array(corners, dtype=np.float32)
    quad += (quad.mean(axis=0) - quad) * 0.01  # a little inside the edges: no sliver of background left
    h, w = shape[:2]
    margin = 0.05 * max(h, w)
    if (quad[:, 0].min() < -margin or quad[:, 1].min() < -margin or quad[:, 0].max() > w + margin
            or quad[:, 1].max() > h + margin or not cv2.isContourConvex(quad.reshape(-1, 1, 2))):
        return None
    return quad


def _skew_angle(grey: np.ndarray) -> float:
    """The rotation (degrees) that makes text lines horizontal, from row-profile sharpness: half-degree
    steps on a copy half as wide, then tenths on the WORK_WIDTH copy (ink as bytes: a third of the time
    of the float search over the full copy)."""
    h, w = grey.shape
    scale = WORK_WIDTH / w if w > WORK_WIDTH else 1.0
    small = cv2.resize(grey, (int(w * scale), int(h * scale))) if scale != 1.0 else grey
    ink = (small < 160).astype(np.uint8)
    if int(ink.sum()) < 50:
        return 0.0
    half = cv2.resize(ink, (max(1, ink.shape[1] // 2), max(1, ink.shape[0] // 2)), interpolation=cv2.INTER_NEAREST)

    def sharpness(image: np.ndarray, angle: float) -> float:
        m = cv2.getRotationMatrix2D((image.shape[1] / 2, image.shape[0] / 2), angle, 1.0)
        rotated = cv2.warpAffine(image, m, (image.shape[1], image.shape[0]), flags=cv2.INTER_NEAREST)
        profile = rotated.sum(axis=1, dtype=np.int64)
        return float(np.var(np.diff(profile)))

    coarse = max(np.arange(-5.0, 5.01, 0.5), key=lambda a: sharpness(half, a))
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=lambda a: sharpness(ink, a))
    return round(float(fine), 2)


MAX_SKEW_AFTER_WARP = 1.0  # degrees: a flattened sheet's lines are level; more means a wrong outline


def clean_page(image: Image.Image) -> ScanPage:
    rgb = np.asarray(image.convert("RGB"))
    original = without_seals(rgb)
    grey, matrix, warped = original, np.eye(3), False
    # the sheet's outline in the photo as taken: seal removal whitens a red-brown desk, which then joins the sheet
    quad = find_page_quad(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    if quad is not None:
        width = int(max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3])))
        height = int(max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1])))
        target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
        homography = cv2.getPerspectiveTransform(quad, target)
        grey = cv2.warpPerspective(original, homography, (width, height), borderValue=255)
        matrix, warped = homography, True
    grey = flatten_light(grey)
    angle = _skew_angle(grey)
    if warped and abs(angle) > MAX_SKEW_AFTER_WARP:
        # the outline found was not the sheet's (a shadow bent a side, a desk lit as brightly as the paper
        # joined a corner to the frame): flatten the photo by its largest ruled table, else straighten it as it is
        grey, matrix, warped = flatten_light(original), np.eye(3), False
        table = _table_quad(grey)
        if table is not None:
            homography = cv2.getPerspectiveTransform(table, _upright(table))
            grey = cv2.warpPerspective(grey, homography, (grey.shape[1], grey.shape[0]), borderValue=255)
            matrix, warped = homography, True
        angle = _skew_angle(grey)
    if abs(angle) >= 0.1:
        h, w = grey.shape
        rotation = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        grey = cv2.warpAffine(grey, rotation, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
        matrix = np.vstack([rotation, [0, 0, 1]]) @ matrix
    return ScanPage(Image.fromarray(grey), matrix, angle, warped)


def _table_quad(grey: np.ndarray) -> np.ndarray | None:
    """The corners of the page's largest ruled table, when it is a plausible rectangle seen in perspective
    (a fifth of the photo at least, opposite sides of about one length): printed rules are straight and
    meet at right angles, so they say how the sheet lies where its own edge cannot be told from the desk."""
    h, w = grey.shape
    binary = local_ink(grey)
    rules = cv2.bitwise_or(across(binary, max(w // 25, 20)), down(binary, max(h // 40, 20)))
    contours, _ = cv2.findContours(cv2.dilate(rules, np.ones((5, 5), np.uint8)), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    if cv2.contourArea(hull) < 0.2 * h * w:
        return None
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    if len(quad) != 4:
        return None
    quad = _order_corners(quad.reshape(4, 2).astype(np.float32))
    sides = [float(np.linalg.norm(quad[(i + 1) % 4] - quad[i])) for i in range(4)]
    if not (0.85 <= sides[0] / sides[2] <= 1.18 and 0.85 <= sides[1] / sides[3] <= 1.18):
        return None
    return quad


def _upright(quad: np.ndarray) -> np.ndarray:
    """Where a quadrilateral's corners go to stand as a rectangle of its size at its top-left corner."""
    width = max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1]))
    x0, y0 = quad[0]
    return np.array([[x0, y0], [x0 + width - 1, y0], [x0 + width - 1, y0 + height - 1], [x0, y0 + height - 1]],
                    dtype=np.float32)


def quarter_turned(scan: ScanPage, turns: int) -> ScanPage:
    """The cleaned page turned `turns` quarter turns counter-clockwise, its matrix following."""
    grey = np.asarray(scan.image)
    matrix = scan.matrix
    for _ in range(turns % 4):
        width = grey.shape[1]
        # a counter-clockwise quarter turn takes pixel (x, y) to (y, width - 1 - x)
        matrix = np.array([[0, 1, 0], [-1, 0, width - 1], [0, 0, 1]], dtype=float) @ matrix
        grey = np.rot90(grey)
    return ScanPage(Image.fromarray(np.ascontiguousarray(grey)), matrix, scan.angle, scan.warped)
