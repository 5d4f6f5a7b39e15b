"""Monitoring reports' tables as laboratories lay them out, not as fixtures/ writes them: repeated samplings
and their mean, a measured and a converted concentration side by side, outlets named by where they are
measured, an outlet's permit code inside a longer name. Every table is built here."""

from __future__ import annotations

import io

import docx

from extractors.backends.docx import DocxBackend
from extractors.tables import tables_from_layout


def _rows(*rows: list[str]) -> list[dict]:
    return _merged_rows(list(rows), [])


def test_the_mean_of_repeated_samplings_is_the_concentration():
    """Class: three samplings and their mean under headings no synonym names (the guideline's limits are an
    hour's mean); the outlet under 监测点位 with its permit code inside a longer name."""
    rows = _rows(["监测点位", "检测项目", "第1次", "第2次", "第3次", "平均值", "标准限值", "单位"],
                 ["1#熔化炉排气筒（DA001）", "颗粒物", "5.1", "6.2", "5.8", "5.7", "30", "mg/m³"],
                 ["1#熔化炉排气筒（DA001）", "二氧化硫", "12", "14", "13", "13", "100", "mg/m³"])
    assert rows == [{"outlet_id": "DA001", "pollutant": "颗粒物", "concentration_mg_m3": 5.7, "limit_mg_m3": 30},
                    {"outlet_id": "DA001", "pollutant": "二氧化硫", "concentration_mg_m3": 13, "limit_mg_m3": 100}]


def test_the_converted_concentration_beside_the_measured_one():
    """Class: 实测浓度 and 折算浓度 (at the reference oxygen, what the limits are stated in) and a rate in kg/h
    in one table; the converted one is the concentration, whichever comes first."""
    for measured_first in (True, False):
        heads = ["实测浓度(mg/m³)", "折算浓度(mg/m³)"] if measured_first else ["基准含氧量折算浓度", "实测浓度(mg/m³)"]
        values = ["40", "55"] if measured_first else ["55", "40"]
        rows = _rows(["排气筒", "污染物", "排放速率(kg/h)", *heads, "执行标准限值"],
                     ["DA002 电炉", "氮氧化物", "1.1", *values, "150"])
        assert rows == [{"outlet_id": "DA002", "pollutant": "氮氧化物", "concentration_mg_m3": 55, "limit_mg_m3": 150}]


def test_an_outlet_named_without_a_code_keeps_its_name():
    rows = _rows(["采样点位", "监测因子", "排放浓度", "限值"], ["2#烟囱", "颗粒物", "8.1", "30"])
    assert rows == [{"outlet_id": "2#烟囱", "pollutant": "颗粒物", "concentration_mg_m3": 8.1, "limit_mg_m3": 30}]
    # a column of names under a heading read by meaning: names can be outlets though none is a permit's code
    rows = _rows(["检测点位", "检测项目", "检测结果", "标准限值"], ["1#熔化炉排气筒出口", "颗粒物", "6.3", "10"],
                 ["2#制芯排气筒", "非甲烷总烃", "8.1", "60"])
    assert [(r["outlet_id"], r["pollutant"]) for r in rows] == [("1#熔化炉排气筒出口", "颗粒物"), ("2#制芯排气筒", "非甲烷总烃")]


def test_a_heading_ending_in_a_general_word():
    """Class: a heading whose last word is general (污染源名称): what comes before it names the column."""
    document = docx.Document()
    table = document.add_table(rows=0, cols=5)
    for row in (["排放口编号", "污染源名称", "污染物名称", "实测浓度", "标准限值"], ["DA001", "电炉", "颗粒物", "6.2", "10"]):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    rows = tables_from_layout(DocxBackend("监测报告.docx", out.getvalue()).layout())["emissions"]
    assert [(r["outlet_id"], r["source"], r["pollutant"]) for r in rows] == [("DA001", "电炉", "颗粒物")]


def test_what_is_permitted_is_the_limit_and_a_value_s_word_says_nothing():
    """Class: the limit written as what is permitted or the standard's figure (允许浓度, 标准浓度), and a heading
    ending in 数值/值 (排放浓度数值): the words before it name the column."""
    rows = _rows(["排放口编号", "污染物", "排放浓度数值", "允许浓度"], ["DA001", "颗粒物", "6.2", "10"])
    assert rows == [{"outlet_id": "DA001", "pollutant": "颗粒物", "concentration_mg_m3": 6.2, "limit_mg_m3": 10}]
    rows = _rows(["排放口编号", "污染物", "实测浓度", "标准浓度"], ["DA002", "二氧化硫", "35", "100"])
    assert rows == [{"outlet_id": "DA002", "pollutant": "二氧化硫", "concentration_mg_m3": 35, "limit_mg_m3": 100}]


def _merged_rows(rows: list[list[str]], merges: list[tuple[int, int, int]]) -> list[dict]:
    """A report's table with cells merged down the rows (column, first row, last row)."""
    document = docx.Document()
    document.add_paragraph("检测报告")
    table = document.add_table(rows=0, cols=len(rows[0]))
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    for c, first, last in merges:
        text = table.cell(first, c).text
        table.cell(first, c).merge(table.cell(last, c)).text = text
    out = io.BytesIO()
    document.save(out)
    found = tables_from_layout(DocxBackend("监测报告.docx", out.getvalue()).layout()).get("emissions", [])
    return [{k: r[k] for k in ("outlet_id", "pollutant", "concentration_mg_m3", "limit_mg_m3")} for r in found]


def test_samplings_kept_as_rows_under_a_merged_pollutant_are_one_row_of_their_mean():
    """Class: a row per sampling (第一次 … 第三次) and one for their mean (均值) under the pollutant's cell merged
    down, as many laboratories print them; the rounds were read as rows of their own, three of them without
    a pollutant. A pollutant with no mean row gets its rounds' mean."""
    head = ["检测点位", "检测项目", "检测频次", "实测浓度（mg/m³）", "折算浓度（mg/m³）", "标准限值（mg/m³）"]
    body = [["DA001熔炼废气排放口", "颗粒物", "第一次", "4.1", "5.0", "10"],
            ["", "", "第二次", "4.3", "5.2", "10"],
            ["", "", "第三次", "4.2", "5.1", "10"],
            ["", "", "均值", "4.2", "5.1", "10"],
            ["", "二氧化硫", "第一次", "12", "14", "35"],
            ["", "", "第二次", "13", "16", "35"],
            ["", "", "第三次", "11", "15", "35"]]
    rows = _merged_rows([head, *body], [(0, 1, 7), (1, 1, 4), (1, 5, 7)])
    assert rows == [{"outlet_id": "DA001", "pollutant": "颗粒物", "concentration_mg_m3": 5.1, "limit_mg_m3": 10},
                    {"outlet_id": "DA001", "pollutant": "二氧化硫", "concentration_mg_m3": 15, "limit_mg_m3": 35}]


def test_a_table_with_the_pollutants_heading_its_columns():
    """Class: a table turned round, pollutants across the top (SO₂ and NOₓ in subscripts) and a row for each
    quantity of each outlet (排放浓度, 排放速率, 标准限值), the outlet merged down; no heading named a column of
    ours, so nothing was read. A pollutant an outlet was not tested for (— or empty) gives no row."""
    head = ["检测点位", "检测内容", "颗粒物", "SO₂", "NOₓ（mg/m³）"]
    body = [["DA001", "排放浓度（mg/m³）", "5.1", "14", "45"],
            ["", "排放速率（kg/h）", "0.1", "0.3", "0.9"],
            ["", "标准限值（mg/m³）", "10", "35", "50"],
            ["DA002", "排放浓度（mg/m³）", "6.2", "—", ""],
            ["", "标准限值（mg/m³）", "10", "", ""]]
    assert _merged_rows([head, *body], [(0, 1, 3), (0, 4, 5)]) == [
        {"outlet_id": "DA001", "pollutant": "颗粒物", "concentration_mg_m3": 5.1, "limit_mg_m3": 10},
        {"outlet_id": "DA001", "pollutant": "二氧化硫", "concentration_mg_m3": 14, "limit_mg_m3": 35},
        {"outlet_id": "DA001", "pollutant": "氮氧化物", "concentration_mg_m3": 45, "limit_mg_m3": 50},
        {"outlet_id": "DA002", "pollutant": "颗粒物", "concentration_mg_m3": 6.2, "limit_mg_m3": 10}]
