"""Table layouts of forms written by other hands (extractors/tables.py, tables_from_layout): the whole form as
one long Word table holding several tables under merged section rows, and a table cut by sub-section rows.
Every input is built here; the corpus generator writes neither (benchmarks/table_rewrites.py makes them)."""

from __future__ import annotations

from tests.test_labels_by_meaning import CODE, _docx, _read, _row

VINS = ["LGAX2A139J1023456", "LFWSRXSJ5H1A00001", "LZZ5CLSB9KW123456", "LRDS6PEB2KR000123"]


def _section(table, text: str) -> None:
    _row(table, *[text] * len(table.columns))
    cells = table.rows[-1].cells
    cells[0].merge(cells[-1])


def test_a_form_that_is_one_long_table_holds_each_table_under_its_own_header():
    """Class: the form's fields, its emissions and its vehicles in one table five columns wide, each part under
    a merged section row; the vehicles' header is not an emissions row, nor the emissions rows vehicles."""

    def build(doc):
        table = doc.add_table(rows=0, cols=5)
        _section(table, "一、企业基本情况")
        _row(table, "企业名称", "河北恒信铸造有限公司", "河北恒信铸造有限公司", "统一社会信用代码", CODE)
        _section(table, "二、有组织排放情况")
        _row(table, "排放口编号", "产污环节", "污染物", "排放浓度（mg/m³）", "标准限值（mg/m³）")
        _row(table, "DA001", "熔化", "颗粒物", "12.5", "30")
        _row(table, "DA002", "浇注", "二氧化硫", "20", "100")
        _section(table, "三、运输车辆台账")
        _row(table, "车牌号码", "车辆识别代号", "排放阶段", "注册日期", "车辆类型")
        _row(table, "冀T12345", VINS[0], "国六", "2021-07-15", "重型自卸货车")
        _row(table, "冀T67890", VINS[1], "国五", "2019-03-01", "重型厢式货车")
        _row(table, "申报日期", "2023年5月6日", "2023年5月6日", "申报等级", "B级")

    fields, tables, _ = _read(_docx(build))
    assert [(r["outlet_id"], r["pollutant"], r["concentration_mg_m3"], r["limit_mg_m3"])
            for r in tables["emissions"]] == [("DA001", "颗粒物", 12.5, 30), ("DA002", "二氧化硫", 20, 100)]
    assert [(r["plate"], r["vin"], r["emission_stage"]) for r in tables["vehicles"]] == [
        ("冀T12345", VINS[0], "国六"), ("冀T67890", VINS[1], "国五")]
    assert fields["credit_code"] == CODE and fields["applied_grade"] == "B"


def test_sub_section_rows_inside_a_vehicle_list_do_not_end_it():
    """Class: rows spanning a table in its middle that name a group of its rows (自有车辆 / 租赁车辆); the
    table goes on under them, and ends at a row spanning it that no row of its kind follows (合计)."""

    def build(doc):
        table = doc.add_table(rows=0, cols=4)
        _row(table, "号牌号码", "车架号", "排放标准", "注册登记日期")
        _section(table, "（一）自有车辆")
        _row(table, "冀T12345", VINS[0], "国六", "2021-07-15")
        _row(table, "冀T67890", VINS[1], "国五", "2019-03-01")
        _section(table, "（二）租赁车辆")
        _row(table, "冀R11111", VINS[2], "国六", "2022-01-02")
        _row(table, "冀R22222", VINS[3], "新能源", "2022-05-06")
        _section(table, "合计：4辆")
        _row(table, "填表人", "李明", "联系电话", "13833187766")

    _, tables, _ = _read(_docx(build))
    assert [(r["plate"], r["vin"]) for r in tables["vehicles"]] == [
        ("冀T12345", VINS[0]), ("冀T67890", VINS[1]), ("冀R11111", VINS[2]), ("冀R22222", VINS[3])]


def test_a_group_heading_over_two_columns_names_them_by_their_sub_headings():
    """Class: a header over two rows, 排放浓度（mg/m³） merged over 实测值 | 标准限值 and every other heading merged
    down both rows; the first sub-heading means nothing alone, the second (标准值: a 浓度 to the group heading) names its column by itself."""

    def build(doc):
        table = doc.add_table(rows=2, cols=5)
        for c, text in enumerate(["排放口编号", "污染物", "排放浓度（mg/m³）", "", "治理设施"]):
            table.cell(0, c).text = text
        table.cell(1, 2).text, table.cell(1, 3).text = "实测值", "标准值"
        table.cell(0, 2).merge(table.cell(0, 3))
        for c in (0, 1, 4):
            table.cell(0, c).merge(table.cell(1, c))
        _row(table, "DA001", "颗粒物", "12.5", "30", "袋式除尘器")
        _row(table, "DA001", "二氧化硫", "20", "100", "湿法脱硫")

    _, tables, _ = _read(_docx(build))
    assert [(r["outlet_id"], r["pollutant"], r["concentration_mg_m3"], r["limit_mg_m3"])
            for r in tables["emissions"]] == [("DA001", "颗粒物", 12.5, 30), ("DA001", "二氧化硫", 20, 100)]


def _pdf(*pages) -> bytes:
    """A text PDF of ruled tables, one a page: (rows, column widths, spans) each."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    story = []
    for rows, widths, spans in pages:
        style = TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 9), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                            *[("SPAN", a, b) for a, b in spans]])
        story += [Table(rows, colWidths=widths, style=style), PageBreak()]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(story[:-1])
    return out.getvalue()


def test_one_long_table_broken_across_pages_keeps_each_part_s_rows():
    """Class: a long form table broken by a page: the emissions' last row at the top of page 2, above the
    vehicles' section row and header — the rest of the table before, not a table of its own."""
    from extractors.backends.pdf import PdfBackend
    from extractors.tables import tables_from_layout

    widths = [60, 90, 80, 110, 90]
    first = [["排放口编号", "产污环节", "污染物", "排放浓度（mg/m³）", "标准限值（mg/m³）"],
             ["DA001", "熔化", "颗粒物", "12.5", "30"], ["DA002", "浇注", "二氧化硫", "20", "100"]]
    second = [["DA003", "清理", "氮氧化物", "150", "300"], ["三、运输车辆台账", "", "", "", ""],
              ["车牌号码", "车辆识别代号", "排放阶段", "注册日期", "车辆类型"],
              ["冀T12345", VINS[0], "国六", "2021-07-15", "重型自卸货车"],
              ["冀T67890", VINS[1], "国五", "2019-03-01", "重型厢式货车"]]
    data = _pdf((first, widths, []), (second, widths, [((0, 1), (-1, 1))]))
    tables = tables_from_layout(PdfBackend("申报表.pdf", data).read())
    assert [(r["outlet_id"], r["pollutant"]) for r in tables["emissions"]] == [
        ("DA001", "颗粒物"), ("DA002", "二氧化硫"), ("DA003", "氮氧化物")]
    assert [(r["plate"], r["vin"]) for r in tables["vehicles"]] == [("冀T12345", VINS[0]), ("冀T67890", VINS[1])]


def test_a_part_of_a_long_table_goes_on_with_fewer_columns_on_the_next_page():
    """Class: a long form table six columns wide whose vehicles part, its header at the foot of page 1 (no row
    under it there), spans five of them (排放阶段 over two); page 2 draws only the vehicles' five columns, its
    first rows values (no header: two rows of values are none either)."""
    from extractors.backends.pdf import PdfBackend
    from extractors.tables import tables_from_layout

    widths = [70, 120, 40, 40, 90, 90]
    first = [["企业名称", "河北恒信铸造有限公司", "", "信用代码", CODE, ""],
             ["三、运输车辆台账", "", "", "", "", ""],
             ["车牌号码", "车辆识别代号", "排放阶段", "", "注册日期", "车辆类型"]]
    second = [[plate, vin, stage, date, "重型自卸货车"] for plate, vin, stage, date in (
        ("冀T12345", VINS[0], "国六", "2021-07-15"), ("冀T67890", VINS[1], "国五", "2019-03-01"),
        ("冀R11111", VINS[2], "国六", "2022-01-02"))]
    data = _pdf((first, widths, [((1, 0), (2, 0)), ((4, 0), (5, 0)), ((0, 1), (-1, 1)), ((2, 2), (3, 2))]),
                (second, [70, 120, 80, 90, 90], []))
    rows = tables_from_layout(PdfBackend("申报表.pdf", data).read())["vehicles"]
    assert [(r["plate"], r["vin"], r["emission_stage"], r["registration_date"]) for r in rows] == [
        ("冀T12345", VINS[0], "国六", "2021-07-15"), ("冀T67890", VINS[1], "国五", "2019-03-01"),
        ("冀R11111", VINS[2], "国六", "2022-01-02")]


def test_a_ledger_set_two_vehicles_to_a_row_reads_every_vehicle():
    """Class: a ledger that saves paper by setting two vehicles side by side under the same headings twice
    (序号 | 车牌号码 | 车辆识别代号 | 排放阶段 | 序号 | 车牌号码 | …); the right half was dropped. An empty half row at
    the end gives no vehicle."""
    def build(doc):
        table = doc.add_table(rows=0, cols=8)
        _row(table, "序号", "车牌号码", "车辆识别代号", "排放阶段", "序号", "车牌号码", "车辆识别代号", "排放阶段")
        _row(table, "1", "冀T12345", VINS[0], "国六", "2", "冀T67890", VINS[1], "国五")
        _row(table, "3", "冀T24680", VINS[2], "国Ⅴ", "", "", "", "")

    _, tables, _ = _read(_docx(build))
    assert [(r["plate"], r["vin"], r["emission_stage"]) for r in tables["vehicles"]] == [
        ("冀T12345", VINS[0], "国六"), ("冀T67890", VINS[1], "国五"), ("冀T24680", VINS[2], "国五")]


def test_a_page_break_under_a_group_heading_whose_sub_headings_start_the_next_page():
    """Class: a vehicle table's two-row header cut by the page: 车辆信息 merged over two columns (and the
    headings merged down) at the foot of page 1, its sub-headings 车号 | 车辆识别号 at the top of page 2, which
    draws a rule page 1 has not. Neither part named enough columns; no vehicle was read (seed 53's c08)."""
    from extractors.backends.pdf import PdfBackend
    from extractors.tables import tables_from_layout

    widths = [80, 130, 90, 90, 90]
    first = [["（以下按实际情况填写）", "", "", "", ""], ["车辆信息", "", "车辆排放标准", "首次注册日期", "车辆类型"]]
    second = [["车号", "车辆识别号", "", "", ""], ["冀T12345", VINS[0], "国Ⅴ", "2020/9/10", "重型厢式货车"],
              ["冀T67890", VINS[1], "纯电动", "2022/12/1", "重型罐式货车"]]
    data = _pdf((first, widths, [((0, 0), (-1, 0)), ((0, 1), (1, 1))]), (second, widths, []))
    tables = tables_from_layout(PdfBackend("申报表.pdf", data).read())
    assert [(r["plate"], r["vin"], r["emission_stage"], r["registration_date"]) for r in tables["vehicles"]] == [
        ("冀T12345", VINS[0], "国五", "2020-09-10"), ("冀T67890", VINS[1], "新能源", "2022-12-01")]


def test_a_table_carried_over_when_the_part_before_has_a_section_row_cut_in_two():
    """Class: a vehicle table whose first page has a column no rows of values use (车号 merged over two) and a
    section row a rule cut in two ((一)自 | 有车辆), going on under no header on the next page, which draws only
    the four columns the values fill. The section row's stray cell made the part before seem five columns
    wide, so the next page's vehicles were not joined (seed 53's c10 photo: 5/36 cells), and the cut
    section row was read as a vehicle."""
    from extractors.backends.pdf import PdfBackend
    from extractors.tables import tables_from_layout

    first = [["车号", "", "车辆识别码", "尾气排放标准", "初登日期"], ["(一)自", "有车辆", "", "", ""],
             ["冀T12345", "", VINS[0], "国五", "2019-01-01"], ["冀T67890", "", VINS[1], "国六", "2020-02-02"]]
    spans = [((0, 0), (1, 0)), ((1, 1), (-1, 1)), ((0, 2), (1, 2)), ((0, 3), (1, 3))]
    second = [["冀T24680", VINS[2], "燃气", "2021-03-03"], ["冀T13579", VINS[3], "纯电动", "2022-04-04"]]
    data = _pdf((first, [60, 40, 130, 80, 90], spans), (second, [100, 130, 80, 90], []))
    tables = tables_from_layout(PdfBackend("申报表.pdf", data).read())
    assert [(r["plate"], r["vin"], r["emission_stage"]) for r in tables["vehicles"]] == [
        ("冀T12345", VINS[0], "国五"), ("冀T67890", VINS[1], "国六"), ("冀T24680", VINS[2], "燃气"),
        ("冀T13579", VINS[3], "新能源")]


def test_a_carried_over_page_placed_by_where_its_cells_lie_under_headings_merged_across():
    """Class: the next page of a vehicle table photographed a little askew, its column rules a few points off
    the first page's, under a first page whose title and group heading (车辆信息) are merged across columns.
    Those merged cells' ends were taken for their first column's end, so a plate and its VIN fell inside one
    column, the row had no VIN, and the table ended at the next section row (seed 53's c22 photo: 3 of 7)."""
    from extractors.backends.pdf import PdfBackend
    from extractors.tables import tables_from_layout

    first = [["（以下按实际情况填写）", "", "", ""], ["车辆信息", "", "排放标准阶段", "车辆注册日期"],
             ["车辆牌照号码", "识别代号", "", ""], ["（一）自有车辆", "", "", ""], ["冀T12345", VINS[0], "国Ⅵ", "2019.12.12"]]
    spans = [((0, 0), (-1, 0)), ((0, 1), (1, 1)), ((2, 1), (2, 2)), ((3, 1), (3, 2)), ((0, 3), (-1, 3))]
    second = [["冀T67890", VINS[1], "国V", "2017.6.2"], ["（二）外协运输车辆", "", "", ""],
              ["冀T24680", VINS[2], "LNG", "2016.12.1"], ["冀T13579", VINS[3], "纯电动", "2020.7.26"]]
    data = _pdf((first, [100, 130, 80, 90], spans), (second, [110, 120, 80, 90], [((0, 1), (-1, 1))]))
    tables = tables_from_layout(PdfBackend("申报表.pdf", data).read())
    assert [(r["plate"], r["vin"]) for r in tables["vehicles"]] == [
        ("冀T12345", VINS[0]), ("冀T67890", VINS[1]), ("冀T24680", VINS[2]), ("冀T13579", VINS[3])]


def test_a_photographed_table_whose_rules_lean_moves_its_lower_rows_a_slot():
    """Class: a table photographed at an angle: its rules lean, and the grid the rules above make puts the
    lower rows' stage and date a slot to the right of their headings, in slots no heading names; one row's
    stage slot is merged with its VIN's, whose wrapped halves split as a VIN and a stage (seed 59's c01 photo:
    the last six vehicles without stage or date, one VIN cut in two). A value of a telling type (a stage, a
    date) beside an empty column is that column's; a cell spread over two columns is split only into values
    each of its column's type."""
    from extractors.layout import Cell, Grid, Layout
    from extractors.tables import tables_from_layout
    from forms.facts import Source

    def row(r, *texts):
        return [None if t is None else Cell(t, Source("申报表-2.jpg", 1, f"r{r}c{c}")) for c, t in enumerate(texts)]

    grid = Grid(index=1, rows=[
        row(0, "序号", "车号", "车辆识别号", "车辆排放阶段", None, "", "初登日期", None, "车辆类型"),
        row(1, "1", "晋A81530D", "LZG6K3NM9KJ651375", "纯电动", None, "", "2019年02月04日", None, "重型罐式货车"),
        row(2, "6", "冀T48421F", "LGAV0U113LE900867", "", "纯电动", None, "", "2020年3月12日", "重型半挂牵引车"),
        row(3, "11", "冀TX0710", "LFW4MZ5G\n3H4550463", None, "LNG", None, None, "2017年9月9日", "重型厢式货车")])
    rows = tables_from_layout(Layout(file="申报表-2.jpg", method="ocr", grids=[grid]))["vehicles"]
    assert [(r["plate"], r["vin"], r["emission_stage"], r["registration_date"]) for r in rows] == [
        ("晋A81530D", "LZG6K3NM9KJ651375", "新能源", "2019-02-04"),
        ("冀T48421F", "LGAV0U113LE900867", "新能源", "2020-03-12"),
        ("冀TX0710", "LFW4MZ5G3H4550463", "燃气", "2017-09-09")]


def test_a_sub_heading_cut_by_a_rule_its_values_do_not_have():
    """Class: a photographed header whose sub-heading 排放标准值 a phantom rule cut into 排放 | 标准值: 标准值 named
    the limit over an empty column, the limits stood under 排放, and every row's limit was lost (seed 59's d23
    photo: 10 of 50 emission cells). A heading over no values is the heading of the unnamed column before it
    whose values are of its type; a column before it holding other values stays unnamed."""
    from extractors.layout import Cell, Grid, Layout
    from extractors.tables import tables_from_layout
    from forms.facts import Source

    def row(r, *texts):
        return [None if t is None else Cell(t, Source("申报表-1.jpg", 1, f"r{r}c{c}")) for c, t in enumerate(texts)]

    grid = Grid(index=2, rows=[
        row(0, "排口编码", "生产工序/设施", "污染物种类", "排放浓度（mg/m³）", None, None),
        row(1, None, None, None, "实测值", "排放", "标准值"),
        row(2, "DA001", "1#烧结机机头", "颗粒物", "7.4", "10", None),
        row(3, None, None, "SO2", "21.1", "35", None),
        row(4, "DA002", "球团焙烧", "NOx", "15.4", "50", None)])
    rows = tables_from_layout(Layout(file="申报表-1.jpg", method="ocr", grids=[grid]))["emissions"]
    assert [(r["pollutant"], r["concentration_mg_m3"], r["limit_mg_m3"]) for r in rows] == [
        ("颗粒物", 7.4, 10), ("二氧化硫", 21.1, 35), ("氮氧化物", 15.4, 50)]
    grid.rows = [row[:4] + [Cell("达标" if k > 1 else "备注", row[3].source) if row[3] else None] + row[5:]
                 for k, row in enumerate(grid.rows)]
    rows = tables_from_layout(Layout(file="申报表-1.jpg", method="ocr", grids=[grid]))["emissions"]
    assert [r.get("limit_mg_m3") for r in rows] == [None, None, None]


def test_a_heading_naming_something_of_a_column_s_thing_leaves_the_column_to_its_values():
    """Class: headings read by meaning as a column that name an attribute of its thing — a plate's colour or
    kind, a vehicle's make (号牌颜色, 号牌种类, 车辆品牌, standard columns of a vehicle register) — before the
    column itself: the column goes to the heading whose values are of its type, and a heading over no value of
    that type names none."""

    def build(doc):
        table = doc.add_table(rows=0, cols=7)
        _row(table, "序号", "车辆品牌", "号牌颜色", "号牌号码", "车辆识别代号（VIN）", "排放标准", "注册日期")
        _row(table, "1", "解放", "黄色", "冀T12345", VINS[0], "国六", "2021-07-15")
        _row(table, "2", "东风", "黄色", "冀T67890", VINS[1], "国五", "2019-03-01")
        _row(table, "3", "重汽", "黄色", "冀R11111", VINS[2], "国六", "2022-01-02")

    _, tables, _ = _read(_docx(build))
    assert [(r["plate"], r["vin"], r["emission_stage"]) for r in tables["vehicles"]] == [
        ("冀T12345", VINS[0], "国六"), ("冀T67890", VINS[1], "国五"), ("冀R11111", VINS[2], "国六")]


def test_a_group_heading_over_a_plate_s_colour_and_number_gives_the_plate_to_the_number():
    """Class: a vehicle register's two-row header, 车辆信息 merged over 号牌颜色 | 号牌号码 | VIN: both joined
    headings read as the plate by meaning; the plate goes to the column whose values are plates."""

    def build(doc):
        table = doc.add_table(rows=0, cols=5)
        _row(table, "车辆信息", "车辆信息", "车辆信息", "排放阶段", "注册登记日期")
        _row(table, "号牌颜色", "号牌号码", "车辆识别代号", "", "")
        cells = table.rows[0].cells
        cells[0].merge(cells[2])
        table.cell(0, 3).merge(table.cell(1, 3))
        table.cell(0, 4).merge(table.cell(1, 4))
        _row(table, "黄色", "冀T12345", VINS[0], "国六", "2021-07-15")
        _row(table, "黄绿双拼色", "冀T67890", VINS[1], "新能源", "2019-03-01")

    _, tables, _ = _read(_docx(build))
    assert [(r["plate"], r["vin"], r["registration_date"]) for r in tables["vehicles"]] == [
        ("冀T12345", VINS[0], "2021-07-15"), ("冀T67890", VINS[1], "2019-03-01")]
