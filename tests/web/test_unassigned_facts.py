"""Issue 16, item 1: a label-shaped entry with a plausible value that matches no canonical field is
kept as an unassigned fact, and the case page shows it to whoever reads the case, with its source."""

from __future__ import annotations

import copy
import io
import re
import zipfile

from tests.web import steps
from tests.web.support import SAMPLE, SAMPLES

FORM = "绩效分级申报表.docx"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _bundle_with_extra_row() -> bytes:
    """The foundry sample's bundle (in a folder, as a zip made on a desktop), its application form with one
    more row of the basic-information table: 职工人数 | 274人 beside a label the registry knows."""
    import docx
    from docx.table import _Row

    with zipfile.ZipFile(SAMPLES / f"{SAMPLE}.zip") as sample:
        form = sample.read(FORM)
        licence = sample.read("营业执照.pdf")
    document = docx.Document(io.BytesIO(form))
    table = document.tables[0]
    template = next(row for row in table.rows if row.cells[0].text.strip() == "法定代表人")
    extra = copy.deepcopy(template._tr)
    template._tr.addnext(extra)
    for cell, text in zip(_Row(extra, table).cells, ["职工人数", "274人", "法定代表人",
                                                      template.cells[1].text], strict=True):
        cell.text = text
    out = io.BytesIO()
    document.save(out)
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr(f"申报材料/{FORM}", out.getvalue())
        z.writestr("申报材料/营业执照.pdf", licence)
    return bundle.getvalue()


def test_an_entry_matching_no_field_is_shown_with_its_source(app, users, browser, api):
    from web.queue.jobs import run_until_empty

    clerk = browser("clerk")
    response = clerk.post_form("/cases/new", {"files": (io.BytesIO(_bundle_with_extra_row()), "申报材料.zip")},
                               content_type="multipart/form-data")
    assert response.status_code == 303, response.status_code
    case_url = response.headers["Location"]
    run_until_empty(app)
    case_id = int(case_url.rsplit("/", 1)[1])
    body = api("clerk").get(f"/api/v1/cases/{case_id}").get_json()
    assert body["status"] == "done", body

    steps.assign(app, case_id)  # the expert reads the case once assigned
    for reader in (clerk, browser("office"), browser("expert")):
        response = reader.get(f"/cases/{case_id}")
        assert response.status_code == 200, response.status_code
        page = _text(response)
        section = re.search(r'<section id="unassigned">(.*?)</section>', page, re.S)
        assert section, "no 未归类的填报内容 section"
        visible = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section.group(1)))
        assert "未归类的填报内容" in visible and "不对应任何标准字段" in visible
        assert "职工人数 274人" in visible
        # its source as the page names sources: the file without the zip's folder, table, row and column
        assert f"{FORM} 表1第5行第2列" in visible and "申报材料/" not in visible
        link = re.search(r'href="([^"]*files/\d+\?ref=unassigned:0)"', section.group(1))
        assert link, section.group(1)
        assert reader.get(link.group(1)).status_code == 200  # the evidence viewer opens at the cell

    # the label is no field's: the fields table does not list it
    fields = re.search(r'<section id="fields">(.*?)</section>', _text(clerk.get(f"/cases/{case_id}")), re.S)
    assert "职工人数" not in fields.group(1)


def test_a_case_without_such_entries_shows_no_section(app, users, browser, case):
    page = _text(browser("clerk").get(f"/cases/{case}"))
    assert "识别出的字段" in page
    assert "未归类的填报内容" not in page and 'id="unassigned"' not in page
