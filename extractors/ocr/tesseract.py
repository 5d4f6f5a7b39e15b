"""Tesseract through pytesseract, `chi_sim+eng`, one thread per process."""

from __future__ import annotations

import os

import pytesseract
from PIL import Image

from extractors.ocr.engine import OcrLine, OcrWord
from forms.errors import UnreadableFile


class TesseractEngine:
    name = "tesseract"

    def __init__(self, lang: str = "chi_sim+eng"):
        self.lang = lang
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    def recognise(self, image: Image.Image) -> list[OcrLine]:
        try:
            data = pytesseract.image_to_data(image, lang=self.lang, output_type=pytesseract.Output.DICT,
                                             timeout=120)
        except pytesseract.TesseractNotFoundError as exc:
            raise UnreadableFile("服务器未安装文字识别组件（Tesseract），无法识别扫描件。",
                                 f"tesseract not found: {exc}") from exc
        except RuntimeError as exc:  # pytesseract's timeout
            raise UnreadableFile("扫描件文字识别超时，请上传更清晰或更小的图片。", f"tesseract: {exc}") from exc
        lines: dict[tuple[int, int, int, int], list[int]] = {}
        for i, word in enumerate(data["text"]):
            if word.strip() and float(data["conf"][i]) >= 0:
                key = (data["page_num"][i], data["block_num"][i], data["par_num"][i], data["line_num"][i])
                lines.setdefault(key, []).append(i)
        out = []
        for idx in lines.values():
            text = ""
            prev_right = None
            for i in idx:
                gap = data["left"][i] - prev_right if prev_right is not None else 0
                height = max(data["height"][i], 1)
                text += (" " if prev_right is not None and gap > 0.4 * height else "") + data["text"][i]
                prev_right = data["left"][i] + data["width"][i]
            x0 = min(data["left"][i] for i in idx)
            top = min(data["top"][i] for i in idx)
            x1 = max(data["left"][i] + data["width"][i] for i in idx)
            bottom = max(data["top"][i] + data["height"][i] for i in idx)
            conf = sum(float(data["conf"][i]) for i in idx) / len(idx) / 100
            words = [OcrWord(data["text"][i], (data["left"][i], data["top"][i], data["left"][i] + data["width"][i],
                                               data["top"][i] + data["height"][i]), float(data["conf"][i]) / 100)
                     for i in idx]
            out.append(OcrLine(text=text, bbox=(x0, top, x1, bottom), confidence=conf, words=words))
        return out
