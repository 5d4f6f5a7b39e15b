"""Ruled pages read cell by cell (issue 21): the lines of each cell found from its ink and recognised
without detection, detection kept for what lies outside the cells and for cells whose lines touch, and
seal ink taken out of the page pixel by pixel so that the strokes under it stay."""

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from extractors.ocr.engine import recognise_page
from extractors.ocr.regions import plan_regions
from extractors.scan import clean_page
from extractors.scan_tables import find_tables, wipe_rules

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
LEFT, MID, RIGHT, TOP, ROW = 80, 440, 1160, 160, 90
ROWS = [("企业名称", ["唐山市丰润区宏达铸造有限公司"]), ("统一社会信用代码", ["91130200699229617X"]),
        ("详细地址", ["河北省唐山市丰润区", "经济开发区工业路8号"]), ("申报等级", ["A级"])]


def _page() -> tuple[np.ndarray, list]:
    """A cleaned, rule-wiped page as the pipeline hands it to OCR, and its cells."""
    font = ImageFont.truetype(FONT, 30)
    image = Image.new("L", (1240, 720), 255)
    draw = ImageDraw.Draw(image)
    draw.text((420, 60), "绩效分级申报表", font=ImageFont.truetype(FONT, 40), fill=0)
    for i, (label, lines) in enumerate(ROWS):
        top = TOP + i * ROW
        draw.rectangle((LEFT, top, RIGHT, top + ROW), outline=0, width=3)
        draw.line((MID, top, MID, top + ROW), fill=0, width=3)
        draw.text((LEFT + 20, top + 28), label, font=font, fill=0)
        for j, line in enumerate(lines):
            draw.text((MID + 20, top + (28 if len(lines) == 1 else 6 + 40 * j)), line, font=font, fill=0)
    draw.text((LEFT, TOP + len(ROWS) * ROW + 60), "填报日期：2024年3月15日", font=font, fill=0)
    grey = np.asarray(image)
    tables = find_tables(grey)
    assert len(tables) == 1
    return wipe_rules(grey, tables), [cell.bbox for cell in tables[0].cells]


def _inside(inner, outer) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def test_each_line_of_a_cell_is_found_from_its_ink_and_the_rest_of_the_page_is_left_to_detection():
    grey, cells = _page()
    plan = plan_regions(grey, cells)
    assert not plan.detect  # no cell's lines touch
    # 4 labels, 3 one-line values and the two lines of the address: each a box of its own, inside its cell
    assert len(plan.lines) == 9
    for box in plan.lines:
        assert sum(_inside(box, (c[0] - 25, c[1] - 12, c[2] + 25, c[3] + 12)) for c in cells) == 1, box
    address = [box for box in plan.lines if TOP + 2 * ROW < box[1] < TOP + 3 * ROW and box[0] > MID]
    assert len(address) == 2 and address[0][3] <= address[1][1] + 12  # one above the other
    # the title above the table and the date below it: detection, the cells whitened for it
    assert len(plan.bands) == 2
    assert plan.bands[0][3] <= TOP + 5 and plan.bands[1][1] >= TOP + len(ROWS) * ROW - 5


def test_specks_of_a_scan_make_no_line_and_no_band():
    grey, cells = _page()
    noisy = grey.copy()
    rng = np.random.default_rng(1)
    for y, x in zip(rng.integers(0, 720, 300), rng.integers(0, 1240, 300), strict=True):
        noisy[y:y + 2, x:x + 2] = 0  # dust: 2×2 px dots all over the page, in the cells too
    clean, dusty = plan_regions(grey, cells), plan_regions(noisy, cells)
    assert len(dusty.lines) == len(clean.lines) and len(dusty.bands) == len(clean.bands)


def test_a_grainy_scan_is_measured_by_its_text_not_its_grain():
    """Grain in every cell (a scanner's or a photocopy's) makes rows of ink of its own, and joins the text's:
    measured with it, the text height was a speck's or twice the text's, and cells went to detection (a whole
    scanned PDF page of the corpus) or lines were lost (the denser grain here)."""
    grey, cells = _page()
    clean = plan_regions(grey, cells)
    for dots in (3000, 6000, 10000):
        grainy = grey.copy()
        rng = np.random.default_rng(2)
        for y, x in zip(rng.integers(0, 720, dots), rng.integers(0, 1240, dots), strict=True):
            grainy[y:y + 2, x:x + 2] = 0
        plan = plan_regions(grainy, cells)
        assert not plan.detect and len(plan.lines) == len(clean.lines), dots
        for box in plan.lines:  # each line in its cell, with the margins a clean page's lines have
            assert any(_inside(box, (c[0] - 25, c[1] - 12, c[2] + 25, c[3] + 12)) for c in cells), (dots, box)



def test_a_page_of_more_specks_than_sixteen_bit_labels_hold_is_cleaned_of_them_all():
    """Specks are counted with 16-bit labels (half the time of 32-bit ones); a page of grain, more than
    65,535 blobs, is counted again with 32-bit ones, not refused."""
    from extractors.ocr.regions import _without_specks

    ink = np.zeros((1200, 1200), bool)
    ink[::4, ::4] = True  # 90,000 one-pixel specks
    ink[495:545, 95:705] = False
    ink[500:540, 100:700] = True  # and a line of text's worth of ink, clear of them
    kept = _without_specks(ink, 40.0)
    assert kept[500:540, 100:700].all() and kept.sum() == 40 * 600

def test_lines_that_touch_are_left_to_detection():
    grey, cells = _page()
    grey = grey.copy()
    # a signature scrawled over a cell's value: one run of ink taller than two lines
    x0, top = MID + 400, TOP + 3 * ROW + 8
    grey[top:top + 74, x0:x0 + 6] = 0
    plan = plan_regions(grey, cells)
    assert len(plan.detect) == 1 and _inside((x0, top, x0 + 6, top + 74), plan.detect[0])


def test_a_page_read_cell_by_cell_reads_what_the_whole_page_way_reads():
    from extractors.ocr import get_engine
    from forms.settings import Settings

    grey, cells = _page()
    image = Image.fromarray(grey)
    by_cells = recognise_page(get_engine(Settings(ocr_engine="rapidocr")), image, cells)
    whole = get_engine(Settings(ocr_engine="rapidocr-page")).recognise(image)
    texts = sorted(line.text for line in by_cells)
    assert texts == sorted(line.text for line in whole)
    assert "91130200699229617X" in texts and "经济开发区工业路8号" in texts and "填报日期：2024年3月15日" in texts
    # every character has its box, inside the line's box, so that the page reader can place it in its cell
    for line in by_cells:
        assert "".join(w.text for w in line.words).replace(" ", "") == line.text.replace(" ", "")
        for word in line.words:
            assert _inside(word.bbox, (line.bbox[0] - 2, line.bbox[1] - 2, line.bbox[2] + 2, line.bbox[3] + 2))


def test_the_memo_keeps_a_page_read_by_cells_apart_from_the_same_pixels_read_whole(tmp_path):
    from extractors.ocr.engine import OcrLine
    from extractors.ocr.memo import MemoEngine

    class Counting:
        name = "counting"
        calls: list = []

        def recognise(self, image):
            self.calls.append("page")
            return [OcrLine("整页", (0, 0, 10, 10), 0.9)]

        def recognise_grid(self, image, cells):
            self.calls.append(len(cells))
            return [OcrLine("按格", (0, 0, 10, 10), 0.9)]

    image = Image.new("L", (200, 100), 255)
    memo = MemoEngine(Counting(), tmp_path)
    one, two = [(0, 0, 100, 50)], [(0, 0, 100, 50), (100, 0, 200, 50)]
    assert recognise_page(memo, image, one)[0].text == "按格"
    assert recognise_page(memo, image, one)[0].text == "按格"  # remembered
    assert recognise_page(memo, image, two)[0].text == "按格"  # other cells: read again
    assert recognise_page(memo, image, [])[0].text == "整页"
    assert Counting.calls == [1, 2, "page"]


def test_a_stroke_under_a_seal_stays_and_the_seal_goes():
    """A seal stamped over printed text (red at 92% opacity, as the corpus and many scanners render it):
    the seal's ink turns to paper, the black strokes under it stay dark enough to read."""
    font = ImageFont.truetype(FONT, 40)
    page = Image.new("RGB", (900, 400), "white")
    ImageDraw.Draw(page).text((60, 170), "LFV2A21K8G3000123", font=font, fill="black")
    seal = Image.new("RGBA", page.size, (0, 0, 0, 0))
    ImageDraw.Draw(seal).ellipse((20, 60, 300, 340), fill=(205, 32, 38, 235))
    page = Image.alpha_composite(page.convert("RGBA"), seal).convert("RGB")
    mask = Image.new("L", page.size, 255)
    ImageDraw.Draw(mask).text((60, 170), "LFV2A21K8G3000123", font=font, fill=0)
    strokes = np.asarray(mask) < 100
    grey = np.asarray(clean_page(page).image)
    under = strokes.copy()
    under[:, 300:] = False  # the characters the seal covers
    assert under.sum() > 300 and np.median(grey[under]) < 128
    seal_only = np.zeros_like(strokes)
    seal_only[80:150, 100:240] = True  # inside the seal, above the text
    assert np.median(grey[seal_only & ~strokes]) > 200


def test_detection_bands_keep_every_line_once_and_whole():
    """A large region is detected in bands of rows: the rows each band keeps lines from cover the region
    once, and a band reaches DET_OVERLAP / 2 rows past what it keeps, so a line centred in it is whole."""
    from extractors.ocr.rapid import DET_OVERLAP, DET_TILE, _tiles

    for height, width in ((1600, 1131), (2400, 1700), (700, 1600), (5000, 300), (64, 64)):
        tiles = _tiles(height, width)
        kept = [(a, min(b, height)) for _, _, a, b in tiles]
        assert kept[0][0] == 0 and kept[-1][1] == height
        assert all(prev[1] == nxt[0] for prev, nxt in zip(kept, kept[1:], strict=False))
        for start, stop, keep_from, keep_to in tiles:
            assert start <= max(0, keep_from - DET_OVERLAP // 2) and stop >= min(height, keep_to + DET_OVERLAP // 2)
            assert len(tiles) == 1 or (stop - start) * width <= DET_TILE + DET_OVERLAP * width


def test_recognition_widths_in_steps_read_as_the_widths_themselves():
    """Crops padded to a width in steps (so that OpenVINO meets a few input shapes, not one per batch) give
    the same characters in the same columns as at their own width."""
    import cv2

    from extractors.ocr.rapid import CELL_CONFIG, _engine, _SteppedWidths

    grey, cells = _page()
    recogniser = _engine(1, CELL_CONFIG)._load_rec_model()
    session = recogniser.session
    exact = session.session if isinstance(session, _SteppedWidths) else session
    stepped = _SteppedWidths(exact, 32)
    widths = set()
    for x0, top, x1, bottom in plan_regions(grey, cells).lines:
        crop = cv2.cvtColor(np.ascontiguousarray(grey[top:bottom, x0:x1]), cv2.COLOR_GRAY2BGR)
        batch = recogniser.resize_norm_img(crop, max(crop.shape[1] / crop.shape[0], 2.0))[None]
        widths.add(batch.shape[-1] % 32)
        own, padded = exact(batch).copy(), stepped(batch)  # an output is the session's buffer, reused
        assert own.shape == padded.shape
        assert _characters(own) == _characters(padded) and _characters(own)
    assert len(widths) > 2  # widths between the steps were tried


def _characters(output: np.ndarray) -> list[tuple[int, int]]:
    """The characters a recognition output gives (CTC: repeats joined, blanks left out) and their columns."""
    best = output.argmax(axis=-1)[0]
    return [(int(c), t) for t, c in enumerate(best) if c and (t == 0 or best[t - 1] != c)]


def test_a_border_with_a_second_rule_inside_it_keeps_its_text_to_read():
    """Class: free text inside a double border (a licence's), found as one cell whose inner rule stays in it.
    The rule joins every row of the cell into one run; measured with it, the text height was the cell's, and
    every character went out as a speck. What the cell holds must still be read: line by line or by detection."""
    font = ImageFont.truetype(FONT, 30)
    image = Image.new("L", (1240, 900), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 1180, 840), outline=0, width=6)  # the border, found as the table's rules
    grey = np.asarray(image).copy()
    grey[90:810, 92:96] = 0  # the inner rule, a few px inside: left in the cell
    image = Image.fromarray(grey)
    draw = ImageDraw.Draw(image)
    lines = ["名称  保定市恒信铸造有限责任公司", "类型  有限责任公司", "法定代表人  王建国", "住所  河北省保定市清苑区东闾乡"]
    for i, text in enumerate(lines):
        draw.text((140, 150 + 70 * i), text, font=font, fill=0)
    cells = [(66, 66, 1174, 834)]
    plan = plan_regions(np.asarray(image), cells)
    text_rows = [(150 + 70 * i, 150 + 70 * i + 40) for i in range(len(lines))]
    lines = [box for box in plan.lines if box[3] - box[1] <= 100]  # a line's box: a line high, not the cell's
    for top, bottom in text_rows:
        assert any(box[1] <= top + 5 and bottom - 5 <= box[3] and box[0] <= 150 and box[2] >= 400
                   for box in plan.detect + lines), (top, plan)


def test_what_wiping_left_of_a_skewed_rule_is_no_line_of_text():
    """Class: a skewed scan's column rule, wiped where the table's rule was found, leaves a sliver against the
    cell's side, a line high: planned as a line of its own it was read as 1, and a limit of 10 became 1 (an
    over-limit finding the bundle did not deserve). A 1 standing in a cell's middle is still read."""
    grey, cells = _page()
    grey = grey.copy()
    top = TOP + 3 * ROW + 28
    grey[top:top + 34, RIGHT - 11:RIGHT - 8] = 0  # the sliver, a few px inside the value cell's right side
    grey[top:top + 34, RIGHT - 300:RIGHT - 296] = 0  # a 1 in the same cell, far from its sides
    plan = plan_regions(grey, cells)
    row = [box for box in plan.lines if box[1] < top + 17 < box[3]]
    assert not any(box[2] >= RIGHT - 8 for box in row), row  # no line reaches the sliver
    assert any(box[0] <= RIGHT - 300 and box[2] >= RIGHT - 296 for box in row), row


def test_characters_of_a_cut_line_are_placed_on_the_page_as_rapidocr_places_them():
    """A line cut square from the page lies on it by a translation (rapid._char_boxes); turned quads
    still go through RapidOCR's own inverse. Both give the characters RapidOCR's CalRecBoxes gives."""
    import copy

    from rapidocr.ch_ppocr_rec import TextRecInput

    from extractors.ocr import rapid

    engine = rapid.RapidOcrEngine()
    ocr = rapid._engine(1, engine.config)
    font = ImageFont.truetype(FONT, 30)
    texts = ["唐山市丰润区宏达铸造有限公司", "91130200699229617X", "HJ 2024-03"]
    crops, quads = [], []
    for i, text in enumerate(texts):
        image = Image.new("L", (40 + 32 * len(text), 48), 255)
        ImageDraw.Draw(image).text((12, 6), text, font=font, fill=0)
        crop = rapid._bgr(image)
        left, top = 300 + 7 * i, 500 + 60 * i
        crops.append(crop)
        quads.append(np.float32([[left, top], [left + crop.shape[1], top], [left + crop.shape[1], top + crop.shape[0]],
                                 [left, top + crop.shape[0]]]))
    # one quad turned a little, as detection finds a skewed line
    quads[2] = quads[2] + np.float32([[0, 0], [0, 4], [0, 4], [0, 0]])
    places = np.stack(quads)
    result = ocr._load_rec_model()(TextRecInput(img=crops, return_word_box=True))
    assert result.txts[0] == texts[0] and result.txts[1] == texts[1]
    ours = rapid._char_boxes(ocr.cal_rec_boxes, crops, places, copy.deepcopy(result))
    theirs = ocr.cal_rec_boxes(crops, places, copy.deepcopy(result), False).word_results

    def bounds(corners):
        return (min(p[0] for p in corners), min(p[1] for p in corners), max(p[0] for p in corners),
                max(p[1] for p in corners))

    assert len(ours) == len(theirs) == 3
    for mine, reference in zip(ours, theirs, strict=True):
        assert [c[0] for c in mine] == [c[0] for c in reference] and mine
        for (_, _, a), (_, _, b) in zip(mine, reference, strict=True):
            assert max(abs(x - y) for x, y in zip(bounds(a), bounds(b), strict=True)) <= 1
    first = [bounds(corners) for _, _, corners in ours[0]]
    assert all(300 <= box[0] < box[2] <= 300 + crops[0].shape[1] and box[1] == 500 for box in first)
    assert [box[0] for box in first] == sorted(box[0] for box in first)


def test_a_line_ends_where_detection_reads_the_cell_it_ran_into():
    """Class: tick boxes wrapped over two lines of a cell (☒A级 □B级 □ over C级 □D级: lines that touch, so
    detection reads the cell), the last box against the rule and the next cell's label right after it, the
    rule wiped: the label's line does not run on over the boxes into the cell, which detection reads (read
    twice, the two readings' words interleaved as ☒A A 级 级). A value that runs on into an empty cell still
    does."""
    font = ImageFont.truetype(FONT, 30)
    image = Image.new("L", (1240, 400), 255)
    draw = ImageDraw.Draw(image)
    left, first, second, right, top, bottom = 80, 330, 600, 1160, 100, 190
    draw.rectangle((left, top, right, bottom), outline=0, width=3)
    for x in (first, second):
        draw.line((x, top, x, bottom), fill=0, width=3)
    draw.text((left + 16, top + 28), "本次申报等级", font=font, fill=0)

    def box(x, y, ticked=False):
        draw.rectangle((x, y + 4, x + 28, y + 32), outline=0, width=2)
        if ticked:
            draw.line((x, y + 4, x + 28, y + 32), fill=0, width=2)
            draw.line((x, y + 32, x + 28, y + 4), fill=0, width=2)

    box(first + 12, top + 6, ticked=True)
    draw.text((first + 44, top + 4), "A级", font=font, fill=0)
    box(first + 120, top + 6)
    draw.text((first + 152, top + 4), "B级", font=font, fill=0)
    box(second - 30, top + 6)  # against the rule
    draw.text((first + 12, top + 31), "C级", font=font, fill=0)  # touching the line above
    box(first + 80, top + 33)
    draw.text((first + 112, top + 31), "D级", font=font, fill=0)
    draw.text((second + 4, top + 4), "企业环保联系人", font=font, fill=0)  # right after the rule
    # a row below whose value runs on past its cell into an empty one
    draw.rectangle((left, bottom, right, bottom + 80), outline=0, width=3)
    for x in (first, second):
        draw.line((x, bottom, x, bottom + 80), fill=0, width=3)
    draw.text((left + 16, bottom + 24), "详细地址", font=font, fill=0)
    draw.text((first + 14, bottom + 24), "河北省唐山市迁安市杨店子", font=font, fill=0)
    grey = np.asarray(image)
    tables = find_tables(grey)
    grey = wipe_rules(grey, tables)
    plan = plan_regions(grey, [cell.bbox for cell in tables[0].cells])
    assert [d for d in plan.detect if d[0] < second - 20 and d[2] > second + 20] == []
    options = [d for d in plan.detect if first - 20 < d[0] and d[2] < second + 20]
    assert len(options) == 1, plan.detect
    crossing = [line for line in plan.lines if line[1] < bottom and line[0] < options[0][2] - 10 and line[2] > second]
    assert crossing == [], crossing
    assert any(line[0] >= options[0][2] - 10 and line[1] < bottom for line in plan.lines)  # the label, once
    address = [line for line in plan.lines if line[1] > bottom - 10 and first - 20 < line[0] < first + 30]
    assert address and max(line[2] for line in address) > second + 40  # ran on into the empty cell
