"""Recovery in a minute (docs/api.md, "Running the service"): with the settings a deployment gets, a
worker killed with -9 while four bundles run loses nothing on either queue — its job is back in the
queue within 60 s (the lease, not the job timeout or Redis's visibility timeout) and every bundle is
done exactly once within 120 s of the kill."""

from __future__ import annotations

import pytest

from tests.web.recovery import kill_one_worker

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize("queue", ["database", "celery"])
def test_a_worker_killed_with_9_is_recovered_within_a_minute(app, db, users, request, queue, capsys):
    redis_url = None
    if queue == "celery":
        redis_url = request.getfixturevalue("redis_server").url
        app.config["REDIS_URL"] = redis_url
    result = kill_one_worker(app, db, redis_url=redis_url)
    with capsys.disabled():
        print(f"\nkill -9 on the {queue} queue: job back in the queue after {result.requeued_after} s, "
              f"all {len(result.statuses)} bundles done after {result.all_done_after} s")
    assert result.requeued_after is not None and result.requeued_after <= 60, result.logs
    assert result.all_done_after is not None and result.all_done_after <= 120, (result.statuses, result.logs)
    assert result.done_once, (result.statuses, result.logs)
