"""Content-addressed file storage: `<data dir>/files/<sha[:2]>/<sha>`.

A file is written under a temporary name in the same folder and renamed into
place, so a reader never sees half a file. Original names live only in the
database; a path in storage is always computed from a sha256 we computed, never
from anything a user sent.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


class Storage:
    def __init__(self, data_dir: Path | str):
        self.root = Path(data_dir) / "files"

    def path_for(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def save(self, stream: BinaryIO) -> StoredFile:
        """Store the stream's bytes; the same content is stored once."""
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path_for(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)  # atomic; identical content may replace identical content
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return StoredFile(sha, size)

    def save_bytes(self, data: bytes) -> StoredFile:
        import io

        return self.save(io.BytesIO(data))

    def open(self, sha256: str) -> BinaryIO:
        return self.path_for(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()


_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


def safe_filename(name: str | None, fallback: str = "file") -> str:
    """A plain file name to use inside a folder we made: no folders, no control characters.

    Chinese characters are kept (the extractors read meaning from names such as
    `排污许可证.pdf`); anything that could leave the folder is dropped.
    """
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".")
    if not name:
        return fallback
    if len(name.encode("utf-8")) > 200:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        stem = (stem if dot else name).encode("utf-8")[:180].decode("utf-8", "ignore")
        name = f"{stem}.{ext}" if ext else stem
    return name
