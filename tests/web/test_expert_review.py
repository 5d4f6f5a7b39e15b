"""The expert's part: my cases, the prefilled sheet (.docx, .pdf, material and site review), the filled
sheet uploaded, read back and shown for confirmation before it counts."""

from __future__ import annotations

import io
import re

import pytest

from tests.web import steps
from tests.web.support import docx_text, fill_review_sheet, sample_truth

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _upload(expert, case_id, content: bytes, name="审核表-已填.docx"):
    return expert.post_form(f"/cases/{case_id}", {"sheet": (io.BytesIO(content), name)},
                            action=f"/cases/{case_id}/review-sheets", content_type="multipart/form-data")


def test_download_fill_upload_confirm(app, users, case, browser):
    steps.assign(app, case)
    expert = browser("expert")
    listing = _text(expert.get("/cases"))
    assert "我的案件" in listing and sample_truth()["enterprise_name"] in listing

    sheet = expert.get(f"/cases/{case}/documents/review-sheet.docx")
    assert sheet.status_code == 200 and "☑材料审核" in docx_text(sheet.data)
    site = expert.get(f"/cases/{case}/documents/review-sheet.docx?type=site")
    from urllib.parse import unquote

    assert "☑现场审核" in docx_text(site.data) and "（现场审核）" in unquote(site.headers["Content-Disposition"])

    filled = fill_review_sheet(sheet.data, grade="C", failed={"排放限值": "DA001 颗粒物超过B级限值"})
    response = _upload(expert, case, filled)
    assert response.status_code == 303
    confirm_url = response.headers["Location"]
    assert re.fullmatch(rf"/cases/{case}/review-sheets/\d+", confirm_url)
    page = _text(expert.get(confirm_url))
    assert "待确认" in page and '<dd class="big" id="proposed-grade">C</dd>' in page
    assert "不符合" in page and "DA001 颗粒物超过B级限值" in page and "已签字" in page
    assert "确认无误，计入" in page
    assert steps.get_case(app, case).review_grade is None  # not counted before confirmation

    done = expert.post_form(confirm_url, {"review_type": "材料审核"}, action=f"{confirm_url}/confirm",
                            follow_redirects=True)
    assert "建议等级 C 已计入" in _text(done)
    after = steps.get_case(app, case)
    assert after.review_grade == "C"
    history = _text(expert.get(f"/cases/{case}/history.csv"))
    assert "上传审核表" in history and "确认审核表" in history and "不符合 1 项（排放限值）" in history
    # the confirmed sheet's 不符合 goes into the rectification notice
    notice = docx_text(browser("office").get(f"/cases/{case}/documents/rectification-notice.docx").data)
    assert "DA001 颗粒物超过B级限值" in notice
    again = expert.post_form(confirm_url, {"review_type": "材料审核"}, action=f"{confirm_url}/confirm",
                             follow_redirects=True)
    assert "已确认" in _text(again)


def test_a_sheet_with_problems_cannot_be_confirmed(app, users, case, browser):
    steps.assign(app, case)
    expert = browser("expert")
    sheet = expert.get(f"/cases/{case}/documents/review-sheet.docx").data
    response = _upload(expert, case, fill_review_sheet(sheet, grade="", skip=("排放限值",)))
    url = response.headers["Location"]
    page = _text(expert.get(url))
    assert "未勾选" in page and "排放限值" in page and "未填写可识别的建议等级" in page
    refused = _text(expert.post_form(url, {"review_type": "材料审核"}, action=f"{url}/confirm", follow_redirects=True))
    assert "还不能确认" in refused
    expert.post_form(url, {"reason": "漏填"}, action=f"{url}/discard")
    assert "已作废" in _text(expert.get(url))
    assert steps.get_case(app, case).review_grade is None


def test_wrong_sheets_are_refused(app, users, case, browser):
    steps.assign(app, case)
    expert = browser("expert")
    sheet = expert.get(f"/cases/{case}/documents/review-sheet.docx").data
    import docx

    other = docx.Document(io.BytesIO(fill_review_sheet(sheet)))
    other.tables[0].rows[1].cells[1].text = "91130100MA0XXXXXX1"
    buffer = io.BytesIO()
    other.save(buffer)
    assert _upload(expert, case, buffer.getvalue()).status_code == 303  # back to the case, with the reason
    page = _text(expert.get(f"/cases/{case}"))
    assert "与本案件" in page and "不符" in page
    _upload(expert, case, b"%PDF-1.4 not a sheet", "审核表.pdf")
    assert "Word 文件" in _text(expert.get(f"/cases/{case}"))
    _upload(expert, case, b"PK\x03\x04 broken", "审核表.docx")
    assert "未能读取审核表" in _text(expert.get(f"/cases/{case}"))


def test_only_the_assigned_expert_uploads_and_confirms(app, users, case, browser):
    steps.assign(app, case)
    steps.assign(app, case, "other-expert")
    sheet = browser("expert").get(f"/cases/{case}/documents/review-sheet.docx").data
    response = _upload(browser("expert"), case, fill_review_sheet(sheet))
    url = response.headers["Location"]
    other = browser("other-expert")
    assert "确认无误，计入" not in _text(other.get(url))  # sees it (assigned too), may not confirm it
    assert other.post_form(url, {"review_type": "材料审核"}, action=f"{url}/confirm").status_code == 403
    assert browser("neighbour-clerk").get(url).status_code == 404
    office = browser("office")
    assert office.get(url).status_code == 200
    assert office.post_form(url, {}, action=f"{url}/confirm").status_code == 403


def test_review_sheet_pdf(app, users, case, browser):
    import pdfplumber

    steps.assign(app, case)
    response = browser("expert").get(f"/cases/{case}/documents/review-sheet.pdf?type=site")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
    assert sample_truth()["credit_code"] in text and "现场审核" in text
