"""The web pages end to end: the clerk uploads the sample bundle, the worker extracts it,
the office assigns an expert, the expert downloads the prefilled review sheet."""

from __future__ import annotations

import re

from tests.web.support import docx_text, sample_truth, sample_zip


def _text(response) -> str:
    return response.get_data(as_text=True)


def _upload(clerk):
    with sample_zip().open("rb") as fh:
        return clerk.post_form("/cases/new", {"files": (fh, sample_zip().name)}, content_type="multipart/form-data")


def test_clerk_office_expert_flow(app, users, browser):
    from web.queue.jobs import run_one

    truth = sample_truth()
    clerk = browser("clerk")
    response = _upload(clerk)
    assert response.status_code == 303
    case_url = response.headers["Location"]
    assert re.fullmatch(r"/cases/\d+", case_url)

    page = _text(clerk.get(case_url))
    assert "排队中" in page and 'http-equiv="refresh"' in page
    assert sample_zip().name in page  # the uploaded file is listed

    assert run_one(app) is not None
    assert run_one(app) is None

    page = _text(clerk.get(case_url))
    assert "已完成" in page and 'http-equiv="refresh"' not in page
    assert truth["enterprise_name"] in page and truth["credit_code"] in page
    for label in ("企业名称", "统一社会信用代码", "所属行业", "申报等级"):
        assert f'<th scope="row">{label}</th>' in page
    assert "绩效分级申报表.docx" in page  # the source of the values
    assert re.search(r"\d+%", page)  # confidence
    assert "营业执照" in page  # the kind of the second document
    assert "办理记录" in page and "解析完成" in page
    assert truth["enterprise_name"] in _text(clerk.get("/cases"))

    # the office assigns experts; the one who served the enterprise is refused with the reason
    office = browser("office")
    assign_url = f"{case_url}/assignments"
    page = _text(office.post_form(case_url, {"expert": "conflicted-expert"}, action=assign_url,
                                  follow_redirects=True))
    assert "未能分配" in page and "应当回避" in page
    page = _text(office.post_form(case_url, {"expert": "unpledged-expert"}, action=assign_url,
                                  follow_redirects=True))
    assert "承诺书" in page
    page = _text(office.post_form(case_url, {"expert": "expert"}, action=assign_url, follow_redirects=True))
    assert "已分配专家 expert" in page
    assert "拒绝分配" in page and "分配专家" in page  # both are in the history

    # the expert sees the case among "my cases" and downloads the review sheet
    expert = browser("expert")
    listing = _text(expert.get("/cases"))
    assert "我的案件" in listing and truth["enterprise_name"] in listing
    page = _text(expert.get(case_url))
    link = f"{case_url}/documents/review-sheet.docx"
    assert link in page
    download = expert.get(link)
    assert download.status_code == 200
    assert download.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in download.headers["Content-Disposition"]
    content = docx_text(download.data)
    assert truth["enterprise_name"] in content and truth["credit_code"] in content
    assert "下载文书" in _text(expert.get(case_url))

    # the expert records a proposed grade; the history keeps it
    page = _text(expert.post_form(case_url, {"grade": "B"}, action=f"{case_url}/proposed-grade",
                                  follow_redirects=True))
    assert "拟定等级已记为 B" in page
    assert "系统建议等级" in page

    # an expert not assigned to the case does not see it at all
    other = browser("other-expert")
    assert other.get(case_url).status_code == 404
    assert other.get(link).status_code == 404
    assert truth["enterprise_name"] not in _text(other.get("/cases"))


def test_visibility_by_region(app, users, browser, uploaded_case):
    url = f"/cases/{uploaded_case}"
    name = sample_truth()["enterprise_name"]
    for username in ("clerk", "county-clerk", "office", "province-office"):
        b = browser(username)
        assert b.get(url).status_code == 200, username
        assert name in _text(b.get("/cases")), username
    for username in ("other-clerk", "other-office", "expert"):
        b = browser(username)
        response = b.get(url)
        assert response.status_code == 404, username
        assert "未找到" in _text(response)
        assert name not in _text(b.get("/cases")), username
    assert browser("office").get("/cases/999999").status_code == 404


def test_county_comes_from_the_bundle_and_city_from_the_clerk(db, uploaded_case):
    from web.models import Case

    with db.session() as session:
        case = session.get(Case, uploaded_case)
        assert (case.city, case.county) == ("沧州市", sample_truth()["county"])
        assert case.industry == sample_truth()["industry"]
        assert case.applied_grade == sample_truth()["applied_grade"]


def test_upload_without_files_is_refused(browser, users):
    clerk = browser("clerk")
    response = clerk.post_form("/cases/new", {}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "请选择要上传的申报材料" in _text(response)


def test_loose_files_and_a_bad_file(app, users, browser, tmp_path):
    """Files uploaded one by one make one case; a file that cannot be read is listed with its error."""
    import zipfile

    from web.queue.jobs import run_until_empty

    with zipfile.ZipFile(sample_zip()) as archive:
        members = [(n.rsplit("/", 1)[-1], archive.read(n)) for n in archive.namelist() if not n.endswith("/")]
    import io

    files = [(io.BytesIO(data), name) for name, data in members] + [(io.BytesIO(b"not a pdf"), "监测报告.pdf")]
    clerk = browser("clerk")
    response = clerk.post_form("/cases/new", {"files": files}, content_type="multipart/form-data")
    assert response.status_code == 303
    run_until_empty(app)
    page = _text(clerk.get(response.headers["Location"]))
    assert sample_truth()["credit_code"] in page
    assert "监测报告.pdf" in page and 'class="has-error"' in page


def test_upload_too_large_is_refused(app, users, browser):
    import io

    clerk = browser("clerk")
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = clerk.post_form("/cases/new", {"files": (io.BytesIO(b"x" * 20_000), "大.pdf")},
                               content_type="multipart/form-data")
    assert response.status_code == 413
    assert "太大" in _text(response)
