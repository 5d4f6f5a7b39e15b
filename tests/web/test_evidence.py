"""The evidence viewer: page images with the source box (PDF, images), the cell of a Word document;
documents named by case, index and page, never by a path."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.web import steps
from web.services import evidence

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _red_pixels(png: bytes, box=None) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if box:
        image = image.crop(box)
    import numpy as np

    px = np.asarray(image).astype(int)
    return int(((px[:, :, 0] > 200) & (px[:, :, 1] < 60) & (px[:, :, 2] < 60)).sum())


def test_a_pdf_field_opens_its_page_with_the_box(app, users, new_case, browser):
    case_id = new_case(sample="coating-pdf")
    case = steps.get_case(app, case_id)
    source = case.extraction["fields"]["credit_code"]["source"]
    assert source["page"] == 1 and source["bbox"]
    clerk = browser("clerk")
    page = clerk.get(f"/cases/{case_id}").get_data(as_text=True)
    link = re.search(rf'href="(/cases/{case_id}/files/0\?page=1&amp;ref=field:credit_code)"', page)
    assert link, "the field's source links to the viewer"
    viewer = clerk.get(link.group(1).replace("&amp;", "&"))
    html = viewer.get_data(as_text=True)
    assert viewer.status_code == 200 and "红框标出" in html and "第 1 / 2 页" in html
    image_url = re.search(r'<img src="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert image_url == f"/cases/{case_id}/files/0/pages/1.png?ref=field:credit_code"

    boxed = clerk.get(image_url)
    assert boxed.status_code == 200 and boxed.mimetype == "image/png"
    plain = clerk.get(f"/cases/{case_id}/files/0/pages/1.png").data
    width = Image.open(io.BytesIO(boxed.data)).width
    scale = width / 595.0 if width < 1400 else 1400 / 595.0
    x0, top, x1, bottom = (v * scale for v in source["bbox"])
    around = (int(x0) - 8, int(top) - 8, int(x1) + 8, int(bottom) + 8)
    assert _red_pixels(boxed.data, around) > 100
    assert _red_pixels(plain) == 0
    # a box on another page is not drawn on this one
    assert _red_pixels(clerk.get(f"/cases/{case_id}/files/0/pages/2.png?ref=field:credit_code").data) == 0


def test_a_word_field_shows_its_cell(app, users, case, browser):
    extraction = steps.get_case(app, case).extraction
    source = extraction["fields"]["credit_code"]["source"]
    index = evidence.index_of(extraction, source["file"])
    html = browser("clerk").get(f"/cases/{case}/files/{index}?ref=field:credit_code").get_data(as_text=True)
    assert "没有页面图像" in html and "<img" not in html
    hit = re.search(r'<td class="hit">([^<]*)</td>', html)
    assert hit and hit.group(1) == extraction["fields"]["credit_code"]["value"]
    assert browser("clerk").get(f"/cases/{case}/files/{index}/pages/1.png").status_code == 404


def test_documents_inside_the_zip_are_kept_by_sha256(app, users, case):
    from web.storage import Storage

    storage = Storage(app.config["GRADEDESK_DATA_DIR"])
    for doc in steps.get_case(app, case).extraction["documents"]:
        assert storage.exists(doc["sha256"]), doc["file"]


def test_only_what_is_visible_and_exists(app, users, new_case, browser):
    case_id = new_case(sample="coating-pdf")
    clerk = browser("clerk")
    assert clerk.get(f"/cases/{case_id}/files/7").status_code == 404
    assert clerk.get(f"/cases/{case_id}/files/0?page=9").status_code == 404
    assert clerk.get(f"/cases/{case_id}/files/0/pages/9.png").status_code == 404
    assert clerk.get(f"/cases/{case_id}/files/0/pages/0.png").status_code == 404
    assert clerk.get(f"/cases/{case_id}/files/-1").status_code == 404
    assert clerk.get(f"/cases/{case_id}/files/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert browser("other-clerk").get(f"/cases/{case_id}/files/0").status_code == 404
    assert browser("other-clerk").get(f"/cases/{case_id}/files/0/pages/1.png").status_code == 404
    assert browser().get(f"/cases/{case_id}/files/0/pages/1.png").status_code == 302
    assert clerk.get(f"/cases/{case_id}/files/0?ref=field:nothing").status_code == 200  # an unknown ref: no box


def test_images_are_rendered_with_their_box(database_url):
    image = Image.new("RGB", (800, 600), "white")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    png = evidence.render_page(buffer.getvalue(), 1, (100, 100, 300, 150))
    assert _red_pixels(png, (90, 90, 310, 160)) > 100 and _red_pixels(png, (400, 300, 800, 600)) == 0
    with pytest.raises(evidence.NotFound):
        evidence.render_page(buffer.getvalue(), 2)
    tiff = io.BytesIO()
    image.save(tiff, "TIFF", save_all=True, append_images=[Image.new("RGB", (800, 600), "white")])
    assert evidence.page_count(tiff.getvalue()) == 2
    assert evidence.render_page(tiff.getvalue(), 2).startswith(b"\x89PNG")
