"""Text PDFs: ruled tables through pdfplumber, borderless ones through camelot's stream flavour."""

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from extractors.pipeline import extract_bundle

ROWS = [["DA001", "熔化炉", "颗粒物", "6.3", "10"], ["DA001", "熔化炉", "二氧化硫", "12", "35"],
        ["DA002", "制芯", "颗粒物", "4.1", "10"], ["DA002", "制芯", "非甲烷总烃", "8.5", "60"]]


def borderless_report(path):
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 16)
    c.drawString(230, 790, "检测报告")
    c.setFont("STSong-Light", 10.5)
    c.drawString(72, 760, "报告编号：HBJC-2020-0815")
    c.drawString(320, 760, "采样日期：2020年5月12日")
    c.drawString(72, 740, "检测单位：河北某某环境检测有限公司")
    y, columns = 700, [72, 150, 250, 340, 440]
    for x, heading in zip(columns, ["排放口编号", "产污环节", "监测项目", "排放浓度", "标准限值"], strict=True):
        c.drawString(x, y, heading)
    c.line(72, y - 4, 520, y - 4)  # one rule under the heading: not a ruled table
    for row in ROWS:
        y -= 18
        for x, value in zip(columns, row, strict=True):
            c.drawString(x, y, value)
    c.save()


def test_borderless_monitoring_table_and_report_fields(tmp_path):
    path = tmp_path / "监测报告.pdf"
    borderless_report(path)
    (doc,) = extract_bundle([path]).documents
    assert doc.kind == "monitoring_report" and doc.method == "pdf-text"
    values = {f.key: f.value for f in doc.facts}
    assert values["report_number"] == "HBJC-2020-0815"
    assert values["sampling_date"] == "2020-05-12"
    rows = doc.tables["emissions"]
    assert [[r["outlet_id"], r["source"], r["pollutant"], r["concentration_mg_m3"], r["limit_mg_m3"]] for r in rows] == [
        [a, b, c, float(d) if "." in d else int(d), int(e)] for a, b, c, d, e in ROWS]
    first = rows[0]["source_ref"]
    assert first["page"] == 1 and first["bbox"][1] < first["bbox"][3]
    # the row of DA001 颗粒物 sits at y = 682 pt from the bottom: 160 pt from the top of an 842 pt page
    assert 140 < first["bbox"][1] < 165
    # label/value lines inside the guessed table are not counted twice
    assert sum(1 for f in doc.facts if f.key == "report_number") == 1
