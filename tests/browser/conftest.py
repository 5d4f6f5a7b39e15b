"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium, nothing downloaded)
against a real `gradedesk serve` on a free port over a temporary data dir.

They are part of the normal test run: without Chromium or Playwright they fail, they do not skip.
Screenshots go to `GRADEDESK_SCREENSHOTS` (default: a temporary folder, printed at the end).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest

from tests.web.support import LiveServer, prepare_database

CHROMIUM = Path(os.environ.get("GRADEDESK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--lang=zh-CN"]
PASSWORD = "browser-test-password"
USERS = {
    "clerk": dict(role="clerk", city="沧州市"),
    "office": dict(role="office", city="沧州市"),
    "province-office": dict(role="office"),  # maintains the grading catalogue
    "expert": dict(role="expert", industries=["铸造", "工业涂装"], pledge=date(2020, 7, 1), employer="河北工业大学"),
}


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = Path(os.environ.get("GRADEDESK_SCREENSHOTS") or tempfile.mkdtemp(prefix="gradedesk-screenshots-"))
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    print(f"\nscreenshots: {folder}")


@pytest.fixture(scope="session")
def server():
    """`gradedesk serve` with its in-process worker, on a fresh data dir with the users above."""
    base = Path(tempfile.mkdtemp(prefix="gradedesk-browser-"))
    data_dir = base / "var"
    prepare_database(data_dir, users=USERS, password=PASSWORD)
    try:
        with LiveServer(data_dir, env={"GRADEDESK_TODAY": "2020-08-20"}) as live:
            yield live.url
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's chromium package "
                    "(apt-get install -y --no-install-recommends chromium), or GRADEDESK_CHROMIUM pointing at one.",
                    pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The playwright package is missing: pip install -e '.[dev]' (never `playwright install`).",
                    pytrace=False)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def login(chromium, server):
    """login(username) → a logged-in page in its own browser context (own cookies)."""
    contexts = []

    def _login(username: str):
        context = chromium.new_context(base_url=server, locale="zh-CN", viewport={"width": 1280, "height": 900},
                                       accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.console_errors = errors
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/cases")
        return page

    yield _login
    for context in contexts:
        context.close()
