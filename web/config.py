"""Configuration from the environment (docs/cli.md, "Running the service").

The web app reads the environment here only: `load_config` builds the app's settings, among them
the library layers' `forms.settings.Settings` (GRADEDESK_SETTINGS, `settings_of(app)`) that the
app's calls into the extractors and generators use."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forms.settings import Settings

DEFAULT_MAX_UPLOAD_MB = 200


def load_config(overrides: dict | None = None) -> dict:
    """The app's settings: the environment, then `overrides` on top."""
    overrides = dict(overrides or {})
    env = os.environ
    data_dir = Path(overrides.get("GRADEDESK_DATA_DIR") or env.get("GRADEDESK_DATA_DIR") or "var").resolve()
    config = {
        "GRADEDESK_DATA_DIR": str(data_dir),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'gradedesk.db'}",
        # upload limit in bytes: MAX_CONTENT_LENGTH, or GRADEDESK_MAX_UPLOAD_MB in megabytes
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH") or 0)
        or int(env.get("GRADEDESK_MAX_UPLOAD_MB") or DEFAULT_MAX_UPLOAD_MB) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("GRADEDESK_SECURE_COOKIES", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # a session unused this long is over (the signed cookie's timestamp, renewed on every request)
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=int(env.get("GRADEDESK_IDLE_MINUTES") or 120)),
        # a running job's lease: its heartbeat renews it every quarter of this; a job whose worker has not
        # renewed it for this long (a worker killed, a machine gone) goes back to the queue
        "GRADEDESK_JOB_TIMEOUT": float(env.get("GRADEDESK_JOB_TIMEOUT") or 20),
        "GRADEDESK_JOB_MAX_ATTEMPTS": 3,
        "GRADEDESK_POLL_SECONDS": float(env.get("GRADEDESK_POLL_SECONDS") or 1.0),
        # Celery on Redis (web/queue/celery_worker.py) when set; the database queue otherwise
        "REDIS_URL": env.get("REDIS_URL") or None,
        # seconds a delivered, unacknowledged message waits before Redis hands it to another worker
        # (a worker that died holding it); longer than any job, as a redelivery of a running job is a no-op
        "GRADEDESK_CELERY_VISIBILITY_TIMEOUT": int(env.get("GRADEDESK_CELERY_VISIBILITY_TIMEOUT") or 3600),
        # how often each Celery worker re-queues jobs of dead workers and re-publishes queued jobs
        # whose message was lost (Redis down at upload, Redis restarted without persistence)
        "GRADEDESK_SWEEP_SECONDS": float(env.get("GRADEDESK_SWEEP_SECONDS") or 10),
        # Celery worker processes per `gradedesk worker`; 0: one per core
        "GRADEDESK_WORKER_CONCURRENCY": int(env.get("GRADEDESK_WORKER_CONCURRENCY") or 0),
        # scanned pages of a bundle OCR'd as separate Celery tasks by any free worker
        "GRADEDESK_OCR_FANOUT": (env.get("GRADEDESK_OCR_FANOUT") or "1") != "0",
        "GRADEDESK_OCR_PAGES_PER_TASK": int(env.get("GRADEDESK_OCR_PAGES_PER_TASK") or 1),
        # a page whose OCR was started this long ago and not finished is OCR'd again (its worker died)
        "GRADEDESK_OCR_LEASE_SECONDS": int(env.get("GRADEDESK_OCR_LEASE_SECONDS") or 120),
        "GRADEDESK_TOKEN_DAYS": 90,
        # behind N reverse proxies: trust their X-Forwarded-For / X-Forwarded-Proto
        "GRADEDESK_PROXY_COUNT": int(env.get("GRADEDESK_PROXY_COUNT") or 0),
        # log-in throttling (web/views/ratelimit.py)
        "GRADEDESK_LOGIN_MAX_FAILURES": int(env.get("GRADEDESK_LOGIN_MAX_FAILURES") or 5),
        "GRADEDESK_LOGIN_MAX_IP_FAILURES": int(env.get("GRADEDESK_LOGIN_MAX_IP_FAILURES") or 20),
        "GRADEDESK_LOGIN_WINDOW_MINUTES": int(env.get("GRADEDESK_LOGIN_WINDOW_MINUTES") or 15),
        # the date the procedure treats as today (deadlines, document years); empty: the real date
        "GRADEDESK_TODAY": env.get("GRADEDESK_TODAY") or None,
        # how often a worker runs the scheduled duty (cases whose rectification window has closed)
        "GRADEDESK_SCHEDULE_SECONDS": float(env.get("GRADEDESK_SCHEDULE_SECONDS") or 3600),
        # the offices' time zone: every date and time shown or printed (stored times are UTC)
        "GRADEDESK_TIMEZONE": _timezone(env.get("GRADEDESK_TIMEZONE")),
        # province of the province-level office (冀气领办〔2020〕94号: 河北省, 冀)
        "GRADEDESK_PROVINCE": env.get("GRADEDESK_PROVINCE") or "河北省",
        "GRADEDESK_PROVINCE_ABBR": env.get("GRADEDESK_PROVINCE_ABBR") or "冀",
        # server processes of `gradedesk serve` sharing one listening socket
        "GRADEDESK_WEB_PROCESSES": max(1, int(env.get("GRADEDESK_WEB_PROCESSES") or 1)),
        # the extractors' and generators' knobs (OCR engine, OCR memo, PDF sandbox, templates …)
        "GRADEDESK_SETTINGS": Settings.from_env(env),
    }
    if env.get("SECRET_KEY"):
        config["SECRET_KEY"] = env["SECRET_KEY"]
    config.update(overrides)
    if "GRADEDESK_DATA_DIR" in overrides:
        config["GRADEDESK_DATA_DIR"] = str(Path(overrides["GRADEDESK_DATA_DIR"]).resolve())
    return config


def _timezone(name: str | None) -> str:
    """An IANA zone name (Asia/Shanghai by default); an unknown one stops the start with the reason."""
    name = (name or "").strip() or "Asia/Shanghai"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"GRADEDESK_TIMEZONE={name!r} is not a time zone (an IANA name such as Asia/Shanghai)") \
            from exc
    return name


def settings_of(app) -> Settings:
    """The library settings of this app (or worker)."""
    return app.config["GRADEDESK_SETTINGS"]


def persistent_secret_key(data_dir: Path) -> str:
    """A random key generated on first start and kept in the data dir (mode 600).

    The key is written to a temporary file and hard-linked to its name, which fails if another process got
    there first: the name never holds a half-written key, even after a crash, and every process of a
    deployment that starts at once ends up with the same key."""
    path = data_dir / "secret_key"
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".secret_key-")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another process linked its key first: use that one
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text("ascii").strip()
    if not key:
        raise RuntimeError(f"{path} is empty; delete it to generate a new key")
    return key
