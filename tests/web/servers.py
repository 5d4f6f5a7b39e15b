"""Real servers for the tests (and benchmarks/scale.py): Debian's redis-server and PostgreSQL, and
`gradedesk worker` processes.

`RedisServer` runs /usr/bin/redis-server on a free loopback port with its own temp dir,
without persistence unless asked (`--save '' --appendonly no`), so a restart loses
every queued message, as a crash of an unpersisted Redis would. `CeleryWorker` runs
`gradedesk worker` (the real command, REDIS_URL set) in its own process group, so
`kill()` ends the main process and its pool processes at once with SIGKILL. Both
write their output to a log file, never to a pipe nobody reads. `PgCluster` is a throwaway
PostgreSQL cluster of Debian's binaries (tests/web/conftest.py says how the tests use it).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.web.support import _NOT_INHERITED, REPO, free_port, gradedesk_command, wait_for


def process_table() -> dict[int, tuple[int, int, str]]:
    """pid → (parent pid, process group, command name) of every live process (zombies left out)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z":
                out[int(entry.name)] = (int(fields[1]), int(fields[2]), name)
    return out


REDIS_SERVER = Path(os.environ.get("GRADEDESK_REDIS_SERVER") or "/usr/bin/redis-server")


class RedisServer:
    """redis-server on 127.0.0.1:`port`; `restart()` comes back on the same port (and, without
    persistence, empty)."""

    def __init__(self, *, persistent: bool = False):
        assert REDIS_SERVER.exists(), (
            f"{REDIS_SERVER} not found: the Celery tests run a real Redis; install Debian's package first "
            "(`apt-get install -y --no-install-recommends redis-server`, see README)")
        self.persistent = persistent
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="gradedesk-redis-"))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=2, decode_responses=True)

    def start(self) -> RedisServer:
        assert self.proc is None or self.proc.poll() is not None, "redis-server is already running"
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent \
            else ["--save", "", "--appendonly", "no"]
        command = [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                   "--daemonize", "no", "--logfile", str(self.dir / "redis.log"), *persistence]
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for(self._answers, 20, f"redis-server on port {self.port}\n{self.log()}", interval=0.02)
        return self

    def _answers(self) -> bool:
        assert self.proc.poll() is None, f"redis-server exited ({self.proc.returncode}):\n{self.log()}"
        try:
            return bool(self.client().ping())
        except Exception:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
                self.proc.kill()
                self.proc.wait(20)

    def restart(self) -> RedisServer:
        self.stop()
        return self.start()

    def log(self) -> str:
        path = self.dir / "redis.log"
        return path.read_text("utf-8", errors="replace") if path.exists() else ""

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.close()


def worker_environment(*, data_dir: Path | str, database_url: str, redis_url: str | None,
                       **settings: str | int | float) -> dict[str, str]:
    """The environment of a `gradedesk worker` under test: the runner's, less what must not leak in,
    plus the data dir, database, Redis and `settings` (GRADEDESK_* values)."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED and not k.startswith("GRADEDESK_")}
    env.update({"GRADEDESK_DATA_DIR": str(data_dir), "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"})
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update({k: str(v) for k, v in settings.items()})
    return env


class CeleryWorker:
    """`gradedesk worker` in its own process group, logging to a file."""

    def __init__(self, env: dict[str, str], name: str = "worker"):
        self.env = env
        self.name = name
        fd, path = tempfile.mkstemp(prefix=f"gradedesk-{name}-", suffix=".log")
        os.close(fd)
        self.log_path = Path(path)
        self.proc: subprocess.Popen | None = None

    def start(self) -> CeleryWorker:
        with self.log_path.open("a", encoding="utf-8") as log:
            self.proc = subprocess.Popen([*gradedesk_command(), "worker"], env=self.env, cwd=REPO,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float = 60) -> CeleryWorker:
        """Until Celery says the worker consumes (its pool is up)."""
        def ready():
            assert self.running, f"{self.name} exited ({self.proc.returncode}):\n{self.log()}"
            return re.search(r"gradedesk-\d+@\S+ ready\.", self.log())

        wait_for(ready, timeout, f"{self.name} to be ready\n{self.log()}")
        return self

    def processes(self) -> list[int]:
        """The pids of the worker's process group (main process and pool processes)."""
        return [pid for pid, (_parent, group, _name) in process_table().items() if group == self.pid]

    def kill(self) -> None:
        """SIGKILL to the whole process group: main process and pool processes die at once, mid-task."""
        if self.running:
            os.killpg(self.pid, signal.SIGKILL)
            self.proc.wait(30)
        wait_for(lambda: not self.processes(), 30, f"{self.name}'s processes to go")

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM (Celery's warm shutdown: running tasks finish) and wait; SIGKILL after `timeout`."""
        if self.proc is None:
            return None
        if self.running:
            self.proc.send_signal(signal.SIGTERM)  # to the main process, which stops its pool
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hung worker
                self.kill()
        if self.processes():  # a pool process the main process did not take down
            os.killpg(self.pid, signal.SIGKILL)
            wait_for(lambda: not self.processes(), 30, f"{self.name}'s processes to go")
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace") if self.log_path.exists() else ""

    def close(self) -> None:
        """The end of a test: SIGKILL (a warm shutdown takes seconds, spent in Celery's pool)."""
        self.kill()
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> CeleryWorker:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.close()



# ---- what the Celery tests share -------------------------------------------------------------------

FAST_SETTINGS = {
    "GRADEDESK_WORKER_CONCURRENCY": 1,
    "GRADEDESK_JOB_TIMEOUT": 3,  # heartbeat every 0.75 s; a worker silent for 3 s is dead
    "GRADEDESK_SWEEP_SECONDS": 0.5,
    "GRADEDESK_OCR_LEASE_SECONDS": 4,
    "GRADEDESK_TODAY": "2020-08-20",
}


def scan_bundle(pages: int = 6) -> bytes:
    """The foundry sample plus a multi-page TIFF scan of its licence, each page at another resolution
    (64, 68, … dpi: small, so OCR is quick, and no two pages with the same pixels), as one zip."""
    import zipfile

    import pypdfium2 as pdfium

    from tests.web.support import SAMPLE, SAMPLES

    folder = SAMPLES / SAMPLE
    pdf = pdfium.PdfDocument(str(folder / "营业执照.pdf"))
    try:
        frames = [pdf[0].render(scale=(64 + 4 * i) / 72).to_pil().convert("L") for i in range(pages)]
    finally:
        pdf.close()
    tiff = io.BytesIO()
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, path.name)
        zf.writestr("营业执照扫描件.tif", tiff.getvalue())
    return out.getvalue()


class WorkerPool:
    """`start(n=1, **settings)` → n `gradedesk worker` processes on `app`'s database and data dir and on
    `redis`, with FAST_SETTINGS under `settings`, ready to consume; `close()` kills them all."""

    def __init__(self, app, redis: RedisServer):
        self.app, self.redis = app, redis
        self.started: list[CeleryWorker] = []

    def start(self, n: int = 1, **settings) -> list[CeleryWorker]:
        env = worker_environment(data_dir=self.app.config["GRADEDESK_DATA_DIR"],
                                 database_url=self.app.config["DATABASE_URL"], redis_url=self.redis.url,
                                 **{**FAST_SETTINGS, **settings})
        new = [CeleryWorker(env, f"worker-{len(self.started) + i + 1}").start() for i in range(n)]
        self.started.extend(new)
        for worker in new:
            worker.wait_ready()
        return new

    def close(self) -> None:
        for worker in self.started:
            worker.close()


def upload(app, content: bytes, name: str = "bundle.zip") -> int:
    """A clerk's upload through the API (the job is published after the case's commit); the case id."""
    from tests.web.support import ApiClient

    response = ApiClient(app, "clerk").post("/api/v1/cases", data={"files": (io.BytesIO(content), name)},
                                            content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def case_of(db, case_id):
    """The case with its extraction and findings loaded (usable after the session closed)."""
    from web.models import Case

    with db.session() as session:
        case = session.get(Case, case_id)
        _ = case.content
        return case


def job_of(db, case_id):
    from sqlalchemy import select

    from web.models import Job

    with db.session() as session:
        return session.scalar(select(Job).where(Job.case_id == case_id))


def actions(db, case_id) -> list[str]:
    from sqlalchemy import select

    from web.models import CaseEvent

    with db.session() as session:
        return list(session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case_id)
                                    .order_by(CaseEvent.id)))


def wait_finished(db, case_ids, timeout: float, workers=()) -> None:
    """Until every case is done or failed (the workers' logs in the message when it times out)."""
    def finished():
        return all(case_of(db, case_id).status in ("done", "failed") for case_id in case_ids)

    logs = "\n".join(f"---- {w.name}\n{w.log()[-4000:]}" for w in workers)
    wait_for(finished, timeout, f"cases {case_ids} to finish\n{logs}", interval=0.1)


def skipped_deliveries(worker: CeleryWorker, job_id: int) -> int:
    """How often `worker` received job `job_id` and found nothing to do (not queued: a duplicate)."""
    return len(re.findall(rf"job {job_id} is not queued", worker.log()))


def unique_sample(number: int) -> bytes:
    """The foundry sample as a zip whose every file has other bytes (a zip comment in the .docx, a comment
    after the PDF's end), so no result of another copy is taken from the extraction cache."""
    import zipfile

    from tests.web.support import SAMPLE, SAMPLES

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bundle:
        for path in sorted((SAMPLES / SAMPLE).iterdir()):
            data = path.read_bytes()
            if path.suffix == ".docx":
                docx = io.BytesIO()
                with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as dst:
                    for info in src.infolist():
                        dst.writestr(info, src.read(info))
                    dst.comment = f"copy {number}".encode()
                data = docx.getvalue()
            else:
                data += f"\n%copy {number}\n".encode()
            bundle.writestr(path.name, data)
    return out.getvalue()


# ---- PostgreSQL ---------------------------------------------------------------------------------

def _pg_bin() -> Path:
    """GRADEDESK_PG_BIN, else the newest Debian server under /usr/lib/postgresql/<major>/bin."""
    if os.environ.get("GRADEDESK_PG_BIN"):
        return Path(os.environ["GRADEDESK_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
                   if p.parts[-3].isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()


def as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


@dataclass
class PgServer:
    admin_url: str  # a URL of the maintenance database, as a superuser

    def url(self, dbname: str) -> str:
        return make_url(self.admin_url).set(database=dbname).render_as_string(hide_password=False)

    def execute(self, sql: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()


class PgCluster:
    """A throwaway PostgreSQL cluster of Debian's binaries in a temp dir, listening only on a unix socket
    there. `start()` and `stop()` may be called again and again (a fault test restarts its own cluster
    under a running app); `destroy()` stops it and deletes everything."""

    def _init(self) -> None:
        initdb = PG_BIN / "initdb"
        if not initdb.exists() or not (PG_BIN / "pg_ctl").exists():
            raise RuntimeError(
                f"PostgreSQL server binaries not found in {PG_BIN} (looked for initdb and pg_ctl). "
                "The web tests run against a real PostgreSQL: install Debian's server package first "
                "(`apt-get install -y --no-install-recommends postgresql`, see README), or set "
                "GRADEDESK_PG_BIN to the folder holding initdb and pg_ctl.")
        self.base = Path(tempfile.mkdtemp(prefix="gradedesk-pg-"))
        self.data = self.base / "data"
        if os.geteuid() == 0:
            shutil.chown(self.base, user="postgres", group="postgres")
        _run(as_postgres([str(initdb), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                           "--locale=C.UTF-8", "--no-sync"]))
        self.server = PgServer(f"postgresql+psycopg://postgres@/postgres?host={self.base}")

    def _pg_ctl(self, *args: str) -> list[str]:
        return as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args])

    def __init__(self, durable: bool = False, settings: str = ""):
        self.durable = durable
        self.settings = settings  # more `-c name=value` server options, after (so over) the fast defaults
        self._init()

    def start(self) -> PgCluster:
        # speed for the shared cluster; a cluster that a test crashes (`immediate` stop) must keep what it
        # acknowledged, as production does: with synchronous_commit=off a commit of the last 200 ms is lost
        commit = "on" if self.durable else "off"
        options = (f"-k {self.base} -c listen_addresses='' -c fsync=off -c synchronous_commit={commit} "
                   f"-c full_page_writes=off {self.settings}")
        _run(self._pg_ctl("-l", str(self.base / "server.log"), "-o", options, "-w", "-t", "60", "start"))
        return self

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session and shuts down cleanly; `immediate` is a crash (recovery at the next start)."""
        _run(self._pg_ctl("-m", mode, "-w", "-t", "60", "stop"))

    @property
    def running(self) -> bool:
        return subprocess.run(self._pg_ctl("status"), capture_output=True, timeout=60).returncode == 0

    def destroy(self) -> None:
        subprocess.run(self._pg_ctl("-m", "immediate", "-w", "stop"), capture_output=True, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)
