"""How far the extraction of a case has got: per file its pages, pages read, step and error, and an
estimate of the time left (`GET /api/v1/cases/ID/progress`, the live panel of the case page).

The worker writes it on the running job's row (`jobs.progress`) as each file starts, as each of its
pages is OCR'd and as it finishes, so any web process sees it; a file that cannot be read shows its reason as soon as it is known.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from web.db import Database
from web.models import Case, Job, utcnow

log = logging.getLogger(__name__)

# the steps of a file, in order (docs/api.md)
STEP_LABELS = {"queued": "等待读取", "reading": "正在读取", "done": "已读取", "unreadable": "无法读取"}


def display_name(name: str | None) -> str:
    """A file's name without the folders of the zip or upload it came in."""
    return (name or "").replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def count_pages(kind: str, data: bytes) -> int:
    """Pages of a file by its type (a Word file counts as one); 1 when it cannot be told cheaply."""
    try:
        if kind == "pdf":
            import pypdfium2

            document = pypdfium2.PdfDocument(data)
            try:
                return max(1, len(document))
            finally:
                document.close()
        if kind in ("jpeg", "png", "tiff", "image", "jpg", "tif"):
            from PIL import Image

            with Image.open(io.BytesIO(data)) as image:
                return max(1, getattr(image, "n_frames", 1))
    except Exception:  # the extraction says what is wrong with the file; this is only a count
        log.debug("page count of a %s file failed", kind, exc_info=True)
    return 1


class Tracker:
    """The progress of one case's running extraction, written to its job row (thread-safe: the OCR
    processes' files finish on another thread)."""

    def __init__(self, db: Database, case_id: int, items: list) -> None:
        self.db, self.case_id = db, case_id
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.files = []
        for item in items:
            error = getattr(item, "error", None)
            pages = count_pages(getattr(item, "type", ""), item.data) if not error and item.data else 0
            self.files.append({"name": display_name(item.name), "pages": pages, "pages_done": 0,
                               "step": "unreadable" if error else "queued", "error": error})
        self.write()

    def __call__(self, event: str, index: int, item, doc) -> None:
        with self.lock:
            entry = self.files[index]
            if event == "start":
                entry["step"] = "reading"
            elif event == "page":
                entry["step"] = "reading"
                entry["pages_done"] = min(entry["pages"] or 1, entry["pages_done"] + 1)
            elif event == "done" and doc is not None:
                if doc.pages:
                    entry["pages"] = doc.pages
                entry["pages_done"] = entry["pages"] if not doc.error else 0
                entry["step"], entry["error"] = ("unreadable", doc.error) if doc.error else ("done", None)
            self.write()

    def snapshot(self) -> dict[str, Any]:
        return {"files": [dict(f) for f in self.files], "seconds": round(time.monotonic() - self.started, 1),
                "updated_at": utcnow().isoformat(timespec="seconds")}

    def write(self) -> None:
        try:
            with self.db.session() as s:
                s.execute(update(Job).where(Job.case_id == self.case_id, Job.status == "running")
                          .values(progress=self.snapshot()))
                s.commit()
        except Exception:  # progress is for people watching; the extraction goes on without it
            log.warning("progress of case %s not written", self.case_id, exc_info=True)


def _eta(files: list[dict], seconds: float, updated_at: str | None) -> int | None:
    """Seconds left at the pace so far (pages read per second), counted from the last report."""
    total = sum(f["pages"] for f in files if f["step"] != "unreadable")
    done = sum(f["pages_done"] for f in files if f["step"] != "unreadable")
    if done <= 0 or total <= done:
        return 0 if total and total <= done else None
    left = seconds / done * (total - done)
    if updated_at:
        left -= (utcnow() - datetime.fromisoformat(updated_at)).total_seconds()
    return max(1, round(left))


def _from_extraction(case: Case) -> list[dict]:
    out = []
    for doc in (case.extraction or {}).get("documents") or []:
        pages = doc.get("pages") or (0 if doc.get("error") else 1)
        out.append({"name": display_name(doc.get("file")), "pages": pages,
                    "pages_done": 0 if doc.get("error") else pages,
                    "step": "unreadable" if doc.get("error") else "done", "error": doc.get("error")})
    return out


def progress_of(session: Session, case: Case) -> dict[str, Any]:
    """`{"status", "files": [{"name", "pages", "pages_done", "step", "error"}], "eta_seconds"}` (docs/api.md)."""
    job = session.scalar(select(Job).where(Job.case_id == case.id).order_by(Job.id.desc()).limit(1))
    stored = (job.progress if job is not None else None) or {}
    if case.status == "done" and case.extraction is not None:
        files = _from_extraction(case)
        eta: int | None = 0
    elif stored.get("files"):
        files = stored["files"]
        eta = _eta(files, stored.get("seconds") or 0.0, stored.get("updated_at")) if case.status == "running" else None
    else:
        files = [{"name": display_name(f.original_name), "pages": None, "pages_done": 0, "step": "queued",
                  "error": None} for f in case.files]
        eta = None
    for f in files:
        f["step_label"] = STEP_LABELS.get(f["step"], f["step"])
    total = sum(f["pages"] or 0 for f in files)
    done = sum(f["pages_done"] or 0 for f in files)
    return {"status": case.status, "files": files, "eta_seconds": eta, "pages": total, "pages_done": done,
            "unreadable": is_unreadable(case)}


def is_unreadable(case: Case) -> bool:
    """True when the extraction is done and no file of the bundle could be read."""
    documents = (case.extraction or {}).get("documents") if case.status == "done" else None
    if documents is None:
        return False
    return not documents or all(d.get("error") for d in documents)
