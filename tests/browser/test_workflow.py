"""The workflow in a real browser: the clerk's drag-and-drop upload to the findings, the evidence viewer,
the expert's download and upload of a filled review sheet, the office's notices."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from tests.web.support import SAMPLES, docx_text, fill_review_sheet, sample_truth

WAIT = 90_000  # ms: extraction on a busy 2-core machine


def _drop(page, path: Path) -> None:
    """Drop a file on the drop zone as a person dragging it from the desktop does."""
    payload = base64.b64encode(path.read_bytes()).decode()
    transfer = page.evaluate_handle(
        """([name, data]) => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type: "application/zip"}));
            return transfer;
        }""", [path.name, payload])
    page.dispatch_event("[data-dropzone]", "dragenter", {"dataTransfer": transfer})
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": transfer})


def _upload(page, sample: str, screenshots: Path | None = None, shot: str = "") -> int:
    page.goto("/cases/new")
    _drop(page, SAMPLES / f"{sample}.zip")
    page.wait_for_selector("#file-list tbody tr")
    assert page.inner_text("#file-list tbody").startswith(f"{sample}.zip")
    page.click("#upload-button")
    page.wait_for_selector("#open-case", timeout=WAIT)
    assert page.eval_on_selector("#upload-progress", "e => e.value") == 100
    if screenshots:
        page.screenshot(path=str(screenshots / shot), full_page=True)
    href = page.get_attribute("#open-case", "href")
    return int(re.fullmatch(r"/cases/(\d+)", href).group(1))


def confirm_blocking(page, reason: str) -> int:
    """Confirm every open blocking finding on the case page, one form at a time, as a clerk does → how many."""
    done = 0
    while page.locator("#open-blocking").count():
        anchor = page.get_attribute("#open-blocking li a", "href")
        row = page.locator(f"tr{anchor}")
        row.locator("input[name=reason]").fill(reason)
        row.locator("button[value=confirmed]").click()
        page.wait_for_selector(".flash-success")
        done += 1
    return done


def test_clerk_drags_a_bundle_and_reads_the_findings(login, screenshots):
    page = login("clerk")
    case_id = _upload(page, "foundry-a-docx", screenshots, "01-upload-done.png")
    status = page.inner_text("#upload-message")
    assert "解析完成" in status and "审核意见" in status
    assert "解析完成" in page.inner_text("#file-list tbody")
    assert "绩效分级申报表" in page.inner_text("#document-status")  # per document: what it was read as
    page.click("#open-case")
    page.wait_for_url(f"**/cases/{case_id}")
    truth = sample_truth()
    assert page.inner_text("h1") == truth["enterprise_name"]
    assert "阻断性问题" in page.inner_text("#findings")
    assert truth["credit_code"] in page.inner_text("#fields")
    assert re.search(r"\d+%", page.inner_text("#fields"))
    page.screenshot(path=str(screenshots / "02-case-page.png"), full_page=True)
    # the clerk dismisses a finding with a reason
    first = page.locator("#findings form.mini").first
    first.locator("input[name=reason]").fill("现场核实，申报表已补充")
    first.locator("button[value=dismissed]").click()
    page.wait_for_selector(".flash-success")
    assert "已排除" in page.inner_text("#findings")
    assert not page.console_errors, page.console_errors


def test_evidence_viewer_shows_the_box_on_the_page(login, screenshots):
    page = login("clerk")
    case_id = _upload(page, "coating-pdf")
    page.goto(f"/cases/{case_id}")
    row = page.locator("table.fields tr", has_text="统一社会信用代码")
    row.locator("td.source a").click()
    page.wait_for_url(re.compile(rf".*/cases/{case_id}/files/0\?.*ref=field:credit_code"))
    page.wait_for_function("document.querySelector('#page-image').complete && "
                           "document.querySelector('#page-image').naturalWidth > 0")
    assert "红框标出" in page.inner_text(".evidence-ref")
    assert page.eval_on_selector("#page-image", "img => img.naturalWidth") >= 1000
    page.screenshot(path=str(screenshots / "03-evidence-viewer.png"), full_page=True)
    page.click("text=下一页")
    page.wait_for_url("**page=2**")
    page.wait_for_function("document.querySelector('#page-image').naturalWidth > 0")
    assert not page.console_errors, page.console_errors


def test_expert_downloads_and_uploads_the_filled_sheet(login, screenshots, tmp_path):
    clerk = login("clerk")
    case_id = _upload(clerk, "foundry-a-docx")
    office = login("office")
    office.goto(f"/cases/{case_id}")
    office.select_option("#expert", "expert")
    office.click("form[action$='/assignments'] button")
    office.wait_for_selector(".flash-success")
    assert "已分配专家 expert" in office.inner_text(".flash-success")

    expert = login("expert")
    assert "我的案件" in expert.inner_text("h1")
    expert.click(f"a[href='/cases/{case_id}']")
    with expert.expect_download() as download_info:
        expert.click("text=下载专家审核表（Word）")
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    blank = tmp_path / "blank.docx"
    download.save_as(blank)
    assert sample_truth()["credit_code"] in docx_text(blank.read_bytes())
    filled = tmp_path / "审核表-已填.docx"
    filled.write_bytes(fill_review_sheet(blank.read_bytes(), grade="B", failed={"运输方式": "国五以下车辆占比偏高"}))
    expert.set_input_files("#sheet", str(filled))
    expert.click("form[action$='/review-sheets'] button")
    expert.wait_for_selector("#verdicts")
    assert expert.inner_text("#proposed-grade") == "B"
    assert "国五以下车辆占比偏高" in expert.inner_text("#verdicts")
    expert.screenshot(path=str(screenshots / "04-review-sheet-read-back.png"), full_page=True)
    expert.click("#confirm-sheet")
    expert.wait_for_selector(".flash-success")
    assert "建议等级 B 已计入" in expert.inner_text(".flash-success")
    assert "已确认" in expert.inner_text("#review")
    expert.screenshot(path=str(screenshots / "05-expert-case-page.png"), full_page=True)
    assert not expert.console_errors, expert.console_errors


def test_office_issues_the_rectification_notice_and_publishes(login, screenshots, tmp_path):
    clerk = login("clerk")
    returned = _upload(clerk, "foundry-a-docx")
    decided = _upload(clerk, "cement-b-docx")
    for case_id in (returned, decided):
        clerk.goto(f"/cases/{case_id}")
        confirm_blocking(clerk, "已核实：企业尚未提交，列入整改")
        clerk.click("form.step button:has-text('县级汇总上报')")
        clerk.wait_for_selector(".flash-success")
    office = login("office")
    for case_id in (returned, decided):
        office.goto(f"/cases/{case_id}")
        office.click("form.step button:has-text('开始市级初审')")
        office.wait_for_selector(".flash-success")

    office.goto(f"/cases/{returned}")
    office.click("text=出具整改通知书并退回整改…")
    assert "2020年9月15日" in office.inner_text("main")
    office.fill("#contact_name", "王某")
    office.fill("#contact_phone", "0317-2000000")
    office.click("#issue-notice")
    office.wait_for_selector(".flash-success")
    message = office.inner_text(".flash-success")
    number = re.search(r"沧环整改〔2020〕\d+号", message).group(0)
    assert "退回整改" in office.inner_text(".case-head")
    with office.expect_download() as download_info:
        office.click("#documents a:has-text('Word')")
    notice = tmp_path / "notice.docx"
    download_info.value.save_as(notice)
    text = docx_text(notice.read_bytes())
    assert number in text and sample_truth()["enterprise_name"] in text and "2020年9月15日" in text
    # told from the record: no expert sat on this case, and each problem is said once
    assert "专家组" not in text and "经沧州市生态环境局市级初审材料审核核查" in text
    problems = [line for line in text.splitlines() if "申报材料中未找到" in line]
    assert problems and len(problems) == len(set(problems))
    office.screenshot(path=str(screenshots / "06-returned-case.png"), full_page=True)

    office.goto(f"/cases/{decided}")
    office.select_option("#decided-grade", "C")
    office.fill("#decided-reason", "专家审核：污染治理设施未达到B级要求")
    office.click("#decision button[type=submit]")
    office.wait_for_selector(".flash-success")
    office.goto("/notices")
    assert "C 级及以下" in office.inner_text("main")
    office.screenshot(path=str(screenshots / "07-notices-before.png"), full_page=True)
    assert "确认公示以上 1 家企业" in office.inner_text("main")
    office.check("#confirm-publish")
    office.click("#publish")
    office.wait_for_selector(".flash-success")
    assert re.search(r"沧环公示〔2020〕\d+号", office.inner_text(".flash-success"))
    office.screenshot(path=str(screenshots / "08-notices-published.png"), full_page=True)
    office.goto("/cases")
    office.screenshot(path=str(screenshots / "09-case-list.png"), full_page=True)
    assert not office.console_errors, office.console_errors
