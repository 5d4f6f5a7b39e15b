"""Office templates and review sheets get the same refusals as a bundle's Word files (a DTD or entity
declaration, bombs), and a template is tried in a child with time and memory limits: each hostile upload
is a 400 with a Chinese reason, never a 500, and nothing is kept."""

from __future__ import annotations

import io
import time
import zipfile

import docx
import pytest
from sqlalchemy import func, select

from forms.errors import BadInput
from tests.web import steps
from tests.web.support import REPO, Browser, csrf_from
from web.db import get_db
from web.models import OfficeTemplate, ReviewUpload
from web.services.template_sandbox import check_template

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
          + "]>")


def _template(extra: str = "", name: str = "rectification_notice.docx") -> bytes:
    document = docx.Document(str(REPO / "templates" / name))
    if extra:
        document.add_paragraph(extra)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _with_document_xml(content: bytes, change) -> bytes:
    """The package with word/document.xml rewritten by `change`."""
    src, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            z.writestr(info, change(data) if info.filename == "word/document.xml" else data)
    return out.getvalue()


def _dtd(content: bytes, prolog: str, marker: bytes = b"") -> bytes:
    def change(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return prolog.encode() + body.replace(b"</w:body>", marker + b"</w:body>", 1)
    return _with_document_xml(content, change)


HOSTILE = {
    "billion laughs": lambda base: _dtd(base, LAUGHS, b"<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>"),
    "undefined entity": lambda base: _dtd(base, '<?xml version="1.0"?>', b"<w:p><w:r><w:t>&nope;</w:t></w:r></w:p>"),
    "external entity": lambda base: _dtd(base, '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
                                         b"<w:p><w:r><w:t>&x;</w:t></w:r></w:p>"),
    "not a zip": lambda base: b"PK\x03\x04" + b"\x00" * 200,
}


def _upload_template(office: Browser, content: bytes):
    page = office.get("/templates").get_data(as_text=True)
    return office.client.post("/templates", data={"csrf_token": csrf_from(page), "kind": "rectification-notice",
                                                  "template": (io.BytesIO(content), "模板.docx"), "note": ""},
                              content_type="multipart/form-data")


@SQLITE
@pytest.mark.parametrize("attack", sorted(HOSTILE))
def test_hostile_templates_are_refused_with_400(app, users, attack):
    office = Browser(app).login("office")
    started = time.monotonic()
    response = _upload_template(office, HOSTILE[attack](_template()))
    assert response.status_code == 400, (attack, response.status_code)
    assert time.monotonic() - started < 30
    with get_db(app).session() as s:
        assert s.scalar(select(func.count()).select_from(OfficeTemplate)) == 0


@SQLITE
def test_a_good_template_passes_the_sandbox(app, users):
    assert _upload_template(Browser(app).login("office"), _template("沧州市定制版式")).status_code == 303


def test_an_enormous_loop_is_stopped_by_the_time_limit():
    loop = "{% for a in range(100000) %}{% for b in range(100000) %}{{ a }}{% endfor %}{% endfor %}"
    started = time.monotonic()
    with pytest.raises(BadInput) as refused:
        check_template("rectification-notice", _template(loop), timeout=5)
    assert "秒内未能渲染完成" in refused.value.user_message and time.monotonic() - started < 15


def test_an_enormous_string_is_stopped_by_the_memory_limit():
    huge = "{{ '好' * 100000 * 100000 }}"
    with pytest.raises(BadInput) as refused:
        check_template("rectification-notice", _template(huge), timeout=60, memory=512 * 2**20)
    assert refused.value.user_message


@SQLITE
@pytest.mark.parametrize("attack", ["billion laughs", "undefined entity", "external entity"])
def test_hostile_review_sheets_are_refused(app, users, case, attack):
    """The page answers a refused sheet as it answers any bad sheet: back to the case with the reason."""
    steps.assign(app, case)
    sheet = HOSTILE[attack](steps.review_sheet(app, case))
    expert = Browser(app).login("expert")
    page = expert.get(f"/cases/{case}").get_data(as_text=True)
    response = expert.client.post(f"/cases/{case}/review-sheets", data={
        "csrf_token": csrf_from(page), "sheet": (io.BytesIO(sheet), "审核表.docx")}, content_type="multipart/form-data")
    assert response.status_code in (302, 303) and "/review-sheets/" not in response.headers["Location"]
    assert "未能读取审核表" in expert.get(response.headers["Location"]).get_data(as_text=True)
    with get_db(app).session() as s:
        assert s.scalar(select(func.count()).select_from(ReviewUpload)) == 0
