"""Configuration from the environment (docs/cli.md, "Running the service")."""

from __future__ import annotations

import stat

from web import create_app
from web.db import get_db


def test_defaults_live_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "GRADEDESK_DATA_DIR", "SECRET_KEY", "MAX_CONTENT_LENGTH", "GRADEDESK_MAX_UPLOAD_MB"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    data_dir = tmp_path / "var"
    assert app.config["GRADEDESK_DATA_DIR"] == str(data_dir)
    assert app.config["DATABASE_URL"] == f"sqlite:///{data_dir / 'gradedesk.db'}"
    assert app.config["MAX_CONTENT_LENGTH"] == 200 * 1024 * 1024
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    key_file = data_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]  # kept across restarts
    get_db(app).dispose()


def test_environment_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADEDESK_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "1000")
    app = create_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'other.db'}"
    assert app.config["SECRET_KEY"] == "from-env" and not (tmp_path / "d" / "secret_key").exists()
    assert app.config["MAX_CONTENT_LENGTH"] == 1000
    get_db(app).dispose()


def test_processes_starting_at_once_share_one_key(tmp_path):
    """Web and worker processes of one deployment start together: each must end with the same key, and no
    half-written key or temporary file is left behind."""
    from concurrent.futures import ProcessPoolExecutor

    from web.config import persistent_secret_key

    with ProcessPoolExecutor(6) as pool:
        keys = set(pool.map(persistent_secret_key, [tmp_path] * 24))
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_the_app_reads_the_environment_once_for_the_library_settings_and_its_own(monkeypatch, tmp_path):
    from datetime import date

    from web.config import settings_of
    from web.services.clock import today

    monkeypatch.setenv("GRADEDESK_OCR_ENGINE", "tesseract")
    monkeypatch.setenv("GRADEDESK_OCR_CACHE", str(tmp_path / "memo"))
    monkeypatch.setenv("GRADEDESK_WEB_PROCESSES", "3")
    monkeypatch.setenv("GRADEDESK_TODAY", "2020-08-20")
    app = create_app({"GRADEDESK_DATA_DIR": str(tmp_path / "var")})
    settings = settings_of(app)
    assert settings.ocr_engine == "tesseract" and settings.ocr_cache == str(tmp_path / "memo")
    assert app.config["GRADEDESK_WEB_PROCESSES"] == 3
    monkeypatch.setenv("GRADEDESK_TODAY", "2021-01-01")  # read when the app was made, not later
    with app.app_context():
        assert today() == date(2020, 8, 20)
    get_db(app).dispose()
