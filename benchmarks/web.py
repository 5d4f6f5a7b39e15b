"""The web service under load: 5,000 cases, 20 concurrent users over loopback against `gradedesk serve`.

    .venv/bin/python benchmarks/web.py [--cases 5000] [--users 20] [--seconds 30] [--think 1]
                                       [--processes 1] [--database-url URL] [--keep]

1. A fresh data dir (SQLite by default, or --database-url) gets the schema, 34 users (county
   clerks, city offices, the province office, experts) and 5,000 synthetic cases spread over
   the 11 cities of Hebei: rows only, no extraction is run — each case carries a copy of the
   foundry sample's stored extraction and findings (so case pages and the API return real-sized
   JSON), a stage, grades, two history events, and experts are assigned to some.
2. `gradedesk serve` starts on a free port (its in-process worker idle).
3. 20 users (8 county clerks, 6 city offices, 1 province office, 5 experts; each logged in with
   its own session cookie and API token, each on its own keep-alive connection) loop for
   --seconds: the case list (random filters and pages), a case page, the API list and an API
   case, pausing --think seconds on average between requests (default 1 s, drawn from
   0.5–1.5 s: people reading a page; --think 0 sends the next request at once, a stress test).
   --processes sets GRADEDESK_WEB_PROCESSES for the server (default 1: plain `gradedesk serve`).
4. It prints p50/p95/max latency per kind of request, throughput and errors (any status other
   than 200, or a failed connection), and exits 1 when p95 > 300 ms or there was an error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PASSWORD = "bench-password"
CITIES = {
    "石家庄市": ["长安区", "桥西区", "新华区", "裕华区", "藁城区", "鹿泉区", "栾城区", "正定县"],
    "唐山市": ["路南区", "路北区", "古冶区", "开平区", "丰南区", "丰润区", "迁安市", "遵化市"],
    "秦皇岛市": ["海港区", "山海关区", "北戴河区", "抚宁区", "昌黎县", "卢龙县"],
    "邯郸市": ["邯山区", "丛台区", "复兴区", "峰峰矿区", "永年区", "武安市", "涉县"],
    "邢台市": ["襄都区", "信都区", "任泽区", "南和区", "沙河市", "宁晋县"],
    "保定市": ["竞秀区", "莲池区", "满城区", "清苑区", "徐水区", "涿州市", "定州市"],
    "张家口市": ["桥东区", "桥西区", "宣化区", "下花园区", "万全区", "崇礼区"],
    "承德市": ["双桥区", "双滦区", "鹰手营子矿区", "平泉市", "兴隆县"],
    "沧州市": ["新华区", "运河区", "泊头市", "任丘市", "黄骅市", "河间市", "青县", "献县"],
    "廊坊市": ["安次区", "广阳区", "霸州市", "三河市", "固安县", "永清县"],
    "衡水市": ["桃城区", "冀州区", "深州市", "枣强县", "武邑县", "安平县"],
}
INDUSTRIES = ["铸造", "水泥", "砖瓦窑", "工业涂装", "玻璃", "焦化", "石灰窑", "陶瓷", "包装印刷", "家具制造"]
GRADES = ["A", "B", "B-", "C", "D", "引领性"]
STAGES = ["submitted", "collected", "city_review", "province_review", "published", "returned"]
WORDS = ["恒通", "德润", "永盛", "广盛", "华源", "金泰", "宏达", "鑫源", "东方", "兴业", "天成", "瑞丰", "博远", "海川", "昌盛", "嘉禾"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the data ----------------------------------------------------------------------------------

def load(data_dir: Path, database_url: str | None, n_cases: int, seed: int = 7) -> dict:
    """Schema, users and synthetic cases; returns who logs in as what."""
    from sqlalchemy import insert, select

    from tests.web.support import sample_outcome
    from web import create_app
    from web.db import get_db, upgrade
    from web.models import Assignment, Case, CaseContent, CaseEvent, User
    from web.services.users import create_user

    rng = random.Random(seed)
    config = {"GRADEDESK_DATA_DIR": str(data_dir)}
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    db = get_db(app)
    upgrade(db)
    outcome = sample_outcome()  # one real extraction, copied into every row (nothing is extracted)
    clerks, offices, experts = [], [], []
    with db.session() as s:
        for city, counties in CITIES.items():
            office = f"office-{city}"
            create_user(s, office, password=PASSWORD, role="office", city=city)
            offices.append(office)
            for county in counties[:2]:
                clerk = f"clerk-{city}-{county}"
                create_user(s, clerk, password=PASSWORD, role="clerk", city=city, county=county)
                clerks.append(clerk)
        create_user(s, "office-province", password=PASSWORD, role="office")
        for i in range(10):
            name = f"expert-{i}"
            create_user(s, name, password=PASSWORD, role="expert", industries=[INDUSTRIES[i % len(INDUSTRIES)]],
                        pledge=date(2020, 7, 1), employer="河北省环境科学研究院")
            experts.append(name)
        s.commit()
        ids = {u.username: u.id for u in s.scalars(select(User))}
        start = datetime(2020, 7, 10)
        rows = []
        for i in range(n_cases):
            city = rng.choice(list(CITIES))
            county = rng.choice(CITIES[city])
            industry = rng.choice(INDUSTRIES)
            stage = rng.choice(STAGES)
            at = start + timedelta(minutes=13 * i)
            rows.append({
                "enterprise_name": f"{city[:-1]}{county[:-1]}{rng.choice(WORDS)}{industry}有限公司{i}",
                "credit_code": f"91130{rng.randrange(10**12, 10**13)}",
                "city": city, "county": county, "industry": industry, "applied_grade": rng.choice(GRADES),
                "decided_grade": rng.choice(GRADES) if stage in ("province_review", "published") else None,
                "status": "done", "stage": stage, "stage_at": at, "version": 1, "secret": rng.random() < 0.02,
                "created_at": at, "updated_at": at, "created_by_id": ids.get(f"clerk-{city}-{county}"),
            })
        for chunk in range(0, len(rows), 500):
            s.execute(insert(Case), rows[chunk:chunk + 500])
        s.commit()
        case_ids = list(s.scalars(select(Case.id)))
        contents = [{"case_id": case_id, **outcome} for case_id in case_ids]
        for chunk in range(0, len(contents), 500):
            s.execute(insert(CaseContent), contents[chunk:chunk + 500])
        events, assignments = [], []
        for case_id in case_ids:
            events.append({"case_id": case_id, "action": "created", "detail": "上传 1 个文件：申报材料.zip",
                           "at": start, "version": 1})
            events.append({"case_id": case_id, "action": "extraction_done", "detail": "2 个文件，识别 22 个字段",
                           "at": start, "version": 1})
        for n, name in enumerate(experts):
            for case_id in rng.sample(case_ids, 60):
                assignments.append({"case_id": case_id, "expert_id": ids[name], "assigned_by_id": ids[offices[0]],
                                    "assigned_at": start + timedelta(days=n)})
        for chunk in range(0, len(events), 2000):
            s.execute(insert(CaseEvent), events[chunk:chunk + 2000])
        seen = set()
        unique = [a for a in assignments if (a["case_id"], a["expert_id"]) not in seen
                  and not seen.add((a["case_id"], a["expert_id"]))]
        s.execute(insert(Assignment), unique)
        s.commit()
    db.dispose()
    return {"clerks": clerks, "offices": offices, "experts": experts}


# ---- the users ------------------------------------------------------------------------------------

class User:
    def __init__(self, host: str, port: int, username: str):
        self.username = username
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.cookie = ""
        self.token = ""
        self.case_ids: list[int] = []

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                cookie = response.getheader("Set-Cookie")
                if cookie:
                    self.cookie = cookie.split(";", 1)[0]
                return response.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def login(self) -> None:
        _status, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"csrf_token": token, "username": self.username, "password": PASSWORD}).encode()
        status, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, f"log-in of {self.username} answered {status}"
        status, body = self.request("POST", "/api/v1/tokens",
                                    json.dumps({"username": self.username, "password": PASSWORD}).encode(),
                                    {"Content-Type": "application/json"})
        assert status == 200, body
        self.token = json.loads(body)["token"]
        status, body = self.api("GET", "/api/v1/cases")
        self.case_ids = [c["id"] for c in json.loads(body)]
        assert self.case_ids, f"{self.username} sees no case"

    def api(self, method: str, path: str):
        return self.request(method, path, headers={"Authorization": f"Bearer {self.token}"})


def _list_url(rng: random.Random) -> str:
    args = {}
    roll = rng.random()
    if roll < 0.25:
        args["industry"] = rng.choice(INDUSTRIES)
    elif roll < 0.4:
        args["stage"] = rng.choice(STAGES)
    elif roll < 0.5:
        args["q"] = rng.choice(WORDS)
    elif roll < 0.6:
        args["grade"] = rng.choice(GRADES)
    if rng.random() < 0.4:
        args["page"] = rng.randint(1, 6)
    return "/cases" + ("?" + urllib.parse.urlencode(args) if args else "")


ACTIONS = (("case list", 0.35), ("case page", 0.35), ("api list", 0.1), ("api case", 0.2))


def drive(user: User, until: float, think: float, seed: int, results: dict, errors: list, lock: threading.Lock):
    rng = random.Random(seed)
    names, weights = zip(*ACTIONS, strict=True)
    while time.monotonic() < until:
        kind = rng.choices(names, weights)[0]
        case_id = rng.choice(user.case_ids)
        started = time.perf_counter()
        try:
            if kind == "case list":
                status, _ = user.request("GET", _list_url(rng))
            elif kind == "case page":
                status, _ = user.request("GET", f"/cases/{case_id}")
            elif kind == "api list":
                status, _ = user.api("GET", "/api/v1/cases")
            else:
                status, _ = user.api("GET", f"/api/v1/cases/{case_id}")
        except Exception as exc:  # a failed connection is an error, not a crash of the benchmark
            status = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        with lock:
            results[kind].append(elapsed)
            if status != 200:
                errors.append(f"{user.username} {kind}: {status}")
        if think:
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's requests (s)")
    parser.add_argument("--processes", type=int, default=1, help="GRADEDESK_WEB_PROCESSES of the server")
    parser.add_argument("--database-url", help="default: SQLite in the temporary data dir")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    args = parser.parse_args(argv)

    base = Path(tempfile.mkdtemp(prefix="gradedesk-bench-web-"))
    data_dir = base / "var"
    print(f"loading {args.cases} cases into {data_dir} …", file=sys.stderr)
    started = time.perf_counter()
    people = load(data_dir, args.database_url, args.cases)
    print(f"loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY",)}
    env["GRADEDESK_DATA_DIR"] = str(data_dir)
    env["GRADEDESK_WEB_PROCESSES"] = str(args.processes)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
    port = _free_port()
    script = Path(sys.executable).parent / "gradedesk"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]
    log_path = base / "serve.log"  # a file, not a pipe: a full pipe would stall the server's logging
    log = log_path.open("w")
    server = subprocess.Popen([*command, "serve", "--port", str(port)], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=log, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    print(log_path.read_text(), file=sys.stderr)
                    return 2
                time.sleep(0.2)
        mix = (people["clerks"][:8] + people["offices"][:6] + ["office-province"] + people["experts"][:5])
        users = [User("127.0.0.1", port, name) for name in (mix * 2)[:args.users]]
        for user in users:
            user.login()
        print(f"{len(users)} users logged in ({', '.join(sorted({u.username.split('-')[0] for u in users}))}); "
              f"running {args.seconds:g} s …", file=sys.stderr)
        results: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        lock = threading.Lock()
        until = time.monotonic() + args.seconds
        threads = [threading.Thread(target=drive, args=(u, until, args.think, i, results, errors, lock))
                   for i, u in enumerate(users)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        warnings = [line for line in log_path.read_text().splitlines() if "WARNING" in line or "ERROR" in line]
        if warnings:
            print(f"server log: {len(warnings)} warnings/errors, e.g. {warnings[0]}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)

    everything = [v for values in results.values() for v in values]
    print(f"\n{args.cases} cases, {len(users)} concurrent users, {wall:.1f} s, think time {args.think:g} s, "
          f"{args.processes} server process{'es' if args.processes > 1 else ''}, "
          f"{'SQLite' if not args.database_url else args.database_url.split(':')[0]}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'request':<12}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, _weight in ACTIONS:
        values = results.get(kind) or [0.0]
        print(f"{kind:<12}{len(results.get(kind, [])):>8}{percentile(values, 0.5) * 1000:>10.0f}"
              f"{percentile(values, 0.95) * 1000:>10.0f}{percentile(values, 0.99) * 1000:>10.0f}"
              f"{max(values) * 1000:>10.0f}")
    p95 = percentile(everything, 0.95) if everything else 0.0
    print(f"{'all':<12}{len(everything):>8}{percentile(everything, 0.5) * 1000:>10.0f}{p95 * 1000:>10.0f}"
          f"{percentile(everything, 0.99) * 1000:>10.0f}{max(everything) * 1000:>10.0f}")
    print(f"throughput {len(everything) / wall:.0f} requests/s; errors {len(errors)}"
          + (f" (first: {errors[0]})" if errors else ""))
    worst = max(percentile(results[k], 0.95) for k in results) if results else 0.0
    ok = worst <= 0.300 and not errors
    print("target p95 ≤ 300 ms and 0 errors: " + ("met" if ok else "NOT met") + f" (worst p95 {worst * 1000:.0f} ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
