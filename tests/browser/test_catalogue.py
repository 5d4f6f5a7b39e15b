"""The grading catalogue in a real browser: the province office downloads the workbook, changes a limit,
uploads it; the clerk re-checks a case and sees the finding change, with the catalogue version in the
history."""

from __future__ import annotations

from openpyxl import load_workbook

from tests.browser.test_workflow import WAIT, _upload

LIMIT = "限值（mg/m³）"
PROCESS = "工序/排放口（关键词以“、”分隔，*代表若干字；全部）"


def _set_cement_nox_limit(path, mg_m3: float) -> None:
    """As an office does in Excel: the 水泥 row of 排放限值 becomes 水泥 B 窑尾 氮氧化物, verified."""
    book = load_workbook(path)
    ws = book["排放限值"]
    col = {c.value: i for i, c in enumerate(ws[1])}
    row = next(r for r in ws.iter_rows(min_row=2) if r[col["行业"]].value == "水泥")
    for header, value in (("申报等级", "B"), (PROCESS, "窑尾"), ("污染物", "氮氧化物"), (LIMIT, mg_m3),
                          ("状态", "已核实"), ("来源（文件、条款或页）", "省大气办核定（浏览器测试）")):
        row[col[header]].value = value
    book.save(path)


def test_office_changes_a_limit_and_a_recheck_shows_the_new_finding(login, screenshots, tmp_path):
    clerk = login("clerk")
    case_id = _upload(clerk, "cement-b-docx")
    clerk.goto(f"/cases/{case_id}")
    assert "over_limit:氮氧化物" not in clerk.inner_text("#findings")
    assert "按行业目录（内置目录）审核" in clerk.inner_text("#findings")

    office = login("province-office")
    office.click("nav a:has-text('行业目录')")
    office.wait_for_url("**/catalogue")
    with office.expect_download() as download_info:
        office.click("#download-catalogue")
    original = tmp_path / "原目录.xlsx"
    download_info.value.save_as(original)
    edited = tmp_path / "行业目录-修改.xlsx"
    edited.write_bytes(original.read_bytes())
    _set_cement_nox_limit(edited, 50)
    office.set_input_files("#workbook", str(edited))
    office.fill("#note", "水泥B级窑尾氮氧化物限值")
    office.click("#import-catalogue")
    office.wait_for_selector(".flash-success")
    assert "已导入行业目录第" in office.inner_text(".flash-success")
    version = office.inner_text("#catalogue-in-force")
    assert version.startswith("第") and "限值：5 → 50" in office.inner_text("#catalogue-versions")
    office.screenshot(path=str(screenshots / "20-catalogue-imported.png"), full_page=True)

    clerk.goto(f"/cases/{case_id}")
    clerk.click("#recheck")
    clerk.wait_for_selector(".flash-success", timeout=WAIT)
    findings = clerk.inner_text("#findings")
    assert "实测浓度超过限值" in findings and "氮氧化物" in findings and "76.5" in findings  # the rule's title
    assert f"行业目录（{version}）“排放限值”表 L-" in findings and f"按行业目录（{version}）审核" in findings
    assert f"行业目录（{version}）重新审核" in clerk.inner_text("#history")
    clerk.screenshot(path=str(screenshots / "21-recheck-with-catalogue.png"), full_page=True)

    # the office puts the catalogue back as it was (a new version with the old rows)
    office.goto("/catalogue")
    office.set_input_files("#workbook", str(original))
    office.click("#import-catalogue")
    office.wait_for_selector(".flash-success")
    assert "已导入行业目录第" in office.inner_text(".flash-success")
    assert "限值：50 → 5" in office.inner_text("#catalogue-versions")
    assert not office.console_errors and not clerk.console_errors, (office.console_errors, clerk.console_errors)
