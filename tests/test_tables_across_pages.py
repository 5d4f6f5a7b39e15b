"""A table carried over to the next page without its header row repeated, and a row the page break cut in
two (extractors/tables.py, _joined_across_pages). The corpus generator's forms repeat no such break; Word
and LibreOffice print one whenever a ledger is longer than the page and a row may break across pages."""

from __future__ import annotations

import io

from extractors.backends.pdf import PdfBackend
from extractors.tables import tables_from_layout

VINS = ["LZZ5CLSB9KW123456", "LFWSRXSJ5H1A00001", "LGAX2A148J1234567", "LRDS6PEB2KR000123", "LZGJL5V43MX012345"]


def _two_pages() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 10), ("GRID", (0, 0), (-1, -1), 0.5, "black")])
    widths = [30, 80, 150, 70, 80]
    first = [["序号", "车牌号码", "车辆识别代号", "排放阶段", "注册日期"]]
    first += [[str(i + 1), f"冀T8832{i}", VINS[i], "国六", "2019-05-06"] for i in range(2)]
    first.append(["3", "冀T88322", VINS[2][:9], "国五", "2018-03-02"])  # the page break cuts this row …
    second = [["", "", VINS[2][9:], "", ""]]  # … and the rest of its VIN starts the next page
    second += [[str(i + 1), f"冀T8832{i}", VINS[i], "新能源", "2021-01-24"] for i in range(3, 5)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4)
    doc.build([Table(first, colWidths=widths, style=style), PageBreak(), Table(second, colWidths=widths, style=style)])
    return out.getvalue()


def test_a_ledger_carried_over_to_the_next_page():
    layout = PdfBackend("运输车辆台账.pdf", _two_pages()).read()
    assert len(layout.grids) == 2  # two ruled tables, one a page
    rows = tables_from_layout(layout)["vehicles"]
    assert [(r["plate"], r["vin"], r["emission_stage"]) for r in rows] == [
        ("冀T88320", VINS[0], "国六"), ("冀T88321", VINS[1], "国六"), ("冀T88322", VINS[2], "国五"),
        ("冀T88323", VINS[3], "新能源"), ("冀T88324", VINS[4], "新能源")]
    # each row says where it is: the rows of the second part are on page 2, in the second table
    assert [(r["source_ref"]["page"], r["source_ref"]["cell"]) for r in rows][-2:] == [
        (2, "table 2, row 2"), (2, "table 2, row 3")]


def test_a_table_of_another_width_on_the_next_page_is_not_its_rest():
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 10), ("GRID", (0, 0), (-1, -1), 0.5, "black")])
    ledger = [["车牌号码", "车辆识别代号", "排放阶段"], ["冀T88320", VINS[0], "国六"]]
    other = [["冀T99999", VINS[1]], ["冀T99998", VINS[2]]]  # two columns: some other list
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build([Table(ledger, style=style), PageBreak(), Table(other, style=style)])
    rows = tables_from_layout(PdfBackend("台账.pdf", out.getvalue()).read())["vehicles"]
    assert [r["plate"] for r in rows] == ["冀T88320"]


def _pdf(*pages: list[list[str]], widths=(55, 70, 130, 95, 95), spans=()) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    flow = []
    for n, rows in enumerate(pages):
        style = TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 10), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                            *[("SPAN", a, b) for page, a, b in spans if page == n]])
        flow += [Table(rows, colWidths=list(widths), style=style), PageBreak()]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(flow[:-1])
    return out.getvalue()


# a header over two rows (序号 | 车辆信息 over 号牌号码 and 识别代号 | 排放阶段 | 注册日期), the page break between them
UPPER = ["序号", "车辆信息", "", "排放阶段", "注册日期"]
LOWER = ["", "号牌号码", "识别代号", "", ""]


def test_a_page_break_inside_a_two_row_header_leaves_the_table_read():
    """Class: a form that is one long table, its emissions then its vehicles; the vehicles' upper heading row
    is the last row of one page, the lower one opens the next: neither part alone names enough columns. The
    generator never breaks a page inside a header."""
    outlets = [f"DA00{i}" for i in range(1, 10)]
    first = [["排放口编号", "产污环节", "污染物", "排放浓度（mg/m³）", "标准限值（mg/m³）"],
             *[[outlet, "熔化", "颗粒物", "12.5", "30"] for outlet in outlets], UPPER]
    second = [LOWER] + [[str(i + 1), f"冀T8832{i}", VINS[i], "国六", "2019-05-06"] for i in range(3)]
    layout = PdfBackend("申报表.pdf", _pdf(first, second, spans=[(0, (1, 3), (2, 3))])).read()
    tables = tables_from_layout(layout)
    assert [(r["plate"], r["vin"], r["emission_stage"]) for r in tables["vehicles"]] == [
        (f"冀T8832{i}", VINS[i], "国六") for i in range(3)]
    assert [r["outlet_id"] for r in tables["emissions"]] == outlets  # its rows end at the header


def test_a_table_going_on_from_one_page_file_to_the_next_is_read_whole(tmp_path):
    """Class: a document whose pages came as files of their own (IMG_20201130_1-1.jpg, …-2.jpg, a phone's or a
    scanner's numbering), the vehicle table begun on the first and going on, without its header, on the
    second. The generator's numbered pages each hold a whole table."""
    from extractors.pipeline import extract_bundle

    first = [["企业名称", "河北恒信铸造有限公司", "", "", ""], ["统一社会信用代码", "91130481MA0UMMMC2J", "", "", ""],
             ["序号", "车牌号码", "车辆识别代号", "排放阶段", "注册日期"]]
    first += [[str(i + 1), f"冀T8832{i}", VINS[i], "国六", "2019-05-06"] for i in range(2)]
    second = [[str(i + 1), f"冀T8832{i}", VINS[i], "国五", "2018-03-02"] for i in range(2, 5)]
    (tmp_path / "绩效分级申报表_1-1.pdf").write_bytes(_pdf(first, spans=[(0, (1, 0), (4, 0)), (0, (1, 1), (4, 1))]))
    (tmp_path / "绩效分级申报表_1-2.pdf").write_bytes(_pdf(second))
    extraction = extract_bundle([tmp_path])
    rows = [row for doc in extraction.documents for row in doc.tables.get("vehicles", [])]
    assert [(r["plate"], r["emission_stage"]) for r in rows] == [
        ("冀T88320", "国六"), ("冀T88321", "国六"), ("冀T88322", "国五"), ("冀T88323", "国五"), ("冀T88324", "国五")]
    # each row keeps the file it was read from
    assert [r["source_ref"]["file"] for r in rows] == ["绩效分级申报表_1-1.pdf"] * 2 + ["绩效分级申报表_1-2.pdf"] * 3
    assert extraction.to_dict()["tables"]["vehicles"][-1]["plate"] == "冀T88324"


def test_a_tables_rest_under_another_parts_columns_on_the_next_page_is_placed_by_position():
    """Class: a form that is one long table, its emissions carried over to the next page where the vehicles'
    part draws six columns and the emissions' rows use five of them (the pollutant's cell spanning two), that
    page lying elsewhere across the paper than the first. The generator keeps each table's columns on every
    page and lays every page alike."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    grid = [("FONT", (0, 0), (-1, -1), "STSong-Light", 9), ("GRID", (0, 0), (-1, -1), 0.5, "black")]
    first = [["排放口编号", "产污环节", "污染物", "实测浓度（mg/m³）", "标准限值（mg/m³）"],
             ["DA001", "熔化", "颗粒物", "12.5", "30"], ["DA002", "浇注", "颗粒物", "8.1", "30"]]
    second = [["DA003", "热处理炉", "二氧化硫", "", "26.1", "100"], ["DA003", "热处理炉", "氮氧化物", "", "54.1", "300"],
              ["三、运输车辆台账", "", "", "", "", ""], ["序号", "车牌号码", "车辆识别代号", "排放阶段", "注册日期", "车辆类型"],
              ["1", "冀T88320", VINS[0], "国六", "2019-05-06", "重型自卸货车"]]
    part = Table(first, colWidths=[60, 70, 120, 90, 90], hAlign="LEFT", style=TableStyle(grid))
    rest = Table(second, colWidths=[60, 70, 60, 60, 90, 90], hAlign="RIGHT", style=TableStyle(
        grid + [("SPAN", (2, 0), (3, 0)), ("SPAN", (2, 1), (3, 1)), ("SPAN", (0, 2), (-1, 2))]))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build([part, PageBreak(), rest])
    tables = tables_from_layout(PdfBackend("申报表.pdf", out.getvalue()).read())
    assert [(r["outlet_id"], r["pollutant"], r["concentration_mg_m3"], r["limit_mg_m3"]) for r in tables["emissions"]] == [
        ("DA001", "颗粒物", 12.5, 30), ("DA002", "颗粒物", 8.1, 30), ("DA003", "二氧化硫", 26.1, 100),
        ("DA003", "氮氧化物", 54.1, 300)]
    assert [r["plate"] for r in tables["vehicles"]] == ["冀T88320"]


def test_a_row_cut_through_several_of_its_cells_is_made_one_again():
    """Class: a row whose VIN, date and vehicle type all wrapped in their narrow cells, cut by the page break
    after their first lines: the part on the next page fills most of its cells (only its first is empty), so
    it is not told by being mostly empty; its VIN is one only with the part above."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 10), ("GRID", (0, 0), (-1, -1), 0.5, "black")])
    widths = [80, 150, 70, 80, 80]
    first = [["车牌号码", "车辆识别代号", "排放阶段", "注册日期", "车辆类型"]]
    first += [[f"冀T8832{i}", VINS[i], "国六", "2019-05-06", "重型自卸货车"] for i in range(2)]
    first.append(["冀T88322", VINS[2][:9], "国五", "2018年03月", "重型罐式"])  # the page break cuts this row …
    second = [["", VINS[2][9:], "", "02日", "货车"]]  # … in three of its cells
    second += [[f"冀T8832{i}", VINS[i], "新能源", "2021-01-24", "重型自卸货车"] for i in range(3, 5)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build([Table(first, colWidths=widths, style=style), PageBreak(),
                                               Table(second, colWidths=widths, style=style)])
    rows = tables_from_layout(PdfBackend("运输车辆台账.pdf", out.getvalue()).read())["vehicles"]
    assert [(r["plate"], r["vin"]) for r in rows] == [(f"冀T8832{i}", VINS[i]) for i in range(5)]
    assert rows[2]["registration_date"] == "2018-03-02"


def _scanned_grid(index, page, rows, columns):
    """A grid as a scan's table comes out: each cell with its box on the page (columns: x0, x1 of each)."""
    from extractors.layout import Cell, Grid
    from forms.facts import Source

    out = []
    for r, texts in enumerate(rows):
        top = 200 + 60 * r
        out.append([Cell(text, Source("申报表.jpg", page, f"table {index}, row {r + 1}, column {c + 1}",
                                      (x0, top, x1, top + 60)))
                    for c, (text, (x0, x1)) in enumerate(zip(texts, columns, strict=True))])
    return Grid(index=index, rows=out)


def test_a_rule_the_first_page_lost_and_the_next_page_draws():
    """Class: a scanned ledger whose first page lost the rule between two columns (its heading reads 排放标准阶段
    上牌日期 in one cell, its values LNG  2021/2/21), carried over to a page where the rule is drawn: the rows
    there have a cell more, two of them inside the one column of the page before. 上牌日期 is in no list: a
    date, the one column of dates."""
    from extractors.layout import Layout

    first = _scanned_grid(1, 1, [["车号", "VIN码", "排放标准阶段  上牌日期", "车辆类型"],
                                 ["晋AK0670", VINS[0], "LNG  2021/2/21", "重型半挂牵引车"]],
                          [(100, 300), (300, 700), (700, 1100), (1100, 1400)])
    second = _scanned_grid(2, 2, [["冀B49424", VINS[1], "国IV", "2016/1/13", "重型半挂牵引车"],
                                  ["冀B19660", VINS[2], "国VI", "2021/1/4", "重型自卸货车"]],
                           [(100, 300), (300, 700), (700, 880), (880, 1100), (1100, 1400)])
    rows = tables_from_layout(Layout("申报表.jpg", "ocr", 2, grids=[first, second]))["vehicles"]
    assert [(r["plate"], r["vin"], r["emission_stage"], r["registration_date"]) for r in rows] == [
        ("晋AK0670", VINS[0], "燃气", "2021-02-21"), ("冀B49424", VINS[1], "国四", "2016-01-13"),
        ("冀B19660", VINS[2], "国六", "2021-01-04")]


def test_a_photographed_ledger_that_lost_a_rule_on_its_first_page_and_cut_a_row_there():
    """Class: a phone photo of a ledger whose first page lost the rule between plate and VIN (read as |, or as
    two spaces, the VINs wrapped in their cells) and whose stage heading spans two columns, so the first page is
    as wide as the next one, where every rule is drawn: the next page's rows go by where their cells stand, not
    by their order; the row cut by the page break has its VIN's end alone at the top of the next page."""
    from extractors.layout import Cell, Layout

    first = _scanned_grid(1, 1, [["车辆号牌|VIN码", "车辆排放标准", "", "车辆注册登记日期", "车辆类型"],
                                 ["晋DA0904  " + VINS[0][:9] + "\n" + VINS[0][9:], "国IV", "", "2015年06月15日", "重型罐式货车"],
                                 ["冀FQ7235|" + VINS[1][:9], "LNG", "", "2019年01月", "重型罐式"]],
                          [(100, 700), (700, 880), (880, 900), (900, 1100), (1100, 1400)])
    for row in first.rows:
        row[2] = None  # the stage's heading and values span two columns
        row[1] = Cell(row[1].text, row[1].source.__class__(row[1].source.file, 1, row[1].source.cell,
                                                           (700, row[1].source.bbox[1], 900, row[1].source.bbox[3])))
    second = _scanned_grid(2, 2, [["", VINS[1][9:], "", "05日", "货车"],
                                  ["晋D65297", VINS[2], "国V", "2017年04月16日", "重型自卸货车"]],
                           [(100, 300), (300, 700), (700, 900), (900, 1100), (1100, 1400)])
    rows = tables_from_layout(Layout("附件1.jpg", "ocr", 2, grids=[first, second]))["vehicles"]
    assert [(r["plate"], r["vin"], r["emission_stage"]) for r in rows] == [
        ("晋DA0904", VINS[0], "国四"), ("冀FQ7235", VINS[1], "燃气"), ("晋D65297", VINS[2], "国五")]


def test_an_empty_grid_between_a_table_and_its_next_page_does_not_part_them():
    """Class: a photographed page read as its table and a second, empty set of the same rules over it (no
    text lands in it); the empty grid stood between the table and its rest on the next page, which was then
    read as no table's (seed 53's c16 photo: 4 of 11 vehicles)."""
    from extractors.layout import Cell, Grid, Layout
    from extractors.tables import tables_from_layout
    from forms.facts import Source

    def row(texts, page, y):
        return [Cell(t, Source(f"申报表-{page}.jpg", 1, None, (100.0 + 200 * k, y, 300.0 + 200 * k, y + 40)))
                for k, t in enumerate(texts)]

    vins = ["LGAX2A139J1023456", "LFWSRXSJ5H1A00001", "LZZ5CLSB9KW123456"]
    first = Grid(index=1, position=1, rows=[row(["车牌号码", "车辆识别代号", "排放阶段", "注册日期"], 1, 100),
                                            row(["冀T12345", vins[0], "国五", "2019-01-01"], 1, 140)])
    empty = Grid(index=2, position=1, rows=[row(["", "", "", ""], 1, 100), row(["", "", "", ""], 1, 140)])
    rest = Grid(index=1001, position=2, rows=[row(["冀T67890", vins[1], "国六", "2020-02-02"], 2, 80),
                                              row(["冀T24680", vins[2], "燃气", "2021-03-03"], 2, 120)])
    tables = tables_from_layout(Layout(file="申报表-1.jpg", method="ocr", grids=[first, empty, rest]))
    assert [r["plate"] for r in tables["vehicles"]] == ["冀T12345", "冀T67890", "冀T24680"]


def test_a_group_heading_ending_one_photograph_and_its_sub_headings_starting_the_next():
    """Class: the form's pages photographed a file each, at another distance and place: 车辆信息 merged over two
    columns at the foot of page 1, 车号 | 车辆识别号 at the top of page 2, each page's pixels its own. The part
    before is placed in the next page's finer columns by the table's width on each (seed 53's c08 photo:
    0/40 vehicle cells; the text PDF, one page's points, was mended by b66a09b)."""
    from extractors.layout import Cell, Grid, Layout
    from extractors.tables import tables_from_layout
    from forms.facts import Source

    def row(texts, page, y, edges, scale=1.0, shift=0.0):
        return [Cell(t, Source(f"申报表-{page}.jpg", 1, None, (shift + a * scale, y, shift + b * scale, y + 40)))
                for t, (a, b) in zip(texts, edges, strict=True)]

    coarse = [(100, 400), (400, 550), (550, 700), (700, 850)]
    fine = [(100, 200), (200, 400), (400, 550), (550, 700), (700, 850)]
    vins = ["LGAX2A139J1023456", "LFWSRXSJ5H1A00001"]
    first = Grid(index=1, position=1, rows=[row(["车辆信息", "车辆排放标准", "首次注册日期", "车辆类型"], 1, 1800, coarse)])
    second = Grid(index=1001, position=2, rows=[
        row(["车号", "车辆识别号", "", "", ""], 2, 90, fine, 1.3, 40),
        row(["冀T12345", vins[0], "国V", "2020/9/10", "重型厢式货车"], 2, 150, fine, 1.3, 40),
        row(["冀T67890", vins[1], "纯电动", "2022/12/1", "重型罐式货车"], 2, 200, fine, 1.3, 40)])
    tables = tables_from_layout(Layout(file="申报表-1.jpg", method="ocr", grids=[first, second]))
    assert [(r["plate"], r["vin"], r["emission_stage"], r["registration_date"]) for r in tables["vehicles"]] == [
        ("冀T12345", vins[0], "国五", "2020-09-10"), ("冀T67890", vins[1], "新能源", "2022-12-01")]


def test_a_two_row_header_broken_by_the_page_whose_lower_row_has_more_columns():
    """Class: a page break inside a two-row header (序号 | 车辆信息 | 排放标准 | 上牌日期 at the foot of a page,
    车辆号牌 | 车辆识别码 under 车辆信息 at the top of the next, which draws the rule between them, then a
    section row and rows whose VINs wrap): joined in the upper row's four columns the plate and the VIN shared
    one column and no vehicle was read (seed 59's d23 pdf-text, photo and scan: 0 of 40 cells). The lower
    row's finer columns give each heading its own."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 10), ("GRID", (0, 0), (-1, -1), 0.5, "black")])
    foot = [["企业名称", "某某钢铁有限公司", "", ""], ["序号", "车辆信息", "排放标准", "上牌日期"]]
    top = [["", "车辆号牌", "车辆识别码", "", ""], ["（一）自有车辆", "", "", "", ""]]
    # the VIN wrapped in its narrow cell, as Word and LibreOffice wrap it
    top += [[str(i + 1), f"冀T8832{i}", f"{VINS[i][:11]}\n{VINS[i][11:]}", "国六", "2019-05-06"] for i in range(4)]
    sections = TableStyle([("SPAN", (0, 1), (-1, 1))], parent=style)
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build([Table(foot, colWidths=[40, 180, 80, 80], style=style), PageBreak(),
                                               Table(top, colWidths=[40, 90, 90, 80, 80], style=sections)])
    rows = tables_from_layout(PdfBackend("申报表.pdf", out.getvalue()).read())["vehicles"]
    assert [(r.get("plate"), r.get("vin"), r.get("emission_stage")) for r in rows] == [
        (f"冀T8832{i}", VINS[i], "国六") for i in range(4)]


def test_a_table_s_last_rows_on_the_next_photograph_above_a_wider_table():
    """Class: a form photographed a page a file, its emission table's last rows at the top of page 2 above the
    vehicle table, which has a column more: page 2's rules part the carried rows in the vehicle table's
    columns, so they fit none of page 1's and were read as no table's (seed 59's c18 photo: 1 of 4 emission
    rows). Page 1's part is placed in page 2's finer columns, at page 2's scale, and its header judged there."""
    from extractors.layout import Cell, Grid, Layout
    from extractors.tables import tables_from_layout
    from forms.facts import Source

    def row(texts, page, y, edges, scale=1.0, shift=0.0):
        return [Cell(t, Source(f"申报表-{page}.jpg", 1, None, (shift + a * scale, y, shift + b * scale, y + 40)))
                for t, (a, b) in zip(texts, edges, strict=True)]

    coarse = [(100, 250), (250, 400), (400, 650), (650, 800), (800, 950)]
    fine = [(100, 250), (250, 400), (400, 550), (550, 650), (650, 800), (800, 950)]
    first = Grid(index=1, position=1, rows=[
        row(["排口编码", "生产工序", "污染因子", "实测值（mg/m³）", "排放标准限值"], 1, 1700, coarse),
        row(["DA001", "隧道窑", "颗粒物", "17.7", "20"], 1, 1750, coarse)])
    second = Grid(index=1001, position=2, rows=[
        row(["", "", "二氧化硫", "", "27.8", "50"], 2, 90, fine, 0.9, 60),
        row(["DA002", "原料破碎", "颗粒物", "", "14.8", "20"], 2, 140, fine, 0.9, 60),
        row(["序号", "车辆号牌", "识别代号", "环保标准", "注册日期", "车辆类型"], 2, 220, fine, 0.9, 60),
        row(["1", "冀T59086", "LFWM74P05EH268405", "国IV", "20140501", "重型罐式货车"], 2, 270, fine, 0.9, 60)])
    tables = tables_from_layout(Layout(file="申报表-1.jpg", method="ocr", grids=[first, second]))
    assert [(r.get("outlet_id"), r["pollutant"], r["concentration_mg_m3"], r["limit_mg_m3"])
            for r in tables["emissions"]] == [("DA001", "颗粒物", 17.7, 20), ("DA001", "二氧化硫", 27.8, 50),
                                              ("DA002", "颗粒物", 14.8, 20)]
    assert [r["plate"] for r in tables["vehicles"]] == ["冀T59086"]


def test_a_table_s_rest_on_the_next_photograph_under_a_header_with_a_rule_more():
    """Class: a form photographed a page a file, its vehicle header at the foot of page 1 drawing a rule the
    rows do not (two empty cells under 车辆注册登记日: six columns), its rows on page 2 in five, at another
    scale and place: they fitted none of page 1's columns and were read as no table's (seed 59's d35 photo:
    0 of 20 vehicle cells). Each cell is placed where it begins, at page 1's scale."""
    from extractors.layout import Cell, Grid, Layout
    from extractors.tables import tables_from_layout
    from forms.facts import Source

    def row(texts, page, y, edges, scale=1.0, shift=0.0):
        return [None if t is None else Cell(t, Source(f"申报表-{page}.jpg", 1, None,
                                                      (shift + a * scale, y, shift + b * scale, y + 40)))
                for t, (a, b) in zip(texts, edges, strict=True)]

    six = [(270, 495), (495, 730), (730, 965), (965, 1100), (1100, 1210), (1210, 1455)]
    top = [(270, 730), (495, 730), (730, 965), (965, 1210), (1100, 1210), (1210, 1455)]
    five = [(270, 495), (495, 730), (730, 965), (965, 1210), (1210, 1455)]
    vins = ["LFW3WFP19H9066202", "LRDZSV9L5ME202987"]
    first = Grid(index=3, position=1, rows=[
        row(["车辆信息", None, "尾气排放标准", "车辆注册登记日", None, "车辆类型"], 1, 2000, top),
        row(["车辆牌照号码", "VIN码", None, "", "", None], 1, 2040, six)])
    second = Grid(index=1001, position=2, rows=[
        row(["冀JL8880", vins[0], "国5", "2017-06-26", "重型罐式货车"], 2, 350, five, 1.04, 30),
        row(["冀JF5089", vins[1], "LNG", "2021-09-16", "重型自卸货车"], 2, 426, five, 1.04, 30)])
    tables = tables_from_layout(Layout(file="申报表-1.jpg", method="ocr", grids=[first, second]))
    assert [(r["plate"], r["vin"], r["emission_stage"], r["registration_date"]) for r in tables["vehicles"]] == [
        ("冀JL8880", vins[0], "国五", "2017-06-26"), ("冀JF5089", vins[1], "燃气", "2021-09-16")]


def test_a_photograph_s_blank_band_beside_and_over_the_rest_of_a_table():
    """Class: the next page of a form photographed a page a file, a band between the page's edge (or a shadow)
    and the table ruled off as a column and a row of their own, empty: the part there was a column wider than
    the part before and was not its rest (seed 61's c20 photo: 2 of 11 vehicles read), and the row the page
    break cut had the empty band above it. A column and a top row holding nothing are no part of the table."""
    from extractors.layout import Layout

    first = _scanned_grid(1, 1, [["序号", "车号", "VIN码", "尾气排放标准", "初次登记日期"],
                                 ["1", "晋DF3833", VINS[0], "国IV", "2015年3月29日"],
                                 ["2", "冀J35823", VINS[1][:8], "燃气", "2022年09月"]],
                          [(100, 200), (200, 400), (400, 800), (800, 1000), (1000, 1300)])
    second = _scanned_grid(2, 2, [["", "", "", "", "", ""],
                                  ["", "", "", VINS[1][8:], "", "01日"],
                                  ["", "3", "冀J27920", VINS[2], "国IV", "2016年10月21日"],
                                  ["", "4", "晋AS7961", VINS[3], "LNG", "2023年01月03日"]],
                           [(40, 140), (140, 240), (240, 440), (440, 840), (840, 1040), (1040, 1340)])
    second.rows[0][1:] = [None] * 5  # the band over the table: one empty cell across it
    for row in second.rows[2:]:
        row[0] = None  # the band beside it: one empty cell down its side
    rows = tables_from_layout(Layout("申报表-1.jpg", "ocr", 2, grids=[first, second]))["vehicles"]
    assert [(r["plate"], r["vin"], r["registration_date"]) for r in rows] == [
        ("晋DF3833", VINS[0], "2015-03-29"), ("冀J35823", VINS[1], "2022-09-01"), ("冀J27920", VINS[2], "2016-10-21"),
        ("晋AS7961", VINS[3], "2023-01-03")]


def test_a_row_s_values_in_one_cell_whose_vin_wrapped_onto_its_next_line():
    """Class: a photographed vehicle table whose rules between plate, VIN and stage were lost, the row's values
    read as one cell over slots no heading names (a grid cut finer by the rules of the form's other sections),
    the VIN wrapped in its narrow cell (晋D76216  LFWSP71Z6KD  国VI over 963351): the first line's parts go to
    the columns headed in the cell's span, the next line's words to the part they complete (seed 61's c22 photo)."""
    from extractors.layout import Cell, Layout

    header = _scanned_grid(1, 1, [["车辆牌照号码", "", "车辆识别号", "", "车辆排放标准", "注册登记日期"],
                                  ["晋D76216  " + VINS[0][:11] + "  国VI\n" + VINS[0][11:], "", "", "", "", "2019.12.12"],
                                  ["冀BS6673  " + VINS[1][:12] + "  国5\n" + VINS[1][12:], "", "", "", "", "2017.6.2"]],
                          [(100, 200), (200, 300), (300, 600), (600, 700), (700, 900), (900, 1100)])
    header.rows[0][1] = header.rows[0][3] = None  # headings over two slots each
    for row in header.rows[1:]:
        row[1:5] = [None] * 4  # the values' cell across plate, VIN and stage
    header.rows[1][0] = Cell(header.rows[1][0].text, header.rows[1][0].source)
    rows = tables_from_layout(Layout("申报表-1.jpg", "ocr", 1, grids=[header]))["vehicles"]
    assert [(r["plate"], r["vin"], r["emission_stage"], r["registration_date"]) for r in rows] == [
        ("晋D76216", VINS[0], "国六", "2019-12-12"), ("冀BS6673", VINS[1], "国五", "2017-06-02")]


def test_a_table_s_rest_above_a_table_whose_rules_cut_the_grid_finer():
    """Class: an emission table's header at the foot of one photographed page, its rows at the top of the next,
    above the vehicle table, whose rules cut that page's grid a column finer (排放标准 under 污染因子, merged over
    it in every emission row): the rows carried over are read in their own columns (seed 61's d07 photo: none of
    7 emission rows read)."""
    from extractors.layout import Layout

    first = _scanned_grid(1, 1, [["排放口代码", "工序/设施", "污染因子", "排放浓度（mg/m³）", ""],
                                 ["", "", "", "实测值", "执行标准限值"]],
                          [(100, 300), (300, 500), (500, 800), (800, 1000), (1000, 1200)])
    first.rows[0][4] = None
    first.rows[1][:3] = [None] * 3
    second = _scanned_grid(2, 2, [["", "", "", "", "", "值"],  # the limit's heading, cut by the page break
                                  ["DA001", "喷雾干燥塔", "PM", "", "10.6", "30"],
                                  ["", "", "NOx", "", "57.7", "180"],
                                  ["DA002", "辊道窑", "颗粒物", "", "18.1", "30"],
                                  ["", "", "二氧化硫", "", "36.9", "50"],
                                  ["", "", "NOx", "", "65.8", "180"],
                                  ["DA003", "原料车间", "颗粒物", "", "12.6", "30"],
                                  ["DA004", "压机", "颗粒物", "", "9.1", "30"],
                                  ["五、运输车辆台账", "", "", "", "", ""],
                                  ["序号", "车牌号码", "车辆识别代号", "排放阶段", "注册日期", "车辆类型"],
                                  ["1", "冀A57574", VINS[0], "国V", "2018年3月29日", "重型厢式货车"]],
                           [(140, 320), (320, 500), (500, 635), (635, 770), (770, 950), (950, 1130)])  # another photo's scale
    for row in second.rows[:8]:
        row[3] = None  # the pollutant's cell merged over the vehicle table's extra column
    for r in (2, 4, 5):
        second.rows[r][:2] = [None, None]  # merged down from the outlet above
    second.rows[8][1:] = [None] * 5
    tables = tables_from_layout(Layout("申报表-1.jpg", "ocr", 2, grids=[first, second]))
    assert [(r["outlet_id"], r["pollutant"], r["concentration_mg_m3"], r["limit_mg_m3"]) for r in tables["emissions"]] == [
        ("DA001", "颗粒物", 10.6, 30), ("DA001", "氮氧化物", 57.7, 180), ("DA002", "颗粒物", 18.1, 30),
        ("DA002", "二氧化硫", 36.9, 50), ("DA002", "氮氧化物", 65.8, 180), ("DA003", "颗粒物", 12.6, 30),
        ("DA004", "颗粒物", 9.1, 30)]
    assert [r["plate"] for r in tables["vehicles"]] == ["冀A57574"]


def test_a_table_s_rest_whose_first_columns_are_empty_keeps_its_columns():
    """The rest of an emission table on the next page whose outlet and source cells are empty, merged over from
    the rows before the break: those columns are the table's, not a band beside it (seed 61's c13, when every
    blank column was dropped: two rows lost on every delivery but Word)."""
    from extractors.layout import Layout

    columns = [(100, 250), (250, 500), (500, 700), (700, 900), (900, 1100)]
    first = _scanned_grid(1, 1, [["排口编码", "生产设施名称", "污染因子", "实测值", "排放标准值"],
                                 ["DA005", "轧钢加热炉", "颗粒物", "5.7", "10"]], columns)
    second = _scanned_grid(2, 2, [["", "", "SO2", "5.6", "50"], ["", "", "NOx", "14.1", "200"]], columns)
    second.rows[1][:2] = [None, None]
    rows = tables_from_layout(Layout("申报表.pdf", "pdf-text", 2, grids=[first, second]))["emissions"]
    assert [(r["outlet_id"], r["pollutant"], r["concentration_mg_m3"]) for r in rows] == [
        ("DA005", "颗粒物", 5.7), ("DA005", "二氧化硫", 5.6), ("DA005", "氮氧化物", 14.1)]


def test_a_header_ending_its_page_whose_columns_its_values_on_the_next_page_name():
    """Class: a form's vehicle table whose whole header (a group heading 车辆信息 over 车号 and 车辆识别码, then
    排放标准阶段 and 上牌日期, headings no column's words name: their values name them) and a section row end
    page 1, every vehicle on page 2. Alone, the header names two columns, too few to be one; with the values
    the page break carried over, it names them all. The generator breaks no page under a bare header."""
    first = [["车辆信息", "", "排放标准阶段", "上牌日期", "车辆类型"], ["车号", "车辆识别码", "", "", ""],
             ["（一）自有车辆", "", "", "", ""]]
    second = [[f"冀J2944{i}", VINS[i], "国五", "2013年8月23日", "重型罐式货车"] for i in range(3)]
    layout = PdfBackend("申报表.pdf", _pdf(first, second, widths=(60, 130, 70, 90, 80),
                                          spans=[(0, (0, 0), (1, 0)), (0, (0, 2), (4, 2))])).read()
    rows = tables_from_layout(layout)["vehicles"]
    assert [(r.get("plate"), r.get("vin"), r.get("emission_stage"), r.get("registration_date")) for r in rows] == [
        (f"冀J2944{i}", VINS[i], "国五", "2013-08-23") for i in range(3)]


def test_a_row_cut_by_the_page_whose_rest_reads_like_a_header_by_its_values():
    """Class: a retyped ledger printed to PDF whose narrow cells wrap, a row cut by the page break through most
    of its cells (冀 | LGASD4 | 2020-4- above, JK1637 | its VIN's rest | 13 | 牵引车 below). The rest, most of its
    cells filled and its values under it naming the columns, was taken for the next page's header: the cut
    vehicle was read as two halves and the next page's rows lost their stage (robustness seed 73's c20,
    invalid:vin). A row none of whose cells is a heading is no header."""
    widths = (30, 70, 130, 70, 80, 80)
    head = ["序号", "牌照号", "车辆识别代号", "环保排放阶段", "注册日期", "车辆类型"]
    first = [head, ["1", "冀T88320", VINS[0], "国五", "2019-05-06", "重型半挂牵引车"],
             ["2", "冀", VINS[1][:6], "国Ⅴ", "2020-4-", "重型半挂"]]
    second = [["", "JK1637", VINS[1][6:], "", "13", "牵引车"],
              ["3", "冀JR6647", VINS[2], "国五", "2021-11-26", "重型半挂牵引车"],
              ["4", "晋A64298F", VINS[3], "新能源", "2022-05-27", "重型半挂牵引车"]]
    rows = tables_from_layout(PdfBackend("运输车辆台账.pdf", _pdf(first, second, widths=widths)).read())["vehicles"]
    assert [(r.get("plate"), r.get("vin"), r.get("emission_stage")) for r in rows] == [
        ("冀T88320", VINS[0], "国五"), ("冀JK1637", VINS[1], "国五"), ("冀JR6647", VINS[2], "国五"),
        ("晋A64298F", VINS[3], "新能源")]
