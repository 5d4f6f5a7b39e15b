"""Content-addressed file storage: `<data dir>/files/<sha[:2]>/<sha>`.

A file is written under a temporary name in `files/tmp/` (the same file system),
flushed to disk and renamed into place, so a reader never sees half a file under its
real name, even when the process is killed in the middle. What a killed process leaves
in `files/tmp/` is swept away by the next process that stores a file, once it is an
hour old. Original names live only in the database; a path in storage is always
computed from a sha256 we computed, never from anything a user sent.

A store that cannot be written or read (full disk, read-only or missing mount, I/O
error) raises `StorageUnavailable`, which the web app answers with 503.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from web.errors import StorageUnavailable

log = logging.getLogger(__name__)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024
TEMP_PREFIX = "upload-"
STALE_TEMP_SECONDS = 3600  # a temporary file untouched this long belongs to a process that died
_swept: set[Path] = set()
_sweep_lock = threading.Lock()


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

    @property
    def temp_dir(self) -> Path:
        return self.root / "tmp"

    def save(self, stream: BinaryIO) -> StoredFile:
        """Store the stream's bytes; the same content is stored once."""
        digest = hashlib.sha256()
        size = 0
        try:
            self.temp_dir.mkdir(parents=True, exist_ok=True)
            self._sweep_once()
            fd, tmp_name = tempfile.mkstemp(dir=self.temp_dir, prefix=TEMP_PREFIX)
        except OSError as exc:
            raise self._unavailable("create a temporary file in", exc) from exc
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    _write(out, chunk)
                _sync(out)
            sha = digest.hexdigest()
            target = self.path_for(sha)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_name, target)  # atomic; identical content may replace identical content
            except OSError as exc:
                raise self._unavailable("move a file into", exc) from exc
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return StoredFile(sha, size)

    def _unavailable(self, doing: str, exc: OSError) -> StorageUnavailable:
        return StorageUnavailable(log_message=f"cannot {doing} the file store {self.root}: {exc}")

    def sweep_temporary(self, older_than: float = STALE_TEMP_SECONDS) -> int:
        """Delete temporary files nobody has written to for `older_than` seconds (left by a killed process);
        how many were deleted."""
        cutoff = time.time() - older_than
        removed = 0
        for path in self.temp_dir.glob(f"{TEMP_PREFIX}*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # another process swept it first
                continue
        return removed

    def _sweep_once(self) -> None:
        """Sweep the temporary folder the first time this process stores a file there."""
        root = self.root.resolve()
        with _sweep_lock:
            if root in _swept:
                return
            _swept.add(root)
        try:
            self.sweep_temporary()
        except OSError:  # the sweep is housekeeping; storing the file goes on
            log.warning("could not sweep %s", self.temp_dir, exc_info=True)

    def save_bytes(self, data: bytes) -> StoredFile:
        return self.save(io.BytesIO(data))

    def open(self, sha256: str) -> BinaryIO:
        """The stored file for reading; FileNotFoundError when it is not there, StorageUnavailable when the
        store cannot be read."""
        path = self.path_for(sha256)
        try:
            return path.open("rb")
        except FileNotFoundError as exc:
            if not self.root.is_dir():  # the volume is not mounted, not a file gone missing
                raise self._unavailable("read", exc) from exc
            raise
        except OSError as exc:
            raise self._unavailable("read", exc) from exc

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()


def _write(out, chunk: bytes) -> None:
    try:
        out.write(chunk)
    except OSError as exc:
        raise StorageUnavailable(log_message=f"cannot write to the file store: {exc}") from exc


def _sync(out) -> None:
    try:
        out.flush()
        os.fsync(out.fileno())
    except OSError as exc:
        raise StorageUnavailable(log_message=f"cannot write to the file store: {exc}") from exc


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
