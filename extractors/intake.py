"""Bundle intake: zips, folders and files become a flat list of files typed by content.

Intake validation is separate from extraction (as OCRmyPDF separates option
checking from the work): everything unsafe or unreadable is answered here with a
per-file message, and only what passes goes on to a backend.
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import os
import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from extractors import word_pictures
from extractors.backends.spreadsheet import looks_like_csv
from forms.errors import BadInput

log = logging.getLogger(__name__)

MAX_MEMBERS = 500
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_RATIO = 100
MAX_NESTING = 1  # a zip inside the uploaded zip is read; a zip inside that is refused
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_NAME_BYTES = 255  # one path component, as every file system allows
MAX_PATH_CHARS = 1024

EXTENSIONS = {
    "docx": {".docx", ".docm"}, "pdf": {".pdf"}, "jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"}, "png": {".png"},
    "tiff": {".tif", ".tiff"}, "zip": {".zip"}, "webp": {".webp"}, "bmp": {".bmp", ".dib"},
    "heic": {".heic", ".heif"}, "xlsx": {".xlsx", ".xlsm"}, "csv": {".csv"}, "doc": {".doc", ".wps"},
    "xls": {".xls", ".et"}, "ofd": {".ofd"},
}
# content read whatever the file is called (with a warning when its extension says otherwise); a zip
# or anything refused keeps the refusal
READABLE = frozenset({"docx", "pdf", "jpeg", "png", "tiff", "webp", "bmp", "heic", "xlsx", "csv", "doc", "xls",
                      "ofd"})
TYPE_LABELS = {"docx": "Word 文档（.docx）", "pdf": "PDF 文件", "jpeg": "JPEG 图片", "png": "PNG 图片",
               "tiff": "TIFF 图片", "zip": "ZIP 压缩包", "doc": "旧版 Word 或 WPS 文字文档（.doc/.wps）",
               "xls": "旧版 Excel 或 WPS 表格（.xls/.et）", "webp": "WebP 图片", "bmp": "BMP 图片",
               "heic": "HEIC 图片（手机照片）", "xlsx": "Excel 工作簿（.xlsx）", "csv": "CSV 表格",
               "ofd": "OFD 版式文件",
               "ole": "旧版 Office 文件", "rar": "RAR 压缩包", "7z": "7z 压缩包", "empty": "空文件",
               "unknown": "无法识别的文件", "executable": "可执行程序", "markup": "网页或脚本",
               "office-encrypted": "加密的 Office 文件", "ooxml-other": "其他 Office 文件"}


@dataclass
class IntakeFile:
    """One file of a bundle, typed by content. `error` set means it goes no further; `code` says why
    for machines (snake_case, also in the log line as `[code]`)."""

    name: str
    data: bytes
    sha256: str
    type: str
    error: str | None = None
    code: str | None = None
    warning: str | None = None  # read, but a clerk should know something (an extension that lies)


_EXECUTABLE = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
               b"\xca\xfe\xba\xbe", b"#!")
_MARKUP = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<body", b"<head", b"<iframe", b"<object")
_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")


def sniff(data: bytes) -> str:
    """The file type from its first bytes (and, for zips, their table of contents).

    Signatures at offset 0 come first: a zip whose first member is a stored PDF has `%PDF-`
    near its start too. A PDF header later in the first kilobyte (junk before it is allowed)
    is tried last.
    """
    if not data:
        return "empty"
    head = data[:8]
    if data[:5] == b"%PDF-":
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM" and len(data) >= 26 and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 64, 108, 124):
        return "bmp"  # the second field, the info header's size, tells a bitmap from text starting `BM`
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1"):
        return "heic"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if _ENCRYPTED_OOXML in data[:65536]:
            return "office-encrypted"
        return _ole_kind(data)
    if head.startswith(b"Rar!"):
        return "rar"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except Exception:  # BadZipFile, OSError, ValueError (names not UTF-8), struct.error, …
            return "zip-broken"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "[Content_Types].xml" in names:
            return "ooxml-other"
        if "OFD.xml" in names or "ofd.xml" in names:
            return "ofd"
        return "zip"
    if head.startswith(_EXECUTABLE):
        return "executable"
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(_MARKUP) or b"<script" in text[:512] or b"<html" in text[:512]:
        return "markup"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if looks_like_csv(data):
        return "csv"
    return "unknown"


_OLE_STREAMS = {"doc": ("WordDocument",), "xls": ("Workbook", "Book")}


def _ole_kind(data: bytes) -> str:
    """An OLE compound file by the streams its directory names: a Word or WPS text (`WordDocument`), an
    Excel or WPS sheet (`Workbook`, `Book` in Excel 5); anything else (PowerPoint, MSG) stays `ole`."""
    for kind, streams in _OLE_STREAMS.items():
        for stream in streams:
            # a directory entry: the name in UTF-16, padded with NULs to 64 bytes
            if (stream + "\0").encode("utf-16-le") in data:
                return kind
    return "ole"


def _extension_type(name: str) -> str | None:
    suffix = PurePosixPath(name).suffix.lower()
    for kind, exts in EXTENSIONS.items():
        if suffix in exts:
            return kind
    return None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def loggable(text: str) -> str:
    """Text for a log line: control characters and surrogates escaped (no forged lines), the rest kept."""
    return "".join(c if c.isprintable() and not "\ud800" <= c <= "\udfff" else ascii(c)[1:-1] for c in text)


def _refuse(item: IntakeFile, code: str, message: str) -> IntakeFile:
    item.error, item.code = message, code
    log.warning("intake refused %s [%s] (sha256 %s, %s bytes, sniffed %s): %s",
                loggable(item.name), code, item.sha256[:12], len(item.data), item.type, loggable(message))
    return item


def _typed(name: str, data: bytes) -> IntakeFile:
    kind = sniff(data)
    item = IntakeFile(name=name, data=data, sha256=_sha(data), type=kind)
    claimed = _extension_type(name)
    if kind == "empty":
        return _refuse(item, "empty", "文件为空（0 字节），请重新上传。")
    if kind == "zip-broken":
        if claimed == "docx":
            return _refuse(item, "docx_broken", "Word 文档已损坏，无法打开，请在 Word 中另存为 .docx 后重新上传。")
        return _refuse(item, "zip_broken", "压缩包已损坏，无法打开，请重新打包上传。")
    if kind == "office-encrypted":
        return _refuse(item, "office_encrypted", "Word 文档设有打开密码，无法读取，请在 Word 中取消密码后重新上传。")
    if kind == "ole":
        return _refuse(item, "old_office",
                       "这是无法识别的旧版 Office 文件（不是 Word 或 Excel 文档），请另存为 .docx 或 PDF 后上传。")
    if kind in ("rar", "7z"):
        return _refuse(item, "unsupported_archive", f"不支持 {TYPE_LABELS[kind]}，请改用 ZIP 格式打包。")
    if kind == "executable":
        return _refuse(item, "executable", "文件内容是可执行程序，不是文档或图片，出于安全原因已拒绝读取。")
    if kind == "markup":
        return _refuse(item, "markup", "文件内容是网页或脚本（HTML/SVG/XML），不是文档或图片，已拒绝读取。")
    if kind == "ooxml-other":
        return _refuse(item, "ooxml_other",
                       "这是 PowerPoint 等 Office 文件，不是 Word 或 Excel 文档，请将内容另存为 .docx 或 PDF 后上传。")
    if kind == "unknown":
        return _refuse(item, "unknown_type", "无法识别文件类型，仅支持 Word（.docx/.doc/.wps）、Excel（.xlsx/.xls/.et/.csv）、"
                                             "PDF、OFD、图片（.jpg/.png/.tif/.webp/.bmp/.heic）和 .zip。")
    if claimed and claimed != kind and not (claimed == "zip" and kind == "docx"):
        if kind not in READABLE:
            return _refuse(item, "type_mismatch", f"文件扩展名表明是{TYPE_LABELS[claimed]}，但内容实际是"
                                                  f"{TYPE_LABELS[kind]}，请确认文件后重新上传。")
        item.warning = f"文件扩展名表明是{TYPE_LABELS[claimed]}，但内容实际是{TYPE_LABELS[kind]}，已按{TYPE_LABELS[kind]}读取。"
        log.warning("intake %s: named as %s but is %s; read as %s (sha256 %s)", loggable(item.name), claimed, kind,
                    kind, item.sha256[:12])
    return item


def _decode_member_name(info: zipfile.ZipInfo) -> str:
    """Zips made on Chinese Windows store GBK names without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _unsafe_member(name: str, info: zipfile.ZipInfo) -> tuple[str, str] | None:
    """(code, reason) when the member must not be unpacked."""
    raw = info.orig_filename  # before zipfile cut it at a NUL
    if not name.strip("/\\ "):
        return "zip_bad_name", "有成员没有文件名"
    if any(unicodedata.category(c) == "Cc" for c in raw):
        shown = "".join("�" if unicodedata.category(c) == "Cc" else c for c in raw)
        return "zip_bad_name", f"成员名“{shown}”含有控制字符（如 NUL、换行）"
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES
           for part in name.replace("\\", "/").split("/")) or len(name) > MAX_PATH_CHARS:
        return "zip_bad_name", f"成员名过长（“{name[:20]}…”，共 {len(name)} 个字符）"
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "zip_unsafe_path", f"成员“{name}”使用了绝对路径"
    if ".." in path.parts:
        return "zip_unsafe_path", f"成员“{name}”试图跳出解压目录（含“..”）"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "zip_symlink", f"成员“{name}”是符号链接"
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


def _archive_error(display: str, code: str, reason: str, sha: str = "") -> IntakeFile:
    item = IntakeFile(name=display, data=b"", sha256=sha, type="zip")
    return _refuse(item, code, f"压缩包“{display}”不安全，已拒绝解压：{reason}。请检查后重新打包上传。")


def _raw_name_length(info: zipfile.ZipInfo) -> int:
    """The member name's length in bytes as stored (zipfile decoded it as UTF-8 or as cp437)."""
    try:
        return len(info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437"))
    except UnicodeEncodeError:
        return 0


def _overlapping(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> bool:
    """Whether two members share bytes, or a member runs into the central directory (the
    "overlapping files" zip bomb inflates one kernel once per entry)."""
    spans = sorted((i.header_offset, i.header_offset + 30 + _raw_name_length(i) + i.compress_size) for i in infos)
    end_of_data = getattr(zf, "start_dir", None)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if end > start:
            return True
    return bool(spans and end_of_data is not None and spans[-1][1] > end_of_data)


_SUPPORTED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


def unpack_zip(display: str, data: bytes, depth: int = 0) -> list[IntakeFile]:
    """The files of a zip, or one entry with the reason the whole archive was refused."""
    sha = _sha(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.filename.endswith("/")]
    except Exception as exc:  # BadZipFile, OSError, ValueError (names not UTF-8), struct.error, …
        log.warning("zip %s (sha256 %s) unreadable: %s", loggable(display), sha[:12], exc)
        return [_refuse(IntakeFile(display, data, sha, "zip"), "zip_broken",
                        f"压缩包“{display}”已损坏，无法打开，请重新打包上传。")]
    if len(infos) > MAX_MEMBERS:
        return [_archive_error(display, "zip_too_many_members", f"包含 {len(infos)} 个文件，超过上限 {MAX_MEMBERS} 个",
                               sha)]
    if _overlapping(zf, infos):
        return [_archive_error(display, "zip_overlap", "多个成员共用同一段压缩数据，疑似“压缩炸弹”", sha)]
    declared = sum(i.file_size for i in infos)
    compressed = sum(i.compress_size for i in infos) or 1
    if declared > MAX_UNPACKED_BYTES:
        return [_archive_error(display, "zip_too_large",
                               f"解压后共 {declared // 2**20} MB，超过上限 {MAX_UNPACKED_BYTES // 2**20} MB", sha)]
    if declared / compressed > MAX_RATIO:
        return [_archive_error(display, "zip_bomb",
                               f"压缩比 {declared // compressed}:1 超过上限 {MAX_RATIO}:1，疑似“压缩炸弹”", sha)]
    seen: dict[str, str] = {}
    wanted: list[tuple[zipfile.ZipInfo, str]] = []
    for info in infos:
        name = _decode_member_name(info)
        if info.file_size > 2**20 and info.file_size / max(info.compress_size, 1) > MAX_RATIO:
            return [_archive_error(display, "zip_bomb", f"成员“{name}”压缩比超过 {MAX_RATIO}:1，疑似“压缩炸弹”", sha)]
        unsafe = _unsafe_member(name, info)
        if unsafe:
            return [_archive_error(display, *unsafe, sha)]
        key = unicodedata.normalize("NFC", name.replace("\\", "/")).casefold()
        if key in seen:
            return [_archive_error(display, "zip_duplicate_name",
                                   f"有两个同名成员“{seen[key]}”和“{name}”，无法确定应读取哪一个", sha)]
        seen[key] = name
        if info.flag_bits & 0x1:
            return [_archive_error(display, "zip_encrypted", f"成员“{name}”设有密码，请去掉密码后重新打包", sha)]
        if info.compress_type not in _SUPPORTED_METHODS:
            return [_archive_error(display, "zip_unsupported_method",
                                   f"成员“{name}”使用了不支持的压缩方式（{info.compress_type}），请用标准 ZIP 格式重新打包",
                                   sha)]
        base = PurePosixPath(name.replace("\\", "/"))
        if base.name.startswith(".") or "__MACOSX" in base.parts:
            continue
        wanted.append((info, name))
    if not wanted:
        return [_refuse(IntakeFile(display, data, sha, "zip"), "zip_empty",
                        f"压缩包“{display}”中没有可读取的文件，请检查后重新打包上传。")]
    out: list[IntakeFile] = []
    budget = MAX_UNPACKED_BYTES
    try:
        for info, name in wanted:
            base = PurePosixPath(name.replace("\\", "/"))
            member = _read_limited(zf, info, budget)
            budget -= len(member)
            display_name = f"{display}/{base}" if depth else str(base)
            out.extend(_intake_bytes(display_name, member, depth + 1))
    except _Bomb as exc:
        return [_archive_error(display, "zip_bomb", str(exc), sha)]
    except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError (truncated), RuntimeError (password), …
        log.warning("zip %s (sha256 %s) member unreadable: %s: %s", loggable(display), sha[:12],
                    type(exc).__name__, loggable(str(exc)))
        encrypted = "encrypted" in str(exc) or "password" in str(exc)
        why = "压缩包有密码保护" if encrypted else "压缩包部分内容已损坏"
        return out + [_refuse(IntakeFile(display, data, sha, "zip"), "zip_encrypted" if encrypted else "zip_damaged",
                              f"{why}，无法解压“{display}”的全部文件，请重新打包上传。")]
    return out


def _intake_bytes(name: str, data: bytes, depth: int) -> list[IntakeFile]:
    item = _typed(name, data)
    if item.type == "zip" and not item.error:
        if depth > MAX_NESTING:
            return [_refuse(item, "zip_nested", f"压缩包“{name}”嵌套层数过多（最多允许一层嵌套），已拒绝解压。")]
        return unpack_zip(name, data, depth)
    if item.type == "docx" and not item.error:  # a licence's scan pasted into Word is a document of its own
        return [item] + [_typed(picture, blob) for picture, blob in word_pictures.pictures(name, data)]
    return [item]


def display_name(name: str) -> str:
    """A file name as people should read it: names on disk that are not UTF-8 (GBK from Chinese
    Windows, or garbage) arrive with surrogate escapes, which no JSON or database takes."""
    def part(text: str) -> str:
        if not any("\udc80" <= c <= "\udcff" for c in text):
            return text
        raw = os.fsencode(text)
        try:
            return raw.decode("gbk")
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace")

    return "/".join(part(p) for p in name.split("/"))


def collect(paths: list[Path]) -> list[IntakeFile]:
    """All the files of one bundle given as zips, folders and files; BadInput for a missing path.

    In folders, symlinks are never followed (neither to files nor into folders), and anything but
    a regular file (a pipe, a device, a socket) is answered with a message, never opened.
    """
    if not paths:
        raise BadInput("请至少指定一个文件、文件夹或压缩包。", "no paths given")
    out: list[IntakeFile] = []
    for path in paths:
        path = Path(path)
        if path.is_symlink() and not path.exists():
            raise BadInput(f"路径不存在：{path}", f"dangling link {path}")
        if path.is_dir():
            for entry in sorted(path.rglob("*")):  # rglob does not descend into symlinked folders
                rel = entry.relative_to(path)
                shown = display_name(rel.as_posix())
                if entry.is_symlink():
                    out.append(_refuse(IntakeFile(shown, b"", "", "unknown"), "symlink",
                                       f"“{shown}”是符号链接，出于安全原因未读取。"))
                    continue
                if any(part.startswith(".") for part in rel.parts) or entry.is_dir():
                    continue
                out.extend(_read_file(entry, shown))
        elif path.is_file():
            out.extend(_read_file(path, display_name(path.name)))
        else:
            raise BadInput(f"路径不存在或无法读取：{path}", f"no such path {path}")
    return out


def _read_file(path: Path, display: str) -> list[IntakeFile]:
    """Open without following a symlink and without blocking on a pipe; read at most the size limit."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return [_refuse(IntakeFile(display, b"", "", "unknown"), "symlink",
                            f"“{display}”是符号链接，出于安全原因未读取。")]
        raise BadInput(f"无法读取文件：{display}", f"open {path}: {exc}") from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            return [_refuse(IntakeFile(display, b"", "", "unknown"), "not_regular_file",
                            f"“{display}”不是普通文件（可能是管道或设备），已跳过。")]
        if info.st_size > MAX_FILE_BYTES:
            return [_refuse(IntakeFile(display, b"", "", "unknown"), "too_large",
                            f"文件过大（{info.st_size // 2**20} MB），单个文件不能超过 {MAX_FILE_BYTES // 2**20} MB。")]
        try:
            data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise BadInput(f"无法读取文件：{display}", f"read {path}: {exc}") from exc
    if len(data) > MAX_FILE_BYTES:  # grew while we looked
        return [_refuse(IntakeFile(display, b"", "", "unknown"), "too_large",
                        f"文件过大，单个文件不能超过 {MAX_FILE_BYTES // 2**20} MB。")]
    return _intake_bytes(display, data, depth=0)
