"""Bundle intake: zips, folders and files become a flat list of files typed by content.

Intake validation is separate from extraction (as OCRmyPDF separates option
checking from the work): everything unsafe or unreadable is answered here with a
per-file message, and only what passes goes on to a backend.
"""

from __future__ import annotations

import hashlib
import io
import logging
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from forms.errors import BadInput

log = logging.getLogger(__name__)

MAX_MEMBERS = 500
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_RATIO = 100
MAX_NESTING = 1  # a zip inside the uploaded zip is read; a zip inside that is refused
MAX_FILE_BYTES = 200 * 1024 * 1024

EXTENSIONS = {
    "docx": {".docx"}, "pdf": {".pdf"}, "jpeg": {".jpg", ".jpeg"}, "png": {".png"},
    "tiff": {".tif", ".tiff"}, "zip": {".zip"},
}
TYPE_LABELS = {"docx": "Word 文档（.docx）", "pdf": "PDF 文件", "jpeg": "JPEG 图片", "png": "PNG 图片",
               "tiff": "TIFF 图片", "zip": "ZIP 压缩包", "doc": "旧版 Word 文档（.doc）",
               "ole": "旧版 Office 文件", "rar": "RAR 压缩包", "7z": "7z 压缩包", "empty": "空文件",
               "unknown": "无法识别的文件"}


@dataclass
class IntakeFile:
    """One file of a bundle, typed by content. `error` set means it goes no further."""

    name: str
    data: bytes
    sha256: str
    type: str
    error: str | None = None


def sniff(data: bytes) -> str:
    """The file type from its first bytes (and, for zips, their table of contents)."""
    if not data:
        return "empty"
    head = data[:8]
    if data[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"Rar!"):
        return "rar"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip-broken"
        if "word/document.xml" in names:
            return "docx"
        if "[Content_Types].xml" in names:
            return "ooxml-other"
        return "zip"
    return "unknown"


def _extension_type(name: str) -> str | None:
    suffix = PurePosixPath(name).suffix.lower()
    for kind, exts in EXTENSIONS.items():
        if suffix in exts:
            return kind
    return None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _typed(name: str, data: bytes) -> IntakeFile:
    kind = sniff(data)
    item = IntakeFile(name=name, data=data, sha256=_sha(data), type=kind)
    claimed = _extension_type(name)
    if kind == "empty":
        item.error = "文件为空（0 字节），请重新上传。"
    elif kind == "zip-broken":
        item.error = ("Word 文档已损坏，无法打开，请在 Word 中另存为 .docx 后重新上传。" if claimed == "docx"
                      else "压缩包已损坏，无法打开，请重新打包上传。")
    elif kind == "ole":
        item.error = "这是旧版 Word/Excel 格式（.doc/.xls），无法读取，请在 Word 中另存为 .docx 后上传。"
    elif kind in ("rar", "7z"):
        item.error = f"不支持 {TYPE_LABELS[kind]}，请改用 ZIP 格式打包。"
    elif kind in ("unknown", "ooxml-other"):
        item.error = "无法识别文件类型，仅支持 .docx、.pdf、.jpg、.png、.tif 和 .zip。"
    elif claimed and claimed != kind and not (claimed == "zip" and kind == "docx"):
        item.error = (f"文件扩展名表明是{TYPE_LABELS[claimed]}，但内容实际是{TYPE_LABELS[kind]}，"
                      "请确认文件后重新上传。")
    if item.error:
        log.warning("intake refused %s (sha256 %s, sniffed %s, extension %s): %s",
                    name, item.sha256[:12], kind, claimed, item.error)
    return item


def _decode_member_name(info: zipfile.ZipInfo) -> str:
    """Zips made on Chinese Windows store GBK names without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _unsafe_member(name: str, info: zipfile.ZipInfo) -> str | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return f"成员“{name}”使用了绝对路径"
    if ".." in path.parts:
        return f"成员“{name}”试图跳出解压目录（含“..”）"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return f"成员“{name}”是符号链接"
    return None


def _read_limited(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """Read a member, stopping as soon as it inflates past what its header declared or the budget."""
    limit = min(info.file_size, budget)
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise _Bomb(f"成员“{info.filename}”解压后超过声明大小或总量限制")
    return data


class _Bomb(Exception):
    pass


def _archive_error(display: str, reason: str) -> IntakeFile:
    return IntakeFile(name=display, data=b"", sha256="", type="zip",
                      error=f"压缩包“{display}”不安全，已拒绝解压：{reason}。请检查后重新打包上传。")


def unpack_zip(display: str, data: bytes, depth: int = 0) -> list[IntakeFile]:
    """The files of a zip, or one entry with the reason the whole archive was refused."""
    sha = _sha(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        log.warning("zip %s (sha256 %s) unreadable: %s", display, sha[:12], exc)
        return [IntakeFile(display, data, sha, "zip", f"压缩包“{display}”已损坏，无法打开，请重新打包上传。")]
    if len(infos) > MAX_MEMBERS:
        return [_archive_error(display, f"包含 {len(infos)} 个文件，超过上限 {MAX_MEMBERS} 个")]
    declared = sum(i.file_size for i in infos)
    compressed = sum(i.compress_size for i in infos) or 1
    if declared > MAX_UNPACKED_BYTES:
        return [_archive_error(display, f"解压后共 {declared // 2**20} MB，超过上限 {MAX_UNPACKED_BYTES // 2**20} MB")]
    if declared / compressed > MAX_RATIO:
        return [_archive_error(display, f"压缩比 {declared // compressed}:1 超过上限 {MAX_RATIO}:1，疑似“压缩炸弹”")]
    for info in infos:
        if info.file_size > 2**20 and info.file_size / max(info.compress_size, 1) > MAX_RATIO:
            return [_archive_error(display, f"成员“{_decode_member_name(info)}”压缩比超过 {MAX_RATIO}:1，疑似“压缩炸弹”")]
        reason = _unsafe_member(_decode_member_name(info), info)
        if reason:
            log.warning("zip %s (sha256 %s) refused: %s", display, sha[:12], reason)
            return [_archive_error(display, reason)]
    out: list[IntakeFile] = []
    budget = MAX_UNPACKED_BYTES
    try:
        for info in infos:
            name = _decode_member_name(info)
            base = PurePosixPath(name.replace("\\", "/"))
            if base.name.startswith(".") or "__MACOSX" in base.parts:
                continue
            member = _read_limited(zf, info, budget)
            budget -= len(member)
            display_name = f"{display}/{base}" if depth else str(base)
            out.extend(_intake_bytes(display_name, member, depth + 1))
    except _Bomb as exc:
        return [_archive_error(display, str(exc))]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        # RuntimeError: encrypted members; NotImplementedError: unknown compression
        log.warning("zip %s (sha256 %s) member unreadable: %s", display, sha[:12], exc)
        encrypted = "encrypted" in str(exc) or "password" in str(exc)
        why = "压缩包有密码保护" if encrypted else "压缩包部分内容已损坏"
        return out + [IntakeFile(display, data, sha, "zip", f"{why}，无法解压“{display}”的全部文件，请重新打包上传。")]
    return out


def _intake_bytes(name: str, data: bytes, depth: int) -> list[IntakeFile]:
    item = _typed(name, data)
    if item.type == "zip" and not item.error:
        if depth > MAX_NESTING:
            item.error = f"压缩包“{name}”嵌套层数过多（最多允许一层嵌套），已拒绝解压。"
            log.warning("nested archive %s refused at depth %d", name, depth)
            return [item]
        return unpack_zip(name, data, depth)
    return [item]


def collect(paths: list[Path]) -> list[IntakeFile]:
    """All the files of one bundle given as zips, folders and files; BadInput for a missing path."""
    if not paths:
        raise BadInput("请至少指定一个文件、文件夹或压缩包。", "no paths given")
    out: list[IntakeFile] = []
    for path in paths:
        path = Path(path)
        if path.is_symlink() and not path.exists():
            raise BadInput(f"路径不存在：{path}", f"dangling link {path}")
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = file.relative_to(path)
                if file.is_symlink():
                    log.warning("skipping symlink %s in folder %s", rel, path)
                    out.append(IntakeFile(str(rel), b"", "", "unknown",
                                          f"“{rel}”是符号链接，出于安全原因未读取。"))
                    continue
                if any(part.startswith(".") for part in rel.parts):
                    continue
                out.extend(_read_file(file, str(rel.as_posix())))
        elif path.is_file():
            out.extend(_read_file(path, path.name))
        else:
            raise BadInput(f"路径不存在或无法读取：{path}", f"no such path {path}")
    return out


def _read_file(path: Path, display: str) -> list[IntakeFile]:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        log.warning("file %s too large: %d bytes", path, size)
        return [IntakeFile(display, b"", "", "unknown",
                           f"文件过大（{size // 2**20} MB），单个文件不能超过 {MAX_FILE_BYTES // 2**20} MB。")]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"无法读取文件：{path}", f"read {path}: {exc}") from exc
    return _intake_bytes(display, data, depth=0)
