"""The web process killed (SIGKILL) during a clerk's upload, on SQLite and PostgreSQL: while the multipart
body is still streaming in, and after the bundle's first file is stored but before the case is committed.
Neither leaves a half-made case in the database nor half a file under a real name in the store (files are
written to `files/tmp/` and renamed into place); after a restart the clerk uploads the same bundle again
and it is extracted as usual, and what the killed process left in `files/tmp/` is swept away."""

from __future__ import annotations

import hashlib
import http.client
import os
import random
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.web.support import HttpClient, LiveServer, multipart, prepare_database, sample_zip, wait_for

BIG = 32 * 1024 * 1024  # the bundle's large scan, big enough that storing it takes a while


def _bundle() -> list[tuple[str, bytes]]:
    """The sample bundle plus a large archive of scans (random bytes behind a zip signature: the extraction
    lists it as unreadable, which is all this test needs of it)."""
    big = b"PK\x03\x04" + random.Random(8).randbytes(BIG)
    return [(sample_zip().name, sample_zip().read_bytes()), ("现场照片.zip", big)]


def _counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("cases", "case_files", "case_events", "jobs")}
    finally:
        engine.dispose()


def _stored(data_dir: Path) -> dict[str, bool]:
    """Every file under a real name in the store: sha256 → whether its content is that sha256."""
    root = data_dir / "files"
    found = {}
    for path in root.glob("[0-9a-f][0-9a-f]/*"):
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        found[path.name] = digest.hexdigest() == path.name
    return found


def _temporaries(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "files" / "tmp").glob("upload-*"))


def _kill_while_streaming(server: LiveServer, token: str, files: list[tuple[str, bytes]]) -> None:
    """Send half of the multipart body, then kill the server."""
    body, content_type = multipart(files)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", "/api/v1/cases")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", content_type)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    conn.send(body[:len(body) // 2])
    server.kill()
    conn.close()


def _kill_before_commit(server: LiveServer, token: str, files: list[tuple[str, bytes]]) -> None:
    """Upload the bundle; kill the server once its first file is stored and the second is being written."""
    body, content_type = multipart(files)
    first = server.data_dir / "files" / hashlib.sha256(files[0][1]).hexdigest()[:2] / hashlib.sha256(files[0][1]).hexdigest()
    replies: list = []

    def upload():
        try:
            replies.append(HttpClient(server.url, token).call("POST", "/api/v1/cases", body, content_type)[0])
        except OSError as exc:  # the server died under the request
            replies.append(exc)

    client = threading.Thread(target=upload)
    client.start()
    wait_for(lambda: first.exists() and _temporaries(server.data_dir), 60, "the first file stored, the second begun",
             interval=0.001)
    server.kill()
    client.join(60)
    assert replies and not isinstance(replies[0], int), f"the upload was answered before the kill: {replies}"


def test_a_killed_upload_leaves_nothing_half_made_and_can_be_repeated(database_url, tmp_path):
    data_dir = tmp_path / "var"
    prepare_database(data_dir, database_url, {"clerk": dict(role="clerk", city="沧州市")})
    files = _bundle()
    server = LiveServer(data_dir, database_url)
    try:
        token = HttpClient(server.start().url).login("clerk").token

        _kill_while_streaming(server, token, files)
        assert _counts(database_url) == {"cases": 0, "case_files": 0, "case_events": 0, "jobs": 0}
        assert _stored(data_dir) == {}

        server.start()
        _kill_before_commit(server, token, files)
        assert _counts(database_url) == {"cases": 0, "case_files": 0, "case_events": 0, "jobs": 0}
        stored = _stored(data_dir)
        assert stored and all(stored.values()), f"half a file under a real name: {stored}"
        left = _temporaries(data_dir)
        assert left and all(p.stat().st_size <= BIG + 4 for p in left)  # the second file, cut short
        old = time.time() - 2 * 3600
        for path in left:  # as if the crash had been two hours ago
            os.utime(path, (old, old))

        server.start()
        clerk = HttpClient(server.url, token)
        status, created = clerk.upload("/api/v1/cases", files)
        assert status == 202, created

        def extracted():
            status, case = clerk.json("GET", f"/api/v1/cases/{created['id']}")
            return case if status == 200 and case["status"] in ("done", "failed") else None

        case = wait_for(extracted, 90, "the extraction of the uploaded bundle", interval=0.3)
        assert case["status"] == "done", case.get("error")
        assert case["extraction"]["fields"]["credit_code"]["value"]
        assert sorted(f["name"] for f in case["files"]) == sorted(name for name, _ in files)
        assert _counts(database_url)["cases"] == 1
        stored = _stored(data_dir)
        assert {hashlib.sha256(content).hexdigest() for _, content in files} <= set(stored)
        assert all(stored.values())
        assert not any(p in _temporaries(data_dir) for p in left), "the killed upload's temporary file was not swept"
    finally:
        server.close()


def test_a_store_that_cannot_be_written_answers_503_and_keeps_no_case(app, db, users, data_dir):
    """The file store unusable (here `files` is not a folder; in life a full disk or a lost mount): the upload
    is answered 503 with a Chinese sentence, as JSON on the API and as a page for browsers, and no case is made."""
    from tests.web.support import ApiClient, Browser, upload_sample

    (data_dir / "files").write_bytes(b"not a folder")
    response = upload_sample(ApiClient(app, "clerk"))
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.get_json() == {"error": "storage_unavailable", "message": "文件存储暂时无法访问，请稍后再试。"}
    with sample_zip().open("rb") as fh:
        page = Browser(app).login("clerk").post_form("/cases/new", {"files": (fh, sample_zip().name)},
                                                     content_type="multipart/form-data")
    assert page.status_code == 503 and "文件存储暂时无法访问" in page.get_data(as_text=True)
    assert _counts(str(db.engine.url.render_as_string(hide_password=False))) == \
        {"cases": 0, "case_files": 0, "case_events": 0, "jobs": 0}
