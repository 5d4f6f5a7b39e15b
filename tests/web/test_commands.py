"""The service commands: users add, demo, serve, worker (web/commands.py, docs/cli.md)."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date

import pytest
from sqlalchemy import select

from forms.errors import BadInput
from tests.web.support import REPO, sample_zip
from web import commands
from web.db import Database
from web.models import Assignment, Case, User


@pytest.fixture
def env(monkeypatch, database_url, tmp_path):
    """The environment the commands read their configuration from."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("GRADEDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return {**os.environ, "DATABASE_URL": database_url, "GRADEDESK_DATA_DIR": str(tmp_path / "var")}


def _session(database_url):
    return Database(database_url).session()


def test_add_user(env, database_url, capsys):
    assert commands.db_upgrade() == 0
    assert commands.add_user("王专家", password="wang-expert-2020", role="expert", county=None, city="沧州市",
                             industries=["铸造", "铸造"], serves=["9113098196314252xw"], pledge=date(2020, 7, 1),
                             employer="河北工业大学") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["username"] == "王专家" and out["role"] == "expert"
    with _session(database_url) as session:
        user = session.scalar(select(User).where(User.username == "王专家"))
        assert user.industries == ["铸造"] and user.serves == ["9113098196314252XW"]
        assert user.pledge_date == date(2020, 7, 1) and user.city == "沧州市" and user.county is None
        assert user.password_hash.startswith("scrypt:")


def test_add_user_refuses_bad_input(env):
    commands.db_upgrade()
    with pytest.raises(BadInput):
        commands.add_user("a", password="", role="clerk")
    with pytest.raises(BadInput):
        commands.add_user("a", password="a-long-password", role="admin")
    commands.add_user("a", password="a-long-password", role="clerk")
    with pytest.raises(BadInput):
        commands.add_user("a", password="another-long-one", role="clerk")


@pytest.mark.parametrize(("password", "said"), [
    ("pw", "密码太短"), ("short-pw1", "密码太短"), ("zhang-clerk", "不能与用户名相同"), ("ZHANG-CLERK", "不能与用户名相同"),
    ("1234567890", "常见密码"), ("qwertyuiop", "常见密码"), ("password123", "常见密码")])
def test_password_policy(env, password, said):
    commands.db_upgrade()
    with pytest.raises(BadInput) as exc:
        commands.add_user("zhang-clerk", password=password, role="clerk")
    assert said in exc.value.user_message and "至少 10 个字符" in exc.value.user_message


def test_jurisdictions_are_hebeis(env, database_url):
    commands.db_upgrade()
    commands.add_user("lf-office", password="langfang-2020", role="office", city="廊坊")  # the short name is known
    commands.add_user("bt-clerk", password="botou-clerk-2020", role="clerk", county="泊头市")  # its city found
    commands.add_user("dz-clerk", password="dingzhou-2020", role="clerk", city="定州市")
    commands.add_user("xa-clerk", password="xiongan-clerk-2020", role="clerk", city="雄安新区", county="容城县")
    with _session(database_url) as session:
        region = {u.username: (u.city, u.county) for u in session.scalars(select(User))}
    assert region == {"lf-office": ("廊坊市", None), "bt-clerk": ("沧州市", "泊头市"), "dz-clerk": ("定州市", None),
                      "xa-clerk": ("雄安新区", "容城县")}
    for city, county, said in (("廊坊县", None, "不是河北省的设区市"), ("沧州市", "鹿泉区", "不属于沧州市"),
                               (None, "桥西区", "请同时指定所属的市"), ("辛集市", "辛集镇", "不设县"),
                               (None, "朝阳区", "不是河北省的县")):
        with pytest.raises(BadInput) as exc:
            commands.add_user("x-clerk", password="x-clerk-password", role="clerk", city=city, county=county)
        assert said in exc.value.user_message


def test_users_add_through_the_cli(env, database_url):
    run = lambda *args, stdin="": subprocess.run(  # noqa: E731
        [sys.executable, "-m", "cli.main", *args], input=stdin, capture_output=True, text=True, env=env,
        cwd=REPO, timeout=120)
    assert run("db", "upgrade").returncode == 0
    result = run("users", "add", "li", "--role", "office", "--city", "沧州", stdin="li-office-2020\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["role"] == "office" and json.loads(result.stdout)["city"] == "沧州市"
    result = run("users", "add", "zhao", "--role", "clerk", stdin="\n")
    assert result.returncode == 2 and "密码不能为空" in result.stderr
    assert result.stderr.count("密码不能为空") == 1  # printed once, not again by the log
    result = run("users", "add", "zhao", "--role", "clerk", "--city", "廊坊县", stdin="zhao-clerk-2020\n")
    assert result.returncode == 2 and result.stderr.count("不是河北省的设区市") == 1


def test_demo_is_idempotent(env, database_url, capsys):
    assert commands.load_demo() == 0
    first = json.loads(capsys.readouterr().out)
    samples = sorted(p.name for p in commands.samples_dir().iterdir() if p.is_dir())
    assert sorted(x["sample"] for x in first["loaded"]) == samples
    assert {"demo-clerk", "demo-expert", "demo-office"} <= {u["username"] for u in first["users"]}
    assert all(c["status"] == "done" for c in first["cases"])

    assert commands.load_demo() == 0
    second = json.loads(capsys.readouterr().out)
    assert second["loaded"] == [] and len(second["cases"]) == len(samples)

    with _session(database_url) as session:
        assert session.query(Case).count() == len(samples)
        expert = session.scalar(select(User).where(User.username == "demo-expert"))
        assert session.query(Assignment).filter_by(expert_id=expert.id).count() == len(samples)
        names = set(session.scalars(select(Case.enterprise_name)))
    for sample in samples:
        truth = json.loads((commands.samples_dir() / f"{sample}.truth.json").read_text("utf-8"))
        assert truth["fields"]["enterprise_name"] in names


def test_demo_users_can_log_in_and_see_the_samples(env, database_url, capsys):
    from web import create_app

    commands.load_demo()
    users = {u["username"]: u["password"] for u in json.loads(capsys.readouterr().out)["users"]}
    client = create_app().test_client()
    for username in ("demo-clerk", "demo-expert", "demo-office"):
        token = client.post("/api/v1/tokens", json={"username": username, "password": users[username]})
        assert token.status_code == 200
        listing = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token.get_json()['token']}"})
        assert len(listing.get_json()) == len(list(p for p in commands.samples_dir().iterdir() if p.is_dir()))
    # each sample was uploaded by its county's clerk; 邯郸's city office sees the C-grade case of 永年区
    token = client.post("/api/v1/tokens", json={"username": "demo-office-handan",
                                                "password": users["demo-office-handan"]}).get_json()["token"]
    listing = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [(c["city"], c["county"], c["applied_grade"]) for c in listing] == [("邯郸市", "永年区", "C")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve(env):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    body = response.read().decode()
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
        assert "登录" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in err


def test_worker_process(env, database_url, app, db, users):
    """`gradedesk worker` in its own process works the queue and stops cleanly on SIGTERM."""
    from web.services.cases import Upload, create_case
    from web.storage import Storage

    env = {**env, "GRADEDESK_DATA_DIR": app.config["GRADEDESK_DATA_DIR"], "GRADEDESK_POLL_SECONDS": "0.1"}
    with db.session() as session:
        clerk = session.scalar(select(User).where(User.username == "clerk"))
        case_id = create_case(session, Storage(app.config["GRADEDESK_DATA_DIR"]), clerk,
                              [Upload(sample_zip().name, io.BytesIO(sample_zip().read_bytes()))]).id
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.session() as session:
                if session.get(Case, case_id).status in ("done", "failed"):
                    break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    with db.session() as session:
        assert session.get(Case, case_id).status == "done"


def test_catalogue_import_and_export_through_the_database(env, database_url, tmp_path, capsys):
    from openpyxl import load_workbook

    from web.models import CatalogueVersion

    commands.db_upgrade()
    commands.add_user("省大气办", password="catalogue-office-2020", role="office")
    commands.add_user("市大气办", password="catalogue-city-2020", role="office", city="沧州市")
    exported = tmp_path / "目录.xlsx"
    assert commands.catalogue_export(exported) == 0
    capsys.readouterr()
    assert commands.catalogue_import(exported, username="省大气办") == 0  # unchanged: no version
    assert json.loads(capsys.readouterr().out) == {"version": None, "changes": []}

    book = load_workbook(exported)
    ws = book["运输要求"]
    col = {c.value: i for i, c in enumerate(ws[1])}
    row = next(r for r in ws.iter_rows(min_row=2) if r[col["行业（全部）"]].value == "水泥"
               and r[col["申报等级"]].value == "C" and r[col["类别"]].value == "大宗物料公路运输")
    row[col["清洁运输比例（%）"]].value = 60
    book.save(exported)
    with pytest.raises(Exception) as refused:
        commands.catalogue_import(exported, username="市大气办")
    assert "省级大气办" in str(refused.value.user_message)
    assert commands.catalogue_import(exported, username="省大气办", note="C级60%") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["version"] == 1 and len(out["changes"]) == 1 and "清洁运输比例：50 → 60" in out["changes"][0]
    with _session(database_url) as session:
        [version] = session.scalars(select(CatalogueVersion)).all()
        assert version.imported_by.username == "省大气办" and version.note == "C级60%"

    again = tmp_path / "再导出.xlsx"
    commands.catalogue_export(again)
    assert json.loads(capsys.readouterr().out)["version"] == "第1版"
    ws = load_workbook(again)["运输要求"]
    values = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert any(60 in r and "水泥" in r for r in values)
