"""What an upload may be: the accepted extensions, and content sniffing that refuses what must
never enter the store (markup, scripts, executables) whatever the file's name says.

Bundle files of an accepted type whose content does not match their name are kept: the
extraction lists them with a sentence for the clerk (extractors/intake.py), as docs/cli.md wants.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import BinaryIO

from extractors.intake import EXTENSIONS
from forms.errors import BadInput

# every type the extractors read (extractors/intake.py), and zips of them
BUNDLE_EXTENSIONS = tuple(sorted({ext for exts in EXTENSIONS.values() for ext in exts}))
HEAD_BYTES = 4096
_EXECUTABLE = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"#!")
_MARKUP = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<body", b"<head", b"<iframe", b"<object")

KIND_LABELS = {"pdf": "PDF", "jpeg": "JPEG 图片", "png": "PNG 图片", "tiff": "TIFF 图片", "zip": "压缩包或 Word 文档",
               "unknown": "未能识别"}


def head_of(stream: BinaryIO) -> bytes:
    """The first bytes of a stream, which is rewound for whoever reads it next."""
    start = stream.tell() if hasattr(stream, "tell") else 0
    head = stream.read(HEAD_BYTES)
    stream.seek(start)
    return head


def sniff_head(head: bytes) -> str:
    """pdf, jpeg, png, tiff, zip (a .zip or an Office file), executable, markup or unknown."""
    if head.startswith(_EXECUTABLE):
        return "executable"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(_MARKUP) or text.startswith(b"\xff\xfe<") or b"<script" in text[:512]:
        return "markup"
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    return "unknown"


def check_bundle_file(name: str, stream: BinaryIO) -> str:
    """The sniffed kind of one file of a bundle; BadInput for a refused one."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if suffix not in BUNDLE_EXTENSIONS:
        raise BadInput(f"不支持“{name}”的文件类型。申报材料可以是压缩包（.zip）、Word/WPS 文档（.docx、.doc、.wps）、"
                       "Excel/WPS 表格（.xlsx、.xls、.et、.csv）、PDF 或图片（.jpg、.png、.tif、.webp、.bmp、.heic）。",
                       f"extension {suffix!r} refused")
    kind = sniff_head(head_of(stream))
    if kind in ("executable", "markup"):
        raise BadInput(f"“{name}”的内容不是文档或图片（看起来是{'可执行程序' if kind == 'executable' else '网页或脚本'}），"
                       "已拒绝上传。", f"{name}: content sniffed as {kind}")
    return kind


def check_docx(name: str, stream: BinaryIO, what: str) -> None:
    """A Word file (review sheet, template): .docx by name and a zip by content."""
    if PurePosixPath(name.replace("\\", "/")).suffix.lower() != ".docx":
        raise BadInput(f"{what}应为 Word 文件（.docx）。", f"{name}: not .docx")
    if sniff_head(head_of(stream)) != "zip":
        raise BadInput(f"“{name}”不是有效的 Word（.docx）文件。", f"{name}: content is not a zip")
