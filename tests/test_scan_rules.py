"""Ruled tables on scans as other hands' forms draw them (extractors/scan_tables.py): values typed against
their cell's left rule, check boxes as tall as their row, a value centred under the end of the next row's
rule. The corpus generator pads every cell, draws boxes the height of its text and never centres a value
across a column rule of the row below; every page or rule mask here is drawn in the test."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from extractors.scan_tables import find_tables

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
LEFT, MID, RIGHT, TOP, ROW = 100, 460, 1300, 100, 44


def _page(rows: list[tuple[str, str]], *, gap: int, boxes: bool = False) -> np.ndarray:
    """A two-column table of label | value rows; each value starts `gap` pixels right of the column rule."""
    page = Image.new("L", (1400, TOP + ROW * len(rows) + 200), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 28)
    for i in range(len(rows) + 1):
        draw.line((LEFT, TOP + i * ROW, RIGHT, TOP + i * ROW), fill=0, width=2)
    for x in (LEFT, MID, RIGHT):
        draw.line((x, TOP, x, TOP + ROW * len(rows)), fill=0, width=2)
    for i, (label, value) in enumerate(rows):
        y = TOP + i * ROW
        draw.text((LEFT + 10, y + 6), label, font=font, fill=0)
        if boxes:  # □是 □否 with boxes from one rule to the next (a legacy form field's box)
            for x in (MID + gap, MID + gap + 110):
                draw.rectangle((x, y + 2, x + ROW - 6, y + ROW - 1), outline=0, width=2)
            draw.text((MID + gap + ROW - 2, y + 6), "是", font=font, fill=0)
            draw.text((MID + gap + 110 + ROW - 2, y + 6), "否", font=font, fill=0)
        else:
            draw.text((MID + gap, y + 6), value, font=font, fill=0)
    return np.asarray(page)


def _columns(table) -> list[float]:
    return sorted({round(c.bbox[0]) for c in table.cells} | {round(c.bbox[2]) for c in table.cells})


def test_a_value_typed_against_its_cells_left_rule_leaves_the_rule_found():
    """Class: values set right after the column rule (no cell padding). On a blurred scan the strokes of their
    first characters survive as short vertical marks a few pixels right of the rule, row after row at other
    offsets, so the inked columns run on from the rule without a gap. The rule masks are built as
    extractors/scan_tables.line_masks leaves them for such a page (a table 20 rows of 38 px)."""
    from extractors.scan_tables import _table

    rows, height, width = 20, 38, 1000
    horizontal = np.zeros((rows * height + 1, width), np.uint8)
    vertical = np.zeros_like(horizontal)
    for r in range(rows + 1):
        horizontal[min(r * height, rows * height), :] = 255
    for x in (0, 300, width - 1):
        vertical[:, x:x + 2] = 255
    for r in range(rows):  # each row's first strokes: 22 px tall, 4 to 40 px right of the rule
        top = r * height + 10
        for offset in range(4 + (r * 3) % 7, 44, 5):
            vertical[top:top + 22, 300 + offset:300 + offset + 2] = 255
    table = _table(horizontal, vertical, 0, 0)
    assert table is not None and table.n_cols == 2
    assert abs(_columns(table)[1] - 300) <= 2


def test_check_boxes_as_tall_as_their_row_are_no_column_rules():
    """Class: a Word legacy check box drawn from one row rule to the next (□是 □否): its sides meet both
    rules like a column rule would, in every row that has one."""
    rows = [("在线监测设施", ""), ("是否联网", ""), ("门禁系统", ""), ("视频监控", "")]
    [table] = find_tables(_page(rows, gap=12, boxes=True))
    assert table.n_cols == 2
    assert len(table.cells) == 2 * len(rows)


def test_a_value_centred_over_the_end_of_the_next_rows_rule_stays_one_cell():
    """Class: a centred value (枣强县) that happens to lie across the place where the row below has a column
    rule, its characters sitting on the row's bottom rule: a stroke of 县 stands where the rule below ends,
    from the bottom rule up through most of the row. The row below's rule does not cut the value in two."""
    from extractors.scan_tables import _table

    height, width, rule = 40, 1000, 500
    horizontal = np.zeros((2 * height + 1, width), np.uint8)
    vertical = np.zeros_like(horizontal)
    for y in (0, height, 2 * height):
        horizontal[y, :] = 255
    for x in (0, width - 1):
        vertical[:, x:x + 2] = 255
    vertical[height:, rule:rule + 2] = 255  # only the lower row has two cells
    vertical[14:height, rule + 1:rule + 3] = 255  # the stroke of 县, standing on the bottom rule
    table = _table(horizontal, vertical, 0, 0)
    assert [c.col for c in table.cells if c.row == 0] == [0]
    assert [c.col for c in table.cells if c.row == 1] == [0, 1]


def test_a_stroke_where_the_rows_above_and_below_have_a_rule_does_not_cut_its_cell():
    """Class: a value merged over two columns (河北省…北路170号) whose last character stands where the rows
    above and below have their column rule: it meets both rules' ends, but no rule runs into its row."""
    from extractors.scan_tables import _table

    height, width, rule = 40, 1000, 500
    horizontal = np.zeros((3 * height + 1, width), np.uint8)
    vertical = np.zeros_like(horizontal)
    for y in range(0, 3 * height + 1, height):
        horizontal[y, :] = 255
    for x in (0, width - 1):
        vertical[:, x:x + 2] = 255
    vertical[:height, rule:rule + 2] = 255  # the row above has two cells …
    vertical[2 * height:, rule:rule + 2] = 255  # … and so has the row below
    vertical[height + 6:2 * height - 6, rule:rule + 3] = 255  # the middle row's 号, clear of both rules
    table = _table(horizontal, vertical, 0, 0)
    assert [c.col for c in table.cells if c.row == 1] == [0]
    assert [c.col for c in table.cells if c.row in (0, 2)] == [0, 1, 0, 1]


def _boxes_page(side: int, text: int) -> np.ndarray:
    page = Image.new("L", (700, 120), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, text)
    for i, x in enumerate((40, 240)):
        draw.rectangle((x, 30, x + side, 30 + side), outline=0, width=2)
        if i == 0:  # ☒: the box crossed
            draw.line((x, 30, x + side, 30 + side), fill=0, width=2)
            draw.line((x, 30 + side, x + side, 30), fill=0, width=2)
        draw.text((x + side + 6, 30 + side // 2), "是否"[i], font=font, fill=0, anchor="lm")
    return np.asarray(page)


def test_a_legacy_form_fields_box_taller_than_its_text_is_a_check_box():
    """Class: Word legacy check boxes (FORMCHECKBOX) printed at 1.35 times the height of the text beside them;
    the generator's boxes are glyphs of the text's own size."""
    from extractors.scan_checkboxes import find_checkboxes

    boxes = sorted(find_checkboxes(_boxes_page(36, 28), 28.0), key=lambda b: b.bbox[0])
    assert [b.ticked for b in boxes] == [True, False]


def test_a_box_under_a_character_spread_over_the_line_is_still_a_box():
    """Class: OCR read ☒是 □否 as 是否 and shared the line's width between the two characters, so each
    character's box lies over a check box; the boxes are read from the pixels all the same."""
    from extractors.backends.image import with_checkboxes
    from extractors.ocr.engine import OcrLine, OcrWord

    grey = _boxes_page(38, 28)
    words = [OcrWord("是", (40, 25, 250, 75), 0.99), OcrWord("否", (250, 25, 320, 75), 0.99)]
    [line] = with_checkboxes([OcrLine("是否", (40, 25, 320, 75), 0.99, words)], grey)
    assert "".join(w.text for w in line.words) == "☑是□否"


def test_the_character_hui_after_an_opening_bracket_is_no_check_box():
    """Class: 回 (a square in a square, which the box finder takes for a ticked box) read confidently after an
    opening bracket: 窑尾（回转窑）. Set close between the bracket and the next character it is the character,
    as 口 and 回 between two characters are. The generator's process names hold no 回 after a bracket."""
    from extractors.backends.image import with_checkboxes
    from extractors.ocr.engine import OcrLine, OcrWord

    page = Image.new("L", (900, 100), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 30)
    x, words = 20, []
    for ch in "窑尾（回转窑）余热回收":
        box = draw.textbbox((x, 30), ch, font=font)
        draw.text((x, 30), ch, font=font, fill=0)
        words.append(OcrWord(ch, tuple(float(v) for v in box), 0.99))
        x = box[2] + 2
    [line] = with_checkboxes([OcrLine("窑尾（回转窑）余热回收", (20, 39, x, 70), 0.99, words)], np.asarray(page))
    assert "".join(w.text for w in line.words) == "窑尾（回转窑）余热回收"


def test_a_double_frames_thin_top_band_is_not_stretched_over_the_page():
    """Class: a licence's double border (a frame 15 px inside another), found as a table: its thin top band
    spans both frames' width, the band below it three cells (the frames' sides and the page inside). The top
    band stays a band; no cell lies over another (a cell over the page made OCR lose the credit code's line)."""
    from extractors.scan_tables import _table

    size, gap = 800, 15
    horizontal = np.zeros((size + 1, size + 1), np.uint8)
    vertical = np.zeros_like(horizontal)
    for y in (0, size):
        horizontal[y, :] = 255
    for y in (gap, size - gap):
        horizontal[y, gap:size - gap] = 255
    for x in (0, size - 1):
        vertical[:, x:x + 2] = 255
    for x in (gap, size - gap):
        vertical[gap:size - gap, x:x + 2] = 255
    table = _table(horizontal, vertical, 0, 0)
    boxes = [c.bbox for c in table.cells]
    overlapping = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                   if min(a[2], b[2]) - max(a[0], b[0]) > 2 and min(a[3], b[3]) - max(a[1], b[1]) > 2]
    assert not overlapping
    assert any(c.bbox[2] - c.bbox[0] > size - 4 * gap and c.bbox[3] - c.bbox[1] > size - 4 * gap for c in table.cells)


def test_a_short_rule_between_columns_of_close_set_text_is_found():
    """Class: a rule that parts only the top rows of a form (组织机构代码 | 单位负责人 over their values),
    with text set close on both sides of it and long values in the rows below inking every column from it
    to the border: the run of inked columns was one, its peak the border, and the two cells were read as
    one, their labels interleaved line by line. The generator's forms part every row at the same rules."""
    page = Image.new("L", (1400, 1200), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT.replace("Sans", "Serif"), 30)  # a serif face: tall strokes in every character
    short, rows = 1000, 22
    for i in range(rows + 1):
        draw.line((LEFT, TOP + i * ROW, RIGHT, TOP + i * ROW), fill=0, width=2)
    for x in (LEFT, MID, RIGHT):
        draw.line((x, TOP, x, TOP + ROW * rows), fill=0, width=2)
    draw.line((short, TOP, short, TOP + ROW * 3), fill=0, width=2)  # parts the top three rows only
    top_rows = [("统一社会信用代码", "91131121MA0UN2R90E", "单位负责人"), ("企业名称", "衡水市枣强县金石铸造", "赵静"),
                ("所属县区", "枣强县枣强镇建设大街", "铸造行业")]
    for i, (label, value, right) in enumerate(top_rows):
        y = TOP + i * ROW + 6
        draw.text((LEFT + 10, y), label, font=font, fill=0)
        draw.text((short - 4 - font.getlength(value), y), value, font=font, fill=0)  # set against the rule
        draw.text((short + 4, y), right, font=font, fill=0)
    fillers = ["河北省衡水市枣强县枣强镇建设大街七十四号院内东侧厂房", "铸件三万吨每年机床铸件灰铁铸件球墨铸铁件及配件",
               "熔化中频感应电炉造型浇注落砂清理抛丸打磨及喷涂车间"]
    for i in range(3, rows):
        y = TOP + i * ROW + 6
        draw.text((LEFT + 10, y), "说明", font=font, fill=0)
        text = fillers[i % 3]  # a column of like values: their strokes stand in the same columns row after row
        draw.text((MID + 6, y), text[: int((RIGHT - MID - 20) // 30)], font=font, fill=0)
    tables = find_tables(np.asarray(page))
    assert len(tables) == 1
    top = [c for c in tables[0].cells if c.bbox[1] < TOP + ROW * 3 - 10]
    assert any(abs(c.bbox[0] - short) <= 6 for c in top), sorted(c.bbox for c in top)
    below = [c for c in tables[0].cells if c.bbox[1] > TOP + ROW * 3 + 10]
    assert not any(abs(c.bbox[0] - short) <= 6 for c in below)  # no rule there


def test_a_table_whose_rules_a_fold_broke_is_one_table():
    """Class: a photographed page folded (or shaded) across its table: every rule broken along a diagonal, so
    the rules' outline is two pieces whose boxes lie over each other, and the table was found as two
    overlapping grids (plates in one, stages in the other). A rule alone near a table joins nothing."""
    rows = [(f"冀A1234{i}", "国五") for i in range(8)]
    page = Image.fromarray(_page(rows, gap=20))
    draw = ImageDraw.Draw(page)
    bottom = TOP + ROW * len(rows)
    draw.line((RIGHT - 150, TOP - 5, LEFT + 150, bottom + 5), fill=255, width=9)  # the fold
    draw.line((LEFT, bottom + 60, LEFT + 400, bottom + 60), fill=0, width=2)  # a signature's line below
    tables = find_tables(np.asarray(page))
    assert len(tables) == 1
    assert len({round(c.bbox[1]) for c in tables[0].cells}) == len(rows)  # every row
    assert _columns(tables[0])[0] < LEFT + 10 and _columns(tables[0])[-1] > RIGHT - 10


def test_a_box_whose_option_a_narrow_cell_wrapped_onto_the_next_line():
    """Class: options wrapped in a narrow cell so that a box ends its line and its option starts the next
    (□重点管理 □⏎简化管理 ☒登⏎记管理, seed 53's c05 scan and photo). The box at the line's end was taken for a
    character the engine misread, the two others then stood alone, and every box was lost; the class read
    as the first option offered."""
    from extractors.backends.image import join_words, with_checkboxes
    from extractors.ocr.engine import OcrLine, OcrWord
    from forms.normalize import normalise_permit_class

    page = Image.new("L", (700, 260), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 30)
    lines = [[("□", 20), ("重点管理", 62), ("□", 200)], [("简化管理", 20), ("☒", 150), ("登", 192)], [("记管理", 20)]]
    words_of = []
    for row, items in enumerate(lines):
        top = 30 + 60 * row
        words = []
        for text, x in items:
            if text in "□☒":
                draw.rectangle((x, top, x + 34, top + 34), outline=0, width=3)
                if text == "☒":
                    draw.line((x + 6, top + 6, x + 28, top + 28), fill=0, width=3)
                    draw.line((x + 6, top + 28, x + 28, top + 6), fill=0, width=3)
                continue  # the engine reads no box
            draw.text((x, top), text, font=font, fill=0)
            for k, ch in enumerate(text):
                words.append(OcrWord(ch, (x + 30 * k, top + 2, x + 30 * k + 30, top + 34), 0.9))
        words_of.append(OcrLine("".join(w.text for w in words), (20, top, 240, top + 34), 0.9, words))
    read = "\n".join(join_words(line.words) for line in with_checkboxes(words_of, np.asarray(page)))
    assert read.count("□") == 2 and read.count("☑") == 1
    assert normalise_permit_class(read) == "登记管理"


def test_the_character_hui_in_boxes_the_engine_spread_evenly_over_its_line():
    """Class: the engine's boxes of a line's characters split its width evenly (the square of 回 narrower than
    its character's box, the next character's box beginning a few pixels after the square), and 回 read less
    than sure: the box finder's square was measured against the neighbours' boxes and 窑尾（回转窑） became
    窑尾（☑转窑） in every row of seed 53's c06 scan. The character's own box is what its neighbours abut."""
    from extractors.backends.image import with_checkboxes
    from extractors.ocr.engine import OcrLine, OcrWord

    page = Image.new("L", (900, 100), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 30)
    text, left, pitch = "窑尾（回转窑）", 20, 38
    for k, ch in enumerate(text):
        draw.text((left + k * pitch + 4, 30), ch, font=font, fill=0)
    words = [OcrWord(ch, (float(left + k * pitch), 26.0, float(left + (k + 1) * pitch), 72.0), 0.8 if ch == "回" else 0.99)
             for k, ch in enumerate(text)]
    # real boxes further on the line (□是 □否), in whose group the square of 回 would stand
    for x, option in ((500, "是"), (600, "否")):
        draw.rectangle((x, 38, x + 28, 66), outline=0, width=3)
        draw.text((x + 36, 30), option, font=font, fill=0)
        words.append(OcrWord(option, (x + 32.0, 26.0, x + 70.0, 72.0), 0.99))
    [line] = with_checkboxes([OcrLine(text + "是否", (left, 26, 670, 72), 0.95, words)], np.asarray(page))
    assert "".join(w.text for w in line.words) == text + "□是□否"


def test_a_box_just_after_a_colon_the_engine_boxed_a_character_wide_is_a_box():
    """Class: 人员:☒是 □否 on a scan: the engine read 人员:是否, its box for the colon a character wide, so that
    the colon's box reached the crossed box's middle and the square was taken for the colon's glyph; the
    answer was lost (seed 59's c23 scan: dedicated_env_staff). Punctuation has no square outline."""
    from extractors.backends.image import with_checkboxes
    from extractors.ocr.engine import OcrLine, OcrWord

    grey = _boxes_page(38, 28)  # ☒ at x 40–78, □ at 240–278
    words = [OcrWord("员", (-2, 25, 24, 75), 0.99), OcrWord(":", (24, 25, 60, 75), 0.92),
             OcrWord("是", (84, 25, 113, 75), 0.99), OcrWord("否", (284, 25, 313, 75), 0.99)]
    [line] = with_checkboxes([OcrLine("员:是否", (-2, 25, 313, 75), 0.99, words)], grey)
    assert "".join(w.text for w in line.words) == "员:☑是□否"


def test_a_line_whose_box_ended_before_a_credit_code_s_last_character_is_read_again():
    """Class: a photographed line 企业统一社会信用代码:…L whose text detector ended its box before the code's
    check character (a photo's soft edge): the code read 17 characters and was invalid, a blocking finding
    (seed 59's c23 photo). The line is read again from a strip reaching further right, and the character read
    there is taken only when it makes the code whole and valid; a valid code's line is left as it is."""
    from extractors.backends.image import reread_cut_codes
    from extractors.ocr import get_engine
    from extractors.ocr.engine import OcrLine, OcrWord

    code = "91130481MA0450411L"  # valid (GB 32100)
    page = Image.new("L", (1100, 90), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 30)
    text = f"企业统一社会信用代码:{code}"
    draw.text((20, 25), text, font=font, fill=0)
    right = draw.textbbox((20, 25), text[:-1], font=font)[2]  # the detector's box ends before the last character
    cut = OcrLine(text[:-1], (18.0, 20.0, float(right), 65.0), 0.99, [OcrWord(text[:-1], (18.0, 20.0, right, 65.0), 0.99)])
    [line] = reread_cut_codes([cut], np.asarray(page), get_engine())
    assert line.text == text
    whole = OcrLine(text, (18.0, 20.0, 1000.0, 65.0), 0.99, [])
    assert reread_cut_codes([whole], np.asarray(page), get_engine()) == [whole]
