"""Recovery after kill -9: how long a dead worker's job waits, on each queue, with the job lease of
issue 17 beside the settings before it.

    .venv/bin/python -m benchmarks.recovery [--give-up 120]

For each queue (the database queue; Celery on a fresh redis-server) and each setting (the lease: the
defaults a deployment now gets, GRADEDESK_JOB_TIMEOUT 20 s renewed every 5 s, Celery's sweep every
10 s; before: a 600 s job timeout, a 30 s sweep), on fresh state (SQLite, data dir): two
`gradedesk worker` processes, four bundles uploaded as a clerk would, one worker killed with SIGKILL
while it runs a job. Prints the seconds until that job is back in the queue and until all four are
done (or that it was not within `--give-up` seconds), and whether each bundle was done exactly once.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.web.recovery import kill_one_worker  # noqa: E402
from tests.web.servers import RedisServer  # noqa: E402

SETTINGS = {
    "lease (now)": {},
    "before": {"GRADEDESK_JOB_TIMEOUT": "600", "GRADEDESK_SWEEP_SECONDS": "30"},
}


def _app(folder: Path):
    from tests.web.support import PASSWORD
    from web import create_app
    from web.db import get_db, upgrade
    from web.services.users import create_user

    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'gradedesk.db'}", "GRADEDESK_DATA_DIR": str(folder),
                      "SECRET_KEY": "benchmark", "TESTING": True, "GRADEDESK_TODAY": "2020-08-20"})
    upgrade(get_db(app))
    with get_db(app).session() as s:
        create_user(s, "clerk", password=PASSWORD, role="clerk", city="沧州市")
        s.commit()
    return app


def _seconds(value: float | None, give_up: float) -> str:
    return f"{value:6.1f}" if value is not None else f">{give_up:.0f}".rjust(6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--give-up", type=float, default=120)
    args = parser.parse_args(argv)
    rows = []
    for queue in ("database", "celery"):
        for label, settings in SETTINGS.items():
            with tempfile.TemporaryDirectory(prefix="gradedesk-recovery-") as tmp:
                app = _app(Path(tmp))
                from web.db import get_db

                if queue == "celery":
                    with RedisServer() as redis:
                        app.config["REDIS_URL"] = redis.url
                        result = kill_one_worker(app, get_db(app), redis_url=redis.url, settings=settings,
                                                 give_up_after=args.give_up)
                else:
                    result = kill_one_worker(app, get_db(app), redis_url=None, settings=settings,
                                             give_up_after=args.give_up)
                get_db(app).dispose()
            rows.append((queue, label, result))
            print(f"  {queue:8} {label:12} back in queue {_seconds(result.requeued_after, args.give_up)} s, "
                  f"all done {_seconds(result.all_done_after, args.give_up)} s", flush=True)
    print(f"\nkill -9 of one of two workers with {4} bundles running (seconds after the kill)")
    print(f"{'queue':10}{'setting':14}{'job back in queue':>19}{'all done':>10}  done exactly once")
    for queue, label, r in rows:
        print(f"{queue:10}{label:14}{_seconds(r.requeued_after, args.give_up):>19}"
              f"{_seconds(r.all_done_after, args.give_up):>10}  {'yes' if r.done_once else 'no'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
