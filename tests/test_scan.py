"""Scans: a tilted, noisy, sealed form photographed as an image is read field by field."""

import io

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from extractors.backends.image import ImageBackend
from extractors.labels import facts_from_layout
from extractors.scan import clean_page
from extractors.scan_tables import find_tables

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
ROWS = [("企业名称", "保定市清苑区宏达铸造有限公司"), ("统一社会信用代码", "91130200699229617X"),
        ("法定代表人", "刘建国"), ("联系电话", "0312-86001234"), ("申报等级", "☑B级 □C级")]


def form_image(angle=1.5, seal=True, seed=3) -> Image.Image:
    font = ImageFont.truetype(FONT, 30)
    image = Image.new("RGB", (1240, 760), "white")
    draw = ImageDraw.Draw(image)
    draw.text((380, 40), "绩效分级申报表", font=ImageFont.truetype(FONT, 40), fill="black")
    top, left, mid, right, height = 130, 80, 460, 1160, 100
    for i, (label, value) in enumerate(ROWS):
        y = top + i * height
        draw.rectangle((left, y, right, y + height), outline="black", width=3)
        draw.line((mid, y, mid, y + height), fill="black", width=3)
        draw.text((left + 20, y + 32), label, font=font, fill="black")
        draw.text((mid + 20, y + 32), value, font=font, fill="black")
    if seal:  # seal ink is translucent: it darkens what lies under it (multiply)
        layer = Image.new("RGB", image.size, "white")
        ink = ImageDraw.Draw(layer)
        ink.ellipse((700, 150, 960, 410), outline=(215, 30, 30), width=7)
        ink.text((740, 260), "合同专用章", font=font, fill=(215, 40, 40))
        image = ImageChops.multiply(image, layer)
    image = image.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor="white")
    noisy = np.asarray(image).astype(np.int16) + np.random.default_rng(seed).normal(0, 10, (image.height, image.width, 3)).astype(np.int16)
    image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.5))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=75)
    return Image.open(io.BytesIO(buf.getvalue()))


def test_cleaning_straightens_and_finds_the_ruled_table():
    scan = clean_page(form_image(angle=2.0))
    assert abs(scan.angle + 2.0) <= 0.3
    tables = find_tables(np.asarray(scan.image))
    assert len(tables) == 1
    assert (tables[0].n_rows, tables[0].n_cols) == (5, 2)


def test_red_seal_is_removed():
    scan = clean_page(form_image(angle=0))
    grey = np.asarray(scan.image)
    # the seal's ring crosses blank paper at its right edge (x≈960, y≈280)
    assert grey[270:290, 952:964].min() > 150


@pytest.fixture(scope="module")
def scanned_facts():
    buf = io.BytesIO()
    form_image().save(buf, "JPEG", quality=80)
    layout = ImageBackend("申报表扫描件.jpg", buf.getvalue()).layout()
    return layout, {f.key: f for f in facts_from_layout(layout, "application_form", 1.0)}


def test_fields_are_read_from_the_scan(scanned_facts):
    _, facts = scanned_facts
    assert facts["enterprise_name"].value == "保定市清苑区宏达铸造有限公司"
    assert facts["credit_code"].value == "91130200699229617X"
    assert facts["legal_representative"].value == "刘建国"
    assert facts["contact_phone"].value == "0312-86001234"
    assert facts["applied_grade"].value == "B"


def test_scan_sources_point_into_the_original_image(scanned_facts):
    layout, facts = scanned_facts
    source = facts["credit_code"].source
    assert source.page == 1 and source.cell == "table 1, row 2, column 2"
    x0, top, x1, bottom = source.bbox
    # the value cell of row 2 spans x 460–1160, y 230–330 before the 1.5° rotation
    assert 400 < x0 < 520 and 1100 < x1 < 1230 and 180 < top < 300 and 280 < bottom < 400
    assert 0.5 < facts["credit_code"].confidence <= 1


def test_check_boxes_are_read_from_pixels_and_a_lone_square_character_is_not_one():
    from extractors.scan_checkboxes import find_checkboxes

    image = Image.new("L", (900, 200), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 30)
    for i, (x, filled) in enumerate([(100, False), (260, True), (420, False)]):
        draw.rectangle((x, 60, x + 24, 84), outline=0, width=2, fill=0 if filled else None)
        draw.text((x + 32, 52), f"{'ABC'[i]}级", font=font, fill=0)
    draw.text((100, 130), "排放口编号", font=font, fill=0)  # 口 looks like a box but is not in a group
    boxes = sorted(find_checkboxes(np.asarray(image), 30.0), key=lambda b: b.bbox[0])
    assert [(round(b.bbox[0]), b.ticked) for b in boxes] == [(100, False), (260, True), (420, False)]


def test_the_box_of_an_option_wrapped_onto_the_next_line_alone_is_a_box():
    """The robustness benchmark's scan of c05: its grade options wrapped in a narrow cell, the ticked ☒D级 alone
    on the second line, where a lone square had been taken for a character (口)."""
    from extractors.scan_checkboxes import find_checkboxes

    image = Image.new("L", (700, 220), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 30)
    for x, letter in ((60, "A"), (250, "B"), (440, "C")):
        draw.rectangle((x, 40, x + 30, 70), outline=0, width=2)
        draw.text((x + 38, 34), f"{letter}级", font=font, fill=0)
    draw.rectangle((60, 90, 90, 120), outline=0, width=2)
    draw.line((60, 90, 90, 120), fill=0, width=2)
    draw.line((60, 120, 90, 90), fill=0, width=2)
    draw.text((98, 84), "D级", font=font, fill=0)
    draw.text((60, 170), "排放口编号", font=font, fill=0)  # 口 looks like a box but is none: unlike the boxes
    boxes = sorted(find_checkboxes(np.asarray(image), 30.0), key=lambda b: (b.bbox[1], b.bbox[0]))
    expected = [(60, 40, False), (250, 40, False), (440, 40, False), (60, 90, True)]
    assert len(boxes) == len(expected)
    for box, (x, y, ticked) in zip(boxes, expected, strict=True):
        assert abs(box.bbox[0] - x) <= 2 and abs(box.bbox[1] - y) <= 2 and box.ticked == ticked


def _page_bytes(draw_on) -> bytes:
    """An A4 page at 200 dpi, drawn on, saved as a scanner would (JPEG)."""
    image = Image.new("RGB", (1654, 2339), "white")
    draw_on(ImageDraw.Draw(image))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _photographed_grade_row(seed: int) -> tuple[bytes, str]:
    """A form's grade row as Word prints legacy check boxes, photographed on a desk: the boxes as tall as the
    text or taller, the ticked one crossed (☒) and set against its letter; and a 牌 in a label, a plate's and
    a VIN's 0, D and 8, glyphs with squares in them. Box size, gaps, type size and the ticked option vary with
    `seed`."""
    import random

    from fixtures.scan import jpeg_bytes, phone_photo

    rng = random.Random(seed)
    ticked, side, gap, size = rng.choice("ABCD"), rng.randint(30, 38), rng.randint(1, 5), rng.randint(28, 34)
    image = Image.new("RGB", (1654, 2339), "white")
    d = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", size)
    left, mid, right, height = 120, 520, 1400, 2 * size
    rows = [("企业名称", "保定市清苑区宏达铸造有限公司"), ("拟申报绩效等级", None), ("车辆牌照号码", "冀D81096F"),
            ("车辆识别代号", "LGAWED558FF061946")]
    for r, (label, value) in enumerate(rows):
        top = 240 + r * height
        d.rectangle((left, top, right, top + height), outline="black", width=2)
        d.line((mid, top, mid, top + height), fill="black", width=2)
        d.text((left + 20, top + size // 2), label, font=font, fill="black")
        if value:
            d.text((mid + 20, top + size // 2), value, font=font, fill="black")
    x, y = mid + 20, 240 + height + (height - side) // 2
    for option in "ABCD":
        d.rectangle((x, y, x + side, y + side), outline="black", width=2)
        if option == ticked:
            d.line((x, y, x + side, y + side), fill="black", width=2)
            d.line((x, y + side, x + side, y), fill="black", width=2)
        step = 0 if option == ticked else gap  # the crossed box touches its letter
        d.text((x + side + step, 240 + height + size // 2 - 2), f"{option} 级", font=font, fill="black")
        x += side + step + int(2.2 * size) + 40
    return jpeg_bytes(phone_photo(image, rng), 85), ticked


@pytest.mark.parametrize("seed", range(3, 11))
def test_a_photographed_crossed_box_against_its_letter_is_read_ticked(seed):
    """The robustness benchmark's photo delivery (forms of other hands, with Word legacy boxes): a crossed box
    whose outline runs into its letter made no square contour; the box before A was taken for a reading of
    A, whose box the engine drew as wide as an average character; the engine's own ☑ half a box off the
    box found gave two ticks. The grade went unread: a blocking missing_field:applied_grade."""
    data, ticked = _photographed_grade_row(seed)
    layout = ImageBackend("申报表-1.jpg", data).layout()
    facts = {f.key: f.value for f in facts_from_layout(layout, "application_form", 1.0)}
    assert facts.get("applied_grade") == ticked
    cells = [c.text for grid in layout.grids for row in grid.rows for c in row if c]
    assert any("牌照" in text for text in cells)  # a square inside a character is no box
    assert any("冀D81096F" in text.replace(" ", "") for text in cells)  # nor a figure's hole in a plate
    assert any("LGAWED558FF061946" in text.replace(" ", "") for text in cells)  # nor one inside a VIN


def test_a_last_page_holding_only_the_date_line_is_read():
    """The form's last page carries only 填报日期 in small print: read cropped to its ink when the
    page-wide pass finds nothing."""
    from extractors.backends.image import read_ink_only
    from extractors.ocr import get_engine

    data = _page_bytes(lambda d: d.text((1200, 160), "填报日期：2023.9.11", font=ImageFont.truetype(FONT, 26),
                                        fill="black"))
    grey = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
    lines = read_ink_only(grey, get_engine())
    assert [ln.text.replace(" ", "") for ln in lines] == ["填报日期：2023.9.11"]
    x0, top, x1, bottom = lines[0].bbox  # in the page's pixels, not the crop's
    assert 1180 < x0 < 1220 and 150 < top < 175 and bottom < 205
    layout = ImageBackend("申报表-2.jpg", data).layout()
    facts = {f.key: f.value for f in facts_from_layout(layout, "application_form", 1.0)}
    assert facts["application_date"] == "2023-09-11"
    assert read_ink_only(np.full((800, 600), 255, np.uint8), get_engine()) == []  # a blank page stays blank


def _signature_block(date_line: str):
    def draw_on(d):
        font = ImageFont.truetype(FONT, 30)
        d.text((150, 300), "注：1.本表一式三份；2.申报企业对所填内容的真实性负责。", font=font, fill="black")
        d.text((150, 380), "企业（盖章）：", font=font, fill="black")
        d.text((700, 380), "法定代表人（签字）：", font=font, fill="black")
        d.text((1150, 440), date_line, font=font, fill="black")
    return draw_on


@pytest.mark.parametrize(("date_line", "kind", "expected"), [
    ("期：2022-09-11", "application_form", "2022-09-11"),  # 填报日 under the seal
    ("报日期:2022-09-11", "application_form", "2022-09-11"),
    ("2022年9月11日", "application_form", "2022-09-11"),
    ("2022年9月11日", "pledge", None),  # a pledge's signing date is not the application date
])
def test_the_date_under_a_scanned_forms_signatures_whose_label_was_covered(date_line, kind, expected):
    from extractors.labels import SIGNATURE_DATE_CONFIDENCE, signature_date
    from extractors.pipeline import _own_fields
    from forms.facts import DocumentResult

    data = _page_bytes(_signature_block(date_line))
    layout = ImageBackend("申报表-2.jpg", data).layout()
    found = facts_from_layout(layout, kind, 1.0)
    assert "application_date" not in {f.key for f in found}  # no label the engine knows
    facts = signature_date(layout, kind, 1.0, found)
    doc = _own_fields(DocumentResult(file="申报表-2.jpg", sha256="0" * 64, kind=kind, facts=found + facts))
    dates = [f for f in doc.facts if f.key == "application_date"]
    assert [f.value for f in dates] == ([expected] if expected else [])
    if expected:
        assert dates[0].confidence <= SIGNATURE_DATE_CONFIDENCE  # marked for a clerk to confirm


def test_a_filled_box_touching_its_letter_is_ticked_and_a_bold_letter_is_no_box(tmp_path):
    """c21's scanned form: 拟申报级别 □A级 □B级 ■C级 □D级 in a serif face, where the filled square runs
    into the C (one contour, hollowed by the adaptive threshold) and the bold D's bowl passed for a
    ticked box."""
    from extractors import intake
    from extractors.pipeline import extract_document
    from fixtures import corpus

    plan = next(p for p, d in corpus.all_bundles() if corpus.bundle_name(p, d) == "c21-coating-c-scan")
    built = corpus.build_bundle(plan, "scan")
    name = next(n for n, kind in built.truth["documents"].items() if kind == "application_form")
    (tmp_path / name).write_bytes(built.files[name])
    doc = extract_document(intake.collect([tmp_path / name])[0])
    assert [f.value for f in doc.facts if f.key == "applied_grade"] == [built.truth["fields"]["applied_grade"]]
    assert built.truth["fields"]["applied_grade"] == "C"


@pytest.mark.parametrize("seed", range(6))
def test_pieces_found_by_their_outlines_are_the_connected_components(seed):
    """The filled-box finder's pieces come from outlines (a tenth of the cost of component statistics on a
    page): the same boxes as connectedComponentsWithStats, for pieces touching diagonally, lying in
    another piece's hole, or at the image's edge."""
    import cv2

    from extractors.scan_checkboxes import _pieces

    rng = np.random.default_rng(seed)
    mask = (rng.random((120, 160)) < 0.08).astype(np.uint8)
    cv2.rectangle(mask, (20, 20), (100, 90), 1, 3)  # a frame whose hole holds pieces
    cv2.rectangle(mask, (40, 40), (60, 60), 1, -1)
    mask[0, :30] = 1
    mask[70, 70] = mask[71, 71] = 1  # touching only at a corner: one piece
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    assert sorted(_pieces(mask)) == sorted(tuple(int(v) for v in row[:4]) for row in stats[1:count])


@pytest.mark.parametrize("corners", [
    [[1279, 135], [1279, 360], [0, 355], [460, 103]],  # a site photo's largest ruled shape: a steep sliver
    [[1420, 1900], [130, 90], [90, 1840], [1390, 150]],  # a photographed sheet's corners in any order
])
def test_corners_are_ordered_each_once_however_steep_the_quadrilateral(corners):
    """A site photo (c11's 现场照片1.jpg, photographed) whose largest ruled shape is a steep sliver had
    one corner taken twice: a side of length 0, a division by zero, and the photo unread."""
    from extractors.scan import _order_corners

    ordered = _order_corners(np.float32(corners))
    assert sorted(map(tuple, ordered.tolist())) == sorted(map(tuple, np.float32(corners).tolist()))
    if corners[1] == [130, 90]:
        assert ordered.tolist() == [[130, 90], [1390, 150], [1420, 1900], [90, 1840]]


def _photographed(page: Image.Image, shadow_corner: bool, desk=(92, 70, 52)) -> Image.Image:
    """`page` photographed on a brown desk, the camera not square to it, and the phone's shadow over the
    page's bottom-left corner (dark enough to cut the corner out of the page's outline)."""
    import cv2

    w, h = page.size
    photo_w, photo_h = 1500, 2000
    corners = np.float32([[130, 90], [1390, 150], [1420, 1900], [90, 1840]])
    matrix = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), corners)
    warped = cv2.warpPerspective(np.asarray(page.convert("RGB")), matrix, (photo_w, photo_h), borderValue=desk)
    if shadow_corner:
        yy, xx = np.mgrid[0:photo_h, 0:photo_w]
        inside = (xx - 90) ** 2 + (yy - 1840) ** 2 < 260 ** 2
        warped[inside] = (warped[inside] * 0.45).astype(np.uint8)
    return Image.fromarray(warped)


def test_a_photo_on_a_desk_of_a_seals_red_is_flattened_by_the_sheets_own_outline():
    """The robustness benchmark's photo of c11's first page: its desk was red-brown, which the seal remover
    took for seal ink and whitened, so the desk joined the sheet and the outline found took in desk; the
    page was left in perspective and its table unread."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    for i in range(9):
        draw.line((120, 300 + i * 90, 1120, 300 + i * 90), fill="black", width=3)
    for x in (120, 450, 800, 1120):
        draw.line((x, 300, x, 300 + 8 * 90), fill="black", width=3)
    scan = clean_page(_photographed(page, shadow_corner=False, desk=(150, 72, 58)))
    assert scan.warped
    assert [(t.n_rows, t.n_cols) for t in find_tables(np.asarray(scan.image))] == [(8, 3)]


def test_a_photo_whose_corner_is_in_shadow_is_still_flattened_and_its_table_found():
    from extractors.scan import find_page_quad

    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 28)
    for i in range(8):  # a ruled 8 × 3 table
        y = 300 + i * 90
        draw.line((120, y, 1120, y), fill="black", width=3)
        draw.text((150, y + 30), f"冀B{12345 + i}", font=font, fill="black")
    draw.line((120, 300 + 8 * 90, 1120, 300 + 8 * 90), fill="black", width=3)
    for x in (120, 450, 800, 1120):
        draw.line((x, 300, x, 300 + 8 * 90), fill="black", width=3)
    photo = _photographed(page, shadow_corner=True)
    grey = np.asarray(photo.convert("L"))
    quad = find_page_quad(grey)
    assert quad is not None
    # the fitted corners are where the page's corners landed, the shadowed one included
    expected = np.float32([[130, 90], [1390, 150], [1420, 1900], [90, 1840]])
    assert np.abs(quad - expected).max() < 0.03 * 1500
    scan = clean_page(photo)
    assert scan.warped
    tables = find_tables(np.asarray(scan.image))
    assert [(t.n_rows, t.n_cols) for t in tables] == [(8, 3)]


def test_a_bundles_image_files_read_in_the_ocr_processes_give_what_one_process_gives(tmp_path):
    """Single-page scans of one bundle go to the OCR processes a file each (issue 3's bundle wall time);
    what they read is what this process reads, in the bundle's order, and it is cached."""
    from extractors.backends import image as image_backend
    from extractors.cache import DirectoryCache
    from extractors.pipeline import extract_bundle
    from forms.settings import Settings

    font = ImageFont.truetype(FONT, 34)
    for i, person in enumerate(["刘建国", "王志强", "赵斌"]):  # three pages of forms, one name each
        image = Image.new("RGB", (1100, 560), "white")
        draw = ImageDraw.Draw(image)
        draw.text((300, 40), "绩效分级申报表", font=font, fill="black")
        for y, line in ((140, "企业名称：保定市清苑区宏达铸造有限公司"), (240, f"法定代表人：{person}"),
                        (340, "环保联系人：张伟"), (440, "申报等级：B级")):
            draw.text((60, y), line, font=font, fill="black")
        image.save(tmp_path / f"扫描件{i + 1}.jpg", quality=90)

    def read(workers: str, cache=None):
        ex = extract_bundle([tmp_path], cache, Settings(ocr_workers=int(workers)))
        return [(d.file, d.method, sorted((f.key, f.value) for f in d.facts)) for d in ex.documents], ex

    image_backend.reset_pool()
    pooled, ex = read("2", DirectoryCache(tmp_path.parent / "cache"))
    assert all(d.seconds and d.seconds > 0 for d in ex.documents)
    serial, _ = read("1")
    assert pooled == serial
    assert [name for name, _, _ in pooled] == ["扫描件1.jpg", "扫描件2.jpg", "扫描件3.jpg"]
    assert [dict(facts).get("legal_representative") for _, _, facts in pooled] == ["刘建国", "王志强", "赵斌"]
    _, again = read("2", DirectoryCache(tmp_path.parent / "cache"))
    assert [d.seconds for d in again.documents] == [None, None, None]  # all three served from the cache


def test_a_value_running_past_its_cells_right_rule_stays_whole():
    """Text too long for its cell (or a rule found where there is none) crosses the rule: the OCR line is
    not cut in two, one part in the cell and the rest a stray segment."""
    image = Image.new("RGB", (1400, 500), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 32)
    for y in (100, 200, 300):
        draw.line((100, y, 900, y), fill="black", width=3)
    for x in (100, 400, 900):
        draw.line((x, 100, x, 300), fill="black", width=3)
    draw.text((130, 130), "企业名称", font=font, fill="black")
    draw.text((430, 130), "保定市清苑区宏达铸造有限公司", font=font, fill="black")  # ends near x 880
    draw.text((130, 230), "联系电话", font=font, fill="black")
    draw.text((620, 230), "0312-86001234转8801分机", font=font, fill="black")  # x 620–1011: past 900
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    layout = ImageBackend("申报表.jpg", buf.getvalue()).layout()
    assert len(layout.grids) == 1
    phone = layout.grids[0].rows[1][1].text.replace(" ", "")
    assert phone.startswith("0312-86001234") and phone.endswith("分机"), phone
    assert not [s.text for s in layout.segments if "机" in s.text]


def test_a_photo_whose_desk_is_lit_as_brightly_as_the_paper_is_flattened_by_its_table():
    """Class: a phone photo of a form whose desk, in one corner, is as bright as the sheet (a lamp, a window):
    the sheet's outline joins the photo's frame there, so it cannot be the page's quadrilateral. The form's
    largest ruled table, straight rules meeting at right angles, says how the sheet lies. The generator's
    photos keep their desk darker than the paper all round."""
    import cv2

    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 26)
    rows, cols, left, top, width, height = 14, 4, 120, 200, 250, 60
    for r in range(rows + 1):
        draw.line((left, top + r * height, left + cols * width, top + r * height), fill="black", width=3)
    for c in range(cols + 1):
        draw.line((left + c * width, top, left + c * width, top + rows * height), fill="black", width=3)
    for r in range(rows):
        for c in range(cols):
            draw.text((left + c * width + 12, top + r * height + 14), f"项目{r}{c}", font=font, fill="black")
    desk = np.full((2000, 1500, 3), (90, 80, 70), np.uint8)
    desk[:700, 900:] = (250, 250, 248)  # the lit corner
    sheet = np.float32([[0, 0], [1240, 0], [1240, 1754], [0, 1754]])
    lying = np.float32([[130, 160], [1330, 110], [1380, 1880], [110, 1900]])  # the camera not square to it
    camera = cv2.getPerspectiveTransform(sheet, lying)
    photo = cv2.warpPerspective(np.asarray(page), camera, (1500, 2000), dst=desk, borderMode=cv2.BORDER_TRANSPARENT)
    scan = clean_page(Image.fromarray(photo))
    corners = np.float32([[left, top], [left + cols * width, top], [left + cols * width, top + rows * height],
                          [left, top + rows * height]]).reshape(-1, 1, 2)
    tl, tr, br, bl = cv2.perspectiveTransform(cv2.perspectiveTransform(corners, camera),
                                              np.asarray(scan.matrix, dtype=np.float64)).reshape(-1, 2)
    # the table stands upright and square in the cleaned page: its rules level and plumb
    assert max(abs(tl[1] - tr[1]), abs(bl[1] - br[1]), abs(tl[0] - bl[0]), abs(tr[0] - br[0])) <= 4
    [table] = [t for t in find_tables(np.asarray(scan.image)) if t.n_cols == cols]
    assert table.n_rows == rows


def test_a_photo_whose_corner_a_small_shadow_bites_keeps_the_corner_where_its_sides_meet():
    """Class: a phone photo whose sheet has a corner in a small shadow (the phone's, a fold's): the outline's
    four points put that corner on the bite's edge, and the sheet flattened from them leaned — its table read
    as a grid of slanted slots (seed 61's c02 photo: 15 of 36 vehicle cells). The corner is where the two
    sides' lines meet."""
    from extractors.scan import find_page_quad

    page = Image.new("RGB", (1240, 1754), "white")
    corners = np.float32([[130, 90], [1390, 150], [1420, 1900], [90, 1840]])
    photo = np.array(_photographed(page, shadow_corner=False))
    yy, xx = np.mgrid[0:photo.shape[0], 0:photo.shape[1]]
    bite = (xx - 1390) ** 2 + (yy - 150) ** 2 < 120 ** 2
    photo[bite] = (photo[bite] * 0.45).astype(np.uint8)
    quad = find_page_quad(np.asarray(Image.fromarray(photo).convert("L")))
    assert quad is not None and np.abs(quad - corners).max() < 0.03 * 1500
