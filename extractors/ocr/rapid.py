"""RapidOCR (PP-OCR models shipped inside the `rapidocr` wheel, run by onnxruntime); no download at run time."""

from __future__ import annotations

import logging
import threading

import numpy as np
from PIL import Image

from extractors.ocr.engine import OcrLine, OcrWord
from forms.errors import UnreadableFile

log = logging.getLogger(__name__)

_lock = threading.Lock()
_instances: dict[int, object] = {}


def _engine(threads: int):
    """One loaded model set per process and thread count (loading takes seconds; recognising reuses it)."""
    with _lock:
        if threads not in _instances:
            try:
                from rapidocr import RapidOCR
            except ImportError as exc:
                raise UnreadableFile("服务器未安装 RapidOCR 文字识别组件。", f"rapidocr import failed: {exc}") from exc
            _instances[threads] = RapidOCR(params={
                "Global.log_level": "warning",
                "Global.max_side_len": 4000,  # recognition crops come from the full-resolution page
                "Global.use_cls": False,  # pages are deskewed before OCR; the 180° classifier only costs
                # detection needs no more than 1600 px a side: at 300 dpi it took 12.9 s at full size
                # and 2.2 s at 1600 px on one core, with the same lines found
                "Det.limit_type": "max",
                "Det.limit_side_len": 1600,
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            })
        return _instances[threads]


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self, threads: int = 1):
        self.threads = threads  # onnxruntime's intra-op threads (Settings.ocr_threads)

    def recognise(self, image: Image.Image) -> list[OcrLine]:
        # RapidOCR takes BGR like OpenCV. Contiguous: a reversed-channel view makes OpenCV copy the whole page
        # for every line it crops (29 ms a line, 4 s of a 136-line page's 12 s)
        array = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        result = _engine(self.threads)(array, return_word_box=True)
        if result is None or result.boxes is None:
            return []
        lines = []
        word_results = result.word_results or [()] * len(result.txts)
        for box, text, score, chars in zip(result.boxes, result.txts, result.scores, word_results, strict=False):
            xs, ys = box[:, 0], box[:, 1]
            words = []
            for char in chars or ():
                char_text, char_score, char_box = char
                cx = [p[0] for p in char_box]
                cy = [p[1] for p in char_box]
                words.append(OcrWord(char_text, (float(min(cx)), float(min(cy)), float(max(cx)), float(max(cy))),
                                     float(char_score)))
            lines.append(OcrLine(text=text, bbox=(float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())),
                                 confidence=float(score), words=words))
        lines.sort(key=lambda ln: (round(ln.bbox[1] / 10), ln.bbox[0]))
        return lines
