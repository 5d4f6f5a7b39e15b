"""Learning from corrections in a real browser: a clerk files an unassigned entry (机构证照号码, a wording no
generator of fixtures/ writes) under 统一社会信用代码; the province's office accepts the proposed synonym on
同义词建议; a new case with the same wording gets the code extracted. The office withdraws it at the end."""

from __future__ import annotations

import re

from tests.browser.test_workflow import WAIT, _drop
from tests.web.relabel import NEW_LABEL, relabelled_zip

CODE = "9113098196314252XW"


def _upload(page, path) -> int:
    page.goto("/cases/new")
    _drop(page, path)
    page.wait_for_selector("#file-list tbody tr")
    page.click("#upload-button")
    page.wait_for_selector("#open-case", timeout=WAIT)
    return int(re.fullmatch(r"/cases/(\d+)", page.get_attribute("#open-case", "href")).group(1))


def _credit_code_row(page) -> str:
    row = page.locator("#fields tr", has=page.locator("th", has_text="统一社会信用代码"))
    return row.inner_text() if row.count() else ""


def test_a_filed_entry_becomes_a_synonym_the_next_extraction_reads(login, screenshots, tmp_path):
    bundle = tmp_path / "机构证照申报材料.zip"
    bundle.write_bytes(relabelled_zip())

    clerk = login("clerk")
    first = _upload(clerk, bundle)
    clerk.goto(f"/cases/{first}")
    assert _credit_code_row(clerk) == ""
    row = clerk.locator("#unassigned tr", has=clerk.locator("th", has_text=NEW_LABEL))
    assert CODE in row.inner_text()
    row.locator("select[name=key]").select_option(label="统一社会信用代码")
    row.locator("button:has-text('归入')").click()
    clerk.wait_for_selector(".flash-success", timeout=WAIT)
    assert f"“{NEW_LABEL}”已作为“统一社会信用代码”的同义词建议提交大气办" in clerk.inner_text(".flash-success")
    assert CODE in _credit_code_row(clerk) and "已更正" in _credit_code_row(clerk)
    assert "已归入“统一社会信用代码”" in clerk.inner_text("#unassigned")
    clerk.screenshot(path=str(screenshots / "30-unassigned-filed.png"), full_page=True)

    office = login("province-office")
    office.click("nav a:has-text('同义词建议')")
    office.wait_for_url("**/synonyms")
    proposal = office.locator("#pending-synonyms tr", has=office.locator("th", has_text=NEW_LABEL))
    text = proposal.inner_text()
    assert "统一社会信用代码" in text and proposal.locator("td.cases").inner_text().strip() == "1"
    assert proposal.locator("td.source a").count() == 1  # the example opens the evidence viewer
    office.screenshot(path=str(screenshots / "31-synonym-proposed.png"), full_page=True)
    proposal.locator("button.accept").click()
    office.wait_for_selector(".flash-success")
    assert "同义词现为第" in office.inner_text(".flash-success")
    assert NEW_LABEL in office.inner_text("#accepted-synonyms")

    second = _upload(clerk, bundle)
    clerk.goto(f"/cases/{second}")
    row = _credit_code_row(clerk)
    assert CODE in row and "已更正" not in row and "表1第3行第4列" in row
    assert clerk.locator("#unassigned").count() == 0
    assert "同义词第" in clerk.inner_text("#history")
    clerk.screenshot(path=str(screenshots / "32-synonym-read.png"), full_page=True)

    # the office withdraws it again (later tests of this session see the packaged synonyms only)
    office.goto("/synonyms")
    accepted = office.locator("#accepted-synonyms tr", has=office.locator("th", has_text=NEW_LABEL))
    accepted.locator("input[name=reason]").fill("浏览器测试结束，撤销")
    accepted.locator("button.withdraw").click()
    office.wait_for_selector(".flash-success")
    assert "已撤销" in office.inner_text(".flash-success")
    assert not office.console_errors and not clerk.console_errors, (office.console_errors, clerk.console_errors)
