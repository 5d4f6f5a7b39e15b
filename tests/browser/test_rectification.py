"""Rectification to closure in a real browser: the office issues the notice, the clerk uploads the enterprise's
evidence for an item (read back as a discharge permit), verifies it for the county, the office reviews and closes
it (销号) and downloads the 整改台账."""

from __future__ import annotations

import re

from openpyxl import load_workbook

from tests.browser.test_workflow import _upload, confirm_blocking
from tests.web.support import SAMPLES


def test_an_item_goes_from_the_notice_to_closure(login, screenshots, tmp_path):
    clerk = login("clerk")
    case_id = _upload(clerk, "cement-b-docx")
    clerk.goto(f"/cases/{case_id}")
    confirm_blocking(clerk, "已核实：材料缺失，列入整改")
    clerk.click("form.step button:has-text('县级汇总上报')")
    clerk.wait_for_selector(".flash-success")
    office = login("office")
    office.goto(f"/cases/{case_id}")
    office.click("form.step button:has-text('开始市级初审')")
    office.wait_for_selector(".flash-success")
    office.click("text=出具整改通知书并退回整改…")
    office.click("#issue-notice")
    office.wait_for_selector(".flash-success")
    items = office.locator("#rectification tbody tr")
    assert items.count() >= 2 and "待整改" in office.inner_text("#rectification")

    clerk.goto(f"/cases/{case_id}")
    row = clerk.locator("#rectification tbody tr").nth(1)  # the discharge permit (排污许可证) item
    assert "排污许可证" in row.inner_text()
    row_id = row.get_attribute("id")
    row.locator("input[type=file]").set_input_files(str(SAMPLES / "brick-mixed" / "排污许可证.pdf"))
    row.locator("button:has-text('上传整改材料')").click()
    clerk.wait_for_selector(".flash-success", timeout=90_000)
    row = clerk.locator(f"#{row_id}")
    assert "识读为：排污许可证" in row.inner_text() and "已提交整改材料" in row.inner_text()
    row.locator("input[name=note]").fill("已核对许可证原件")
    row.locator("button:has-text('县级核查')").click()
    clerk.wait_for_selector(".flash-success")
    assert "县级已核查" in clerk.inner_text(f"#{row_id}")

    office.goto(f"/cases/{case_id}")
    row = office.locator(f"#{row_id}")
    row.locator("input[name=note]").fill("材料真实有效")
    row.locator("button:has-text('市级复核')").click()
    office.wait_for_selector(".flash-success")
    office.locator(f"#{row_id} button:has-text('销号')").click()
    office.wait_for_selector(".flash-success")
    text = office.inner_text(f"#{row_id}")
    assert "已销号" in text and re.search(r"销号：office，\d{4}-\d\d-\d\d \d\d:\d\d", text)
    assert "整改销号" in office.inner_text("#history")
    office.screenshot(path=str(screenshots / "rect-01-closed.png"), full_page=True)
    with office.expect_download() as download_info:
        office.click("#rectification a:has-text('整改台账（Excel）')")
    ledger = tmp_path / "ledger.xlsx"
    download_info.value.save_as(ledger)
    cells = [str(c) for r in load_workbook(ledger).active.values for c in r if c is not None]
    assert "已销号" in cells and "材料真实有效" in " ".join(cells)
    assert not clerk.console_errors and not office.console_errors
