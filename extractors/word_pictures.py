"""Pictures pasted into a Word file are documents of the bundle.

Enterprises paste the scan of a licence, the photo of a permit or of a monitoring report's pages into a Word
file (营业执照.docx holding one picture, or the application form with its evidence pasted after it). The
text of the Word file says nothing of them, so each picture that looks like a page is taken out as a file
of its own (`营业执照.docx/image1.jpeg`), read by OCR and classified as any scan is. Logos, seals and
signatures are too small to be a page; photos of the works (a gate, a stack) are not paper.
"""

from __future__ import annotations

import io
import logging
import posixpath
import zipfile

import numpy as np
from lxml import etree

log = logging.getLogger(__name__)

_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_V_IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"
_PICTURE_TYPES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*", b"BM")

MAX_PICTURES = 40  # pictures looked at in one Word file
MAX_PICTURE_BYTES = 40 * 1024 * 1024
MIN_LONG_SIDE = 800  # pixels: a page scanned or photographed at any usable resolution
MIN_SHORT_SIDE = 500
MAX_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 million; more is no page a scanner makes (nor decoded)
PAPER_SHARE = 0.4  # share of a page's pixels that are light and grey: paper


def pictures(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """(name, bytes) of each picture of a Word file that looks like a page, in the order the body shows them;
    the name is the Word file's followed by the picture's own (`营业执照.docx/image1.jpeg`)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            targets = _targets(zf)
            out: list[tuple[str, bytes]] = []
            for target in _in_body_order(zf, targets)[:MAX_PICTURES]:
                info = zf.getinfo(target)
                if info.file_size > MAX_PICTURE_BYTES:
                    continue
                blob = zf.read(info)
                if blob.startswith(_PICTURE_TYPES) and _page_or_not(name, target, blob):
                    out.append((f"{name}/{posixpath.basename(target)}", blob))
            return out
    except Exception as exc:  # a broken package or picture: the Word file's own reading reports the file
        log.warning("%s: pictures not read: %s: %s", name, type(exc).__name__, exc)
        return []


def _targets(zf: zipfile.ZipFile) -> dict[str, str]:
    """Relationship id → the picture's part name, from the main document's relationships."""
    rels = etree.fromstring(zf.read("word/_rels/document.xml.rels"), etree.XMLParser(resolve_entities=False))
    names = set(zf.namelist())
    out = {}
    for rel in rels:
        if rel.get("Type", "").endswith("/image") and rel.get("TargetMode") != "External":
            target = posixpath.normpath(posixpath.join("word", rel.get("Target", "")))
            if target in names:
                out[rel.get("Id")] = target
    return out


def _in_body_order(zf: zipfile.ZipFile, targets: dict[str, str]) -> list[str]:
    """The pictures' part names as the body refers to them, each once."""
    if not targets:
        return []
    body = etree.fromstring(zf.read("word/document.xml"), etree.XMLParser(resolve_entities=False, huge_tree=False))
    seen: dict[str, None] = {}
    for el in body.iter(_A_BLIP, _V_IMAGEDATA):
        rid = el.get(f"{{{_R}}}embed") or el.get(f"{{{_R}}}id")
        if rid in targets:
            seen.setdefault(targets[rid], None)
    return list(seen)


def _page_or_not(name: str, target: str, blob: bytes) -> bool:
    try:
        return looks_like_a_page(blob)
    except Exception as exc:  # a picture Pillow cannot open (or a bomb): not taken out; Word shows what it can
        log.warning("%s: picture %s not read: %s: %s", name, target, type(exc).__name__, exc)
        return False


def looks_like_a_page(blob: bytes) -> bool:
    """Large enough to be a page, and mostly paper: light grey pixels (a scan, or a page photographed on a
    desk), not the colours of a photo of the works."""
    from PIL import Image

    with Image.open(io.BytesIO(blob)) as image:
        width, height = image.size
        if max(width, height) < MIN_LONG_SIDE or min(width, height) < MIN_SHORT_SIDE or width * height > MAX_PIXELS:
            return False
        image.draft("RGB", (256, 256))  # a JPEG decodes at a fraction of its size
        small = image.convert("RGB")
        small.thumbnail((256, 256))
    hsv = np.asarray(small.convert("HSV"))
    paper = (hsv[..., 2] >= 170) & (hsv[..., 1] <= 60)
    return float(paper.mean()) >= PAPER_SHARE
