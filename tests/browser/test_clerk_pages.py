"""Issue 19 in Chromium: an office manages users; the case page shows the extraction's progress live;
an unreadable upload says so and is withdrawn."""

from __future__ import annotations

import io
import re
import zipfile

from tests.web.support import SAMPLES, scan_tiff


def test_office_creates_scopes_and_disables_a_user(login, screenshots):
    page = login("office")
    page.click("text=用户管理")
    page.fill("#username", "xian-office")
    page.fill("#password", "short")
    page.select_option("#role", "office")
    page.select_option("#region", "沧州市/献县")
    page.evaluate("document.getElementById('password').removeAttribute('minlength')")
    page.click("#add-user button[type=submit]")
    assert "密码太短" in page.inner_text(".flash-error")
    assert page.input_value("#username") == "xian-office" and page.input_value("#region") == "沧州市/献县"
    assert page.input_value("#role") == "office"
    page.fill("#password", "xianxian-office-2020")
    page.click("#add-user button[type=submit]")
    assert "已添加用户“xian-office”" in page.inner_text(".flash-success")
    row = page.locator("#users tr", has_text="xian-office")
    assert "沧州市 献县" in row.inner_text() and "大气办" in row.inner_text()
    row.locator("text=管理").click()
    page.click("#active button")
    assert "已停用" in page.inner_text("h1")
    page.screenshot(path=str(screenshots / "users-disabled.png"), full_page=True)
    assert not [e for e in page.console_errors if "status of 400" not in e]  # the refused form answered 400


def _bad_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("材料/营业执照.pdf", b"%PDF-1.4\nnot a pdf at all\n")
    return buffer.getvalue()


def test_case_page_shows_progress_while_parsing_and_after(login, screenshots):
    page = login("clerk")
    page.goto("/cases/new")
    page.set_input_files("#files", files=[
        {"name": "扫描件.tif", "mimeType": "image/tiff", "buffer": scan_tiff(4)},
        {"name": "brick-mixed.zip", "mimeType": "application/zip", "buffer": (SAMPLES / "brick-mixed.zip").read_bytes()}])
    with page.expect_response(lambda r: r.url.endswith("/cases/new") and r.request.method == "POST") as posted:
        page.click("#upload-button")
    page.goto(posted.value.json()["url"])
    # the live panel counts pages as the worker reads them (or the extraction was quicker than the page)
    page.wait_for_function("() => !document.getElementById('progress-summary') || "
                           "/已读取 [1-9]/.test(document.getElementById('progress-summary').textContent)",
                           timeout=180_000)
    if page.locator("#progress-summary").count():
        assert page.locator("#progress-files tbody tr").count() >= 2
        assert page.inner_text("#case-status") == "解析中"
        page.screenshot(path=str(screenshots / "case-during-parsing.png"), full_page=True)
    page.wait_for_selector("#case-status.status-done", timeout=180_000)
    assert page.locator("#progress").count() == 0
    page.screenshot(path=str(screenshots / "case-after-parsing.png"), full_page=True)
    assert "missing_document:" not in page.inner_text("body")
    assert not page.console_errors


def test_unreadable_upload_says_so_and_is_withdrawn(login, screenshots):
    page = login("clerk")
    page.goto("/cases/new")
    page.set_input_files("#files", files=[{"name": "材料.zip", "mimeType": "application/zip", "buffer": _bad_zip()}])
    page.click("#upload-button")
    page.wait_for_selector("#upload-message.flash-error", timeout=120_000)
    assert "无法识别" in page.inner_text("#upload-message") and "解析完成" not in page.inner_text("#upload-message")
    page.goto("/cases")
    page.locator("table a").first.click()
    assert "无法识别" in page.inner_text("#case-status")
    assert "营业执照.pdf" in page.inner_text("#progress-files")
    page.screenshot(path=str(screenshots / "case-unreadable.png"), full_page=True)
    page.fill("#reason-withdraw", "上传错了文件")
    page.click("button:has-text('撤回申报')")
    assert "已撤回" in page.inner_text(".case-head")
    page.screenshot(path=str(screenshots / "case-withdrawn.png"), full_page=True)


def _upload_and_wait(page, path):
    page.goto("/cases/new")
    page.set_input_files("#files", str(path))
    page.click("#upload-button")
    page.wait_for_selector("#open-case", timeout=180_000)


def test_second_upload_warns_and_the_case_page_reads_plainly(login, screenshots):
    clerk = login("clerk")
    bundle = SAMPLES / "foundry-a-docx.zip"
    _upload_and_wait(clerk, bundle)
    _upload_and_wait(clerk, bundle)
    assert "可能重复申报" in clerk.inner_text(".duplicate")
    clerk.click("#open-case")
    assert "可能重复申报" in clerk.inner_text(".duplicate") and "统一社会信用代码相同" in clerk.inner_text(".duplicate")
    text = clerk.inner_text("main")
    assert "SHA-256" not in text and "missing_document:" not in text and "missing_field:" not in text
    first_column = clerk.locator("table.findings tbody tr td:first-child").all_inner_texts()
    assert first_column and all(re.search(r"[\u4e00-\u9fff]", t) for t in first_column), first_column
    clerk.screenshot(path=str(screenshots / "case-duplicate-warning.png"), full_page=True)
    case_url = clerk.url

    office = login("office")
    office.goto(case_url)
    office.select_option("#expert", "expert")
    office.click("#review button:has-text('分配')")
    assert "expert" in office.inner_text("#review ul.plain")
    assert office.locator("#expert option[value=expert]").count() == 0  # assigned once: no longer offered
    assert not clerk.console_errors and not office.console_errors


def test_upload_page_counts_pages_while_parsing(login, screenshots):
    page = login("clerk")
    page.goto("/cases/new")
    page.set_input_files("#files", files=[{"name": "六页扫描件.tif", "mimeType": "image/tiff", "buffer": scan_tiff(6)}])
    page.click("#upload-button")
    page.wait_for_function("() => document.getElementById('open-case') || "
                           "/已读取 [1-9]/.test(document.getElementById('progress-text').textContent)", timeout=180_000)
    if page.locator("#open-case").count() == 0:  # caught while reading: pages, not a full bar
        assert "/ 6 页" in page.inner_text("#progress-text")
        assert "六页扫描件.tif" in page.inner_text("#document-status")
        page.screenshot(path=str(screenshots / "upload-during-parsing.png"), full_page=True)
    page.wait_for_selector("#open-case", timeout=180_000)
    assert "解析完成" in page.inner_text("#upload-message")
    assert not page.console_errors
