"""Tesseract, `chi_sim+eng`, one thread per process.

The tesseract command is run here rather than by `pytesseract.image_to_data`, which gives its child this
process's environment: the child alone gets OMP_THREAD_LIMIT=1 (parallelism comes from the OCR
processes, not from OpenMP threads within one). pytesseract still prepares the image and parses the TSV.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

from PIL import Image
from pytesseract import pytesseract

from extractors.ocr.engine import OcrLine, OcrWord
from forms.errors import UnreadableFile

TIMEOUT = 120  # seconds a page


def _tsv(image: Image.Image, lang: str) -> dict[str, list]:
    """pytesseract's `image_to_data(..., output_type=DICT)` of the image, read by a single-threaded tesseract."""
    image, extension = pytesseract.prepare(image)
    with tempfile.TemporaryDirectory(prefix="gradedesk-tess-") as tmp:
        path = os.path.join(tmp, f"page.{extension.lower()}")
        image.save(path, format=extension)
        try:
            done = subprocess.run([pytesseract.tesseract_cmd, path, "stdout", "-l", lang, "-c", "tessedit_create_tsv=1"],
                                  capture_output=True, timeout=TIMEOUT, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        except FileNotFoundError as exc:
            raise UnreadableFile("服务器未安装文字识别组件（Tesseract），无法识别扫描件。",
                                 f"tesseract not found: {exc}") from exc
        except subprocess.TimeoutExpired as exc:
            raise UnreadableFile("扫描件文字识别超时，请上传更清晰或更小的图片。", f"tesseract: {exc}") from exc
    if done.returncode:  # as pytesseract's TesseractError was answered
        raise UnreadableFile("扫描件文字识别超时，请上传更清晰或更小的图片。",
                             f"tesseract: exit {done.returncode}: {done.stderr.decode(errors='replace').strip()}")
    return pytesseract.file_to_dict(done.stdout.decode("utf-8"), "\t", -1)


class TesseractEngine:
    name = "tesseract"

    def __init__(self, lang: str = "chi_sim+eng"):
        self.lang = lang

    def recognise(self, image: Image.Image) -> list[OcrLine]:
        data = _tsv(image, self.lang)
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
