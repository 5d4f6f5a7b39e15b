"""RapidOCR (PP-OCR models shipped inside the `rapidocr` wheel); no download at run time.

Two ways to read a page (benchmarks/extraction.py --ocr-compare measures them side by side):

- `rapidocr-page`, the configuration of issue 16: detection over the whole page at 1600 px, every line
  recognised padded to at least 320 px wide, onnxruntime.
- `rapidocr`: a page whose ruled grid was found is read cell by cell (`recognise_grid`): the text lines
  of a cell are found from its ink (extractors/ocr/regions.py) and recognised directly; detection runs
  only inside cells whose lines could not be told apart, and on the page outside the tables. Crops
  are padded to 96 px, not 320 (recognition costs in proportion to the padded width), and the same
  ONNX models run on OpenVINO when it is installed (recognition about a third faster than onnxruntime on
  one core, detection twice as fast). A page without a grid is read whole, as `rapidocr-page` reads it
  but for those two, its detection in bands of rows (memory).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from extractors.ocr.engine import Box, OcrLine, OcrWord
from extractors.ocr.regions import plan_regions
from forms.errors import UnreadableFile

log = logging.getLogger(__name__)

_lock = threading.Lock()
_instances: dict[tuple, object] = {}


@dataclass(frozen=True)
class RapidConfig:
    det_backend: str  # "onnxruntime" or "openvino"
    rec_backend: str
    det_side: int  # detection's longer side, px
    rec_floor: int  # least width a recognition crop is padded to, px at the model's 48 px height


# detection needed no more than 1600 px a side: at 300 dpi it took 12.9 s at full size and 2.2 s at
# 1600 px on one core, with the same lines found (issue 16)
PAGE_CONFIG = RapidConfig("onnxruntime", "onnxruntime", 1600, 320)
# detection at 1280 px: on 30 of --ocr-compare's scanned pages (one run, same pages) 1600 px read with 3.22%
# CER in 1.29 CPU s a page, 1280 px 3.12% in 1.14 s, 1152 px 2.92% in 1.11 s (PP-OCR's own default is 960:
# 300 dpi print is large for it); a 96 px floor reads as 320 does.
# OpenVINO runs detection twice as fast as onnxruntime but keeps the memory of the largest input it saw:
# detection sees at most an eighth of an A4 page at once (DET_TILE)
CELL_CONFIG = RapidConfig("openvino", "openvino", 1280, 96)
TEXT_SCORE = 0.5  # lines read with less confidence are dropped, as RapidOCR does
# crops recognised together, and their padded width in all: OpenVINO keeps buffers for the largest batch it
# saw (some 20 MB per 400 px of it); beyond three short crops a batch is hardly faster
BATCH, BATCH_WIDTH = 6, 1200
WIDE, MIN_DET_HEIGHT = 8, 30  # a region wider than 8 heights, or lower than 30 px, is padded for detection
# pixels detection sees at once (at its scale): an eighth of an A4 page at 1600 px (a whole page's detection
# took 600 MB; OpenVINO keeps 0.3 KB per pixel of the largest input it saw, 145 MB at 500,000); bands overlap
# by 48 rows at that scale, more than two lines of 300 dpi text
DET_TILE, DET_OVERLAP = 250_000, 48


# OpenVINO's CPU plugin keeps the kernels it built for each input shape it saw, 5000 of them by default:
# recognition's batches came in nearly as many widths as there were batches, and one process of two threads
# grew to 1.77 GB over 40 scanned pages. Widths in steps of REC_STEP px are met again, so fewer kernels are
# built (recognition 12% faster) and a smaller cache keeps them: 0.93 GB after the same 40 pages. Without
# the steps, a cache of 256 or 0 kernels cost 9% or 15% more time a page
RUNTIME_CACHE = 1000
REC_STEP = 32  # recognition's input widths in steps of this many px (_SteppedWidths)
# glibc's heap in an OCR process (_keep_large_blocks, _give_back): blocks up to MMAP_THRESHOLD come from it,
# and free memory in it beyond HELD_FREE goes back to the system after a page
M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
MMAP_THRESHOLD = HELD_FREE = 256 << 20


def openvino_installed() -> bool:
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


def _models() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).parent / "models"


def _engine(threads: int, config: RapidConfig):
    """One loaded model set per process, thread count and configuration (loading takes a second or more;
    recognising reuses it)."""
    det, rec = (backend if backend != "openvino" or openvino_installed() else "onnxruntime"
                for backend in (config.det_backend, config.rec_backend))
    key = (threads, config, det, rec)
    with _lock:
        if key not in _instances:
            try:
                with _yaml_parsed_once():
                    from rapidocr import EngineType, RapidOCR
            except ImportError as exc:
                raise UnreadableFile("服务器未安装 RapidOCR 文字识别组件。", f"rapidocr import failed: {exc}") from exc
            models = _models()
            params = {
                "Global.log_level": "warning",
                "Global.max_side_len": 4000,  # recognition crops come from the full-resolution page
                "Global.use_cls": False,  # pages are deskewed before OCR; the 180° classifier only costs
                "Det.limit_type": "max",
                "Det.limit_side_len": config.det_side,
                "Rec.rec_img_shape": [3, 48, config.rec_floor],
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
            for task, backend in (("Det", det), ("Rec", rec)):
                if backend == "openvino":
                    # the wheel's own ONNX files, read by OpenVINO (no converted copy, nothing downloaded)
                    params.update({
                        f"{task}.engine_type": EngineType.OPENVINO,
                        f"{task}.model_path": str(next(models.glob(f"*_{task.lower()}_*.onnx"))),
                        "EngineConfig.openvino.inference_num_threads": threads,
                        "EngineConfig.openvino.num_streams": 1,
                        "EngineConfig.openvino.performance_hint": "LATENCY",
                    })
            _limit_openvino_cache()
            _keep_large_blocks()
            _instances[key] = RapidOCR(params=params)
        return _instances[key]


@contextlib.contextmanager
def _yaml_parsed_once():
    """RapidOCR's import parses its 85 KB default_models.yaml twice into OmegaConf (two modules each read it
    at import, 0.2 s each on one core; `gradedesk extract` pays it on every start): while it is imported, a
    file OmegaConf loads by path is parsed once and the two modules share it (both only read it)."""
    try:
        from omegaconf import OmegaConf
    except ImportError:  # rapidocr's import will say what is missing
        yield
        return
    load, descriptor = OmegaConf.load, OmegaConf.__dict__["load"]
    parsed: dict[str, object] = {}

    def load_once(file_, **kwargs):
        if not isinstance(file_, str | Path) or kwargs:
            return load(file_, **kwargs)
        path = str(Path(file_).resolve())
        if path not in parsed:
            parsed[path] = load(file_)
        return parsed[path]

    OmegaConf.load = staticmethod(load_once)
    try:
        yield
    finally:
        OmegaConf.load = descriptor


def _limit_openvino_cache() -> None:
    """RapidOCR hands OpenVINO only the properties it knows of: RUNTIME_CACHE is added to them."""
    with contextlib.suppress(ImportError):
        from rapidocr.inference_engine.openvino import main as openvino_session

        if not hasattr(openvino_session.CPUConfig, "runtime_cache"):
            class CpuConfig(openvino_session.CPUConfig):
                runtime_cache = RUNTIME_CACHE

                def get_config(self):
                    return {**super().get_config(), "CPU_RUNTIME_CACHE_CAPACITY": str(self.runtime_cache)}

            openvino_session.CPUConfig = CpuConfig


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


@functools.cache
def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to do
        return None
    with contextlib.suppress(AttributeError):  # glibc 2.33 and later
        libc.mallinfo2.restype = _MallInfo2
    return libc


def _keep_large_blocks() -> None:
    """Blocks up to MMAP_THRESHOLD come from glibc's heap, not each from the system: above its threshold
    (which grows to 32 MB at most) glibc maps a block on allocation and unmaps it on free, so a page's
    images and inference buffers were faulted in anew for every page."""
    if (libc := _libc()) is not None:
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def _give_back() -> None:
    """Memory freed in the heap returned to the system once more than HELD_FREE of it lies free (glibc
    keeps it otherwise: an OCR process held 700 MB between pages where 165 MB were in use). Trimming after
    every page made the next page fault its buffers in again: 2.4-3.2 s of system time in 13 scanned form
    pages read in 21-23 s, against 1.5-1.9 s so (`--cli-compare`'s pages; the same peak, 860 MB)."""
    libc = _libc()
    if libc is None:
        return
    try:
        held = libc.mallinfo2().fordblks
    except AttributeError:  # older glibc: trim every time
        held = HELD_FREE + 1
    if held > HELD_FREE:
        libc.malloc_trim(0)


def _bgr(image: Image.Image | np.ndarray) -> np.ndarray:
    # RapidOCR takes BGR like OpenCV. Contiguous: a reversed-channel view makes OpenCV copy the whole page
    # for every line it crops (29 ms a line, 4 s of a 136-line page's 12 s)
    if isinstance(image, np.ndarray) and image.ndim == 2:
        return np.ascontiguousarray(np.repeat(image[:, :, None], 3, axis=2))
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


def _line(box: np.ndarray, text: str, score: float, chars) -> OcrLine:
    """An OcrLine from RapidOCR's quadrilateral, text, score and per-character (text, score, quad)."""
    words = []
    for char_text, char_score, char_box in chars or ():
        if char_box is None:
            continue
        cx = [p[0] for p in char_box]
        cy = [p[1] for p in char_box]
        words.append(OcrWord(char_text, (float(min(cx)), float(min(cy)), float(max(cx)), float(max(cy))), float(char_score)))
    xs, ys = box[:, 0], box[:, 1]
    return OcrLine(text=text, bbox=(float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())), confidence=float(score), words=words)


def _sorted(lines: list[OcrLine]) -> list[OcrLine]:
    return sorted(lines, key=lambda ln: (round(ln.bbox[1] / 10), ln.bbox[0]))


class RapidOcrPageEngine:
    """Detection over the whole page, then recognition of every line found."""

    name = "rapidocr-page"
    config = PAGE_CONFIG

    def __init__(self, threads: int = 1):
        self.threads = threads  # the inference engine's intra-op threads (Settings.ocr_thread_count)

    def recognise(self, image: Image.Image) -> list[OcrLine]:
        return self._detect_and_read(_bgr(image))

    def _detect_and_read(self, bgr: np.ndarray) -> list[OcrLine]:
        result = _engine(self.threads, self.config)(bgr, return_word_box=True)
        if result is None or getattr(result, "boxes", None) is None or getattr(result, "txts", None) is None:
            return []
        word_results = result.word_results or ()
        if len(word_results) != len(result.txts):  # RapidOCR leaves out lines without boxed characters
            word_results = [()] * len(result.txts)
        return _sorted([_line(box, text, score, chars) for box, text, score, chars
                        in zip(result.boxes, result.txts, result.scores, word_results, strict=False)])


class RapidOcrEngine(RapidOcrPageEngine):
    """Cells recognised directly, detection only where a cell's lines run together and outside tables."""

    name = "rapidocr"
    config = CELL_CONFIG

    def recognise(self, image: Image.Image) -> list[OcrLine]:
        grey = np.asarray(image.convert("L"))
        try:
            crops, quads = self._detect(grey, (0, 0, grey.shape[1], grey.shape[0]), self._factor(grey))
            return _sorted(self._recognised(crops, quads))
        finally:
            _give_back()

    def recognise_grid(self, image: Image.Image, cells: list[Box]) -> list[OcrLine]:
        try:
            return self._read_grid(np.asarray(image.convert("L")), cells)
        finally:
            _give_back()

    def _read_grid(self, grey: np.ndarray, cells: list[Box]) -> list[OcrLine]:
        """The page's lines: those of the plan cut from the page, those detection finds in the plan's regions,
        all recognised together (crops from every region batched by width: one region's line or two made
        batches of one, each of its own width, and OpenVINO builds kernels for every shape it meets)."""
        plan = plan_regions(grey, cells)
        factor = self._factor(grey)
        crops, quads = self._cut(grey, plan.lines)
        regions = [(grey, box) for box in plan.detect]
        if plan.bands:
            outside = grey.copy()
            for x0, top, x1, bottom in plan.blank:
                outside[top:bottom, x0:x1] = 255
            regions += [(outside, box) for box in plan.bands]
        for pixels, box in regions:
            found_crops, found_quads = self._detect(pixels, box, factor)
            crops += found_crops
            quads += found_quads
        return _sorted(self._recognised(crops, quads))

    def _factor(self, grey: np.ndarray) -> float:
        """The scale detection sees the page at (regions of it too): its longer side at `det_side`."""
        return min(1.0, self.config.det_side / max(grey.shape))

    def _detect(self, grey: np.ndarray, box: tuple[int, int, int, int],
                factor: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The lines detection finds in a region of the page, seen at the page's detection scale: each line's
        crop from the full-resolution page (as RapidOCR crops them after a whole page's detection) and its
        quadrilateral on the page. A region larger than DET_TILE pixels at that scale is detected in
        overlapping bands of rows: detection's memory goes with the pixels it sees at once (600 MB for a
        whole A4 page at 1600 px)."""
        import cv2
        from rapidocr.utils.process_img import get_rotate_crop_image

        x0, top, x1, bottom = box
        region = grey[top:bottom, x0:x1]
        height, width = region.shape
        pad = max(0, (max(round(width / WIDE), MIN_DET_HEIGHT) - height + 1) // 2)
        if pad:  # a strip much wider than tall, padded with white as RapidOCR pads it
            region = np.pad(region, ((pad, pad), (0, 0)), constant_values=255)
        small = region if factor >= 1 else cv2.resize(region, None, fx=factor, fy=factor,
                                                      interpolation=cv2.INTER_AREA)
        detector = _engine(self.threads, self.config)._load_det_model()
        quads = []
        for start, stop, keep_from, keep_to in _tiles(small.shape[0], small.shape[1]):
            found = detector(_bgr(small[start:stop]))
            for quad in found.boxes if found.boxes is not None else ():
                middle = start + float(np.mean(quad[:, 1]))
                if keep_from <= middle < keep_to:  # a line in two bands is kept by the band it is centred in
                    quads.append(np.asarray(quad, dtype=np.float32) + np.float32([0, start]))
        if not quads:
            return [], []
        bgr = _bgr(region)
        crops = [get_rotate_crop_image(bgr, quad / factor) for quad in quads]
        return crops, [quad / factor + np.float32([x0, top - pad]) for quad in quads]

    @staticmethod
    def _cut(grey: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Each box's crop (one text line each, to be recognised without detection) and its quadrilateral."""
        crops = [_bgr(grey[top:bottom, x0:x1]) for x0, top, x1, bottom in boxes]
        quads = [np.float32([[x0, top], [x1, top], [x1, bottom], [x0, bottom]]) for x0, top, x1, bottom in boxes]
        return crops, quads

    def _recognised(self, crops: list[np.ndarray], quads: list[np.ndarray]) -> list[OcrLine]:
        """The crops' text, crops of similar width batched, with per-character boxes from the CTC alignment
        as RapidOCR computes them after detection (on the page: `quads` are the crops' places on it)."""
        if not crops:
            return []
        from rapidocr.ch_ppocr_rec import TextRecInput

        ocr = _engine(self.threads, self.config)
        recogniser = ocr._load_rec_model()
        if REC_STEP > 1 and not isinstance(recogniser.session, _SteppedWidths):
            recogniser.session = _SteppedWidths(recogniser.session, REC_STEP)
        places = np.stack(quads).astype(np.float32)
        lines = []
        for group in _batches(crops, self.config.rec_floor):
            batch = [crops[i] for i in group]
            result = recogniser(TextRecInput(img=batch, return_word_box=True))
            chars = _char_boxes(ocr.cal_rec_boxes, batch, places[group], result)
            lines.extend(_line(quad, text, score, found) for quad, text, score, found
                         in zip(places[group], result.txts, result.scores, chars, strict=True)
                         if text.strip() and score >= TEXT_SCORE)
        return lines


def _char_boxes(place, crops: list[np.ndarray], quads: np.ndarray, result) -> list[list]:
    """Each crop's characters as (text, score, quadrilateral on the page), from the CTC alignment as
    RapidOCR's CalRecBoxes (`place`) places them. A crop cut square from the page (most lines of a ruled
    page) lies on it by a translation; CalRecBoxes maps every corner of every character through a
    perspective inverse and orders the points again (1.0 s of 13 scanned form pages, 0.1 s this way)."""
    from rapidocr.ch_ppocr_rec import TextRecOutput

    found = []
    for crop, quad, text, info in zip(crops, quads, result.txts, result.word_results, strict=True):
        height, width = crop.shape[:2]
        left, top = float(quad[0][0]), float(quad[0][1])
        square = np.array_equal(quad, np.float32([[left, top], [left + width, top],
                                                  [left + width, top + height], [left, top + height]]))
        if not square or height >= 1.5 * width:  # turned or upright text: CalRecBoxes's own way
            one = TextRecOutput(txts=(text,), scores=[1.0], word_results=(info,))
            found.append((place([crop], quad[None], one, False).word_results or ((),))[0])  # () for an empty crop
            continue
        box = np.array([[0, 0], [width, 0], [width, height], [0, height]])
        texts, boxes, scores = place.cal_ocr_word_box(text, box, info, False)
        boxes = place.adjust_box_overlap(boxes)
        found.append([(char, score, [[int(x + left), int(y + top)] for x, y in corners])
                      for char, score, corners in zip(texts, scores, boxes, strict=False)])  # as CalRecBoxes
    return found


class _SteppedWidths:
    """A recognition session whose inputs are padded to a width in steps of `step` px, its outputs cut back
    to the columns of the width given. RapidOCR pads each batch to its widest crop, so nearly every batch
    had a width of its own, and OpenVINO builds (and keeps, RUNTIME_CACHE) kernels for each shape it sees.
    The padding is RapidOCR's own (zeros after normalisation); the model gives a column of output per 8 px
    of input, its strides rounding as ceil(width / 4) // 2."""

    def __init__(self, session, step: int):
        self.session = session
        self.step = step

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        width = batch.shape[-1]
        padded = -(-width // self.step) * self.step
        if padded != width:
            batch = np.pad(batch, ((0, 0), (0, 0), (0, 0), (0, padded - width)))
        return self.session(batch)[:, : -(-width // 4) // 2]

    def __getattr__(self, name):
        return getattr(self.session, name)


def _tiles(height: int, width: int) -> list[tuple[int, int, int, int]]:
    """Bands of rows (start, stop, and the rows whose lines the band keeps) of at most DET_TILE pixels,
    overlapping by DET_OVERLAP rows so that every line lies whole in the band that keeps it."""
    rows = max(DET_TILE // max(width, 1), 4 * DET_OVERLAP)
    if height <= rows:
        return [(0, height, 0, height)]
    count = -(-(height - DET_OVERLAP) // (rows - DET_OVERLAP))
    step = -(-height // count)
    tiles = []
    for i in range(count):
        keep_from, keep_to = i * step, min(height, (i + 1) * step)
        start, stop = max(0, keep_from - DET_OVERLAP // 2), min(height, keep_to + DET_OVERLAP // 2)
        tiles.append((start, stop, keep_from, keep_to if i < count - 1 else height + 1))
    return tiles


def _batches(crops: list[np.ndarray], floor: int) -> list[list[int]]:
    """The crops by width, in batches padded to no more than BATCH_WIDTH px in all (at the model's 48 px
    height): crops of a batch are padded to its widest, and a batch of six 1400 px lines held 600 MB more
    in OpenVINO than one of six short cells, for no more speed (the time goes with the padded width)."""
    widths = [48 * crop.shape[1] / max(crop.shape[0], 1) for crop in crops]
    batches: list[list[int]] = []
    for i in sorted(range(len(crops)), key=widths.__getitem__):
        if batches and len(batches[-1]) < BATCH and (len(batches[-1]) + 1) * max(widths[i], floor) <= BATCH_WIDTH:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches
