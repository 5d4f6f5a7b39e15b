"""Scale-out: bundles through 1, 2 and 4 worker processes (Celery on Redis, or the database queue).

    .venv/bin/python -m benchmarks.scale [--count 200] [--scan-share 0.1] [--workers 1,2,4]
                                         [--queue celery|db|both] [--postgres] [--corpus var/corpus]

1. Bundles: `--count` of them from the generated corpus (fixtures/corpus.py, made when missing)
   and the four samples: the text deliveries (Word forms, text PDFs) in turn, and
   `--scan-share` of them scan deliveries (each scan bundle at most once). Every copy of a
   bundle is made unique (a marker appended to each file, which no reader sees), so the shared
   extraction cache never answers for a file: every bundle is really read. The pixels of a
   copy's images are the same, though: the OCR memo (GRADEDESK_OCR_CACHE, keyed by pixels)
   answers for an image a previous copy held (the scans of licences and pledges that the Word
   and text-PDF deliveries carry). Celery workers turn the memo on by default (the OCR fan-out
   needs it); database-queue workers get the same memo here, so both queues do the same work,
   and the report says so.
2. For each queue and worker count, on fresh state (data dir, SQLite or with `--postgres` a
   throwaway PostgreSQL cluster of Debian's binaries, a fresh redis-server without persistence):
   start the workers (Celery: one `gradedesk worker` with GRADEDESK_WORKER_CONCURRENCY=N;
   database queue: N `gradedesk worker` processes), wait until they are ready, upload every
   bundle as a clerk would (`create_case`, published to Celery after each commit), and time
   until the last case is done.
3. Prints bundles per minute, the failures, and the peak resident memory (VmHWM) of every
   worker process (Celery: its main process and each pool process; helpers such as the PDF
   reader processes and LibreOffice apart), then what the best rate predicts for a province's
   5,000 bundles on 1, 2, 4 and 8 such machines (2 cores each; Redis and PostgreSQL on their
   own machine, the data dir shared).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# the suite's own real servers (Debian's redis-server and PostgreSQL), as the fault tests run them
from tests.web.servers import PgCluster, RedisServer, process_table  # noqa: E402
from tests.web.support import wait_for  # noqa: E402

PROVINCE_BUNDLES = 5000
CORES = 2
MACHINES = (1, 2, 4, 8)
INHERIT_NOT = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "GRADEDESK_DATA_DIR", "GRADEDESK_WORKER_CONCURRENCY")


# ---- bundles -------------------------------------------------------------------------------------

def _bundle_folders(corpus: Path) -> tuple[list[Path], list[Path]]:
    index = json.loads((corpus / "index.json").read_text("utf-8"))
    text = [corpus / b["bundle"] for b in index if b["delivery"] in ("docx", "pdf-text")]
    scans = [corpus / b["bundle"] for b in index if b["delivery"] == "scan"]
    samples = REPO / "fixtures" / "samples"
    text += sorted(p for p in samples.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    return text, scans


def _unique(name: str, data: bytes, marker: str) -> bytes:
    """The same document with other bytes: a zip comment, or bytes after the end of a PDF or image."""
    if data[:4] == b"PK\x03\x04":  # .docx
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info, src.read(info))
            dst.comment = marker.encode()
        return out.getvalue()
    if data[:5] == b"%PDF-":
        return data + f"\n%{marker}\n".encode()
    return data + marker.encode()  # JPEG, PNG, TIFF: decoders stop at their end marker


def bundles(corpus: Path, count: int, scan_share: float, seed: int = 5000) -> list[tuple[str, bytes, str]]:
    """(name, zip bytes, delivery) of `count` unique bundles."""
    text, scans = _bundle_folders(corpus)
    rng = random.Random(seed)
    rng.shuffle(text)
    rng.shuffle(scans)
    n_scan = min(len(scans), round(count * scan_share))
    chosen = [(p, "scan") for p in scans[:n_scan]] + [(text[i % len(text)], "text") for i in range(count - n_scan)]
    rng.shuffle(chosen)
    out = []
    for number, (folder, delivery) in enumerate(chosen, start=1):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
                zf.writestr(str(path.relative_to(folder)), _unique(path.name, path.read_bytes(), f"bench-{number}"))
        out.append((f"{folder.name}-{number}.zip", buffer.getvalue(), delivery))
    return out


# ---- one run -------------------------------------------------------------------------------------

@dataclass
class Run:
    queue: str
    workers: int
    bundles: int
    seconds: float = 0.0
    upload_seconds: float = 0.0
    failed: int = 0
    cpu_seconds: float = 0.0  # CPU time of the workers and everything they started, startup included
    peaks: dict[str, list[float]] = field(default_factory=dict)  # role → peak RSS (MB) of each process

    @property
    def per_minute(self) -> float:
        return self.bundles / self.seconds * 60 if self.seconds else 0.0

    @property
    def cpu_per_bundle(self) -> float:
        return self.cpu_seconds / self.bundles if self.bundles else 0.0

    @property
    def idle_machine_per_minute(self) -> float:
        """What an otherwise idle machine of CORES cores would do with at least CORES workers busy."""
        return min(self.workers, CORES) * 60 / self.cpu_per_bundle if self.cpu_seconds else 0.0


def _children_cpu() -> float:
    """CPU seconds of this process's finished children and all they waited for (the workers, once stopped)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _peak_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(m.group(1)) / 1024 if m else None


def _roles(leaders: list[int]) -> dict[int, str]:
    """The processes of the workers by role: `main` (a leader), `pool` (a Celery pool process), `helper`."""
    table = process_table()
    roles: dict[int, str] = {}
    for pid, (parent, group, _name) in table.items():
        if pid in leaders:
            roles[pid] = "main"
        elif group in leaders:
            roles[pid] = "pool" if parent in leaders and table[pid][2].startswith(("python", "gradedesk")) \
                else "helper"
    return roles


def run_once(queue: str, n: int, items: list[tuple[str, bytes, str]], postgres: bool, timeout: float) -> Run:
    from sqlalchemy import func, select

    from web import create_app
    from web.db import get_db, upgrade
    from web.models import Case, User
    from web.services.cases import Upload, create_case
    from web.services.users import create_user
    from web.storage import Storage

    base = Path(tempfile.mkdtemp(prefix="gradedesk-scale-"))
    redis = RedisServer().start() if queue == "celery" else None
    # a production-like server: durable commits, fsync on, room for every worker's connections
    pg = PgCluster(durable=True, settings="-c fsync=on -c full_page_writes=on -c max_connections=200").start() \
        if postgres else None
    data = base / "data"
    database_url = pg.server.admin_url if pg else f"sqlite:///{data / 'gradedesk.db'}"
    config = {"GRADEDESK_DATA_DIR": str(data), "DATABASE_URL": database_url, "SECRET_KEY": "bench"}
    if redis:
        config["REDIS_URL"] = redis.url
    app = create_app(config)
    db = get_db(app)
    upgrade(db)
    with db.session() as s:
        create_user(s, "bench-clerk", password="bench-password-1", role="clerk")
        s.commit()

    env = {k: v for k, v in os.environ.items() if k not in INHERIT_NOT}
    env.update({"GRADEDESK_DATA_DIR": str(data), "DATABASE_URL": database_url, "SECRET_KEY": "bench",
                "GRADEDESK_POLL_SECONDS": "0.2", "PYTHONUNBUFFERED": "1"})
    if redis:
        env.update({"REDIS_URL": redis.url, "GRADEDESK_WORKER_CONCURRENCY": str(n)})
    # the memo Celery workers use by default (web/queue/celery_worker.py), for the database queue too: like
    # with like (without it the database queue OCRs again every image a previous copy held)
    env["GRADEDESK_OCR_CACHE"] = str(data / "cache" / "ocr")
    logs, procs = [], []
    cpu_before = _children_cpu()
    for i in range(1 if queue == "celery" else n):
        log_path = base / f"worker-{i + 1}.log"
        logs.append(log_path)
        with log_path.open("w") as log:
            procs.append(subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=env, cwd=REPO,
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    ready = r"gradedesk-\d+@\S+ ready\." if queue == "celery" else "后台任务进程已启动"
    for proc, log_path in zip(procs, logs, strict=True):
        wait_for(lambda p=proc, lp=log_path: p.poll() is None and re.search(ready, lp.read_text()), 120,
                 f"worker ({log_path.read_text()[-2000:]})")

    run = Run(queue, n, len(items))
    storage = Storage(data)
    started = time.monotonic()
    with app.app_context(), db.session() as s:
        clerk = s.scalar(select(User).where(User.username == "bench-clerk"))
        for name, content, _delivery in items:
            create_case(s, storage, clerk, [Upload(name, io.BytesIO(content))])
    run.upload_seconds = time.monotonic() - started
    leaders = [p.pid for p in procs]
    seen: dict[int, str] = {}
    peaks: dict[int, float] = {}
    deadline = started + timeout

    def sample() -> None:  # helpers come and go: their peak is read while they live
        seen.update(_roles(leaders))
        for pid in seen:
            peak = _peak_mb(pid)
            if peak is not None:
                peaks[pid] = max(peak, peaks.get(pid, 0.0))

    while True:
        sample()
        with db.session() as s:
            left = s.scalar(select(func.count()).select_from(Case).where(Case.status.in_(("queued", "running"))))
        if not left:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"{queue} × {n}: {left} bundle(s) not done after {timeout:.0f} s")
        if any(p.poll() is not None for p in procs):
            raise SystemExit(f"a worker exited:\n{logs[0].read_text()[-3000:]}")
        time.sleep(0.25)
    run.seconds = time.monotonic() - started
    with db.session() as s:
        run.failed = s.scalar(select(func.count()).select_from(Case).where(Case.status == "failed"))
    sample()
    for pid, peak in peaks.items():
        run.peaks.setdefault(seen[pid], []).append(peak)

    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
    run.cpu_seconds = _children_cpu() - cpu_before
    db.dispose()
    if redis:
        redis.close()
    if pg:
        pg.destroy()
    shutil.rmtree(base, ignore_errors=True)
    return run


# ---- report --------------------------------------------------------------------------------------

def _mb(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{max(values):.0f}" if len(values) == 1 else f"{max(values):.0f} (mean {sum(values) / len(values):.0f})"


def report(runs: list[Run], mix: str) -> None:
    print(f"\n{mix}; load average while measuring: {os.getloadavg()[1]:.1f} (5 min)")
    print("Extraction cache on for every queue (never answers: each copy's bytes are unique); OCR memo on for "
          "every queue, in the run's data dir (answers for the images of a copy whose pixels an earlier copy "
          "held: the scans inside Word and text-PDF deliveries; each scan delivery is uploaded once)\n")
    print("| queue | worker processes | bundles | minutes | bundles/min | failed | CPU s/bundle | "
          "peak RSS MB: main | pool process | helpers |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in runs:
        pool = r.peaks.get("pool", []) if r.queue == "celery" else r.peaks.get("main", [])
        main = r.peaks.get("main", []) if r.queue == "celery" else []
        print(f"| {r.queue} | {r.workers} | {r.bundles} | {r.seconds / 60:.1f} | {r.per_minute:.1f} | {r.failed} | "
              f"{r.cpu_per_bundle:.1f} | {_mb(main)} | {_mb(pool)} | {_mb(r.peaks.get('helper', []))} |")
    best = max(runs, key=lambda r: r.per_minute)
    cpu = min(r.cpu_per_bundle for r in runs if r.cpu_seconds) if any(r.cpu_seconds for r in runs) else 0
    idle = CORES * 60 / cpu if cpu else 0.0
    print(f"\nMeasured best: {best.queue} with {best.workers} worker processes, {best.per_minute:.1f} bundles/min. "
          f"CPU per bundle: {cpu:.1f} s, so a machine of {CORES} cores doing nothing else: {idle:.1f} bundles/min.")
    print(f"A province's {PROVINCE_BUNDLES:,} bundles of this mix ({CORES} cores a machine, Redis and PostgreSQL "
          "elsewhere), at the measured rate / at the idle-machine rate:")
    for machines in MACHINES:
        measured = PROVINCE_BUNDLES / (best.per_minute * machines) / 60
        ideal = PROVINCE_BUNDLES / (idle * machines) / 60 if idle else float("nan")
        print(f"  {machines} machine(s): {measured:.1f} h / {ideal:.1f} h")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="bundles per run (default 200)")
    parser.add_argument("--scan-share", type=float, default=0.1, help="share of scan deliveries (default 0.1)")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts (default 1,2,4)")
    parser.add_argument("--queue", choices=["celery", "db", "both"], default="celery")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL instead of SQLite")
    parser.add_argument("--corpus", type=Path, default=REPO / "var" / "corpus")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds one run may take")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    from fixtures.corpus import ensure_corpus

    ensure_corpus(args.corpus)
    items = bundles(args.corpus, args.count, args.scan_share)
    scans = sum(1 for *_, d in items if d == "scan")
    mix = (f"{len(items)} bundles: {len(items) - scans} Word/text-PDF, {scans} scans "
           f"({sum(len(c) for _, c, _ in items) / 2**20:.0f} MB)")
    print(mix, flush=True)
    runs = []
    for queue in (["celery", "db"] if args.queue == "both" else [args.queue]):
        for n in [int(x) for x in args.workers.split(",")]:
            run = run_once(queue, n, items, args.postgres, args.timeout)
            print(f"{queue} × {n}: {run.seconds:.0f} s, {run.per_minute:.1f} bundles/min, {run.failed} failed "
                  f"(uploads took {run.upload_seconds:.0f} s)", flush=True)
            runs.append(run)
    report(runs, mix)
    if args.json:
        args.json.write_text(json.dumps([{**r.__dict__, "per_minute": r.per_minute, "cpu_per_bundle": r.cpu_per_bundle}
                                         for r in runs],
                                        ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
