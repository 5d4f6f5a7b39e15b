"""`gradedesk serve` as an operator finds it: a 413 past the server's own size limit is the API's JSON
error, the data dir, database and secret key are the service user's alone, and SIGTERM or SIGINT ends
every process the server started."""

from __future__ import annotations

import json
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.web.support import PASSWORD, REPO, SAMPLES, HttpClient, LiveServer, gradedesk_command
from web.commands import _descendants


def _raw_post(server: LiveServer, path: str, length: int, sent: int) -> tuple[int, str, bytes]:
    """A request that announces `length` bytes of body and sends `sent` of them."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                     f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode() + b"x" * sent)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers.get("content-type", ""), body


def test_413_is_json_past_either_limit_and_files_are_private(tmp_path):
    with LiveServer(tmp_path / "data", env={"GRADEDESK_MAX_UPLOAD_MB": "1"}, worker=False) as server:
        # past waitress's own limit (1 MB + 16 MB), refused by waitress as soon as announced (Flask's 413
        # below that is the app's JSON error already)
        for length, sent in ((18 * 2**20, 1024), (500 * 2**20, 1024)):
            status, content_type, body = _raw_post(server, "/api/v1/cases", length, sent)
            assert status == 413 and content_type.startswith("application/json"), (length, status, content_type)
            error = json.loads(body)
            assert error["error"] == "too_large" and "太大" in error["message"]
        data = tmp_path / "data"
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        for name in ("gradedesk.db", "secret_key"):
            assert stat.S_IMODE((data / name).stat().st_mode) & 0o077 == 0, name


@pytest.mark.parametrize(("processes", "sig"), [("1", signal.SIGTERM), ("1", signal.SIGINT), ("2", signal.SIGTERM)])
def test_serve_ends_every_process_it_started(tmp_path, processes, sig):
    """A bundle is being extracted (the worker has started its PDF reader and OCR processes); a stop
    leaves none of them behind."""
    server = LiveServer(tmp_path / "data", env={"GRADEDESK_WEB_PROCESSES": processes})
    server.start()
    try:
        subprocess.run([*gradedesk_command(), "users", "add", "clerk", "--role", "clerk", "--city", "沧州市"],
                       input=PASSWORD, text=True, env=server.environment(), cwd=REPO, check=True, capture_output=True)
        status, _ = HttpClient(server.url).login("clerk").upload("/api/v1/cases", [
            (p.name, p.read_bytes()) for p in sorted((SAMPLES / "brick-mixed").iterdir())])
        assert status == 202
        deadline = time.monotonic() + 60
        while len(below := _descendants(server.proc.pid)) <= (int(processes) if processes != "1" else 0):
            assert time.monotonic() < deadline, "the server started no helper process to end"
            time.sleep(0.2)
        server.proc.send_signal(sig)
        server.proc.wait(30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _running(below):
            time.sleep(0.2)
        assert _running(below) == [], f"processes left behind:\n{server.log()}"
    finally:
        server.close()


def _running(pids: list[int]) -> list[int]:
    def state(pid):
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return "gone"
    return [p for p in pids if state(p) not in ("gone", "Z")]
