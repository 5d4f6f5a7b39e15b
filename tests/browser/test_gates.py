"""Decision gates in a real browser: the clerk cannot send a case with open blocking findings up, confirms
them one by one on the page; the office overrides them with a reason, which the history shows."""

from __future__ import annotations

from tests.browser.test_workflow import _upload, confirm_blocking


def test_open_blocking_findings_stop_the_clerk_and_the_office_overrides(login, screenshots):
    clerk = login("clerk")
    blocked = _upload(clerk, "cement-b-docx")
    checked = _upload(clerk, "brick-mixed")
    clerk.goto(f"/cases/{blocked}")
    assert "阻断性问题未处理" in clerk.inner_text("#open-blocking")
    assert clerk.locator("input[name=override]").count() == 0  # a clerk cannot override
    clerk.click("form.step button:has-text('县级汇总上报')")
    clerk.wait_for_selector(".flash-error")
    assert "不能县级汇总上报" in clerk.inner_text(".flash-error")
    assert "已申报" in clerk.inner_text(".case-head")
    clerk.screenshot(path=str(screenshots / "gate-01-clerk-blocked.png"), full_page=True)

    clerk.goto(f"/cases/{checked}")
    assert confirm_blocking(clerk, "已核实：材料缺失，列入整改") >= 1
    assert "已确认" in clerk.inner_text("#findings")
    clerk.click("form.step button:has-text('县级汇总上报')")
    clerk.wait_for_selector(".flash-success")
    assert "县级已汇总" in clerk.inner_text(".case-head")

    office = login("office")
    office.goto(f"/cases/{blocked}")
    office.check("#override-collect")
    office.fill("#reason-collect", "县级已核对原件，材料随后补交")
    office.click("form.step button:has-text('县级汇总上报')")
    office.wait_for_selector(".flash-success")
    assert "县级已汇总" in office.inner_text(".case-head")
    assert office.locator("#open-blocking").count() == 0
    assert "已越过" in office.inner_text("#findings")
    history = office.inner_text("#history")
    assert "越过阻断性问题" in history and "县级已核对原件，材料随后补交" in history
    office.screenshot(path=str(screenshots / "gate-02-office-override.png"), full_page=True)
    assert not clerk.console_errors and not office.console_errors
