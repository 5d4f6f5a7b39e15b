"""The service commands of `gradedesk` (docs/cli.md, "Running the service").

JSON for tools goes to stdout, messages for people to stderr.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from datetime import date
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from waitress import serve as waitress_serve

from forms.errors import BadInput, GradedeskError
from web import create_app
from web.db import current_revision, get_db, head_revision, upgrade
from web.models import Case, CaseFile, User
from web.queue.jobs import run_until_empty, start_in_process_worker, work
from web.services.cases import Upload, assign_expert, create_case
from web.services.users import create_user
from web.storage import Storage

log = logging.getLogger(__name__)

# The sample bundles come from four counties of Hebei; each is uploaded by the clerk of its county
# (demo-clerk-<county>), so the city office of 邯郸 (demo-office-handan) sees its C-grade case
# and can decide and publish it, while the province-level clerk and office (no city, no county) see
# every sample and take A and B cases through the province's re-review.
DEMO_PLEDGE = date(2020, 7, 1)
DEMO_INDUSTRIES = ["铸造", "水泥", "砖瓦窑", "工业涂装"]
DEMO_USERS = (
    # username, password, role, extra attributes
    ("demo-clerk", "demo-clerk-2020", "clerk", {}),
    ("demo-expert", "demo-expert-2020", "expert",
     {"industries": DEMO_INDUSTRIES, "pledge": DEMO_PLEDGE, "employer": "河北省环境科学研究院"}),
    ("demo-office", "demo-office-2020", "office", {}),
    ("demo-office-handan", "demo-office-handan-2020", "office", {"city": "邯郸市"}),
    ("demo-clerk-yongnian", "demo-clerk-yongnian-2020", "clerk", {"city": "邯郸市", "county": "永年区"}),
    ("demo-clerk-botou", "demo-clerk-botou-2020", "clerk", {"city": "沧州市", "county": "泊头市"}),
    ("demo-clerk-luquan", "demo-clerk-luquan-2020", "clerk", {"city": "石家庄市", "county": "鹿泉区"}),
    ("demo-clerk-shahe", "demo-clerk-shahe-2020", "clerk", {"city": "邢台市", "county": "沙河市"}),
)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def _app():
    """The app of a command. Whatever it writes (database, stored files, secret key) is the service
    user's alone: the umask, and the data dir and an existing SQLite file made private."""
    os.umask(0o077)
    app = create_app()
    data_dir = Path(app.config["GRADEDESK_DATA_DIR"])
    with contextlib.suppress(OSError):  # not ours to change (a shared mount): the umask still holds
        data_dir.chmod(0o700)
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            path = Path(url.removeprefix("sqlite:///") + suffix)
            if path.exists():
                with contextlib.suppress(OSError):
                    path.chmod(0o600)
    return app


def db_upgrade() -> int:
    db = get_db(_app())
    upgrade(db)
    _say(f"数据库已升级到最新版本（{current_revision(db)}）。")
    return 0


def _require_schema(app) -> None:
    db = get_db(app)
    if current_revision(db) != head_revision():
        raise BadInput("数据库尚未升级到最新版本，请先运行 gradedesk db upgrade。",
                       f"database at {current_revision(db)}, code at {head_revision()}")


def serve(host: str = "127.0.0.1", port: int = 5000, worker: bool = True) -> int:
    """The web app on waitress. `GRADEDESK_WEB_PROCESSES` (configuration, default 1) forks that many server processes
    sharing one listening socket, so pages use more than one core; the in-process worker runs in the first."""
    app = _app()
    upgrade(get_db(app))
    processes = app.config["GRADEDESK_WEB_PROCESSES"]
    _say(f"gradedesk 网页服务：http://{host}:{port}/"
         + ("（含后台任务进程）" if worker else "（后台任务交给独立的 gradedesk worker）")
         + (f"，{processes} 个服务进程" if processes > 1 else ""))
    if processes == 1:
        background = start_in_process_worker(app) if worker else None
        signal.signal(signal.SIGTERM, _exit_on_signal)
        signal.signal(signal.SIGINT, _exit_on_signal)
        try:
            _waitress(app, host=host, port=port)
        except SystemExit:
            pass
        finally:
            if background:
                background.stop(timeout=5)
            end_descendants()
        return 0
    return _serve_forked(app, host, port, processes, worker)


def _waitress(app, **where) -> None:
    # waitress's own limit sits above Flask's, so Flask answers 413 (as JSON on the API); past waitress's
    # limit waitress answers itself, with the API's JSON error instead of its plain text
    _json_413(app.config["MAX_CONTENT_LENGTH"])
    waitress_serve(app, threads=8, max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 16 * 1024 * 1024,
                   **where)


def _json_413(limit: int) -> None:
    from waitress.utilities import RequestEntityTooLarge

    message = f"上传的文件太大：一次上传不能超过 {limit // 2**20} MB。"

    def to_response(self, ident=None):
        body = json.dumps({"error": "too_large", "message": message}, ensure_ascii=False).encode("utf-8")
        return f"{self.code} {self.reason}", [("Content-Type", "application/json")], body

    RequestEntityTooLarge.to_response = to_response


def _serve_forked(app, host: str, port: int, processes: int, worker: bool) -> int:
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    get_db(app).dispose()  # each process opens its own connections
    children = []
    for number in range(processes):
        pid = os.fork()
        if pid == 0:  # a server process
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            if worker and number == 0:
                start_in_process_worker(app)
            try:
                _waitress(app, sockets=[listener])
            finally:
                os._exit(0)
        children.append(pid)
    listener.close()

    stopping: list[int] = []

    def _stop(_signum, _frame):  # the server processes and everything they started (OCR, PDF readers, converters)
        stopping[:] = _descendants(os.getpid())
        for pid in stopping:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    status = 0
    for child in children:
        while True:
            try:
                _pid, code = os.waitpid(child, 0)
                break
            except InterruptedError:  # pragma: no cover - a signal arrived while waiting
                continue
        status = status or (1 if os.waitstatus_to_exitcode(code) not in (0, -signal.SIGTERM) else 0)
    _kill_remaining(stopping, grace=5.0)
    return status


def _exit_on_signal(_signum, _frame):
    raise SystemExit(0)


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc), children first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(0), ()):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    if state == "Z":  # a zombie child of ours: reap it
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return False
    return True


def _kill_remaining(pids: list[int], grace: float) -> None:
    deadline = time.monotonic() + grace
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def end_descendants(grace: float = 5.0) -> None:
    """SIGTERM every process this one started (and theirs), SIGKILL what is left after `grace` seconds:
    `gradedesk serve` leaves no worker, OCR, PDF or converter process behind."""
    pids = _descendants(os.getpid())
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    _kill_remaining(pids, grace)


def worker(concurrency: int | None = None) -> int:
    """Work the jobs: a Celery worker on Redis when REDIS_URL is set (`concurrency` processes, default
    GRADEDESK_WORKER_CONCURRENCY or one per core), else the database queue in this process."""
    app = _app()
    _require_schema(app)
    if app.config.get("REDIS_URL"):
        from web.queue.celery_worker import run_worker

        processes = concurrency or app.config["GRADEDESK_WORKER_CONCURRENCY"] or os.cpu_count() or 1
        _say(f"gradedesk 后台任务进程已启动（Celery，Redis 队列，{processes} 个处理进程，pid {os.getpid()}）。")
        return run_worker(app, concurrency=processes)
    stop = threading.Event()

    def _stop(_signum, _frame):
        _say("收到停止信号，当前任务完成后退出。")
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    _say(f"gradedesk 后台任务进程已启动（数据库队列，pid {os.getpid()}）。")
    work(app, stop)
    return 0


def add_user(username: str, *, password: str, role: str, county: str | None = None, city: str | None = None,
             industries: list[str] | None = None, serves: list[str] | None = None, pledge: date | None = None,
             employer: str | None = None) -> int:
    app = _app()
    _require_schema(app)
    with get_db(app).session() as session:
        user = create_user(session, username, password=password, role=role, county=county, city=city,
                           industries=industries, serves=serves, pledge=pledge, employer=employer)
        session.commit()
        _print_json({"id": user.id, "username": user.username, "role": user.role,
                     "county": user.county, "city": user.city})
        _say(f"已添加用户 {user.username}（{user.role_label}，{user.region_label}）。")
    return 0


# ---- the grading catalogue ------------------------------------------------------------------------

def catalogue_export(path: Path, *, packaged: bool = False) -> int:
    """Write the catalogue in force in the service's database (or the packaged one) as a workbook."""
    from forms import catalogue_workbook
    from forms.catalogue import packaged as packaged_catalogue
    from web.services import catalogue

    if packaged:
        content, label = catalogue_workbook.write(packaged_catalogue()), packaged_catalogue().version
    else:
        app = _app()
        _require_schema(app)
        with get_db(app).session() as session:
            found, number = catalogue.in_force(session)
            content, label = catalogue_workbook.write(found), found.version
    path.write_bytes(content)
    _print_json({"file": str(path), "version": label})
    _say(f"已导出行业目录（{label}）到 {path}。")
    return 0


def catalogue_import(path: Path, *, username: str, note: str | None = None) -> int:
    """Import a workbook into the service's database as a new version, in the name of a province office user."""
    from web.services import catalogue

    app = _app()
    _require_schema(app)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"无法读取文件 {path}。", f"[catalogue_unreadable] {path}: {exc}") from exc
    with get_db(app).session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise BadInput(f"没有用户 {username}。", f"[no_user] {username}")
        row = catalogue.import_workbook(session, Storage(app.config["GRADEDESK_DATA_DIR"]), user, path.name, data,
                                        note)
        if row is None:
            _print_json({"version": catalogue.in_force(session)[1], "changes": []})
            _say("行业目录与现行目录相同，未产生新版本。")
            return 0
        _print_json({"version": row.number, "changes": row.changes})
        _say(f"已导入行业目录第 {row.number} 版（{len(row.changes)} 处修改）。")
    return 0


# ---- demo ---------------------------------------------------------------------------------------

def samples_dir() -> Path:
    return Path(str(resources.files("fixtures"))) / "samples"


def _sample_folders() -> list[Path]:
    root = samples_dir()
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))) \
        if root.is_dir() else []


def _bundle_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ensure_demo_users(session) -> dict[str, User]:
    """The demo users by name, created when missing."""
    users = {}
    for username, password, role, extra in DEMO_USERS:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(session, username, password=password, role=role, **extra)
        users[username] = user
    return users


def _sample_clerk(users: dict[str, User], folder: Path) -> User:
    """The clerk of the county the sample enterprise is in (its ground truth), else the province's."""
    truth = folder.with_name(folder.name + ".truth.json")
    county = None
    if truth.is_file():
        county = (json.loads(truth.read_text(encoding="utf-8")).get("fields") or {}).get("county")
    return next((u for u in users.values() if u.role == "clerk" and county and u.county == county),
                users["demo-clerk"])


def _demo_cases(session, users: dict[str, User]) -> list[Case]:
    clerks = [u.id for u in users.values() if u.role == "clerk"]
    return list(session.scalars(select(Case).where(Case.created_by_id.in_(clerks)).order_by(Case.id)))


def _loaded_bundles(session, users: dict[str, User]) -> set[frozenset[str]]:
    """The file sets (by sha256) of the cases the demo clerks already have."""
    clerks = [u.id for u in users.values() if u.role == "clerk"]
    rows = session.execute(select(CaseFile.case_id, CaseFile.sha256).join(Case)
                           .where(Case.created_by_id.in_(clerks))).all()
    by_case: dict[int, set[str]] = {}
    for case_id, sha in rows:
        by_case.setdefault(case_id, set()).add(sha)
    return {frozenset(s) for s in by_case.values()}


def load_demo() -> int:
    """Demo users and one case per `fixtures/samples/<name>/` folder; running it again adds nothing twice."""
    app = _app()
    db = get_db(app)
    upgrade(db)
    storage = Storage(app.config["GRADEDESK_DATA_DIR"])
    created = []
    with db.session() as session:
        users = _ensure_demo_users(session)
        session.commit()
        loaded = _loaded_bundles(session, users)
        for folder in _sample_folders():
            files = _bundle_files(folder)
            if not files or frozenset(_sha256(p) for p in files) in loaded:
                continue
            handles = [p.open("rb") for p in files]
            try:
                case = create_case(session, storage, _sample_clerk(users, folder),
                                   [Upload(str(p.relative_to(folder)), h) for p, h in zip(files, handles, strict=True)])
            finally:
                for h in handles:
                    h.close()
            created.append((folder.name, case.id))
            loaded.add(frozenset(_sha256(p) for p in files))
            _say(f"已载入示例 {folder.name}（案件 {case.id}），正在解析…")
    run_until_empty(app)
    with db.session() as session:
        users = _ensure_demo_users(session)
        expert = users["demo-expert"]
        cases = _demo_cases(session, users)
        industries = list(dict.fromkeys([*(expert.industries or []), *(c.industry for c in cases if c.industry)]))
        if industries != expert.industries:
            expert.industries = industries
        session.commit()
        for case in cases:
            if case.status == "done" and not any(a.expert_id == expert.id for a in case.assignments):
                try:
                    assign_expert(session, case, expert.username, users["demo-office"])
                except GradedeskError as exc:
                    _say(f"案件 {case.id} 未能分配演示专家：{exc.user_message}")
        summary = [{"id": c.id, "enterprise_name": c.enterprise_name, "status": c.status} for c in cases]
    _print_json({
        "users": [{"username": u, "password": p, "role": r, "city": extra.get("city"), "county": extra.get("county")}
                  for u, p, r, extra in DEMO_USERS],
        "cases": summary,
        "loaded": [{"sample": name, "id": case_id} for name, case_id in created],
    })
    _say("演示账号（密码仅供演示）：" + "；".join(f"{u} / {p}" for u, p, _, _ in DEMO_USERS))
    return 0
