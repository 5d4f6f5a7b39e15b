"""Scans and photos: images (and PDF pages without text) OCR'd into positioned segments."""

from __future__ import annotations

import io
import logging
import warnings

from PIL import Image, ImageOps

from extractors.layout import Layout, Segment
from extractors.ocr import OcrEngine, get_engine
from forms.errors import UnreadableFile
from forms.facts import Source

log = logging.getLogger(__name__)

MAX_PIXELS = 80_000_000  # a 300 dpi A0 scan; beyond is refused before decoding
MAX_SIDE = 3600  # longer sides are scaled down before OCR (≈ 300 dpi for A4)
MAX_OCR_PAGES = 50
RENDER_DPI = 300


def _prepare(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    longest = max(image.size)
    if longest > MAX_SIDE:
        scale = MAX_SIDE / longest
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    return image


def open_images(name: str, data: bytes) -> list[Image.Image]:
    """The frames of an image file, refused before decoding when they are too large."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise UnreadableFile(
                    f"图片尺寸过大（{image.width}×{image.height} 像素），请缩小到 8000 万像素以内后上传。",
                    f"{name}: {image.width}x{image.height} px exceeds {MAX_PIXELS}")
            frames = []
            for i in range(min(getattr(image, "n_frames", 1), MAX_OCR_PAGES)):
                image.seek(i)
                frames.append(_prepare(image.copy()))
            return frames
    except UnreadableFile:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableFile("图片尺寸过大，无法处理，请缩小后上传。", f"{name}: {exc}") from exc
    except Exception as exc:
        raise UnreadableFile("图片已损坏或格式不受支持，无法读取。", f"{name}: {type(exc).__name__}: {exc}") from exc


def render_pdf_pages(name: str, data: bytes, pages: list[int]) -> list[tuple[int, Image.Image]]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:
        raise UnreadableFile("PDF 文件无法渲染为图片进行文字识别。", f"{name}: pdfium: {exc}") from exc
    out = []
    try:
        for page_no in pages[:MAX_OCR_PAGES]:
            page = pdf[page_no - 1]
            width, height = page.get_size()
            scale = min(RENDER_DPI / 72, MAX_SIDE / max(width, height, 1))
            out.append((page_no, _prepare(page.render(scale=scale).to_pil())))
            page.close()
    finally:
        pdf.close()
    if len(pages) > MAX_OCR_PAGES:
        log.warning("%s: only %d of %d scanned pages OCR'd", name, MAX_OCR_PAGES, len(pages))
    return out


def segments_from_images(name: str, images: list[tuple[int, Image.Image]],
                         engine: OcrEngine | None = None) -> list[Segment]:
    engine = engine or get_engine()
    segments = []
    for page_no, image in images:
        for i, line in enumerate(engine.recognise(image)):
            segments.append(Segment(text=line.text, source=Source(name, page_no, None, line.bbox),
                                    confidence=line.confidence, line=page_no * 10000 + i))
    return segments


class ImageBackend:
    method = "ocr"

    def __init__(self, name: str, data: bytes, engine: OcrEngine | None = None):
        self.name = name
        self.data = data
        self.engine = engine

    def layout(self) -> Layout:
        frames = open_images(self.name, self.data)
        pages = list(enumerate(frames, start=1))
        return Layout(file=self.name, method=self.method, pages=len(frames),
                      segments=segments_from_images(self.name, pages, self.engine))
